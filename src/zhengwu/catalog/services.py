"""Writes of the service catalogue: items, guide versions (draft → review → published), settings.

Every function is one transaction with an audit entry. Published guide versions are immutable: a change starts
a new draft (a copy of the current version), which is reviewed and, when published, supersedes the old one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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


# --- Catalogue import (bulk) --------------------------------------------------------------------------------
# The catalogue import (catalog.importers) writes thousands of items. Per row, item_upsert + guide_publish_new
# cost ≈ 25 queries and an audit entry (≈ 120 items/s on SQLite); items_import_batch applies the same rules to
# a batch in a fixed number of queries: stored content read as plain values and compared in memory, new
# versions, materials and steps inserted with one executemany each, one audit entry listing the batch's changes.


@dataclass
class ItemImportRow:
    """One cleaned row of the catalogue import. A field left out (or None) keeps what is stored."""

    impl_code: str
    department_id: int
    item: dict[str, Any]  # ITEM_FIELDS given in the file
    guide: dict[str, Any]  # GUIDE_FIELDS given in the file (change_note is set by the import)
    channels: list[str] | None = None
    topic_ids: list[int] | None = None
    materials: list[dict[str, Any]] | None = None
    steps: list[dict[str, Any]] | None = None


@dataclass
class ItemImportResult:
    created: int = 0  # new items
    updated: int = 0  # existing items with any change (item fields, channels, topics or guide)
    published: int = 0  # new guide versions
    unchanged: int = 0


@dataclass
class GuideContent:
    """What a guide version says, as plain values: what guide_publish_new compares (_same_content)."""

    values: dict[str, Any]  # GUIDE_FIELDS without change_note
    materials: list[dict[str, Any]]  # MATERIAL_FIELDS
    steps: list[dict[str, Any]]  # STEP_FIELDS
    files: dict[str, tuple[str, str]] = field(default_factory=dict)  # material name → (blank form, sample)


_CONTENT_FIELDS = [f for f in GUIDE_FIELDS if f != "change_note"]
_GUIDE_DEFAULTS = {f: GuideVersion._meta.get_field(f).get_default() for f in _CONTENT_FIELDS}
_MATERIAL_DEFAULTS = {f: GuideMaterial._meta.get_field(f).get_default() for f in MATERIAL_FIELDS}
_STEP_DEFAULTS = {f: GuideStep._meta.get_field(f).get_default() for f in STEP_FIELDS}
_ITEM_DEFAULTS = {f: Item._meta.get_field(f).get_default() for f in ITEM_FIELDS}


def validate_item(values: dict[str, Any]) -> dict[str, list[str]]:
    """The hard rules of an item's own fields as field → messages (empty: valid); item_upsert raises them."""
    try:
        _validate_item(values)
    except InvalidInput as exc:
        return exc.errors
    return {}


def guide_contents(guide_ids: Iterable[int]) -> dict[int, GuideContent]:
    """Read versions' content as plain values (three queries, no model instances)."""
    ids = list(guide_ids)
    if not ids:
        return {}
    contents = {
        row.pop("id"): GuideContent(row, [], [])
        for row in GuideVersion.objects.filter(pk__in=ids).values("id", *_CONTENT_FIELDS)
    }
    materials = GuideMaterial.objects.filter(guide_id__in=ids).order_by("guide_id", "order", "id")
    for guide_id, blank_form, sample, *values in materials.values_list(
        "guide_id", "blank_form", "sample", *MATERIAL_FIELDS
    ):
        content = contents[guide_id]
        content.materials.append(dict(zip(MATERIAL_FIELDS, values, strict=True)))
        if blank_form or sample:
            content.files[values[0]] = (blank_form, sample)
    steps = GuideStep.objects.filter(guide_id__in=ids).order_by("guide_id", "order", "id")
    for guide_id, *values in steps.values_list("guide_id", *STEP_FIELDS):
        contents[guide_id].steps.append(dict(zip(STEP_FIELDS, values, strict=True)))
    return contents


def guide_import_content(row: ItemImportRow, current: GuideContent | None) -> GuideContent:
    """The guide a row asks for: its values over the current version's (or the defaults for a new item)."""
    values = dict(current.values) if current is not None else dict(_GUIDE_DEFAULTS)
    values.update(
        {k: v.strip() if isinstance(v, str) else v for k, v in row.guide.items() if k in _CONTENT_FIELDS}
    )
    if row.materials is not None:
        materials = [{f: m.get(f, _MATERIAL_DEFAULTS[f]) for f in MATERIAL_FIELDS} for m in row.materials]
    else:
        materials = list(current.materials) if current is not None else []
    if row.steps is not None:
        steps = [{f: s.get(f, _STEP_DEFAULTS[f]) for f in STEP_FIELDS} for s in row.steps]
    else:
        steps = list(current.steps) if current is not None else []
    return GuideContent(values, materials, steps)


def guide_import_changes(row: ItemImportRow, current: GuideContent | None) -> bool:
    """Whether importing ``row`` publishes a new guide version (same comparison as guide_publish_new)."""
    if current is None:
        return True
    wanted = guide_import_content(row, current)
    return (wanted.values, wanted.materials, wanted.steps) != (
        current.values,
        current.materials,
        current.steps,
    )


@transaction.atomic
def items_import_batch(
    *, rows: Sequence[ItemImportRow], actor: User | None, note: str = "批量导入"
) -> ItemImportResult:
    """Upsert items by 实施编码 and publish their guides: item_upsert + guide_publish_new for a whole batch.

    The same rules: edit rights to the item's old and new department, validate_item and validate_guide, no
    import over an open draft, an unchanged guide publishes nothing and a changed one becomes a new published
    version (change note ``note``) superseding the old; blank forms and samples stay with a material of the same
    name. Rows are expected clean (the importer reports bad cells by row and column); a row that still breaks a
    rule raises and the whole batch is rolled back.
    """
    result = ItemImportResult()
    if not rows:
        return result
    if actor is not None and not actor.has_perm("catalog.review_guide"):
        raise NotAllowed("只有管理局审核人员可以直接发布办事指南。")
    codes = [r.impl_code for r in rows]
    if len(set(codes)) != len(codes):
        raise InvalidInput("同一批次中有重复的实施编码。")
    stored = {
        row["impl_code"]: row
        for row in Item.objects.select_for_update()
        .filter(impl_code__in=codes)
        .values("id", "impl_code", "department_id", "current_guide_id", *ITEM_FIELDS)
    }
    if actor is not None:
        _check_import_rights(rows, stored, actor)
    now = timezone.now()
    before: dict[str, dict[str, Any]] = {}
    after: dict[str, dict[str, Any]] = {}
    created: list[str] = []
    item_rows: list[tuple[Any, ...]] = []
    for r in rows:
        unknown = set(r.item) - set(ITEM_FIELDS)
        if unknown:
            raise InvalidInput(f"未知字段：{'、'.join(sorted(unknown))}")
        current = stored.get(r.impl_code) or {**_ITEM_DEFAULTS, "department_id": None}
        wanted = {
            **{f: current[f] for f in [*ITEM_FIELDS, "department_id"]},
            **{k: v.strip() if isinstance(v, str) else v for k, v in r.item.items()},
            "department_id": r.department_id,
        }
        if wanted["tongban_scope"] == TongbanScope.NONE:
            wanted["tongban_mode"] = ""
        errors = validate_item(wanted)
        if errors:
            raise InvalidInput(f"{r.impl_code}：事项信息有误。", errors=errors)
        changed = {k: v for k, v in wanted.items() if current[k] != v}
        if r.impl_code not in stored:
            created.append(r.impl_code)
        elif changed:
            before[r.impl_code] = {k: current[k] for k in changed}
            after[r.impl_code] = changed
        if r.impl_code not in stored or changed:
            item_rows.append((r.impl_code, *(wanted[f] for f in ITEM_FIELDS), r.department_id, now, now))
    _upsert_items(item_rows)
    ids = {code: row["id"] for code, row in stored.items()}
    if created:
        ids.update(Item.objects.filter(impl_code__in=created).values_list("impl_code", "id"))
    _import_channels(rows, stored, ids, before, after)
    _import_topics(rows, stored, ids, before, after)
    published = _import_guides(rows, stored, ids, actor, note, now)
    touched = set(created) | set(after) | set(published)
    result.created = len(created)
    result.updated = len(touched - set(created))
    result.published = len(published)
    result.unchanged = len(rows) - len(touched)
    if touched:
        audit_log(
            actor=actor,
            action="catalog.item.import",
            object_type="catalog.item",
            object_repr=f"{note}：{len(touched)}项有变化",
            before=before or None,
            after={"created": created, "changed": after, "published": published, "note": note},
        )
        item_ids = sorted(ids[code] for code in touched)
        transaction.on_commit(lambda: _reindex(item_ids))
    return result


def _check_import_rights(
    rows: Sequence[ItemImportRow], stored: dict[str, dict[str, Any]], actor: User
) -> None:
    allowed: dict[int, bool] = {}
    for r in rows:
        old = stored.get(r.impl_code)
        for dept_id in {r.department_id, old["department_id"] if old else r.department_id}:
            if dept_id not in allowed:
                allowed[dept_id] = can_edit_item(actor, department=Organisation(pk=dept_id))
            if not allowed[dept_id]:
                raise NotAllowed(f"{r.impl_code}：您没有维护该部门事项的权限。")


def _upsert_items(values: list[tuple[Any, ...]]) -> None:
    from zhengwu.core.imports import upsert_rows

    upsert_rows(
        Item,
        values,
        columns=["impl_code", *ITEM_FIELDS, "department_id", "created_at", "updated_at"],
        conflict=["impl_code"],
        update=[*ITEM_FIELDS, "department_id", "updated_at"],
    )


def _import_channels(
    rows: Sequence[ItemImportRow],
    stored: dict[str, dict[str, Any]],
    ids: dict[str, int],
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
) -> None:
    wanted_rows = [r for r in rows if r.channels is not None]
    have: dict[int, dict[str, int]] = {}  # item id → channel → row id
    existing = [ids[r.impl_code] for r in wanted_rows if r.impl_code in stored]
    for pk, item_id, channel in ItemChannel.objects.filter(item_id__in=existing).values_list(
        "id", "item_id", "channel"
    ):
        have.setdefault(item_id, {})[channel] = pk
    gone: list[int] = []
    new: list[tuple[int, str]] = []
    for r in wanted_rows:
        item_id = ids[r.impl_code]
        current, wanted = have.get(item_id, {}), set(r.channels or [])
        if wanted == set(current):
            continue
        gone += [pk for channel, pk in current.items() if channel not in wanted]
        new += [(item_id, c) for c in sorted(wanted - set(current))]
        if r.impl_code in stored:
            before.setdefault(r.impl_code, {})["channels"] = sorted(current)
        after.setdefault(r.impl_code, {})["channels"] = sorted(wanted)
    if gone:
        ItemChannel.objects.filter(pk__in=gone).delete()
    _insert_rows(ItemChannel, ["item_id", "channel", "url", "listed_on"], [(i, c, "", None) for i, c in new])


def _import_topics(
    rows: Sequence[ItemImportRow],
    stored: dict[str, dict[str, Any]],
    ids: dict[str, int],
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
) -> None:
    link = Item.topics.through
    wanted_rows = [r for r in rows if r.topic_ids is not None]
    have: dict[int, dict[int, int]] = {}  # item id → topic id → link id
    existing = [ids[r.impl_code] for r in wanted_rows if r.impl_code in stored]
    for pk, item_id, topic_id in link.objects.filter(item_id__in=existing).values_list(
        "id", "item_id", "topic_id"
    ):
        have.setdefault(item_id, {})[topic_id] = pk
    gone: list[int] = []
    new: list[tuple[int, int]] = []
    for r in wanted_rows:
        item_id = ids[r.impl_code]
        current, wanted = have.get(item_id, {}), set(r.topic_ids or [])
        if wanted == set(current):
            continue
        gone += [pk for topic_id, pk in current.items() if topic_id not in wanted]
        new += [(item_id, t) for t in sorted(wanted - set(current))]
        if r.impl_code in stored:
            before.setdefault(r.impl_code, {})["topics"] = sorted(current)
        after.setdefault(r.impl_code, {})["topics"] = sorted(wanted)
    if gone:
        link.objects.filter(pk__in=gone).delete()
    _insert_rows(link, ["item_id", "topic_id"], new)


def _import_guides(
    rows: Sequence[ItemImportRow],
    stored: dict[str, dict[str, Any]],
    ids: dict[str, int],
    actor: User | None,
    note: str,
    now: Any,
) -> dict[str, int]:
    """Publish the changed guides of a batch; return 实施编码 → new version number."""
    existing_ids = [row["id"] for row in stored.values()]
    contents = guide_contents(row["current_guide_id"] for row in stored.values() if row["current_guide_id"])
    open_drafts = set(
        GuideVersion.objects.filter(
            item_id__in=existing_ids, status__in=[GuideStatus.DRAFT, GuideStatus.REVIEW]
        ).values_list("item_id", flat=True)
    )
    numbers = dict(
        GuideVersion.objects.filter(item_id__in=existing_ids)
        .order_by()
        .values_list("item_id")
        .annotate(n=Max("number"))
    )
    new: list[tuple[str, int, GuideContent, dict[str, tuple[str, str]]]] = []
    for r in rows:
        current_id = stored[r.impl_code]["current_guide_id"] if r.impl_code in stored else None
        current = contents.get(current_id) if current_id else None
        if current is not None and not guide_import_changes(r, current):
            continue
        item_id = ids[r.impl_code]
        if item_id in open_drafts:
            raise Conflict(f"{r.impl_code}：该事项有未完成的草稿或待审核版本，请先处理后再导入。")
        wanted = guide_import_content(r, current)
        errors = validate_guide(wanted.values)
        for index, m in enumerate(wanted.materials, start=1):
            if not str(m.get("name", "")).strip():
                errors.setdefault("materials", []).append(f"第{index}项材料缺少名称。")
        if errors:
            raise InvalidInput(f"{r.impl_code}：办事指南内容有误。", errors=errors)
        new.append((r.impl_code, numbers.get(item_id, 0) + 1, wanted, current.files if current else {}))
    if not new:
        return {}
    item_ids = [ids[code] for code, _n, _c, _f in new]
    GuideVersion.objects.filter(item_id__in=item_ids, status=GuideStatus.PUBLISHED).update(
        status=GuideStatus.SUPERSEDED
    )
    _insert_rows(
        GuideVersion,
        ["item_id", "number", "status", *_CONTENT_FIELDS, "change_note"]
        + ["created_by_id", "reviewed_by_id", "review_comment", "created_at", "submitted_at", "published_at"],
        [
            (ids[code], number, GuideStatus.PUBLISHED.value, *(c.values[f] for f in _CONTENT_FIELDS), note)
            + (getattr(actor, "pk", None), getattr(actor, "pk", None), "", now, None, now)
            for code, number, c, _f in new
        ],
    )
    guide_ids = dict(
        GuideVersion.objects.filter(item_id__in=item_ids, status=GuideStatus.PUBLISHED).values_list(
            "item_id", "id"
        )
    )
    if len(guide_ids) != len(new):
        raise Conflict("办事指南版本写入不完整，请重新导入。")
    materials, steps = [], []
    for code, _number, content, files in new:
        guide_id = guide_ids[ids[code]]
        for i, m in enumerate(content.materials, start=1):
            blank_form, sample = files.get(m["name"], ("", ""))
            materials.append((guide_id, i, *(m[f] for f in MATERIAL_FIELDS), blank_form, sample))
        steps += [(guide_id, i, *(s[f] for f in STEP_FIELDS)) for i, s in enumerate(content.steps, start=1)]
    _insert_rows(GuideMaterial, ["guide_id", "order", *MATERIAL_FIELDS, "blank_form", "sample"], materials)
    _insert_rows(GuideStep, ["guide_id", "order", *STEP_FIELDS], steps)
    _set_current_guides([(guide_ids[ids[code]], ids[code]) for code, _n, _c, _f in new], now)
    return {code: number for code, number, _c, _f in new}


def _insert_rows(model: type[Any], columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Plain INSERT of many rows with one executemany (bulk_create builds a model per row and compiles every
    value). Values are plain Python (str, int, bool, None); dates and datetimes go through the field."""
    if not rows:
        return
    from django.db import connections, router

    connection = connections[router.db_for_write(model)]
    qn, opts = connection.ops.quote_name, model._meta
    fields = [opts.get_field(c) for c in columns]
    convert = [i for i, f in enumerate(fields) if f.get_internal_type() in {"DateTimeField", "DateField"}]
    if convert:
        rows = [
            tuple(fields[i].get_db_prep_save(v, connection) if i in convert else v for i, v in enumerate(row))
            for row in rows
        ]
    names = ", ".join(qn(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {qn(opts.db_table)} ({names}) VALUES ({marks})"  # noqa: S608 (quoted names)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _set_current_guides(pairs: list[tuple[int, int]], now: Any) -> None:
    """Point items at their new versions: one executemany UPDATE (bulk_update builds a CASE per row)."""
    from django.db import connections, router

    connection = connections[router.db_for_write(Item)]
    qn, opts = connection.ops.quote_name, Item._meta
    stamp = opts.get_field("updated_at").get_db_prep_save(now, connection)
    sql = (
        f"UPDATE {qn(opts.db_table)} SET {qn('current_guide_id')} = %s, {qn('updated_at')} = %s "  # noqa: S608
        f"WHERE {qn('id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(guide_id, stamp, item_id) for guide_id, item_id in pairs])
