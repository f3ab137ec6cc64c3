"""Reads of the service catalogue. The catalogue is public information: anyone reads published items; editing
scope (which department's items a user maintains) is decided in services.can_edit_item."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from zhengwu.catalog.choices import GuideStatus, OnlineDepth, Visits
from zhengwu.catalog.models import GuideMaterial, GuideStep, GuideVersion, Item, Topic
from zhengwu.catalog.rules import ItemAudit, audit_items, audit_queryset
from zhengwu.core.exceptions import NotFound
from zhengwu.core.models import Organisation, User


def item_filter(
    qs: QuerySet[Item],
    *,
    department: int | None = None,
    item_type: str = "",
    level: str = "",
    channel: str = "",
    topic: str = "",
    tongban: str = "",
    high_frequency: bool | None = None,
    one_window: bool | None = None,
    online_depth: int | None = None,
    q: str = "",
) -> QuerySet[Item]:
    """Composable filters shared by the staff list, the portal and the API."""
    if department:
        qs = qs.filter(department_id=department)
    if item_type:
        qs = qs.filter(item_type=item_type)
    if level:
        qs = qs.filter(level=level)
    if channel:
        qs = qs.filter(channels__channel=channel)
    if topic:
        qs = qs.filter(topics__code=topic)
    if tongban:
        qs = qs.filter(tongban_scope=tongban)
    if high_frequency is not None:
        qs = qs.filter(high_frequency=high_frequency)
    if one_window is not None:
        qs = qs.filter(one_window=one_window)
    if online_depth:
        qs = qs.filter(current_guide__online_depth=online_depth)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(impl_code__icontains=q) | Q(base_code__icontains=q))
    return qs


def item_list(**filters: Any) -> QuerySet[Item]:
    """Every item (staff view), newest guide joined."""
    return item_filter(Item.objects.select_related("department", "current_guide"), **filters).order_by(
        "department__code", "impl_code"
    )


def public_item_list(**filters: Any) -> QuerySet[Item]:
    """Published, active items: what the portal and the public API show."""
    return item_filter(
        Item.objects.published().select_related("department", "current_guide"), **filters
    ).order_by("department__code", "impl_code")


def _guide_prefetch() -> list[Any]:
    return [
        Prefetch("materials", queryset=GuideMaterial.objects.order_by("order", "id")),
        Prefetch("steps", queryset=GuideStep.objects.order_by("order", "id")),
    ]


def public_item_get(key: int | str) -> Item:
    """A published item by id or 实施编码, with its guide, materials, steps, channels and topics."""
    qs = (
        Item.objects.published()
        .select_related("department", "current_guide")
        .prefetch_related(
            "channels",
            "topics",
            Prefetch("current_guide__materials", queryset=GuideMaterial.objects.order_by("order", "id")),
            Prefetch("current_guide__steps", queryset=GuideStep.objects.order_by("order", "id")),
        )
    )
    lookup = (
        {"pk": key}
        if isinstance(key, int) or str(key).isdigit() and len(str(key)) < 12
        else {"impl_code": key}
    )
    item = qs.filter(**lookup).first()
    if item is None:
        raise NotFound("没有该事项，或其办事指南尚未发布。")
    return item


def item_get(pk: int) -> Item:
    item = (
        Item.objects.select_related("department", "current_guide")
        .prefetch_related("channels", "topics")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise NotFound("没有该事项。")
    return item


def guide_get(pk: int) -> GuideVersion:
    guide = (
        GuideVersion.objects.select_related("item", "item__department", "created_by", "reviewed_by")
        .prefetch_related(*_guide_prefetch())
        .filter(pk=pk)
        .first()
    )
    if guide is None:
        raise NotFound("没有该版本的办事指南。")
    return guide


def guide_history(item: Item) -> QuerySet[GuideVersion]:
    return item.guides.select_related("created_by", "reviewed_by").order_by("-number")


def guides_awaiting_review() -> QuerySet[GuideVersion]:
    return GuideVersion.objects.filter(status=GuideStatus.REVIEW).select_related(
        "item", "item__department", "created_by"
    )


def departments_with_items() -> QuerySet[Organisation]:
    """Departments with published items, with their count (portal: browse by department)."""
    return (
        Organisation.objects.annotate(
            published=Count(
                "service_items",
                filter=Q(service_items__is_active=True, service_items__current_guide__isnull=False),
            )
        )
        .filter(published__gt=0)
        .order_by("code")
    )


def topics_with_counts(kind: str = "") -> QuerySet[Topic]:
    qs = Topic.objects.annotate(
        published=Count("items", filter=Q(items__is_active=True, items__current_guide__isnull=False))
    )
    return qs.filter(kind=kind) if kind else qs


# --- Completeness -------------------------------------------------------------------------------------------


@dataclass
class DepartmentCompleteness:
    department: Organisation
    audited: int
    complete: int
    problems: int

    @property
    def rate(self) -> float | None:
        return self.complete / self.audited if self.audited else None


@dataclass
class CompletenessReport:
    rows: list[DepartmentCompleteness]
    audits: list[ItemAudit]

    @property
    def audited(self) -> int:
        return sum(r.audited for r in self.rows)

    @property
    def complete(self) -> int:
        return sum(r.complete for r in self.rows)

    @property
    def rate(self) -> float | None:
        return self.complete / self.audited if self.audited else None

    DEFINITION = "指南完整率 = 无任何缺失或不合规要素的依申请事项数 ÷ 纳入核查的依申请在用事项数；要素规则见“核查规则”。"


def completeness_report(*, department: int | None = None) -> CompletenessReport:
    """Run the enabled rules over active 依申请 items (optionally one department) and roll up by department."""
    qs = Item.objects.active().filter(on_application=True)
    if department:
        qs = qs.filter(department_id=department)
    audits = audit_items(audit_queryset(qs.order_by("department__code", "impl_code")))
    by_dept: dict[int, DepartmentCompleteness] = {}
    problems: dict[int, int] = defaultdict(int)
    for audit in audits:
        dept = audit.item.department
        row = by_dept.setdefault(dept.pk, DepartmentCompleteness(dept, 0, 0, 0))
        row.audited += 1
        row.complete += audit.complete
        problems[dept.pk] += len(audit.problems)
    for pk, row in by_dept.items():
        row.problems = problems[pk]
    rows = sorted(by_dept.values(), key=lambda r: (r.rate if r.rate is not None else 2, r.department.code))
    return CompletenessReport(rows, audits)


def catalogue_counts() -> dict[str, int]:
    """Headline counts for the workbench and the portal home (all from records)."""
    active = Item.objects.active()
    return {
        "items": active.count(),
        "published": active.filter(current_guide__isnull=False).count(),
        "online_full": active.filter(current_guide__online_depth=OnlineDepth.LEVEL4).count(),
        "zero_visits": active.filter(current_guide__visits=Visits.ZERO).count(),
        "one_window": active.filter(one_window=True).count(),
        "high_frequency": active.filter(high_frequency=True).count(),
        "review": GuideVersion.objects.filter(status=GuideStatus.REVIEW).count(),
    }


def can_review(user: User) -> bool:
    return user.has_perm("catalog.review_guide")
