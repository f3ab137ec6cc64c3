"""The catalogue as xlsx in the import template's layout: export → edit in Excel → import round-trips.

``catalogue_sheets(queryset)`` returns core.exports Sheets: first the items (the columns, headers and value
spellings of catalog.importers, one row per item with its published guide), then a 填写说明 sheet with every
column's help. The import reads the first sheet only, so the second never gets in the way. Values are written
in the spelling the importer reads back to the same stored value; an exported file imported unchanged
creates no new guide version and changes no item.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from zhengwu.catalog.choices import (
    Channel,
    FeeMode,
    HandlingKind,
    ItemLevel,
    ItemType,
    OnlineDepth,
    ServiceObject,
    TongbanMode,
    TongbanScope,
    Visits,
)
from zhengwu.catalog.importers import FIELDS, format_materials, format_steps, zh_label
from zhengwu.catalog.models import GuideMaterial, GuideStep, Item, Topic
from zhengwu.core.exports import Sheet
from zhengwu.core.models import Organisation

SHEET_TITLE = "政务服务事项"
HELP_TITLE = "填写说明"
CHUNK = 500


def headers() -> list[str]:
    """The template's headers: Chinese labels, required ones marked with *."""
    return [f.label + ("*" if f.required else "") for f in FIELDS]


def widths() -> list[int]:
    wide = {"name": 30, "department": 28, "legal_basis": 40, "conditions": 40, "materials": 50, "steps": 40}
    return [wide.get(f.key, max(12, len(f.label) * 2 + 2)) for f in FIELDS]


def export_queryset(queryset: QuerySet[Item]) -> QuerySet[Item]:
    """The queryset with everything a row needs, in a fixed number of queries per chunk."""
    return (
        queryset.select_related("department", "current_guide")
        .prefetch_related(
            "channels",
            "topics",
            Prefetch("current_guide__materials", queryset=GuideMaterial.objects.order_by("order", "id")),
            Prefetch("current_guide__steps", queryset=GuideStep.objects.order_by("order", "id")),
        )
        .order_by("department__code", "impl_code")
    )


def _ambiguous(names: list[str]) -> set[str]:
    """Names that several rows share (the export then writes the unambiguous code instead)."""
    return {name for name, n in Counter(names).items() if n > 1}


def catalogue_rows(queryset: QuerySet[Item]) -> Iterator[list[Any]]:
    """One row per item, in the order of importers.FIELDS; guide columns empty for an unpublished item."""
    orgs = list(Organisation.objects.values_list("name", "short_name"))
    org_dupes = _ambiguous([n for name, short in orgs for n in {name, short} if n])
    topic_dupes = _ambiguous(list(Topic.objects.values_list("name", flat=True)))
    for item in export_queryset(queryset).iterator(chunk_size=CHUNK):
        yield _row(item, org_dupes, topic_dupes)


def _days(value: int | None) -> str:
    return "" if value is None else str(value)


def _row(item: Item, org_dupes: set[str], topic_dupes: set[str]) -> list[Any]:
    dept = item.department
    guide = item.current_guide
    channels = sorted(c.channel for c in item.channels.all())
    topics = sorted(item.topics.all(), key=lambda t: (t.kind, t.order, t.code))
    values: dict[str, Any] = {
        "impl_code": item.impl_code,
        "base_code": item.base_code,
        "handle_code": item.handle_code,
        "name": item.name,
        "item_type": zh_label(ItemType, item.item_type),
        "on_application": "是" if item.on_application else "否",
        "department": dept.code if dept.name in org_dupes else dept.name,
        "level": zh_label(ItemLevel, item.level),
        "service_object": zh_label(ServiceObject, item.service_object),
        "channels": "、".join(zh_label(Channel, c) for c in channels),
        "tongban_scope": zh_label(TongbanScope, item.tongban_scope) if item.tongban_scope else "",
        "tongban_mode": zh_label(TongbanMode, item.tongban_mode) if item.tongban_mode else "",
        "one_window": "是" if item.one_window else "否",
        "topics": "、".join(t.code if t.name in topic_dupes else t.name for t in topics),
    }
    if guide is not None:
        values |= {
            "handling_kind": zh_label(HandlingKind, guide.handling_kind),
            "statutory_days": _days(guide.statutory_days),
            "promised_days": _days(guide.promised_days),
            "fee_mode": zh_label(FeeMode, guide.fee_mode) if guide.fee_mode else "",
            "fee_detail": guide.fee_detail,
            "legal_basis": guide.legal_basis,
            "conditions": guide.conditions,
            "materials": format_materials(guide.materials.all()),
            "steps": format_steps(guide.steps.all()),
            "location": guide.location,
            "hours": guide.hours,
            "consult_phone": guide.consult_phone,
            "complaint_phone": guide.complaint_phone,
            "visits": zh_label(Visits, guide.visits),
            "online_depth": zh_label(OnlineDepth, guide.online_depth),
            "online_url": guide.online_url,
            "result_name": guide.result_name,
            "faq": guide.faq,
        }
    return [values.get(f.key, "") for f in FIELDS]


def help_rows() -> list[list[str]]:
    return [[f.label, "是" if f.required else "否", f.help] for f in FIELDS]


def catalogue_sheets(queryset: QuerySet[Item]) -> list[Sheet]:
    """The catalogue in the import layout (first sheet) and the column help (second sheet).

    The item sheet has no note row, so the header is the first row, as the importer expects. Rows stream from
    the queryset in chunks: memory stays flat for any catalogue size.
    """
    return [
        Sheet(SHEET_TITLE, headers(), catalogue_rows(queryset), widths(), text=True),
        Sheet(HELP_TITLE, ["列名", "必填", "填写说明"], help_rows(), [22, 8, 100]),
    ]
