"""Writes of the service catalogue: items, guide versions (draft → review → published), settings.

Every function is one transaction with an audit entry. Published guide versions are immutable: a change starts
a new draft (a copy of the current version), which is reviewed and, when published, supersedes the old one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from zhengwu.catalog.choices import FeeMode, GuideStatus, HandlingKind, TongbanScope
from zhengwu.catalog.models import (
    CompletenessRule,
    GuideMaterial,
    GuideStep,
    GuideVersion,
    Item,
    ItemChannel,
    ItemVolume,
)
from zhengwu.core.audit import audit_log
from zhengwu.core.exceptions import Conflict, InvalidInput, NotAllowed
from zhengwu.core.models import Organisation, User
from zhengwu.core.selectors import scope_for

# Guide fields a draft may change (everything the public reads, except the materials and steps lists).
GUIDE_FIELDS = [
    "handling_kind",
    "statutory_days",
    "promised_days",
    "fee_mode",
    "fee_detail",
    "legal_basis",
    "conditions",
    "location",
    "hours",
    "consult_phone",
    "complaint_phone",
    "visits",
    "online_depth",
    "online_url",
    "result_name",
    "faq",
    "change_note",
]
MATERIAL_FIELDS = ["name", "required", "copies", "form", "source", "note"]
# A draft's materials are rewritten on every save: the blank form and sample files travel with the rows.
MATERIAL_FILE_FIELDS = [*MATERIAL_FIELDS, "blank_form", "sample"]
STEP_FIELDS = ["name", "description", "days", "is_special", "counts_in_limit"]
ITEM_FIELDS = [
    "name",
    "base_code",
    "handle_code",
    "item_type",
    "on_application",
    "level",
    "service_object",
    "tongban_scope",
    "tongban_mode",
    "one_window",
    "is_active",
]


# --- Permission helpers -------------------------------------------------------------------------------------


def can_edit_item(user: User, item: Item | None = None, department: Organisation | None = None) -> bool:
    """Bureau staff edit every item; a department's handler edits its own department's items."""
    if not user.has_perm("catalog.manage_catalogue"):
        return False
    scope = scope_for(user)
    if scope.is_county:
        return True
    dept_id = item.department_id if item is not None else (department.pk if department else None)
    return scope.org_ids is not None and dept_id in scope.org_ids


def _check_edit(user: User | None, item: Item | None = None, department: Organisation | None = None) -> None:
    if user is None:  # the machine operator on the command line (seed_demo, import_data)
        return
    if not can_edit_item(user, item, department):
        raise NotAllowed("您没有维护该部门事项的权限。")


# --- Items --------------------------------------------------------------------------------------------------


def _validate_item(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if not str(values.get("name", "")).strip():
        errors["name"] = ["事项名称不能为空。"]
    scope, mode = values.get("tongban_scope", ""), values.get("tongban_mode", "")
    if scope and not mode:
        errors["tongban_mode"] = ["已设通办范围，请选择通办模式(全程网办/异地代收代办/多地联办)。"]
    if mode and not scope:
        errors["tongban_scope"] = ["选择了通办模式，请同时选择通办范围。"]
    if errors:
        raise InvalidInput("事项信息有误。", errors=errors)


@transaction.atomic
def item_upsert(
    *,
    impl_code: str,
    department: Organisation,
    actor: User | None,
    channels: Iterable[str] | None = None,
    topics: Iterable[Any] | None = None,
    **fields: Any,
) -> Item:
    """Create or update an item by its 实施编码 (idempotent). Only the given fields change."""
    impl_code = impl_code.strip()
    if not impl_code:
        raise InvalidInput("实施编码不能为空。", errors={"impl_code": ["必填。"]})
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise InvalidInput(f"未知字段：{'、'.join(sorted(unknown))}")
    item = Item.objects.select_for_update().filter(impl_code=impl_code).first()
    created = item is None
    _check_edit(actor, item, department)
    if item is not None and item.department_id != department.pk:
        _check_edit(actor, None, department)  # moving an item needs the right to both departments
    if item is None:
        item = Item(impl_code=impl_code, department=department)
    before = {} if created else {f: getattr(item, f) for f in [*ITEM_FIELDS, "department_id"]}
    item.department = department
    for key, value in fields.items():
        setattr(item, key, value.strip() if isinstance(value, str) else value)
    if item.tongban_scope == TongbanScope.NONE:
        item.tongban_mode = ""
    _validate_item({f: getattr(item, f) for f in ITEM_FIELDS})
    item.save()
    after = {f: getattr(item, f) for f in [*ITEM_FIELDS, "department_id"]}
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    # Lists are audited only when they change, so re-importing an unchanged catalogue writes no entries.
    if channels is not None:
        had = [] if created else sorted(item.channels.values_list("channel", flat=True))
        if had != sorted(set(channels)):
            _set_channels(item, set(channels))
            before["channels"], changed["channels"] = had, sorted(set(channels))
    if topics is not None:
        topics = list(topics)
        had_topics = [] if created else sorted(item.topics.values_list("pk", flat=True))
        wanted_topics = sorted({getattr(t, "pk", t) for t in topics})
        if had_topics != wanted_topics:
            item.topics.set(topics)
            before["topics"], changed["topics"] = had_topics, wanted_topics
    if created or changed:
        audit_log(
            actor=actor,
            action="catalog.item.create" if created else "catalog.item.update",
            obj=item,
            before=None if created else ({k: before[k] for k in changed if k in before} or None),
            after=changed or None,
        )
    transaction.on_commit(lambda: _reindex([item.pk]))
    return item


def _set_channels(item: Item, wanted: set[str]) -> None:
    have = set(item.channels.values_list("channel", flat=True))
    item.channels.filter(channel__in=have - wanted).delete()
    ItemChannel.objects.bulk_create([ItemChannel(item=item, channel=c) for c in sorted(wanted - have)])


# --- Guide versions -----------------------------------------------------------------------------------------


def validate_guide(values: dict[str, Any]) -> dict[str, list[str]]:
    """The hard rules a guide version must meet before it is saved (the softer ones are catalog.rules)."""
    errors: dict[str, list[str]] = {}
    statutory, promised = values.get("statutory_days"), values.get("promised_days")
    kind = values.get("handling_kind")
    if kind == HandlingKind.PROMISED and promised in (None, ""):
        errors.setdefault("promised_days", []).append("承诺件须填写承诺办结时限。")
    if kind == HandlingKind.IMMEDIATE and promised not in (None, "", 0):
        errors.setdefault("promised_days", []).append("即办件当场办结，承诺时限应为空或0。")
    if statutory is not None and promised is not None and promised > statutory:
        errors.setdefault("promised_days", []).append(
            f"承诺办结时限({promised}个工作日)不得超过法定办结时限({statutory}个工作日)。"
        )
    if values.get("fee_mode") == FeeMode.CHARGED and not str(values.get("fee_detail", "")).strip():
        errors.setdefault("fee_detail", []).append("收费事项须写明收费项目、标准及依据。")
    return errors


def _next_number(item: Item) -> int:
    return (item.guides.aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def guide_start_draft(*, item: Item, actor: User | None) -> GuideVersion:
    """Open a draft for an item: a copy of the published version (or empty). One open draft per item."""
    _check_edit(actor, item)
    Item.objects.select_for_update().filter(pk=item.pk).first()
    existing = item.guides.filter(status__in=[GuideStatus.DRAFT, GuideStatus.REVIEW]).first()
    if existing is not None:
        if existing.status == GuideStatus.REVIEW:
            raise Conflict("该事项已有待审核的版本，请等待审核完成或退回后再修改。")
        return existing
    source = item.current_guide
    draft = GuideVersion(item=item, number=_next_number(item), status=GuideStatus.DRAFT, created_by=actor)
    if source is not None:
        for name in GUIDE_FIELDS:
            setattr(draft, name, getattr(source, name))
        draft.change_note = ""
    draft.save()
    if source is not None:
        _copy_children(source, draft)
    audit_log(
        actor=actor,
        action="catalog.guide.draft",
        obj=draft,
        after={"from": source.number if source else None},
    )
    return draft


def _copy_children(source: GuideVersion, target: GuideVersion) -> None:
    GuideMaterial.objects.bulk_create(
        [
            GuideMaterial(
                guide=target,
                order=m.order,
                blank_form=m.blank_form.name,
                sample=m.sample.name,
                **{f: getattr(m, f) for f in MATERIAL_FIELDS},
            )
            for m in source.materials.all()
        ]
    )
    GuideStep.objects.bulk_create(
        [
            GuideStep(guide=target, order=s.order, **{f: getattr(s, f) for f in STEP_FIELDS})
            for s in source.steps.all()
        ]
    )


def _locked_draft(guide: GuideVersion, expected: str) -> GuideVersion:
    current = GuideVersion.objects.select_for_update().get(pk=guide.pk)
    if current.status != expected:
        raise Conflict(
            f"该版本当前状态为“{current.get_status_display()}”，不能执行此操作(可能已被他人处理，请刷新)。"
        )
    return current


@transaction.atomic
def guide_update(
    *,
    guide: GuideVersion,
    actor: User | None,
    values: dict[str, Any],
    materials: Sequence[dict[str, Any]] | None = None,
    steps: Sequence[dict[str, Any]] | None = None,
) -> GuideVersion:
    """Change a draft. Published and in-review versions cannot be edited."""
    guide = _locked_draft(guide, GuideStatus.DRAFT)
    _check_edit(actor, guide.item)
    unknown = set(values) - set(GUIDE_FIELDS)
    if unknown:
        raise InvalidInput(f"未知字段：{'、'.join(sorted(unknown))}")
    merged = {f: values.get(f, getattr(guide, f)) for f in GUIDE_FIELDS}
    errors = validate_guide(merged)
    materials = list(materials) if materials is not None else None
    if materials is not None:
        for index, m in enumerate(materials, start=1):
            if not str(m.get("name", "")).strip():
                errors.setdefault("materials", []).append(f"第{index}项材料缺少名称。")
    if errors:
        raise InvalidInput("办事指南内容有误。", errors=errors)
    before = {f: getattr(guide, f) for f in GUIDE_FIELDS}
    for name, value in merged.items():
        setattr(guide, name, value.strip() if isinstance(value, str) else value)
    guide.save()
    if materials is not None:
        guide.materials.all().delete()
        GuideMaterial.objects.bulk_create(
            [
                GuideMaterial(guide=guide, order=i, **{f: m[f] for f in MATERIAL_FILE_FIELDS if f in m})
                for i, m in enumerate(materials, start=1)
            ]
        )
    if steps is not None:
        guide.steps.all().delete()
        GuideStep.objects.bulk_create(
            [
                GuideStep(guide=guide, order=i, **{f: s[f] for f in STEP_FIELDS if f in s})
                for i, s in enumerate(steps, start=1)
            ]
        )
    changed = {f: merged[f] for f in GUIDE_FIELDS if before[f] != getattr(guide, f)}
    audit_log(
        actor=actor,
        action="catalog.guide.update",
        obj=guide,
        before={k: before[k] for k in changed} or None,
        after={**changed, **({"materials": len(materials)} if materials is not None else {})} or None,
    )
    return guide


@transaction.atomic
def guide_submit(*, guide: GuideVersion, actor: User) -> GuideVersion:
    """Send a draft for review."""
    guide = _locked_draft(guide, GuideStatus.DRAFT)
    _check_edit(actor, guide.item)
    errors = validate_guide({f: getattr(guide, f) for f in GUIDE_FIELDS})
    if errors:
        raise InvalidInput("办事指南内容有误，请修改后再提交审核。", errors=errors)
    guide.status, guide.submitted_at = GuideStatus.REVIEW, timezone.now()
    guide.save(update_fields=["status", "submitted_at"])
    audit_log(actor=actor, action="catalog.guide.submit", obj=guide)
    return guide


@transaction.atomic
def guide_review(
    *, guide: GuideVersion, actor: User | None, approve: bool, comment: str = ""
) -> GuideVersion:
    """Approve (publish) or return a version under review. Reviewers do not review their own drafts."""
    guide = _locked_draft(guide, GuideStatus.REVIEW)
    if actor is not None:
        if not actor.has_perm("catalog.review_guide"):
            raise NotAllowed("只有管理局审核人员可以审核发布办事指南。")
        if guide.created_by_id == actor.pk and not settings.ZHENGWU_CATALOG_SELF_REVIEW:
            raise NotAllowed("不能审核自己起草的版本(审核与起草分离)。")
    if not approve and not comment.strip():
        raise InvalidInput("退回修改须填写审核意见。", errors={"comment": ["必填。"]})
    guide.reviewed_by, guide.review_comment = actor, comment.strip()[:300]
    if approve:
        _publish(guide)
    else:
        guide.status = GuideStatus.DRAFT
        guide.save(update_fields=["status", "reviewed_by", "review_comment"])
    audit_log(
        actor=actor,
        action="catalog.guide.publish" if approve else "catalog.guide.return",
        obj=guide,
        after={"comment": guide.review_comment} if guide.review_comment else None,
    )
    return guide


def _publish(guide: GuideVersion) -> None:
    errors = validate_guide({f: getattr(guide, f) for f in GUIDE_FIELDS})
    if errors:
        raise InvalidInput("办事指南内容有误，不能发布。", errors=errors)
    now = timezone.now()
    GuideVersion.objects.filter(item_id=guide.item_id, status=GuideStatus.PUBLISHED).update(
        status=GuideStatus.SUPERSEDED
    )
    guide.status, guide.published_at = GuideStatus.PUBLISHED, now
    guide.save(update_fields=["status", "published_at", "reviewed_by", "review_comment"])
    Item.objects.filter(pk=guide.item_id).update(current_guide=guide, updated_at=now)
    item_id = guide.item_id
    transaction.on_commit(lambda: _reindex([item_id]))


@transaction.atomic
def guide_publish_new(
    *,
    item: Item,
    actor: User | None,
    values: dict[str, Any],
    materials: Sequence[dict[str, Any]] = (),
    steps: Sequence[dict[str, Any]] = (),
    note: str = "",
) -> GuideVersion | None:
    """Publish a complete guide in one step (catalogue import by the bureau; demo). None when nothing changed.

    Skips the review because the import itself is the bureau's reviewed act; it is audited as such.
    """
    if actor is not None and not actor.has_perm("catalog.review_guide"):
        raise NotAllowed("只有管理局审核人员可以直接发布办事指南。")
    current = item.current_guide
    if current is not None and _same_content(current, values, materials, steps):
        return None
    if item.guides.filter(status__in=[GuideStatus.DRAFT, GuideStatus.REVIEW]).exists():
        raise Conflict("该事项有未完成的草稿或待审核版本，请先处理后再导入。")
    merged = {f: values[f] for f in GUIDE_FIELDS if f in values}
    errors = validate_guide({**{f: getattr(GuideVersion(), f) for f in GUIDE_FIELDS}, **merged})
    if errors:
        raise InvalidInput("办事指南内容有误。", errors=errors)
    guide = GuideVersion(
        item=item, number=_next_number(item), created_by=actor, status=GuideStatus.REVIEW, **merged
    )
    guide.change_note = note or guide.change_note
    guide.save()
    GuideMaterial.objects.bulk_create(
        [GuideMaterial(guide=guide, order=i, **m) for i, m in enumerate(materials, start=1)]
    )
    GuideStep.objects.bulk_create(
        [GuideStep(guide=guide, order=i, **s) for i, s in enumerate(steps, start=1)]
    )
    guide.reviewed_by = actor
    _publish(guide)
    audit_log(actor=actor, action="catalog.guide.publish", obj=guide, after={"via": note or "direct"})
    return guide


def _same_content(
    current: GuideVersion,
    values: dict[str, Any],
    materials: Sequence[dict[str, Any]],
    steps: Sequence[dict[str, Any]],
) -> bool:
    if any(getattr(current, f) != v for f, v in values.items() if f in GUIDE_FIELDS and f != "change_note"):
        return False
    have_m = [{f: getattr(m, f) for f in MATERIAL_FIELDS} for m in current.materials.all()]
    want_m = [
        {f: m.get(f, GuideMaterial._meta.get_field(f).get_default()) for f in MATERIAL_FIELDS}
        for m in materials
    ]
    have_s = [{f: getattr(s, f) for f in STEP_FIELDS} for s in current.steps.all()]
    want_s = [{f: s.get(f, GuideStep._meta.get_field(f).get_default()) for f in STEP_FIELDS} for s in steps]
    return have_m == want_m and have_s == want_s


@transaction.atomic
def guide_discard(*, guide: GuideVersion, actor: User) -> None:
    """Throw away an unpublished draft."""
    guide = _locked_draft(guide, GuideStatus.DRAFT)
    _check_edit(actor, guide.item)
    audit_log(actor=actor, action="catalog.guide.discard", obj=guide)
    guide.delete()


# --- Diff ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


def guide_diff(old: GuideVersion | None, new: GuideVersion) -> list[Change]:
    """Field-by-field changes from one version to another, materials and steps compared as lists."""
    changes = []
    for name in GUIDE_FIELDS:
        if name == "change_note":
            continue
        field = GuideVersion._meta.get_field(name)
        before = _display(old, name) if old is not None else ""
        after = _display(new, name)
        if before != after:
            changes.append(Change(name, str(field.verbose_name), before, after))
    for rel, label, fmt in (
        ("materials", "申请材料", _material_line),
        ("steps", "办理流程", _step_line),
    ):
        before = "\n".join(fmt(x) for x in getattr(old, rel).all()) if old is not None else ""
        after = "\n".join(fmt(x) for x in getattr(new, rel).all())
        if before != after:
            changes.append(Change(rel, label, before, after))
    return changes


def _display(guide: GuideVersion, name: str) -> str:
    value = getattr(guide, name)
    if value is None:
        return ""
    getter = getattr(guide, f"get_{name}_display", None)
    return str(getter()) if getter and value != "" else str(value)


def _material_line(m: GuideMaterial) -> str:
    return f"{m.name}（{'必要' if m.required else '非必要'}，{m.get_form_display()}{m.copies}份，{m.get_source_display()}）"


def _step_line(s: GuideStep) -> str:
    limit = f"{s.days}个工作日" if s.days is not None else "—"
    special = "，特殊环节" + ("" if s.counts_in_limit else "不计入时限") if s.is_special else ""
    return f"{s.name}（{limit}{special}）"


# --- High-frequency items -----------------------------------------------------------------------------------


@transaction.atomic
def high_frequency_refresh(*, actor: User | None, as_of: date | None = None) -> int:
    """Mark the top share of items by cases over the last N months as 高频 (ZHENGWU_HIGH_FREQUENCY_*). Returns count.

    Rank percentile = rank / number of active items with any cases; items without cases are never high-frequency.
    """
    months = settings.ZHENGWU_HIGH_FREQUENCY_MONTHS
    share = settings.ZHENGWU_HIGH_FREQUENCY_SHARE
    as_of = as_of or timezone.localdate()
    first = _month_start(as_of, months)
    last = date(as_of.year, as_of.month, 1)
    totals = list(
        ItemVolume.objects.filter(month__gte=first, month__lt=last, item__is_active=True)
        .values("item_id")
        .annotate(total=Sum("cases"))
        .filter(total__gt=0)
        .order_by("-total", "item_id")
    )
    count = len(totals)
    ranks = {row["item_id"]: (i + 1) / count for i, row in enumerate(totals)}
    high = {item_id for item_id, pct in ranks.items() if pct <= share}
    items = list(Item.objects.only("id", "high_frequency", "volume_rank_pct"))
    changed = []
    for item in items:
        pct = ranks.get(item.pk)
        flag = item.pk in high
        if item.high_frequency != flag or item.volume_rank_pct != pct:
            item.high_frequency, item.volume_rank_pct = flag, pct
            changed.append(item)
    Item.objects.bulk_update(changed, ["high_frequency", "volume_rank_pct"], batch_size=500)
    audit_log(
        actor=actor,
        action="catalog.high_frequency",
        object_type="catalog.item",
        object_repr="高频事项",
        after={
            "from": first.isoformat(),
            "to": last.isoformat(),
            "ranked": count,
            "high": len(high),
            "share": share,
        },
    )
    return len(high)


def _month_start(day: date, months_back: int) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


# --- Completeness rule settings -----------------------------------------------------------------------------


@transaction.atomic
def rule_set_enabled(*, code: str, enabled: bool, actor: User) -> CompletenessRule:
    from zhengwu.catalog.rules import RULES

    if not actor.has_perm("catalog.review_guide"):
        raise NotAllowed("只有管理局可以调整完整性规则。")
    if code not in RULES:
        raise InvalidInput(f"没有规则 {code}。")
    rule, _ = CompletenessRule.objects.get_or_create(code=code)
    before = rule.enabled
    rule.enabled = enabled
    rule.save()
    audit_log(
        actor=actor, action="catalog.rule", obj=rule, before={"enabled": before}, after={"enabled": enabled}
    )
    return rule


# --- Search index -------------------------------------------------------------------------------------------


def _reindex(item_ids: list[int]) -> None:
    from zhengwu.catalog import search

    search.index_items(item_ids)
