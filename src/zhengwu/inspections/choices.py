"""Enumerations of the inspection mechanism, the declared finding state machine, and the domain registry."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scoring(models.TextChoices):
    """How a checklist is marked: each criterion passes or fails, or earns points up to its maximum."""

    PASS_FAIL = "pass_fail", _("合格/不合格")
    SCORED = "scored", _("百分制计分")


class RoundStatus(models.TextChoices):
    """检查批次: planned → in progress → closed."""

    PLANNED = "planned", _("计划中")
    IN_PROGRESS = "in_progress", _("检查中")
    CLOSED = "closed", _("已结束")


class InspectionStatus(models.TextChoices):
    """One inspection of one organisation: recorded as a draft, then submitted (score fixed)."""

    DRAFT = "draft", _("记录中")
    SUBMITTED = "submitted", _("已提交")


class Outcome(models.TextChoices):
    """The result of one criterion. For scored checklists it is derived: full marks pass, any deduction fails."""

    PASS = "pass", _("符合")
    FAIL = "fail", _("不符合")
    NA = "na", _("不适用")


class Severity(models.TextChoices):
    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("较重")
    SEVERE = "severe", _("严重")


class FindingStatus(models.TextChoices):
    """问题整改: open → rectification submitted → verified (closed), or back to open when rejected."""

    OPEN = "open", _("待整改")
    SUBMITTED = "submitted", _("待验收")
    VERIFIED = "verified", _("已销号")
    WITHDRAWN = "withdrawn", _("已撤销")


class FindingAction(models.TextChoices):
    """What happened to a finding (one timeline event each)."""

    CREATE = "create", _("下达整改")
    SUBMIT = "submit", _("提交整改材料")
    ACCEPT = "accept", _("验收通过")
    REJECT = "reject", _("验收不通过")
    WITHDRAW = "withdraw", _("撤销问题")


# The finding state machine, declared once: action → (states it may start from, state it leads to).
# Services check a transition against this table; nothing else changes Finding.status.
FINDING_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    FindingAction.SUBMIT: (frozenset({FindingStatus.OPEN}), FindingStatus.SUBMITTED),
    FindingAction.ACCEPT: (frozenset({FindingStatus.SUBMITTED}), FindingStatus.VERIFIED),
    FindingAction.REJECT: (frozenset({FindingStatus.SUBMITTED}), FindingStatus.OPEN),
    FindingAction.WITHDRAW: (
        frozenset({FindingStatus.OPEN, FindingStatus.SUBMITTED}),
        FindingStatus.WITHDRAWN,
    ),
}

# States in which the target organisation still owes something (open findings for progress figures).
ACTIVE_FINDING_STATES = frozenset({FindingStatus.OPEN, FindingStatus.SUBMITTED})


# --- Domains: which line of work a checklist belongs to ------------------------------------------------------
# A free code on the template; domain apps register their label here (``register_domain`` in ready()),
# so the mechanism stays generic and the label lists grow with the apps.
DOMAINS: dict[str, str] = {
    "licensing": _("行政许可监督检查"),
    "hall": _("政务服务大厅评估"),
    "netsec": _("网络安全检查"),
    "website": _("政府网站与政务新媒体检查"),
}


def register_domain(code: str, label: str) -> None:
    """Let a domain app name its kind of inspection (idempotent)."""
    DOMAINS.setdefault(code, label)


def domain_label(code: str) -> str:
    return str(DOMAINS.get(code, code))


def domain_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in DOMAINS.items()]
