"""API of the service catalogue under /api/v1/catalog/: items, guides, search, departments, topics, completeness.

Published items and guides are public information (``Public()``); drafts, version history, the completeness
audit and the bulk export need ``catalog.view_item``. Reads go through catalog.selectors; the list endpoints are
paginated like core's (``page``, ``page_size`` ≤ 500) and run a fixed number of queries whatever the page size.
"""

# No ``from __future__ import annotations`` here: ninja resolves the annotations at runtime (see core/api.py).
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Query, Router
from ninja.errors import AuthenticationError
from ninja.pagination import paginate

from zhengwu.catalog import rules, selectors
from zhengwu.catalog.choices import GuideStatus, TopicKind
from zhengwu.catalog.models import GuideMaterial, GuideVersion, Item
from zhengwu.catalog.schemas import (
    CompletenessOut,
    DepartmentOut,
    GuideDetailOut,
    GuideHistoryOut,
    ItemDetailOut,
    ItemFilter,
    ItemOut,
    SearchOut,
    TopicOut,
)
from zhengwu.core.api import Paginated
from zhengwu.core.apiauth import Perm, Public
from zhengwu.core.audit import audit_log
from zhengwu.core.exceptions import InvalidInput, NotAllowed, NotFound

router = Router(tags=["catalog 政务服务事项"])

VIEW = "catalog.view_item"


# --- Building the responses ---------------------------------------------------------------------------------


def _department(org: Any) -> dict[str, Any]:
    return {"id": org.pk, "code": org.code, "name": org.name}


def _channels(item: Item) -> list[dict[str, str]]:
    return [
        {"channel": c.channel, "label": c.get_channel_display(), "url": c.url}
        for c in sorted(item.channels.all(), key=lambda c: c.channel)
    ]


def _item(item: Item) -> dict[str, Any]:
    guide = item.current_guide
    return {
        **{
            f: getattr(item, f)
            for f in ("id", "impl_code", "base_code", "name", "item_type", "on_application")
        },
        "item_type_label": item.get_item_type_display(),
        "department": _department(item.department),
        "level": item.level,
        "level_label": item.get_level_display(),
        "service_object": item.service_object,
        "service_object_label": item.get_service_object_display(),
        "handling_kind": guide.handling_kind if guide else None,
        "handling_kind_label": guide.get_handling_kind_display() if guide else None,
        "statutory_days": guide.statutory_days if guide else None,
        "promised_days": guide.promised_days if guide else None,
        "time_limit": guide.time_limit_text if guide else "",
        "visits": guide.visits if guide else None,
        "visits_label": guide.get_visits_display() if guide else None,
        "online_depth": guide.online_depth if guide else None,
        "online_depth_label": guide.get_online_depth_display() if guide else None,
        "channels": _channels(item),
        "tongban_scope": item.tongban_scope,
        "tongban_mode": item.tongban_mode,
        "one_window": item.one_window,
        "high_frequency": item.high_frequency,
        "published_at": guide.published_at if guide else None,
        "url": reverse("catalog:portal-item", args=[item.pk]),
    }


def _file_url(guide: GuideVersion, material: GuideMaterial, kind: str) -> str | None:
    if not (material.blank_form if kind == "form" else material.sample):
        return None
    if guide.status == GuideStatus.PUBLISHED:
        return reverse("catalog:portal-material-file", args=[guide.item_id, material.pk, kind])
    return reverse("catalog:material-file", args=[material.pk, kind])


def _guide(guide: GuideVersion) -> dict[str, Any]:
    plain = [
        "id",
        "number",
        "status",
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
        "published_at",
    ]
    return {
        **{f: getattr(guide, f) for f in plain},
        "status_label": guide.get_status_display(),
        "handling_kind_label": guide.get_handling_kind_display(),
        "time_limit": guide.time_limit_text,
        "fee_mode_label": guide.get_fee_mode_display(),
        "visits_label": guide.get_visits_display(),
        "online_depth_label": guide.get_online_depth_display(),
        "materials": [
            {
                **{
                    f: getattr(m, f)
                    for f in ("order", "name", "required", "copies", "form", "source", "note")
                },
                "form_label": m.get_form_display(),
                "source_label": m.get_source_display(),
                "blank_form_url": _file_url(guide, m, "form"),
                "sample_url": _file_url(guide, m, "sample"),
            }
            for m in guide.materials.all()
        ],
        "steps": [
            {
                f: getattr(s, f)
                for f in ("order", "name", "description", "days", "is_special", "counts_in_limit")
            }
            for s in guide.steps.all()
        ],
    }


def _require_view(request: HttpRequest, what: str) -> None:
    """Staff-only content behind a Public() operation: 401 when signed out, 403 without the permission."""
    if not request.user.is_authenticated:
        raise AuthenticationError
    if not request.user.has_perm(VIEW):
        raise NotAllowed(f"{what}仅限工作人员查看。")


def _item_for_staff(key: str) -> Item:
    """Any item (published or not) by id or 实施编码, as selectors.public_item_get reads the key."""
    if key.isdigit() and len(key) < 12:
        return selectors.item_get(int(key))
    pk = Item.objects.filter(impl_code=key).values_list("pk", flat=True).first()
    if pk is None:
        raise NotFound("没有该事项。")
    return selectors.item_get(pk)


# --- Items --------------------------------------------------------------------------------------------------


@router.get("/items", response=list[ItemOut], auth=Public(), summary="事项目录(已发布)")
@paginate(Paginated)
def list_items(request: HttpRequest, filters: Query[ItemFilter]):
    qs = selectors.public_item_list(**filters.selector_filters()).prefetch_related("channels")
    return _Mapped(qs, _item)


@router.get("/items/search", response=SearchOut, auth=Public(), summary="办事指南全文检索")
def search_items(request: HttpRequest, q: str, page: int = 1, page_size: int = 20):
    """Chinese search over names, guides and materials (core.search); matches are marked with <mark>."""
    query = q.strip()
    if not query:
        raise InvalidInput("请输入要查找的事项名称或关键词。", errors={"q": ["必填。"]})
    from zhengwu.catalog.search import KIND
    from zhengwu.core import search

    size = max(1, min(page_size, 100))
    published = Item.objects.published().values("pk")  # the index holds published items; this keeps it exact
    result = search.search(KIND, query, limit=size, offset=(max(1, page) - 1) * size, ids=published)
    ids = [int(hit.object_id) for hit in result.hits]
    items = selectors.public_item_list().filter(pk__in=ids).in_bulk()
    hits = [
        {
            "id": item.pk,
            "impl_code": item.impl_code,
            "name": item.name,
            "department": _department(item.department),
            "score": float(hit.score),
            "title_html": str(hit.title_html),
            "snippet_html": str(hit.snippet_html),
            "url": reverse("catalog:portal-item", args=[item.pk]),
        }
        for hit in result.hits
        if (item := items.get(int(hit.object_id))) is not None
    ]
    return {"query": query, "count": result.total, "items": hits}


@router.get("/export", auth=Perm(VIEW), summary="导出事项目录(xlsx，与导入模板同格式)")
def export_items(request: HttpRequest, filters: Query[ItemFilter], all: bool = False) -> HttpResponse:  # noqa: A002
    """The filtered catalogue as xlsx in the import layout; ``all=true`` adds unpublished and inactive items."""
    from zhengwu.catalog.exporting import catalogue_sheets
    from zhengwu.core.exports import xlsx_response

    base = Item.objects.all() if all else Item.objects.published()
    qs = selectors.item_filter(base, **filters.selector_filters())
    audit_log(
        actor=request.user,  # type: ignore[arg-type]
        action="export.xlsx",
        object_type="catalog.item",
        object_repr="导出 政务服务事项目录",
        after={"filters": {k: v for k, v in request.GET.items()}, "items": qs.count()},
    )
    return xlsx_response("政务服务事项目录", catalogue_sheets(qs))


@router.get("/items/{key}", response=ItemDetailOut, auth=Public(), summary="事项及现行办事指南")
def get_item(request: HttpRequest, key: str):
    """A published item by id or 实施编码, with its guide (materials, steps), channels and topics."""
    item = selectors.public_item_get(key)
    return {
        **_item(item),
        "handle_code": item.handle_code,
        "topics": [{"code": t.code, "name": t.name, "kind": t.kind} for t in item.topics.all()],
        "guide": _guide(item.current_guide),  # type: ignore[arg-type]  (published: never None)
    }


@router.get(
    "/items/{key}/guides", response=list[GuideHistoryOut], auth=Perm(VIEW), summary="办事指南版本历史"
)
@paginate(Paginated)
def list_item_guides(request: HttpRequest, key: str):
    def row(g: GuideVersion) -> dict[str, Any]:
        return {
            **{
                f: getattr(g, f)
                for f in (
                    "id",
                    "number",
                    "status",
                    "change_note",
                    "created_at",
                    "submitted_at",
                    "review_comment",
                    "published_at",
                )
            },
            "status_label": g.get_status_display(),
            "created_by": g.created_by.display_name if g.created_by else None,
            "reviewed_by": g.reviewed_by.display_name if g.reviewed_by else None,
        }

    return _Mapped(selectors.guide_history(_item_for_staff(key)), row)


# --- Guide versions -----------------------------------------------------------------------------------------


@router.get("/guides/{pk}", response=GuideDetailOut, auth=Public(), summary="某一版本的办事指南")
def get_guide(request: HttpRequest, pk: int):
    """The published version is public; drafts, versions under review and superseded ones are for staff."""
    guide = selectors.guide_get(pk)
    if guide.status != GuideStatus.PUBLISHED or not guide.item.is_active:
        _require_view(request, "未发布或已被取代的办事指南版本")
    item = guide.item
    return {**_guide(guide), "item": {"id": item.pk, "impl_code": item.impl_code, "name": item.name}}


# --- Departments, topics, completeness ----------------------------------------------------------------------


@router.get("/departments", response=list[DepartmentOut], auth=Public(), summary="有已发布事项的部门")
@paginate(Paginated)
def list_departments(request: HttpRequest):
    return selectors.departments_with_items()


@router.get("/topics", response=list[TopicOut], auth=Public(), summary="主题(人生阶段、企业阶段)")
@paginate(Paginated)
def list_topics(request: HttpRequest, kind: TopicKind | None = None):
    topics = selectors.topics_with_counts(kind.value if kind else "")
    return _Mapped(
        topics,
        lambda t: {
            "code": t.code,
            "name": t.name,
            "kind": t.kind,
            "kind_label": t.get_kind_display(),
            "published": t.published,
        },
    )


@router.get("/completeness", response=CompletenessOut, auth=Perm(VIEW), summary="办事指南完整率")
def completeness(request: HttpRequest, department: int | None = None):
    """County and department completeness rates under the enabled rules, with the definition."""
    report = selectors.completeness_report(department=department)
    return {
        "definition": selectors.CompletenessReport.DEFINITION,
        "rules": [
            {"code": r.code, "label": r.label, "description": r.description} for r in rules.enabled_rules()
        ],
        "audited": report.audited,
        "complete": report.complete,
        "rate": report.rate,
        "departments": [
            {
                "department": _department(r.department),
                "audited": r.audited,
                "complete": r.complete,
                "problems": r.problems,
                "rate": r.rate,
            }
            for r in report.rows
        ],
    }


class _Mapped:
    """A queryset the paginator slices and counts, whose page is mapped to response dicts afterwards."""

    def __init__(self, queryset: Any, mapper: Any) -> None:
        self.queryset, self.mapper = queryset, mapper

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        return [self.mapper(obj) for obj in self.queryset[index]]

    def all(self) -> "_Mapped":  # the paginator counts ``queryset.all().count()``
        return self

    def count(self) -> int:
        return self.queryset.count()
