"""Reads of the inspection mechanism, and what each user may see.

Scope: holders of ``inspections.manage_inspection`` (the bureau's supervisors) see every round, inspection and
finding. Anyone else sees the inspections of their own organisation (and, for roles scoped to an organisation
tree, its units) and those they were assigned to inspect, with their findings. Another department's records
answer "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from zhengwu.core import selectors as core_selectors
from zhengwu.core.choices import OrgKind
from zhengwu.core.exceptions import NotAllowed, NotFound
from zhengwu.core.models import Organisation, User
from zhengwu.inspections.choices import ACTIVE_FINDING_STATES, FindingStatus, InspectionStatus
from zhengwu.inspections.models import (
    ChecklistTemplate,
    Criterion,
    CriterionResult,
    Finding,
    FindingEvent,
    Inspection,
    InspectionRound,
    Rectification,
    overdue_q,
)

MANAGE = "inspections.manage_inspection"
VIEW_TEMPLATE = "inspections.view_checklisttemplate"
VIEW_ROUND = "inspections.view_inspectionround"
VIEW_INSPECTION = "inspections.view_inspection"
VIEW_FINDING = "inspections.view_finding"
RECTIFY = "inspections.rectify_finding"


def _require(user: User, perm: str) -> None:
    if not user.is_authenticated or not user.has_perm(perm):
        raise NotAllowed("您没有查看此数据的权限。")


def sees_all(user: User) -> bool:
    return user.is_authenticated and user.has_perm(MANAGE)


def own_organisation_ids(user: User) -> frozenset[int]:
    """The organisations a user answers for: their own, plus its units for roles scoped to a tree."""
    if not user.is_authenticated or user.organisation_id is None:
        return frozenset()
    scope = core_selectors.scope_for(user)
    if scope.org_ids is not None:
        return scope.org_ids
    return frozenset({user.organisation_id})


def _inspection_scope(user: User, prefix: str = "") -> Q | None:
    """Q restricting inspections (through ``prefix``) to what ``user`` may see; None means everything."""
    if sees_all(user):
        return None
    return Q(**{f"{prefix}target_id__in": own_organisation_ids(user)}) | Q(
        **{f"{prefix}inspector_id": user.pk}
    )


def _scoped[QS: QuerySet[Any]](qs: QS, user: User, prefix: str = "") -> QS:
    condition = _inspection_scope(user, prefix)
    return qs if condition is None else qs.filter(condition)


def _count(qs: QuerySet[Any], link: str) -> Coalesce:
    """A correlated COUNT over ``qs`` rows whose ``link`` points at the outer row (no join fan-out)."""
    sub = qs.filter(**{link: OuterRef("pk")}).order_by().values(link).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


# --- Checklist templates ----------------------------------------------------------------------------------


def template_list_for_user(
    user: User, *, domain: str = "", q: str = "", include_old: bool = False
) -> QuerySet[ChecklistTemplate]:
    """Checklists (current versions unless ``include_old``), with their number of criteria and rounds."""
    _require(user, VIEW_TEMPLATE)
    qs = ChecklistTemplate.objects.annotate(
        n_criteria=_count(Criterion.objects.all(), "template"),
        n_rounds=_count(InspectionRound.objects.all(), "template"),
    )
    if not include_old:
        qs = qs.filter(is_active=True)
    if domain:
        qs = qs.filter(domain=domain)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__icontains=q))
    return qs.order_by("domain", "code", "-version")


def template_get(user: User, pk: int) -> ChecklistTemplate:
    found = template_list_for_user(user, include_old=True).filter(pk=pk).first()
    if found is None:
        raise NotFound("该检查表不存在。")
    return found


def template_current(code: str) -> ChecklistTemplate | None:
    """The active version of a checklist, for domain apps that create rounds from their own code."""
    return ChecklistTemplate.objects.filter(code=code, is_active=True).first()


def criteria_of(template: ChecklistTemplate) -> QuerySet[Criterion]:
    return Criterion.objects.filter(template=template).order_by("order", "id")


# --- Rounds -----------------------------------------------------------------------------------------------


def _round_progress(qs: QuerySet[InspectionRound], today: date) -> QuerySet[InspectionRound]:
    inspections = Inspection.objects.all()
    findings = Finding.objects.all()
    avg = (
        inspections.filter(round=OuterRef("pk"), status=InspectionStatus.SUBMITTED)
        .order_by()
        .values("round")
        .annotate(a=Avg("score"))
        .values("a")[:1]
    )
    return qs.annotate(
        n_inspections=_count(inspections, "round"),
        n_submitted=_count(inspections.filter(status=InspectionStatus.SUBMITTED), "round"),
        avg_score=Subquery(avg),
        n_findings=_count(findings, "inspection__round"),
        n_active=_count(findings.filter(status__in=ACTIVE_FINDING_STATES), "inspection__round"),
        n_overdue=_count(findings.filter(overdue_q(today)), "inspection__round"),
    )


def round_list_for_user(
    user: User, *, year: int | None = None, status: str = "", domain: str = "", q: str = ""
) -> QuerySet[InspectionRound]:
    """Rounds with their progress (inspections done, average score, findings open and overdue)."""
    _require(user, VIEW_ROUND)
    qs = InspectionRound.objects.select_related("template", "created_by")
    condition = _inspection_scope(user)
    if condition is not None:
        qs = qs.filter(Exists(Inspection.objects.filter(condition, round=OuterRef("pk"))))
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if domain:
        qs = qs.filter(template__domain=domain)
    if q:
        qs = qs.filter(name__contains=q)
    return _round_progress(qs, timezone.localdate()).order_by("-year", "-planned_start", "-id")


def round_get(user: User, pk: int) -> InspectionRound:
    found = round_list_for_user(user).filter(pk=pk).first()
    if found is None:
        raise NotFound("该检查批次不存在或不在您的范围内。")
    return found


def round_choices(user: User) -> QuerySet[InspectionRound]:
    """Rounds to filter lists by: those with an inspection the user may see (all of them for managers)."""
    qs = InspectionRound.objects.all()
    condition = _inspection_scope(user)
    if condition is not None:
        qs = qs.filter(Exists(Inspection.objects.filter(condition, round=OuterRef("pk"))))
    return qs.order_by("-year", "-planned_start", "-id")


# --- Inspections ------------------------------------------------------------------------------------------


def inspection_list_for_user(
    user: User,
    *,
    round: InspectionRound | int | None = None,
    organisation: Organisation | int | None = None,
    status: str = "",
) -> QuerySet[Inspection]:
    """Inspections the user may see, with their number of findings (all / still active / overdue)."""
    _require(user, VIEW_INSPECTION)
    findings = Finding.objects.all()
    qs = _scoped(
        Inspection.objects.select_related("round", "round__template", "target", "inspector"), user
    ).annotate(
        n_findings=_count(findings, "inspection"),
        n_active=_count(findings.filter(status__in=ACTIVE_FINDING_STATES), "inspection"),
        n_overdue=_count(findings.filter(overdue_q()), "inspection"),
    )
    if round is not None:
        qs = qs.filter(round=round)
    if organisation is not None:
        qs = qs.filter(target=organisation)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-round__year", "round_id", "target__code")


def inspection_get(user: User, pk: int) -> Inspection:
    found = inspection_list_for_user(user).filter(pk=pk).first()
    if found is None:
        raise NotFound("该检查记录不存在或不在您的范围内。")
    return found


@dataclass(frozen=True)
class SheetRow:
    """One criterion of an inspection with its result (None until recorded)."""

    criterion: Criterion
    result: CriterionResult | None


def inspection_sheet(inspection: Inspection) -> list[SheetRow]:
    """Every criterion of the inspection's checklist in order, with the recorded result (two queries)."""
    results = {r.criterion_id: r for r in CriterionResult.objects.filter(inspection=inspection)}
    return [SheetRow(c, results.get(c.pk)) for c in criteria_of(inspection.round.template)]


def target_choices(user: User) -> QuerySet[Organisation]:
    """Organisations that may be inspected: active units of the county (not the citizen pseudo-unit)."""
    return (
        core_selectors.organisation_list_for_user(user)
        .filter(is_active=True)
        .exclude(kind=OrgKind.CITIZEN)
        .order_by("kind", "code")
    )


def inspector_choices() -> QuerySet[User]:
    """Active accounts that may be named inspector (they can see inspections)."""
    return (
        User.objects.with_perm(VIEW_INSPECTION, is_active=True, include_superusers=False)  # type: ignore[attr-defined]
        .select_related("organisation")
        .order_by("username")
    )


def inspected_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations to filter lists by: those with a visible inspection."""
    condition = _inspection_scope(user)
    inspections = Inspection.objects.filter(target=OuterRef("pk"))
    if condition is not None:
        inspections = inspections.filter(condition)
    return Organisation.objects.filter(Exists(inspections)).order_by("kind", "code")


# --- Findings ---------------------------------------------------------------------------------------------


def finding_list_for_user(
    user: User,
    *,
    round: InspectionRound | int | None = None,
    organisation: Organisation | int | None = None,
    inspection: Inspection | int | None = None,
    status: str = "",
    severity: str = "",
    overdue: bool | None = None,
) -> QuerySet[Finding]:
    """Findings the user may see; ``overdue`` True/False keeps only (not) overdue ones."""
    _require(user, VIEW_FINDING)
    qs = _scoped(
        Finding.objects.select_related(
            "inspection", "inspection__round", "inspection__target", "inspection__inspector", "criterion"
        ),
        user,
        "inspection__",
    )
    if round is not None:
        qs = qs.filter(inspection__round=round)
    if organisation is not None:
        qs = qs.filter(inspection__target=organisation)
    if inspection is not None:
        qs = qs.filter(inspection=inspection)
    if status:
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity=severity)
    if overdue is True:
        qs = qs.filter(overdue_q())
    elif overdue is False:
        qs = qs.exclude(overdue_q())
    return qs.order_by("deadline", "id")


def finding_get(user: User, pk: int) -> Finding:
    found = (
        finding_list_for_user(user)
        .prefetch_related(
            Prefetch(
                "events", queryset=FindingEvent.objects.select_related("actor").order_by("created_at", "id")
            ),
            Prefetch(
                "rectifications",
                queryset=Rectification.objects.select_related("submitted_by", "verified_by").order_by(
                    "submitted_at", "id"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("该问题不存在或不在您的范围内。")
    return found


def rectification_get(user: User, pk: int) -> Rectification:
    """A rectification whose finding the user may see (for downloading its file)."""
    _require(user, VIEW_FINDING)
    qs = _scoped(Rectification.objects.select_related("finding"), user, "finding__inspection__")
    found = qs.filter(pk=pk).first()
    if found is None:
        raise NotFound("该整改材料不存在或不在您的范围内。")
    return found


# --- Figures ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingCounts:
    total: int
    open: int
    submitted: int
    verified: int
    overdue: int


def finding_counts(findings: QuerySet[Finding]) -> FindingCounts:
    """Counts by state of an already-scoped finding list, in one query."""
    row = findings.order_by().aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status=FindingStatus.OPEN)),
        submitted=Count("pk", filter=Q(status=FindingStatus.SUBMITTED)),
        verified=Count("pk", filter=Q(status=FindingStatus.VERIFIED)),
        overdue=Count("pk", filter=overdue_q()),
    )
    return FindingCounts(**row)


def percent_text(value: Decimal | float | None) -> str:
    """Show a 100-point score with one decimal, or a dash."""
    if value is None:
        return "—"
    return f"{Decimal(str(value)).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}"
