"""Staff pages of the catalogue: items, guide versions (draft → review → published), history and diff,
the completeness audit and its rule set.

Views parse input, call a selector or a service of catalog, and render. Every write goes through
catalog.services; a DomainError becomes a form error or a message, never a 500.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengwu.catalog import rules, selectors, services
from zhengwu.catalog.choices import GuideStatus
from zhengwu.catalog.forms import (
    CompletenessFilter,
    DiffForm,
    GuideForm,
    ItemFilter,
    ItemForm,
    ReviewForm,
    material_formset,
    material_initial,
    material_values,
    step_formset,
    step_initial,
    step_values,
)
from zhengwu.catalog.models import GuideMaterial, GuideVersion, Item, ItemVolume
from zhengwu.catalog.tables import REVIEW_TABLE, high_frequency_definition, item_table
from zhengwu.core.audit import audit_log
from zhengwu.core.exceptions import DomainError, NotAllowed
from zhengwu.core.exports import Sheet, xlsx_response
from zhengwu.core.models import Organisation, User
from zhengwu.core.permissions import require
from zhengwu.core.selectors import scope_for
from zhengwu.core.tables import table_page
from zhengwu.core.views.staff import form_errors_from

OPEN = (GuideStatus.DRAFT, GuideStatus.REVIEW)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _crumbs(*extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [(_("事项目录"), reverse("catalog:item-list")), *extra]


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


# --- Items -------------------------------------------------------------------------------------------------


@require("catalog.view_item")
def item_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ItemFilter(request.GET or None)
    qs = selectors.item_list(**form.filters()).prefetch_related("channels")
    actions = []
    if user.has_perm("catalog.manage_catalogue"):
        actions.append((_("新增事项"), reverse("catalog:item-new")))
    if user.has_perm("catalog.import_item") and user.has_perm("core.add_importjob"):
        actions.append((_("导入"), reverse("core:import-new") + "?kind=catalog_items"))
    return table_page(
        request,
        table=item_table(),
        queryset=qs,
        template="catalog/item_list.html",
        context={
            "title": _("政务服务事项目录"),
            "lead": _("本县(市)实施清单：事项编码、实施主体、办结时限、上线渠道、通办与一窗受理。"),
            "filter_form": form,
            "actions": actions,
            "counts": selectors.catalogue_counts(),
            "hf_definition": high_frequency_definition(),
            "can_refresh": user.has_perm("catalog.review_guide"),
        },
    )


@require_POST
@require("catalog.review_guide")
def item_high_frequency(request: HttpRequest) -> HttpResponse:
    count = services.high_frequency_refresh(actor=_user(request))
    messages.success(
        request,
        _("已按“%(definition)s”重新计算：高频事项 %(n)s 项。")
        % {"definition": high_frequency_definition(), "n": count},
    )
    return redirect(reverse("catalog:item-list") + "?high_frequency=1")


def _departments(user: User) -> QuerySet[Organisation]:
    """Departments the user may file items under: all for bureau staff, their own (and units) for a handler."""
    scope = scope_for(user)
    qs = Organisation.objects.filter(is_active=True)
    if not scope.is_county:
        qs = qs.filter(pk__in=scope.org_ids or [])
    return qs.order_by("kind", "code")


def _item_form_page(request: HttpRequest, item: Item | None) -> HttpResponse:
    user = _user(request)
    form = ItemForm(request.POST or None, departments=_departments(user), item=item)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.item_upsert(actor=user, **form.service_values())
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("事项“%(name)s”已保存。") % {"name": saved.name})
            return redirect("catalog:item-detail", pk=saved.pk)
    crumbs = _crumbs()
    if item is not None:
        crumbs.append((item.name, reverse("catalog:item-detail", args=[item.pk])))
    return render(
        request,
        "catalog/item_form.html",
        {
            "form": form,
            "item": item,
            "title": _("修改事项") if item else _("新增事项"),
            "breadcrumbs": crumbs,
            "note": _("事项的基本信息和运行属性；公众看到的办事指南内容在“办事指南”中修改，经审核发布。"),
        },
    )


@require("catalog.view_item", "catalog.manage_catalogue")
def item_new(request: HttpRequest) -> HttpResponse:
    return _item_form_page(request, None)


@require("catalog.view_item", "catalog.manage_catalogue")
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(pk)
    if not services.can_edit_item(_user(request), item):
        raise NotAllowed(_("您没有维护该部门事项的权限。"))
    return _item_form_page(request, item)


def _month_start(day: date, months_back: int) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _volumes(item: Item) -> dict[str, Any]:
    """Cases per month over the window the 高频 ranking uses (the full months before this one)."""
    today = timezone.localdate()
    months = settings.ZHENGWU_HIGH_FREQUENCY_MONTHS
    first, last = _month_start(today, months), date(today.year, today.month, 1)
    rows = list(
        ItemVolume.objects.filter(item=item, month__gte=first, month__lt=last)
        .order_by("month")
        .values_list("month", "cases", "source")
    )
    return {"rows": rows, "total": sum(r[1] for r in rows), "first": first, "last": last, "months": months}


@require("catalog.view_item")
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = selectors.item_get(pk)
    history = list(selectors.guide_history(item))
    audit = rules.audit_items(rules.audit_queryset(Item.objects.filter(pk=item.pk)))[0]
    return render(
        request,
        "catalog/item_detail.html",
        {
            "item": item,
            "guide": item.current_guide,
            "history": history,
            "open_version": next((g for g in history if g.status in OPEN), None),
            "audit": audit,
            "volumes": _volumes(item),
            "rank_pct": _percent(item.volume_rank_pct),
            "hf_definition": high_frequency_definition(),
            "can_edit": services.can_edit_item(user, item),
            "breadcrumbs": _crumbs(),
        },
    )


# --- Guide versions ----------------------------------------------------------------------------------------


@require_POST
@require("catalog.view_item", "catalog.manage_catalogue")
def guide_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """Open (or continue) the item's draft: a copy of the published version."""
    item = selectors.item_get(pk)
    try:
        draft = services.guide_start_draft(item=item, actor=_user(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("catalog:item-detail", pk=item.pk)
    return redirect("catalog:guide-edit", pk=draft.pk)


def _previous(guide: GuideVersion) -> GuideVersion | None:
    pk = (
        GuideVersion.objects.filter(item_id=guide.item_id, number__lt=guide.number)
        .order_by("-number")
        .values_list("pk", flat=True)
        .first()
    )
    return selectors.guide_get(pk) if pk is not None else None


@require("catalog.view_item")
def guide_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    guide = selectors.guide_get(pk)
    item = guide.item
    previous = _previous(guide)
    can_edit = services.can_edit_item(user, item)
    own_draft = guide.created_by_id == user.pk and not settings.ZHENGWU_CATALOG_SELF_REVIEW
    return render(
        request,
        "catalog/guide_detail.html",
        {
            "guide": guide,
            "item": item,
            "previous": previous,
            "changes": services.guide_diff(previous, guide) if previous is not None else [],
            "can_edit": can_edit and guide.status == GuideStatus.DRAFT,
            "can_review": guide.status == GuideStatus.REVIEW and user.has_perm("catalog.review_guide"),
            "own_draft": own_draft,
            "review_form": ReviewForm(),
            "breadcrumbs": _crumbs((item.name, reverse("catalog:item-detail", args=[item.pk]))),
        },
    )


@require("catalog.view_item")
def guide_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Compare any two versions of an item (?a=<number>&b=<number>; default: the two newest)."""
    item = selectors.item_get(pk)
    versions = {g.number: g for g in selectors.guide_history(item)}
    numbers = sorted(versions, reverse=True)
    choices = [(n, f"v{n} · {versions[n].get_status_display()}") for n in numbers]
    defaults = {"b": numbers[0], "a": numbers[1] if len(numbers) > 1 else numbers[0]} if numbers else {}
    form = DiffForm({**defaults, **request.GET.dict()}, numbers=choices)
    old = new = None
    changes: list[services.Change] = []
    if numbers and form.is_valid():
        old = selectors.guide_get(versions[form.cleaned_data["a"]].pk)
        new = selectors.guide_get(versions[form.cleaned_data["b"]].pk)
        changes = services.guide_diff(old, new)
    return render(
        request,
        "catalog/guide_compare.html",
        {
            "item": item,
            "form": form,
            "old": old,
            "new": new,
            "changes": changes,
            "breadcrumbs": _crumbs((item.name, reverse("catalog:item-detail", args=[item.pk]))),
        },
    )


def _more(request: HttpRequest, which: str) -> int:
    return 3 if request.GET.get("more") == which else 1


def _with_extra_row(data: Any, prefix: str) -> Any:
    """Posted data with one more empty row in a formset (the "添加一行" button when the page has errors)."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    with contextlib.suppress(ValueError):  # a tampered count: the formset reports it
        data[key] = str(int(data.get(key, "0")) + 1)
    return data


@require("catalog.view_item", "catalog.manage_catalogue")
def guide_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    guide = selectors.guide_get(pk)
    if guide.status != GuideStatus.DRAFT:
        messages.error(
            request,
            _("该版本状态为“%(s)s”，不能修改：已发布的版本不可更改，请在事项页点“修改指南”起草新版本。")
            % {"s": guide.get_status_display()},
        )
        return redirect("catalog:guide-detail", pk=guide.pk)
    if not services.can_edit_item(user, guide.item):
        raise NotAllowed(_("您没有维护该部门事项的权限。"))
    materials_cls, steps_cls = (
        material_formset(_more(request, "materials")),
        step_formset(_more(request, "steps")),
    )
    action = request.POST.get("action", "save")
    if request.method == "POST":
        data = request.POST
        form = GuideForm(data)
        materials = materials_cls(data, request.FILES, initial=material_initial(guide), prefix="materials")
        steps = steps_cls(data, prefix="steps")
        if form.is_valid() and materials.is_valid() and steps.is_valid():
            response = _save_draft(request, guide, form, materials, steps, action)
            if response is not None:
                return response
        elif action in ("add-materials", "add-steps"):
            prefix = action.removeprefix("add-")
            data = _with_extra_row(data, prefix)
            form = GuideForm(data)
            materials = materials_cls(
                data, request.FILES, initial=material_initial(guide), prefix="materials"
            )
            steps = steps_cls(data, prefix="steps")
    else:
        form = GuideForm(initial={f: getattr(guide, f) for f in services.GUIDE_FIELDS})
        materials = materials_cls(initial=material_initial(guide), prefix="materials")
        steps = steps_cls(initial=step_initial(guide), prefix="steps")
    return render(
        request,
        "catalog/guide_edit.html",
        {
            "guide": guide,
            "item": guide.item,
            "form": form,
            "materials": materials,
            "steps": steps,
            "breadcrumbs": _crumbs(
                (guide.item.name, reverse("catalog:item-detail", args=[guide.item_id])),
                (f"v{guide.number}", reverse("catalog:guide-detail", args=[guide.pk])),
            ),
        },
    )


def _save_draft(
    request: HttpRequest,
    guide: GuideVersion,
    form: GuideForm,
    materials: Any,
    steps: Any,
    action: str,
) -> HttpResponse | None:
    """Save through the service; None when it refused (its errors are on the form)."""
    user = _user(request)
    try:
        services.guide_update(
            guide=guide,
            actor=user,
            values={f: form.cleaned_data[f] for f in services.GUIDE_FIELDS},
            materials=material_values(materials, guide),
            steps=step_values(steps),
        )
        if action == "submit":
            services.guide_submit(guide=guide, actor=user)
    except DomainError as exc:
        form_errors_from(form, exc)
        return None
    if action in ("add-materials", "add-steps"):
        which = action.removeprefix("add-")
        return redirect(reverse("catalog:guide-edit", args=[guide.pk]) + f"?more={which}#{which}")
    messages.success(request, _("已提交审核。") if action == "submit" else _("草稿已保存。"))
    return redirect("catalog:guide-detail", pk=guide.pk)


def _guide_action(request: HttpRequest, pk: int, act: Any, done: str) -> HttpResponse:
    guide = selectors.guide_get(pk)
    try:
        act(guide)
    except DomainError as exc:
        messages.error(request, "；".join([exc.message, *[m for ms in exc.errors.values() for m in ms]]))
    else:
        messages.success(request, done)
    return redirect("catalog:guide-detail", pk=guide.pk)


@require_POST
@require("catalog.view_item", "catalog.manage_catalogue")
def guide_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _guide_action(
        request,
        pk,
        lambda g: services.guide_submit(guide=g, actor=_user(request)),
        _("已提交审核，审核通过后发布。"),
    )


@require_POST
@require("catalog.view_item", "catalog.review_guide")
def guide_review(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReviewForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    approve = request.POST.get("decision") == "approve"
    return _guide_action(
        request,
        pk,
        lambda g: services.guide_review(guide=g, actor=_user(request), approve=approve, comment=comment),
        _("已审核通过并发布，原版本转为历史版本。") if approve else _("已退回起草人修改。"),
    )


@require_POST
@require("catalog.view_item", "catalog.manage_catalogue")
def guide_discard(request: HttpRequest, pk: int) -> HttpResponse:
    guide = selectors.guide_get(pk)
    try:
        services.guide_discard(guide=guide, actor=_user(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("catalog:guide-detail", pk=guide.pk)
    messages.success(request, _("草稿 v%(n)s 已放弃。") % {"n": guide.number})
    return redirect("catalog:item-detail", pk=guide.item_id)


@require("catalog.view_item")
def material_file(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    """A material's blank form or sample, of any version (staff see drafts' files too)."""
    row = GuideMaterial.objects.filter(pk=pk).first()
    field = {"form": "blank_form", "sample": "sample"}.get(kind)
    upload = getattr(row, field, None) if row is not None and field else None
    if not upload:
        raise Http404(_("没有该文件。"))
    return FileResponse(upload.open("rb"), as_attachment=True, filename=upload.name.rsplit("/", 1)[-1])


@require("catalog.view_item", "catalog.review_guide")
def review_list(request: HttpRequest) -> HttpResponse:
    return table_page(
        request,
        table=REVIEW_TABLE,
        queryset=selectors.guides_awaiting_review().order_by("submitted_at", "pk"),
        template="core/list.html",
        context={
            "title": _("指南审核"),
            "lead": _("部门提交的办事指南新版本；审核通过即发布并取代原版本，退回须写明意见。"),
        },
    )


# --- Completeness ------------------------------------------------------------------------------------------


@require("catalog.view_item")
def completeness(request: HttpRequest) -> HttpResponse:
    form = CompletenessFilter(request.GET or None)
    department = form.cleaned_data.get("department") if form.is_bound and form.is_valid() else None
    report = selectors.completeness_report(department=department.pk if department else None)
    if request.GET.get("export") == "xlsx":
        return _completeness_xlsx(request, report, department)
    rows = [{"row": r, "rate": _percent(r.rate)} for r in report.rows]
    incomplete = [a for a in report.audits if a.problems] if department else []
    inspections = []
    if department and incomplete and request.user.has_perm("inspections.manage_inspection"):
        from zhengwu.catalog.supervision import open_licensing_inspections

        inspections = list(open_licensing_inspections(department))
    query = request.GET.copy()
    query["export"] = "xlsx"
    return render(
        request,
        "catalog/completeness.html",
        {
            "form": form,
            "department": department,
            "report": report,
            "rate": _percent(report.rate),
            "rows": rows,
            "incomplete": incomplete,
            "inspections": inspections,
            "definition": selectors.CompletenessReport.DEFINITION,
            "rules": rules.enabled_rules(),
            "export_query": query.urlencode(),
        },
    )


def _completeness_xlsx(
    request: HttpRequest, report: selectors.CompletenessReport, department: Organisation | None
) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    scope = department.name if department else _("全市")
    note = _("%(definition)s 范围：%(scope)s。生成时间：%(time)s。") % {
        "definition": selectors.CompletenessReport.DEFINITION,
        "scope": scope,
        "time": stamp,
    }
    audit_log(
        actor=_user(request),
        action="export.xlsx",
        object_type="catalog.completeness",
        object_repr=_("导出 指南完整性核查(%(scope)s)") % {"scope": scope},
        after={"filters": {k: v for k, v in request.GET.items() if k != "export"}, "items": report.audited},
    )
    rates = [[r.department.name, r.audited, r.complete, _percent(r.rate), r.problems] for r in report.rows]
    rates.append(
        [
            _("合计"),
            report.audited,
            report.complete,
            _percent(report.rate),
            sum(r.problems for r in report.rows),
        ]
    )
    problems = (
        [a.item.department.name, a.item.impl_code, a.item.name, rule.label, text]
        for a in report.audits
        for rule, text in a.problems
    )
    return xlsx_response(
        str(_("指南完整性核查")),
        [
            Sheet(
                str(_("各部门完整率")),
                [_("部门"), _("核查事项数"), _("完整事项数"), _("完整率"), _("问题数")],
                rates,
                [36, 12, 12, 10, 10],
                note,
            ),
            Sheet(
                str(_("问题明细")),
                [_("部门"), _("实施编码"), _("事项名称"), _("要素"), _("问题")],
                problems,
                [36, 28, 44, 16, 50],
                note,
            ),
        ],
    )


@require("catalog.view_item")
def rule_list(request: HttpRequest) -> HttpResponse:
    enabled = {r.code for r in rules.enabled_rules()}
    return render(
        request,
        "catalog/rules.html",
        {
            "rules": [{"rule": r, "enabled": r.code in enabled} for r in rules.RULES.values()],
            "can_change": _user(request).has_perm("catalog.review_guide"),
            "definition": selectors.CompletenessReport.DEFINITION,
        },
    )


@require_POST
@require("catalog.view_item", "catalog.review_guide")
def rule_toggle(request: HttpRequest, code: str) -> HttpResponse:
    enabled = request.POST.get("enabled") == "1"
    try:
        rule = services.rule_set_enabled(code=code, enabled=enabled, actor=_user(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        label = rules.RULES[rule.code].label
        messages.success(
            request, (_("已启用规则“%(r)s”。") if enabled else _("已停用规则“%(r)s”。")) % {"r": label}
        )
    return redirect("catalog:rules")


@require_POST
@require("catalog.view_item", "inspections.manage_inspection")
def supervision_findings(request: HttpRequest, pk: int) -> HttpResponse:
    """行政许可监督检查: turn the department's incomplete guides into findings of an open inspection."""
    from zhengwu.catalog import supervision
    from zhengwu.inspections.models import Inspection

    inspection = Inspection.objects.filter(pk=pk).select_related("target").first()
    if inspection is None:
        raise Http404
    try:
        count = supervision.findings_from_completeness(inspection=inspection, actor=_user(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已向检查记录下达 %(n)s 个问题（每个存在问题的事项一个，已下达过的不重复）。") % {"n": count},
        )
    return redirect(f"{reverse('catalog:completeness')}?department={inspection.target_id}")


urlpatterns = [
    path("catalog/items/", item_list, name="item-list"),
    path("catalog/items/new/", item_new, name="item-new"),
    path("catalog/items/high-frequency/", item_high_frequency, name="item-high-frequency"),
    path("catalog/items/<int:pk>/", item_detail, name="item-detail"),
    path("catalog/items/<int:pk>/edit/", item_edit, name="item-edit"),
    path("catalog/items/<int:pk>/draft/", guide_draft, name="guide-draft"),
    path("catalog/items/<int:pk>/diff/", guide_compare, name="guide-diff"),
    path("catalog/guides/<int:pk>/", guide_detail, name="guide-detail"),
    path("catalog/guides/<int:pk>/edit/", guide_edit, name="guide-edit"),
    path("catalog/guides/<int:pk>/submit/", guide_submit, name="guide-submit"),
    path("catalog/guides/<int:pk>/review/", guide_review, name="guide-review"),
    path("catalog/guides/<int:pk>/discard/", guide_discard, name="guide-discard"),
    path("catalog/materials/<int:pk>/<slug:kind>/", material_file, name="material-file"),
    path("catalog/review/", review_list, name="review-list"),
    path("catalog/completeness/", completeness, name="completeness"),
    path("catalog/completeness/rules/", rule_list, name="rules"),
    path("catalog/supervision/<int:pk>/findings/", supervision_findings, name="supervision-findings"),
    path("catalog/completeness/rules/<slug:code>/", rule_toggle, name="rule-toggle"),
]
