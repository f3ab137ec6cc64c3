"""Writes of the inspection mechanism. Each is one transaction with an audit entry; keyword-only and typed.

Domain apps (catalog's 行政许可监督检查, halls' assessment, datagov's network-security checks, websites) call these:
``template_upsert`` once for their checklist, then ``round_create`` / ``inspection_create`` /
``inspection_record`` / ``inspection_submit`` / ``finding_create``. The target organisation answers a finding
with ``finding_submit_rectification``; the inspector closes it with ``finding_verify``.

Every finding transition follows ``choices.FINDING_TRANSITIONS``: it locks the row, checks the caller's
permission, the current state and (when given) the version the caller saw, writes the new state, appends a
``FindingEvent`` and an audit entry. Deadlines come from ``core.workcalendar`` (legal working days).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhengwu.core import workcalendar
from zhengwu.core.audit import audit_log, model_snapshot
from zhengwu.core.choices import OrgKind
from zhengwu.core.exceptions import Conflict, InvalidInput, NotAllowed
from zhengwu.core.models import Organisation, User
from zhengwu.inspections import files
from zhengwu.inspections.choices import (
    FINDING_TRANSITIONS,
    FindingAction,
    InspectionStatus,
    Outcome,
    RoundStatus,
    Scoring,
    Severity,
)
from zhengwu.inspections.models import (
    ChecklistTemplate,
    Criterion,
    CriterionResult,
    Finding,
    FindingEvent,
    Inspection,
    InspectionRound,
    Rectification,
)
from zhengwu.inspections.selectors import MANAGE, RECTIFY, VIEW_INSPECTION, own_organisation_ids

MAX_RECTIFY_WORKDAYS = 365
_CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,30}$")
_HUNDRED = Decimal("100")
_CENT = Decimal("0.01")


def default_rectify_workdays() -> int:
    """整改时限 when the inspector does not set one (``ZHENGWU_RECTIFY_WORKDAYS``, 10 by default)."""
    return int(getattr(settings, "ZHENGWU_RECTIFY_WORKDAYS", 10))


# --- Who may do what (the pages use these to show only the actions that will succeed) ---------------------


def can_manage(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm(MANAGE)


def can_inspect(user: User, inspection: Inspection) -> bool:
    """Record results, raise and verify findings: the assigned inspector, or a manager."""
    if can_manage(user):
        return True
    return (
        user.is_authenticated
        and user.is_active
        and inspection.inspector_id == user.pk
        and user.has_perm(VIEW_INSPECTION)
    )


def can_rectify(user: User, finding: Finding) -> bool:
    """Submit rectification: a user of the inspected organisation holding rectify_finding, or a manager."""
    if can_manage(user):
        return True
    if not (user.is_authenticated and user.is_active and user.has_perm(RECTIFY)):
        return False
    return finding.inspection.target_id in own_organisation_ids(user)


def can_verify(user: User, finding: Finding) -> bool:
    return can_inspect(user, finding.inspection)


def _now(at: datetime | None) -> datetime:
    """When an event happened: now, or an earlier moment for paper records and the demo (never the future)."""
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise InvalidInput("时间须带时区。")
    if at > now:
        raise InvalidInput("操作时间不能晚于当前时间。")
    return at


def _local_day(moment: datetime) -> date:
    return timezone.localdate(moment)


def _clean_text(value: str | None, *, field: str, label: str, required: bool, limit: int) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"请填写{label}。", errors={field: ["必填。"]})
    if len(text) > limit:
        raise InvalidInput(f"{label}不能超过 {limit} 个字。", errors={field: ["内容过长。"]})
    return text


def _check_version(obj: Inspection | Finding, expected_version: int | None, what: str) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(f"该{what}已被他人修改，请刷新页面后重试。")


# --- Checklist templates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CriterionSpec:
    code: str
    text: str
    section: str
    guidance: str
    max_score: Decimal
    order: int


def _criterion_specs(scoring: str, criteria: Sequence[Mapping[str, Any]]) -> list[_CriterionSpec]:
    errors: dict[str, list[str]] = {}
    specs: list[_CriterionSpec] = []
    seen: set[str] = set()
    if not criteria:
        raise InvalidInput("检查表至少需要一项检查内容。", errors={"criteria": ["至少一项。"]})
    for index, raw in enumerate(criteria, start=1):
        unknown = set(raw) - {"code", "text", "section", "guidance", "max_score"}
        code = str(raw.get("code", "")).strip()
        text = str(raw.get("text", "")).strip()
        problems = []
        if unknown:
            problems.append(f"未知字段：{'、'.join(sorted(unknown))}。")
        if not _CODE_RE.match(code):
            problems.append("编号应为 1–30 位字母、数字或 _ . -。")
        elif code in seen:
            problems.append(f"编号 {code} 重复。")
        if not text or len(text) > 300:
            problems.append("检查内容必填，且不超过 300 字。")
        try:
            max_score = Decimal(str(raw.get("max_score") or 0)).quantize(_CENT)
        except InvalidOperation:
            max_score = Decimal(-1)
        if scoring == Scoring.SCORED and not Decimal(0) < max_score < Decimal(10000):
            problems.append("计分检查表的每项须有大于 0 的分值。")
        if scoring == Scoring.PASS_FAIL:
            max_score = Decimal("0.00")
        if problems:
            errors[f"criteria.{index}"] = problems
            continue
        seen.add(code)
        specs.append(
            _CriterionSpec(
                code=code,
                text=text,
                section=str(raw.get("section", "")).strip()[:60],
                guidance=str(raw.get("guidance", "")).strip(),
                max_score=max_score,
                order=index,
            )
        )
    if errors:
        raise InvalidInput("检查内容有误。", errors=errors)
    return specs


def _existing_specs(template: ChecklistTemplate) -> list[_CriterionSpec]:
    return [
        _CriterionSpec(c.code, c.text, c.section, c.guidance, c.max_score.quantize(_CENT), c.order)
        for c in template.criteria.order_by("order", "id")
    ]


@transaction.atomic
def template_upsert(
    *,
    code: str,
    name: str,
    domain: str,
    criteria: Sequence[Mapping[str, Any]],
    actor: User | None,
    scoring: str = Scoring.PASS_FAIL,
    description: str = "",
) -> ChecklistTemplate:
    """Create or update a checklist by its code (idempotent: the same content writes nothing).

    ``criteria`` are mappings with ``code`` and ``text`` and optionally ``section``, ``guidance`` and
    ``max_score`` (required > 0 for scored checklists), in checklist order. A version already used by a round
    is never changed in its criteria or scoring: a new version is made and becomes the active one.
    ``actor=None`` is the platform itself (a domain app's set-up or the demo).
    """
    if actor is not None and not can_manage(actor):
        raise NotAllowed("您没有维护检查表的权限。")
    code = code.strip()
    name = _clean_text(name, field="name", label="检查表名称", required=True, limit=100)
    domain = domain.strip()
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}", code):
        raise InvalidInput(
            "检查表代码应为小写字母开头的字母、数字、- 或 _，不超过 40 位。", errors={"code": ["格式有误。"]}
        )
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,19}", domain):
        raise InvalidInput(
            "检查类别应为小写字母开头的代码(如 licensing)。", errors={"domain": ["格式有误。"]}
        )
    if scoring not in Scoring.values:
        raise InvalidInput(f"评分方式 {scoring} 无效。", errors={"scoring": ["取值无效。"]})
    specs = _criterion_specs(scoring, criteria)
    header = {"name": name, "domain": domain, "scoring": scoring, "description": description.strip()}

    current = ChecklistTemplate.objects.select_for_update().filter(code=code, is_active=True).first()
    if current is not None:
        same_header = all(getattr(current, k) == v for k, v in header.items())
        same_criteria = _existing_specs(current) == specs
        if same_header and same_criteria:
            return current
        frozen = current.rounds.exists() and (not same_criteria or current.scoring != scoring)
        if not frozen:
            before = {**model_snapshot(current, list(header)), "criteria": len(_existing_specs(current))}
            for key, value in header.items():
                setattr(current, key, value)
            current.save()
            if not same_criteria:
                current.criteria.all().delete()
                _create_criteria(current, specs)
            audit_log(
                actor=actor,
                action="inspections.template.update",
                obj=current,
                before=before,
                after={**header, "criteria": len(specs)},
            )
            return current
        current.is_active = False
        current.save(update_fields=["is_active", "updated_at"])
    last = (
        ChecklistTemplate.objects.filter(code=code)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    template = ChecklistTemplate.objects.create(code=code, version=(last or 0) + 1, **header)
    _create_criteria(template, specs)
    audit_log(
        actor=actor,
        action="inspections.template.create" if last is None else "inspections.template.new_version",
        obj=template,
        after={**header, "code": code, "version": template.version, "criteria": len(specs)},
    )
    return template


def _create_criteria(template: ChecklistTemplate, specs: list[_CriterionSpec]) -> None:
    Criterion.objects.bulk_create(
        [
            Criterion(
                template=template,
                code=s.code,
                text=s.text,
                section=s.section,
                guidance=s.guidance,
                max_score=s.max_score,
                order=s.order,
            )
            for s in specs
        ]
    )


# --- Rounds -----------------------------------------------------------------------------------------------


@transaction.atomic
def round_create(
    *,
    template: ChecklistTemplate,
    name: str,
    year: int,
    planned_start: date,
    planned_end: date,
    actor: User | None,
    notes: str = "",
) -> InspectionRound:
    """Plan a round (检查批次) on the active version of a checklist."""
    if actor is not None and not can_manage(actor):
        raise NotAllowed("您没有组织监督检查的权限。")
    name = _clean_text(name, field="name", label="批次名称", required=True, limit=100)
    errors: dict[str, list[str]] = {}
    if not template.is_active:
        errors["template"] = ["该检查表已有新版本，请使用现行版本。"]
    if not 2000 <= int(year) <= 2100:
        errors["year"] = ["年度应在 2000–2100 之间。"]
    if planned_end < planned_start:
        errors["planned_end"] = ["计划结束日期不能早于开始日期。"]
    if errors:
        raise InvalidInput("检查批次信息有误。", errors=errors)
    if InspectionRound.objects.filter(template=template, year=year, name=name).exists():
        raise Conflict(f"{year}年已有名为“{name}”的检查批次。")
    inspection_round = InspectionRound.objects.create(
        template=template,
        name=name,
        year=year,
        planned_start=planned_start,
        planned_end=planned_end,
        notes=notes.strip(),
        created_by=actor,
    )
    audit_log(
        actor=actor,
        action="inspections.round.create",
        obj=inspection_round,
        after=model_snapshot(inspection_round),
    )
    return inspection_round


def _locked_round(inspection_round: InspectionRound, expected: str, verb: str) -> InspectionRound:
    current = InspectionRound.objects.select_for_update().get(pk=inspection_round.pk)
    if current.status != expected:
        raise Conflict(f"该检查批次当前为“{current.get_status_display()}”，不能{verb}。")
    return current


@transaction.atomic
def round_start(*, round: InspectionRound, actor: User | None) -> InspectionRound:
    """计划中 → 检查中: results can be recorded from now on."""
    if actor is not None and not can_manage(actor):
        raise NotAllowed("您没有组织监督检查的权限。")
    current = _locked_round(round, RoundStatus.PLANNED, "开始")
    current.status, current.started_at = RoundStatus.IN_PROGRESS, timezone.now()
    current.save(update_fields=["status", "started_at"])
    audit_log(actor=actor, action="inspections.round.start", obj=current)
    return current


@transaction.atomic
def round_close(*, round: InspectionRound, actor: User | None) -> InspectionRound:
    """检查中 → 已结束, once every inspection is submitted. Findings stay open until verified."""
    if actor is not None and not can_manage(actor):
        raise NotAllowed("您没有组织监督检查的权限。")
    current = _locked_round(round, RoundStatus.IN_PROGRESS, "结束")
    drafts = current.inspections.filter(status=InspectionStatus.DRAFT).count()
    if drafts:
        raise InvalidInput(f"还有 {drafts} 个检查记录未提交，不能结束本批次。")
    current.status, current.closed_at = RoundStatus.CLOSED, timezone.now()
    current.save(update_fields=["status", "closed_at"])
    audit_log(
        actor=actor,
        action="inspections.round.close",
        obj=current,
        after={"inspections": current.inspections.count()},
    )
    return current


# --- Inspections ------------------------------------------------------------------------------------------


def _check_inspected_on(day: date | None) -> None:
    if day is not None and day > timezone.localdate():
        raise InvalidInput("检查日期不能晚于今天。", errors={"inspected_on": ["不能晚于今天。"]})


@transaction.atomic
def inspection_create(
    *,
    round: InspectionRound,
    target: Organisation,
    inspector: User,
    actor: User | None,
    inspected_on: date | None = None,
) -> Inspection:
    """Add an organisation to a round, with its inspector (who may not belong to it: 回避)."""
    if actor is not None and not can_manage(actor):
        raise NotAllowed("您没有组织监督检查的权限。")
    current = InspectionRound.objects.select_for_update().get(pk=round.pk)
    if current.status == RoundStatus.CLOSED:
        raise Conflict("该检查批次已结束，不能再增加被检查单位。")
    errors: dict[str, list[str]] = {}
    if not target.is_active or target.kind == OrgKind.CITIZEN:
        errors["target"] = ["该单位已停用或不能作为被检查单位。"]
    if not inspector.is_active or not inspector.has_perm(VIEW_INSPECTION):
        errors["inspector"] = ["检查人须为在用且有监督检查权限的账号。"]
    elif inspector.organisation_id == target.pk:
        errors["inspector"] = ["检查人不能检查本单位(回避)。"]
    if errors:
        raise InvalidInput("检查记录信息有误。", errors=errors)
    _check_inspected_on(inspected_on)
    if Inspection.objects.filter(round=current, target=target).exists():
        raise Conflict(f"{target.name}已在本批次中。")
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(
                round=current, target=target, inspector=inspector, inspected_on=inspected_on, created_by=actor
            )
    except IntegrityError as exc:  # a concurrent request added it first
        raise Conflict(f"{target.name}已在本批次中。") from exc
    audit_log(
        actor=actor,
        action="inspections.inspection.create",
        obj=inspection,
        after={"round": current.pk, "target": target.pk, "inspector": inspector.pk},
    )
    return inspection


def _locked_inspection(inspection: Inspection, expected_version: int | None) -> Inspection:
    current = (
        Inspection.objects.select_for_update()
        .select_related("round", "round__template")
        .get(pk=inspection.pk)
    )
    _check_version(current, expected_version, "检查记录")
    return current


def _editable(inspection: Inspection, actor: User) -> None:
    if not can_inspect(actor, inspection):
        raise NotAllowed("只有本检查的检查人或管理局监督检查人员可以操作。")
    if inspection.status != InspectionStatus.DRAFT:
        raise Conflict("该检查记录已提交，不能修改。")
    if inspection.round.status != RoundStatus.IN_PROGRESS:
        raise Conflict(f"检查批次“{inspection.round.get_status_display()}”，不能记录检查结果。")


def _decimal(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return Decimal(str(value).strip()).quantize(_CENT)
    except InvalidOperation:
        return Decimal(-1)


def _clean_result(
    scoring: str, criterion: Criterion, raw: Mapping[str, Any]
) -> tuple[str, Decimal | None, str] | None:
    """Return (outcome, score, note) for one criterion, None to clear it; raise a message on bad input."""
    outcome = str(raw.get("outcome") or "").strip()
    score = _decimal(raw.get("score"))
    note = str(raw.get("note") or "").strip()
    if len(note) > 500:
        raise ValueError("说明不能超过 500 字。")
    if outcome and outcome not in Outcome.values:
        raise ValueError("结论应为符合、不符合或不适用。")
    if scoring == Scoring.PASS_FAIL:
        if score is not None:
            raise ValueError("合格制检查表不计分。")
        if not outcome:
            if note:
                raise ValueError("请选择结论。")
            return None
        return outcome, None, note
    if outcome == Outcome.NA:
        if score is not None:
            raise ValueError("不适用的项不计分。")
        return Outcome.NA, None, note
    if score is None:
        if outcome or note:
            raise ValueError("请填写得分。")
        return None
    if not Decimal(0) <= score <= criterion.max_score:
        raise ValueError(f"得分应在 0 到 {criterion.max_score.normalize():f} 之间。")
    return (Outcome.PASS if score == criterion.max_score else Outcome.FAIL), score, note


@transaction.atomic
def inspection_record(
    *,
    inspection: Inspection,
    actor: User,
    results: Mapping[str, Mapping[str, Any]],
    inspected_on: date | None = None,
    summary: str | None = None,
    expected_version: int | None = None,
) -> Inspection:
    """Save results of a draft inspection, keyed by criterion code: ``{"C01": {"outcome": "pass", "note": ""}}``.

    Scored checklists give ``score`` (and ``outcome`` "na" for 不适用); an entry with neither outcome nor score
    clears the criterion. Criteria not mentioned keep their result.
    """
    current = _locked_inspection(inspection, expected_version)
    _editable(current, actor)
    _check_inspected_on(inspected_on)
    scoring = current.round.template.scoring
    criteria = {c.code: c for c in current.round.template.criteria.all()}
    errors: dict[str, list[str]] = {}
    cleaned: dict[int, tuple[str, Decimal | None, str] | None] = {}
    for code, raw in results.items():
        criterion = criteria.get(code)
        if criterion is None:
            errors[code] = ["本检查表没有该检查内容。"]
            continue
        try:
            cleaned[criterion.pk] = _clean_result(scoring, criterion, raw)
        except ValueError as exc:
            errors[code] = [str(exc)]
    if errors:
        raise InvalidInput("检查结果有误。", errors=errors)
    existing = {r.criterion_id: r for r in current.results.all()}
    new, changed, cleared = [], [], []
    for criterion_id, value in cleaned.items():
        row = existing.get(criterion_id)
        if value is None:
            if row is not None:
                cleared.append(row.pk)
            continue
        outcome, score, note = value
        if row is None:
            new.append(
                CriterionResult(
                    inspection=current, criterion_id=criterion_id, outcome=outcome, score=score, note=note
                )
            )
        elif (row.outcome, row.score, row.note) != (outcome, score, note):
            row.outcome, row.score, row.note = outcome, score, note
            changed.append(row)
    CriterionResult.objects.bulk_create(new)
    if changed:
        now = timezone.now()
        for row in changed:
            row.updated_at = now  # bulk_update skips auto_now
        CriterionResult.objects.bulk_update(changed, ["outcome", "score", "note", "updated_at"])
    CriterionResult.objects.filter(pk__in=cleared).delete()
    fields = ["version", "updated_at"]
    if inspected_on is not None:
        current.inspected_on = inspected_on
        fields.append("inspected_on")
    if summary is not None:
        current.summary = _clean_text(summary, field="summary", label="检查意见", required=False, limit=5000)
        fields.append("summary")
    current.version += 1
    current.save(update_fields=fields)
    audit_log(
        actor=actor,
        action="inspections.inspection.record",
        obj=current,
        after={
            "new": len(new),
            "changed": len(changed),
            "cleared": len(cleared),
            "inspected_on": current.inspected_on,
        },
    )
    return current


@dataclass(frozen=True)
class Score:
    """The figures fixed on submission (see ``Inspection``)."""

    score: Decimal
    points: Decimal | None
    max_points: Decimal | None
    passed: int
    failed: int
    not_applicable: int


def _percent(numerator: Decimal, denominator: Decimal) -> Decimal:
    return (numerator * _HUNDRED / denominator).quantize(_CENT, rounding=ROUND_HALF_UP)


def compute_score(scoring: str, rows: Sequence[tuple[str, Decimal | None, Decimal]]) -> Score:
    """Score (outcome, score, max_score) rows: scored Σscore ÷ Σmax × 100; pass/fail passes ÷ (passes + fails) × 100.

    Criteria marked 不适用 count in neither. Raises InvalidInput when nothing is applicable.
    """
    applicable = [r for r in rows if r[0] != Outcome.NA]
    passed = sum(1 for r in applicable if r[0] == Outcome.PASS)
    failed = len(applicable) - passed
    na = len(rows) - len(applicable)
    if not applicable:
        raise InvalidInput("所有检查内容均为“不适用”，无法计分。")
    if scoring == Scoring.SCORED:
        points = sum((r[1] or Decimal(0) for r in applicable), Decimal(0))
        max_points = sum((r[2] for r in applicable), Decimal(0))
        return Score(_percent(points, max_points), points, max_points, passed, failed, na)
    return Score(_percent(Decimal(passed), Decimal(passed + failed)), None, None, passed, failed, na)


@transaction.atomic
def inspection_submit(
    *, inspection: Inspection, actor: User, expected_version: int | None = None
) -> Inspection:
    """Fix the results: every criterion must have one and the inspection date be set; the score is computed."""
    current = _locked_inspection(inspection, expected_version)
    _editable(current, actor)
    sheet = list(current.round.template.criteria.order_by("order", "id"))
    results = {r.criterion_id: r for r in current.results.all()}
    missing = [c.code for c in sheet if c.pk not in results]
    errors: dict[str, list[str]] = {}
    if missing:
        errors["results"] = [f"尚未填写：{'、'.join(missing)}。"]
    if current.inspected_on is None:
        errors["inspected_on"] = ["请填写检查日期。"]
    if errors:
        raise InvalidInput("检查记录尚不完整，不能提交。", errors=errors)
    score = compute_score(
        current.round.template.scoring,
        [(results[c.pk].outcome, results[c.pk].score, c.max_score) for c in sheet],
    )
    current.score, current.points, current.max_points = score.score, score.points, score.max_points
    current.passed, current.failed, current.not_applicable = score.passed, score.failed, score.not_applicable
    current.status, current.submitted_at = InspectionStatus.SUBMITTED, timezone.now()
    current.version += 1
    current.save()
    audit_log(
        actor=actor,
        action="inspections.inspection.submit",
        obj=current,
        after={
            "score": score.score,
            "passed": score.passed,
            "failed": score.failed,
            "na": score.not_applicable,
        },
    )
    return current


@transaction.atomic
def inspection_reopen(
    *, inspection: Inspection, actor: User, reason: str, expected_version: int | None = None
) -> Inspection:
    """Send a submitted inspection back to draft to correct it (managers only, while the round runs)."""
    if not can_manage(actor):
        raise NotAllowed("只有管理局监督检查人员可以退回已提交的检查记录。")
    current = _locked_inspection(inspection, expected_version)
    reason = _clean_text(reason, field="reason", label="退回原因", required=True, limit=500)
    if current.status != InspectionStatus.SUBMITTED:
        raise Conflict("该检查记录尚未提交。")
    if current.round.status != RoundStatus.IN_PROGRESS:
        raise Conflict("检查批次已结束，不能退回检查记录。")
    before = {"score": current.score}
    current.status, current.submitted_at = InspectionStatus.DRAFT, None
    current.score = current.points = current.max_points = None
    current.passed = current.failed = current.not_applicable = 0
    current.version += 1
    current.save()
    audit_log(
        actor=actor,
        action="inspections.inspection.reopen",
        obj=current,
        before=before,
        after={"reason": reason},
    )
    return current


# --- Findings ---------------------------------------------------------------------------------------------


def _workdays(value: int | None) -> int:
    days = default_rectify_workdays() if value is None else int(value)
    if not 1 <= days <= MAX_RECTIFY_WORKDAYS:
        raise InvalidInput(
            f"整改时限应为 1–{MAX_RECTIFY_WORKDAYS} 个工作日。", errors={"rectify_workdays": ["超出范围。"]}
        )
    return days


def _event(
    finding: Finding, *, actor: User | None, action: str, from_status: str, note: str, at: datetime
) -> None:
    FindingEvent.objects.create(
        finding=finding,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=(str(actor) if actor is not None else "系统")[:150],
        created_at=at,
        action=action,
        from_status=from_status,
        to_status=finding.status,
        note=note,
    )


@transaction.atomic
def finding_create(
    *,
    inspection: Inspection,
    actor: User,
    description: str,
    subject: str = "",
    criterion: Criterion | None = None,
    severity: str = Severity.GENERAL,
    issued_on: date | None = None,
    rectify_workdays: int | None = None,
    at: datetime | None = None,
) -> Finding:
    """Raise a problem for the inspected organisation to rectify; deadline = N legal working days after issue."""
    current = Inspection.objects.select_related("round", "target").get(pk=inspection.pk)
    if not can_inspect(actor, current):
        raise NotAllowed("只有本检查的检查人或管理局监督检查人员可以下达问题。")
    if current.round.status == RoundStatus.CLOSED:
        raise Conflict("检查批次已结束，不能再下达问题。")
    moment = _now(at)
    description = _clean_text(description, field="description", label="问题描述", required=True, limit=5000)
    subject = _clean_text(subject, field="subject", label="涉及事项", required=False, limit=200)
    errors: dict[str, list[str]] = {}
    if criterion is not None and criterion.template_id != current.round.template_id:
        errors["criterion"] = ["该检查内容不属于本检查表。"]
    if severity not in Severity.values:
        errors["severity"] = ["取值无效。"]
    issued = issued_on or _local_day(moment)
    if issued > timezone.localdate():
        errors["issued_on"] = ["下达日期不能晚于今天。"]
    elif current.inspected_on is not None and issued < current.inspected_on:
        errors["issued_on"] = ["下达日期不能早于检查日期。"]
    if errors:
        raise InvalidInput("问题信息有误。", errors=errors)
    days = _workdays(rectify_workdays)
    deadline = workcalendar.add_workdays(issued, days)
    finding = Finding.objects.create(
        inspection=current,
        criterion=criterion,
        subject=subject,
        description=description,
        severity=severity,
        issued_on=issued,
        rectify_workdays=days,
        deadline=deadline,
        deadline_basis=f"下达后 {days} 个法定工作日",
        created_by=actor,
    )
    _event(
        finding,
        actor=actor,
        action=FindingAction.CREATE,
        from_status="",
        note=f"整改期限 {deadline:%Y-%m-%d}",
        at=moment,
    )
    audit_log(
        actor=actor,
        action="inspections.finding.create",
        obj=finding,
        after={
            "inspection": current.pk,
            "target": current.target_id,
            "severity": severity,
            "issued_on": issued,
            "workdays": days,
            "deadline": deadline,
        },
    )
    return finding


def _transition(
    finding: Finding, *, action: str, actor: User, expected_version: int | None, check: Any, refused: str
) -> tuple[Finding, str]:
    """Lock the finding, check permission, version and state; move it to the state ``action`` leads to."""
    current = Finding.objects.select_for_update().select_related("inspection").get(pk=finding.pk)
    if not check(actor, current):
        raise NotAllowed(refused)
    _check_version(current, expected_version, "问题")
    allowed, target = FINDING_TRANSITIONS[action]
    if current.status not in allowed:
        raise Conflict(
            f"该问题当前为“{current.get_status_display()}”，不能{FindingAction(action).label}(可能已被他人处理，请刷新)。"
        )
    before = current.status
    current.status = target
    current.version += 1
    return current, before


@transaction.atomic
def finding_submit_rectification(
    *,
    finding: Finding,
    actor: User,
    text: str,
    file: UploadedFile | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Rectification:
    """The inspected organisation reports its rectification (待整改 → 待验收), optionally with a file."""
    text = _clean_text(text, field="text", label="整改情况", required=True, limit=5000)
    ext = files.validate_attachment(file) if file is not None else ""
    current, before = _transition(
        finding,
        action=FindingAction.SUBMIT,
        actor=actor,
        expected_version=expected_version,
        check=can_rectify,
        refused="只有被检查单位的经办人员可以提交整改材料。",
    )
    moment = _now(at)
    if _local_day(moment) < current.issued_on:
        raise InvalidInput("提交日期不能早于问题下达日期。")
    current.submitted_on = _local_day(moment)
    current.save(update_fields=["status", "version", "submitted_on", "updated_at"])
    rectification = Rectification(finding=current, submitted_by=actor, submitted_at=moment, text=text)
    if file is not None:
        rectification.original_name = files.original_name(file)
        rectification.file.save(files.stored_name(ext), file, save=False)
    rectification.save()
    late = current.submitted_on > current.deadline
    _event(current, actor=actor, action=FindingAction.SUBMIT, from_status=before, note=text[:500], at=moment)
    audit_log(
        actor=actor,
        action="inspections.finding.submit",
        obj=current,
        before={"status": before},
        after={
            "status": current.status,
            "rectification": rectification.pk,
            "file": rectification.original_name,
            "late": late,
        },
    )
    return rectification


@transaction.atomic
def finding_verify(
    *,
    finding: Finding,
    actor: User,
    accepted: bool,
    comment: str = "",
    rectify_workdays: int | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Finding:
    """验收: accept (待验收 → 已销号) or reject with a reason (→ 待整改), optionally with a new deadline.

    A new deadline is ``rectify_workdays`` legal working days after the verification day. Nobody verifies a
    rectification they submitted themselves.
    """
    comment = _clean_text(comment, field="comment", label="验收意见", required=not accepted, limit=2000)
    current, before = _transition(
        finding,
        action=FindingAction.ACCEPT if accepted else FindingAction.REJECT,
        actor=actor,
        expected_version=expected_version,
        check=can_verify,
        refused="只有本检查的检查人或管理局监督检查人员可以验收整改。",
    )
    pending = current.rectifications.filter(accepted__isnull=True).order_by("-submitted_at", "-id").first()
    if pending is not None and pending.submitted_by_id == actor.pk:
        raise NotAllowed("不能验收自己提交的整改材料。")
    moment = _now(at)
    if current.submitted_on is not None and _local_day(moment) < current.submitted_on:
        raise InvalidInput("验收日期不能早于整改材料提交日期。")
    fields = ["status", "version", "updated_at"]
    note = comment
    if accepted:
        if rectify_workdays is not None:
            raise InvalidInput(
                "验收通过时不设新的整改期限。", errors={"rectify_workdays": ["验收通过时不填。"]}
            )
        current.closed_at = moment
        fields.append("closed_at")
    elif rectify_workdays is not None:
        days = _workdays(rectify_workdays)
        current.deadline = workcalendar.add_workdays(_local_day(moment), days)
        current.deadline_basis = f"{_local_day(moment):%Y-%m-%d} 验收不通过后 {days} 个法定工作日"
        fields += ["deadline", "deadline_basis"]
        note = f"{comment}(新整改期限 {current.deadline:%Y-%m-%d})"
    current.save(update_fields=fields)
    if pending is not None:
        pending.verified_by, pending.verified_at, pending.accepted, pending.comment = (
            actor,
            moment,
            accepted,
            comment,
        )
        pending.save(update_fields=["verified_by", "verified_at", "accepted", "comment"])
    _event(
        current,
        actor=actor,
        action=FindingAction.ACCEPT if accepted else FindingAction.REJECT,
        from_status=before,
        note=note,
        at=moment,
    )
    audit_log(
        actor=actor,
        action="inspections.finding.accept" if accepted else "inspections.finding.reject",
        obj=current,
        before={"status": before},
        after={"status": current.status, "comment": comment, "deadline": current.deadline},
    )
    return current


@transaction.atomic
def finding_withdraw(
    *,
    finding: Finding,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Finding:
    """Withdraw a finding raised in error (撤销), with the reason; it no longer counts as open."""
    reason = _clean_text(reason, field="reason", label="撤销原因", required=True, limit=500)
    current, before = _transition(
        finding,
        action=FindingAction.WITHDRAW,
        actor=actor,
        expected_version=expected_version,
        check=can_verify,
        refused="只有本检查的检查人或管理局监督检查人员可以撤销问题。",
    )
    moment = _now(at)
    current.closed_at = moment
    current.save(update_fields=["status", "version", "closed_at", "updated_at"])
    _event(current, actor=actor, action=FindingAction.WITHDRAW, from_status=before, note=reason, at=moment)
    audit_log(
        actor=actor,
        action="inspections.finding.withdraw",
        obj=current,
        before={"status": before},
        after={"status": current.status, "reason": reason},
    )
    return current
