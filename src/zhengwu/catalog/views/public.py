"""Public guide portal (no login): browse and search published guides, read one, print it, download it.

GOV.UK start-page discipline: the search box first, then ways to browse; a guide page answers what, who, what
you need, how long, what it costs, where, how online and whom to call, in that order. Only published guides of
active items are shown (selectors.public_item_list / public_item_get); anything else is a 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhengwu.catalog import guide_files, selectors
from zhengwu.catalog.choices import Channel, ItemLevel, ItemType, TopicKind
from zhengwu.catalog.models import GuideMaterial, Item, ItemChannel, Topic
from zhengwu.catalog.search import KIND
from zhengwu.core.models import Organisation
from zhengwu.core.permissions import public

PER_PAGE = 20
POPULAR = 6
MAX_PAGE = 500  # deeper pages are never useful to a reader and only cost the database


class ListFilterForm(forms.Form):
    """Narrow a browse list: 事项类型 and 实施层级. Invalid values are reported and ignored."""

    type = forms.ChoiceField(
        label=gettext_lazy("事项类型"),
        required=False,
        choices=[("", gettext_lazy("全部")), *ItemType.choices],
    )
    level = forms.ChoiceField(
        label=gettext_lazy("实施层级"),
        required=False,
        choices=[("", gettext_lazy("全部")), *ItemLevel.choices],
    )

    def filters(self) -> dict[str, str]:
        """The valid, non-empty filters (an invalid one is dropped; the page shows why)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            key: data[field] for field, key in (("type", "item_type"), ("level", "level")) if data.get(field)
        }


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("搜索办事指南"),
        max_length=100,
        required=False,
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    department = forms.TypedChoiceField(
        label=gettext_lazy("部门"), required=False, coerce=int, empty_value=None
    )
    type = forms.ChoiceField(
        label=gettext_lazy("事项类型"),
        required=False,
        choices=[("", gettext_lazy("全部")), *ItemType.choices],
    )

    def __init__(self, *args: Any, departments: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("全部部门")), *((d.pk, d.name) for d in departments)]


def _page_number(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        return 1


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _channel_counts() -> list[dict[str, Any]]:
    """Published items listed on each channel (one query), in the order of choices.Channel."""
    counts = dict(
        ItemChannel.objects.filter(item__is_active=True, item__current_guide__isnull=False)
        .values_list("channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [{"code": c.value, "label": c.label, "count": counts.get(c.value, 0)} for c in Channel]


@public
def portal(request: HttpRequest) -> HttpResponse:
    """The portal's start page: search first, then browse by department, life event, enterprise stage, channel."""
    topics = list(selectors.topics_with_counts().order_by("kind", "order", "code"))
    context = {
        "counts": selectors.catalogue_counts(),
        # 常办事项: the busiest published items by case volume (high_frequency_refresh), not a hand-picked list
        "popular": list(
            selectors.public_item_list(high_frequency=True).order_by("volume_rank_pct", "pk")[:POPULAR]
        ),
        "departments": selectors.departments_with_items(),
        "person_topics": [t for t in topics if t.kind == TopicKind.PERSON and t.published],
        "enterprise_topics": [t for t in topics if t.kind == TopicKind.ENTERPRISE and t.published],
        "channels": _channel_counts(),
    }
    return render(request, "catalog/portal_home.html", context)


@public
def portal_search(request: HttpRequest) -> HttpResponse:
    """Full-text search (core.search) over names, guides and materials; ranked, highlighted, 20 a page."""
    if not request.GET.get("q", "").strip():
        return redirect("catalog:portal")
    departments = list(selectors.departments_with_items())
    form = SearchForm(request.GET, departments=departments)
    context: dict[str, Any] = {"form": form, "departments": departments, "query_string": ""}
    if not form.is_valid():
        return render(request, "catalog/portal_search.html", context, status=400)
    data = form.cleaned_data
    filters = {k: v for k, v in (("department", data["department"]), ("item_type", data["type"])) if v}
    # The filters restrict the search as a subquery (core.search runs it inside its own SQL).
    ids = selectors.public_item_list(**filters).values("pk") if filters else None
    total, hits = _search(data["q"], ids, _page_number(request))
    page = Paginator(range(total), PER_PAGE).get_page(_page_number(request)) if total else None
    context.update(
        q=data["q"],
        filtered=bool(filters),
        total=total,
        page=page,
        results=hits,
        query_string=_query_without_page(request),
    )
    return render(request, "catalog/portal_search.html", context)


def _search(query: str, ids: QuerySet[Item] | None, page_no: int) -> tuple[int, list[dict[str, Any]]]:
    """Run the search for one page and join the hits to published items, keeping the rank order."""
    from zhengwu.core import search

    result = search.search(KIND, query, limit=PER_PAGE, offset=(page_no - 1) * PER_PAGE, ids=ids)
    if not result.hits and result.total:  # a page past the end: show the last one
        last = (result.total - 1) // PER_PAGE
        result = search.search(KIND, query, limit=PER_PAGE, offset=last * PER_PAGE, ids=ids)
    wanted = [int(hit.object_id) for hit in result.hits]
    items = selectors.public_item_list().in_bulk(wanted)
    rows = [
        {"item": items[int(hit.object_id)], "title_html": hit.title_html, "snippet_html": hit.snippet_html}
        for hit in result.hits
        if int(hit.object_id) in items
    ]
    return result.total, rows


def _item_list_page(
    request: HttpRequest, *, title: str, lead: str, breadcrumb: str, anchor: str, extra: dict[str, Any]
) -> HttpResponse:
    form = ListFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    items: QuerySet[Item] = selectors.public_item_list(**extra, **filters)
    page: Page[Item] = Paginator(items, PER_PAGE).get_page(_page_number(request))
    context = {
        "title": title,
        "lead": lead,
        "breadcrumb": breadcrumb,
        "anchor": anchor,  # the portal section this list was reached from
        "filter_form": form,
        "page": page,
        "results": [{"item": item} for item in page.object_list],
        "query_string": _query_without_page(request),
    }
    return render(request, "catalog/portal_list.html", context)


@public
def portal_department(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_object_or_404(Organisation, pk=pk)
    return _item_list_page(
        request,
        title=department.name,
        lead=_("由%(name)s办理的政务服务事项。") % {"name": department.name},
        breadcrumb=_("按部门"),
        anchor="departments",
        extra={"department": department.pk},
    )


@public
def portal_topic(request: HttpRequest, code: str) -> HttpResponse:
    topic = get_object_or_404(Topic, code=code)
    return _item_list_page(
        request,
        title=topic.name,
        lead=_("%(kind)s：%(name)s相关的政务服务事项。")
        % {"kind": topic.get_kind_display(), "name": topic.name},
        breadcrumb=str(topic.get_kind_display()),
        anchor=topic.kind,
        extra={"topic": topic.code},
    )


@public
def portal_channel(request: HttpRequest, channel: str) -> HttpResponse:
    if channel not in Channel.values:
        raise Http404(_("没有该办理渠道。"))
    label = str(Channel(channel).label)
    return _item_list_page(
        request,
        title=label,
        lead=_("可以通过%(channel)s办理的政务服务事项。") % {"channel": label},
        breadcrumb=_("按渠道"),
        anchor="channels",
        extra={"channel": channel},
    )


@public
def portal_item(request: HttpRequest, pk: int) -> HttpResponse:
    """The guide page: an unpublished or inactive item raises NotFound (a Chinese 404 page)."""
    item = selectors.public_item_get(pk)
    return render(request, "catalog/portal_item.html", guide_files.guide_context(item))


@public
def portal_item_print(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.public_item_get(pk)
    return render(request, "catalog/portal_item_print.html", guide_files.guide_context(item))


@public
def portal_item_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    return guide_files.guide_xlsx_response(selectors.public_item_get(pk))


@public
def portal_item_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return guide_files.guide_pdf_response(selectors.public_item_get(pk), request=request)


@public
def portal_material_file(request: HttpRequest, pk: int, material: int, kind: str) -> FileResponse:
    """A blank form or sample of a material in the item's *published* guide (drafts' files stay private)."""
    item = selectors.public_item_get(pk)
    row = GuideMaterial.objects.filter(pk=material, guide_id=item.current_guide_id).first()
    field = {"form": "blank_form", "sample": "sample"}.get(kind)
    upload = getattr(row, field, None) if row is not None and field else None
    if not upload:
        raise Http404(_("没有该文件。"))
    return FileResponse(upload.open("rb"), as_attachment=True, filename=upload.name.rsplit("/", 1)[-1])


urlpatterns = [
    path("guide/", portal, name="portal"),
    path("guide/search/", portal_search, name="portal-search"),
    path("guide/department/<int:pk>/", portal_department, name="portal-department"),
    path("guide/topic/<slug:code>/", portal_topic, name="portal-topic"),
    path("guide/channel/<slug:channel>/", portal_channel, name="portal-channel"),
    path("guide/item/<int:pk>/", portal_item, name="portal-item"),
    path("guide/item/<int:pk>/print/", portal_item_print, name="portal-item-print"),
    path("guide/item/<int:pk>/guide.xlsx", portal_item_xlsx, name="portal-item-xlsx"),
    path("guide/item/<int:pk>/guide.pdf", portal_item_pdf, name="portal-item-pdf"),
    path(
        "guide/item/<int:pk>/materials/<int:material>/<slug:kind>/",
        portal_material_file,
        name="portal-material-file",
    ),
]
