"""Staff pages of the inspection mechanism: checklists, rounds, inspections, findings and their rectification.

Views parse input, call a selector or a service, and render; who may act is decided by the services (the
pages only hide buttons that would be refused). Every list is a core Table, so it sorts, filters and exports.
"""

from __future__ import annotations

import mimetypes
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhengwu.core.exceptions import DomainError, NotAllowed, NotFound
from zhengwu.core.forms import filter_values
from zhengwu.core.models import User
from zhengwu.core.permissions import require
from zhengwu.core.tables import Column, Table, table_page
from zhengwu.core.views.staff import form_errors_from
from zhengwu.inspections import selectors, services
from zhengwu.inspections.choices import FindingStatus, InspectionStatus, RoundStatus, Scoring
from zhengwu.inspections.forms import (
    FindingFilter,
    FindingForm,
    InspectionCreateForm,
    InspectionFilter,
    InspectionRecordForm,
    ReasonForm,
    RectificationForm,
    RoundFilter,
    RoundForm,
    TemplateFilter,
    VerifyForm,
)
from zhengwu.inspections.models import Finding, Inspection
from zhengwu.inspections.selectors import MANAGE, VIEW_FINDING, VIEW_INSPECTION, VIEW_ROUND, VIEW_TEMPLATE


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _date(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _score(value: Any) -> Decimal | None:
    """A 100-point score as a number (so the xlsx export can be summed), two decimals."""
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _yes(flag: bool) -> str:
    return str(gettext_lazy("是")) if flag else ""


# --- Checklist templates ----------------------------------------------------------------------------------

TEMPLATE_TABLE = Table(
    name=gettext_lazy("检查表"),
    columns=[
        Column(
            "code",
            gettext_lazy("代码"),
            sort="code",
            css="mono",
            link=lambda t: reverse("inspections:template-detail", args=[t.pk]),
        ),
        Column("name", gettext_lazy("名称"), sort="name"),
        Column("domain", gettext_lazy("检查类别"), value=lambda t: t.domain_label, sort="domain"),
        Column("scoring", gettext_lazy("评分方式"), value=lambda t: t.get_scoring_display()),
        Column("version", gettext_lazy("版本"), css="num"),
        Column("n_criteria", gettext_lazy("检查内容"), css="num"),
        Column("n_rounds", gettext_lazy("检查批次"), css="num"),
        Column("is_active", gettext_lazy("现行"), value=lambda t: _yes(t.is_active)),
    ],
)

CRITERIA_TABLE = Table(
    name=gettext_lazy("检查内容"),
    columns=[
        Column("code", gettext_lazy("编号"), css="mono"),
        Column("section", gettext_lazy("检查项目")),
        Column("text", gettext_lazy("检查内容")),
        Column("guidance", gettext_lazy("检查方法与依据")),
        Column("max_score", gettext_lazy("分值"), css="num"),
    ],
)


@require(VIEW_TEMPLATE)
def template_list(request: HttpRequest) -> HttpResponse:
    form = TemplateFilter(request.GET or None)
    data = filter_values(form)
    qs = selectors.template_list_for_user(
        _user(request),
        domain=data.get("domain", ""),
        q=data.get("q", ""),
        include_old=bool(data.get("include_old")),
    )
    return table_page(
        request,
        table=TEMPLATE_TABLE,
        queryset=qs,
        template="core/list.html",
        context={
            "title": _("检查表"),
            "filter_form": form,
            "lead": _(
                "行政许可监督检查、大厅评估、网络安全与网站检查共用的检查表；已用于检查批次的版本不再修改。"
            ),
        },
    )


@require(VIEW_TEMPLATE)
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.template_get(_user(request), pk)
    table = CRITERIA_TABLE
    if template.scoring != Scoring.SCORED:
        table = Table(
            name=CRITERIA_TABLE.name, columns=[c for c in CRITERIA_TABLE.columns if c.key != "max_score"]
        )
    return table_page(
        request,
        table=table,
        queryset=selectors.criteria_of(template),
        template="inspections/template_detail.html",
        context={
            "title": str(template),
            "checklist": template,
            "breadcrumbs": [(_("检查表"), reverse("inspections:template-list"))],
        },
        per_page=200,
    )


# --- Rounds -----------------------------------------------------------------------------------------------

ROUND_TABLE = Table(
    name=gettext_lazy("检查批次"),
    note=gettext_lazy("平均分为已提交检查记录的百分制得分平均值；逾期问题含逾期提交整改的问题"),
    columns=[
        Column(
            "name",
            gettext_lazy("批次名称"),
            sort="name",
            link=lambda r: reverse("inspections:round-detail", args=[r.pk]),
        ),
        Column("year", gettext_lazy("年度"), sort="year", css="num"),
        Column("template", gettext_lazy("检查表"), value=lambda r: r.template.name),
        Column("status", gettext_lazy("状态"), value=lambda r: r.get_status_display(), sort="status"),
        Column(
            "planned",
            gettext_lazy("计划时间"),
            value=lambda r: f"{_date(r.planned_start)} – {_date(r.planned_end)}",
            sort="planned_start",
            width=24,
        ),
        Column(
            "progress",
            gettext_lazy("已提交/检查单位"),
            value=lambda r: f"{r.n_submitted}/{r.n_inspections}",
            css="num",
        ),
        Column(
            "avg_score",
            gettext_lazy("平均分"),
            value=lambda r: _score(r.avg_score),
            sort="avg_score",
            css="num",
        ),
        Column("n_active", gettext_lazy("未销号问题"), css="num", sort="n_active"),
        Column("n_overdue", gettext_lazy("逾期问题"), css="num", sort="n_overdue"),
    ],
)


@require(VIEW_ROUND)
def round_list(request: HttpRequest) -> HttpResponse:
    form = RoundFilter(request.GET or None)
    data = filter_values(form)
    qs = selectors.round_list_for_user(
        _user(request),
        year=data.get("year"),
        status=data.get("status", ""),
        domain=data.get("domain", ""),
        q=data.get("q", ""),
    )
    actions = (
        [(_("新建检查批次"), reverse("inspections:round-create"))]
        if services.can_manage(_user(request))
        else []
    )
    return table_page(
        request,
        table=ROUND_TABLE,
        queryset=qs,
        template="core/list.html",
        context={
            "title": _("检查批次"),
            "filter_form": form,
            "actions": actions,
            "lead": _("按检查表对一批单位开展的监督检查：计划中 → 检查中 → 已结束。"),
        },
    )


@require(VIEW_ROUND, MANAGE)
def round_create(request: HttpRequest) -> HttpResponse:
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.round_create(actor=_user(request), **data)
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已创建检查批次。"))
            return redirect("inspections:round-detail", pk=created.pk)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": _("新建检查批次"),
            "submit": _("创建"),
            "breadcrumbs": [(_("检查批次"), reverse("inspections:round-list"))],
            "note": _("创建后为“计划中”；开始检查后才能记录检查结果。"),
        },
    )


INSPECTION_TABLE = Table(
    name=gettext_lazy("检查记录"),
    note=gettext_lazy("得分为百分制：计分检查表为得分÷应得分，合格制检查表为符合项÷(符合项+不符合项)"),
    columns=[
        Column(
            "target",
            gettext_lazy("被检查单位"),
            value=lambda i: i.target.name,
            sort="target__code",
            link=lambda i: reverse("inspections:inspection-detail", args=[i.pk]),
        ),
        Column("round", gettext_lazy("检查批次"), value=lambda i: i.round.name, sort="round__planned_start"),
        Column("inspector", gettext_lazy("检查人"), value=lambda i: str(i.inspector)),
        Column(
            "inspected_on",
            gettext_lazy("检查日期"),
            value=lambda i: _date(i.inspected_on),
            sort="inspected_on",
        ),
        Column("status", gettext_lazy("状态"), value=lambda i: i.get_status_display(), sort="status"),
        Column(
            "score",
            gettext_lazy("得分"),
            value=lambda i: _score(i.score),
            sort="score",
            css="num",
        ),
        Column("failed", gettext_lazy("不符合项"), css="num", sort="failed"),
        Column("n_active", gettext_lazy("未销号问题"), css="num", sort="n_active"),
        Column("n_overdue", gettext_lazy("逾期问题"), css="num", sort="n_overdue"),
    ],
)


# Inside a round the round column says nothing.
ROUND_INSPECTION_TABLE = Table(
    name=INSPECTION_TABLE.name,
    note=INSPECTION_TABLE.note,
    columns=[c for c in INSPECTION_TABLE.columns if c.key != "round"],
)


@require(VIEW_ROUND)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    inspection_round = selectors.round_get(user, pk)
    qs = selectors.inspection_list_for_user(user, round=inspection_round)
    can_manage = services.can_manage(user)
    return table_page(
        request,
        table=ROUND_INSPECTION_TABLE,
        queryset=qs,
        template="inspections/round_detail.html",
        context={
            "title": inspection_round.name,
            "round": inspection_round,
            "breadcrumbs": [(_("检查批次"), reverse("inspections:round-list"))],
            "can_start": can_manage and inspection_round.status == RoundStatus.PLANNED,
            "can_close": can_manage and inspection_round.status == RoundStatus.IN_PROGRESS,
            "can_add": can_manage and inspection_round.status != RoundStatus.CLOSED,
            "avg_text": selectors.percent_text(inspection_round.avg_score),  # type: ignore[attr-defined]
        },
    )


@require_POST
@require(VIEW_ROUND, MANAGE)
def round_start(request: HttpRequest, pk: int) -> HttpResponse:
    inspection_round = selectors.round_get(_user(request), pk)
    try:
        services.round_start(round=inspection_round, actor=_user(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("检查批次已开始，可以记录检查结果。"))
    return redirect("inspections:round-detail", pk=pk)


@require_POST
@require(VIEW_ROUND, MANAGE)
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    inspection_round = selectors.round_get(_user(request), pk)
    try:
        services.round_close(round=inspection_round, actor=_user(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("检查批次已结束；未销号的问题继续跟踪整改。"))
    return redirect("inspections:round-detail", pk=pk)


# --- Inspections ------------------------------------------------------------------------------------------


@require(VIEW_ROUND, MANAGE)
def inspection_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    inspection_round = selectors.round_get(user, pk)
    form = InspectionCreateForm(
        request.POST or None, targets=selectors.target_choices(user), inspectors=selectors.inspector_choices()
    )
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.inspection_create(round=inspection_round, actor=user, **form.cleaned_data)
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已将%(org)s列入本批次。") % {"org": inspection.target.name})
            return redirect("inspections:round-detail", pk=pk)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": _("增加被检查单位"),
            "submit": _("增加"),
            "breadcrumbs": [
                (_("检查批次"), reverse("inspections:round-list")),
                (inspection_round.name, reverse("inspections:round-detail", args=[pk])),
            ],
            "note": _("检查人不能检查本单位(回避)。"),
        },
    )


@require(VIEW_INSPECTION)
def inspection_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = InspectionFilter(
        request.GET or None,
        rounds=selectors.round_choices(user),
        organisations=selectors.inspected_organisations(user),
    )
    data = filter_values(form)
    qs = selectors.inspection_list_for_user(
        user, round=data.get("round"), organisation=data.get("organisation"), status=data.get("status", "")
    )
    return table_page(
        request,
        table=INSPECTION_TABLE,
        queryset=qs,
        template="core/list.html",
        context={
            "title": _("检查记录"),
            "filter_form": form,
            "lead": _("每个被检查单位一条检查记录：逐项记录检查结论，提交后计算得分。"),
        },
    )


def _breadcrumbs(user: User, inspection: Inspection) -> list[tuple[str, str]]:
    if user.has_perm(VIEW_ROUND):
        return [
            (_("检查批次"), reverse("inspections:round-list")),
            (inspection.round.name, reverse("inspections:round-detail", args=[inspection.round_id])),
        ]
    return [(_("检查记录"), reverse("inspections:inspection-list"))]


@require(VIEW_INSPECTION)
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    inspection = selectors.inspection_get(user, pk)
    can_inspect = services.can_inspect(user, inspection)
    editable = (
        inspection.status == InspectionStatus.DRAFT and inspection.round.status == RoundStatus.IN_PROGRESS
    )
    findings = (
        selectors.finding_list_for_user(user, inspection=inspection) if user.has_perm(VIEW_FINDING) else []
    )
    return render(
        request,
        "inspections/inspection_detail.html",
        {
            "inspection": inspection,
            "sheet": selectors.inspection_sheet(inspection),
            "scored": inspection.round.template.is_scored,
            "findings": findings,
            "breadcrumbs": _breadcrumbs(user, inspection),
            "can_record": can_inspect and editable,
            "can_add_finding": can_inspect and inspection.round.status != RoundStatus.CLOSED,
            "can_reopen": services.can_manage(user)
            and inspection.status == InspectionStatus.SUBMITTED
            and inspection.round.status == RoundStatus.IN_PROGRESS,
            "score_text": selectors.percent_text(inspection.score),
        },
    )


@require(VIEW_INSPECTION)
def inspection_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    inspection = selectors.inspection_get(user, pk)
    if not services.can_inspect(user, inspection):
        raise NotAllowed(_("只有本检查的检查人或管理局监督检查人员可以记录检查结果。"))
    sheet = selectors.inspection_sheet(inspection)
    initial = {
        "version": inspection.version,
        "inspected_on": inspection.inspected_on,
        "summary": inspection.summary,
    }
    form = InspectionRecordForm(
        request.POST or None, initial=initial, sheet=sheet, scoring=inspection.round.template.scoring
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.inspection_record(
                inspection=inspection,
                actor=user,
                results=form.results(),
                inspected_on=form.cleaned_data["inspected_on"],
                summary=form.cleaned_data["summary"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            form_errors_from(form, exc)
            for code, msgs in (exc.errors or {}).items():
                if code not in form.fields:
                    form.add_error(None, f"{code}：{'；'.join(msgs)}")
        else:
            messages.success(request, _("检查结果已保存。"))
            return redirect("inspections:inspection-detail", pk=pk)
    return render(
        request,
        "inspections/inspection_record.html",
        {"inspection": inspection, "form": form, "breadcrumbs": _breadcrumbs(user, inspection)},
    )


@require_POST
@require(VIEW_INSPECTION)
def inspection_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    inspection = selectors.inspection_get(user, pk)
    try:
        services.inspection_submit(
            inspection=inspection, actor=user, expected_version=_int(request.POST.get("version"))
        )
    except DomainError as exc:
        details = "；".join(m for msgs in (exc.errors or {}).values() for m in msgs)
        messages.error(request, f"{exc.message}{details}")
    else:
        messages.success(request, _("检查记录已提交，得分已计算。"))
    return redirect("inspections:inspection-detail", pk=pk)


@require(VIEW_INSPECTION, MANAGE)
def inspection_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    inspection = selectors.inspection_get(user, pk)
    form = ReasonForm(request.POST or None, initial={"version": inspection.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.inspection_reopen(
                inspection=inspection,
                actor=user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("检查记录已退回修改。"))
            return redirect("inspections:inspection-detail", pk=pk)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": _("退回检查记录"),
            "submit": _("退回修改"),
            "breadcrumbs": [
                *_breadcrumbs(user, inspection),
                (inspection.target.name, reverse("inspections:inspection-detail", args=[pk])),
            ],
            "note": _("退回后得分清空，修改并重新提交后重新计算。"),
        },
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- Findings ---------------------------------------------------------------------------------------------


@require(VIEW_INSPECTION, VIEW_FINDING)
def finding_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    inspection = selectors.inspection_get(user, pk)
    if not services.can_inspect(user, inspection):
        raise NotAllowed(_("只有本检查的检查人或管理局监督检查人员可以下达问题。"))
    form = FindingForm(
        request.POST or None,
        criteria=selectors.criteria_of(inspection.round.template),
        default_workdays=services.default_rectify_workdays(),
        initial={"criterion": request.GET.get("criterion") or None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.finding_create(inspection=inspection, actor=user, **form.cleaned_data)
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(
                request, _("已下达问题，整改期限为 %(d)s。") % {"d": finding.deadline.strftime("%Y-%m-%d")}
            )
            return redirect("inspections:finding-detail", pk=finding.pk)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": _("下达问题：%(org)s") % {"org": inspection.target.name},
            "submit": _("下达"),
            "breadcrumbs": [
                *_breadcrumbs(user, inspection),
                (inspection.target.name, reverse("inspections:inspection-detail", args=[pk])),
            ],
            "note": _("整改期限 = 下达日期后第 N 个法定工作日(跳过周末和法定节假日)。"),
        },
    )


FINDING_TABLE = Table(
    name=gettext_lazy("检查问题"),
    note=gettext_lazy("逾期：超过整改期限仍未提交整改材料，或整改材料在期限后提交"),
    columns=[
        Column(
            "id",
            gettext_lazy("编号"),
            css="num mono",
            sort="id",
            link=lambda f: reverse("inspections:finding-detail", args=[f.pk]),
        ),
        Column(
            "target",
            gettext_lazy("被检查单位"),
            value=lambda f: f.inspection.target.name,
            sort="inspection__target__code",
        ),
        Column("round", gettext_lazy("检查批次"), value=lambda f: f.inspection.round.name),
        Column("subject", gettext_lazy("涉及事项")),
        Column("description", gettext_lazy("问题描述"), width=50),
        Column(
            "criterion",
            gettext_lazy("检查内容"),
            value=lambda f: f.criterion.code if f.criterion else "",
            css="mono",
        ),
        Column(
            "severity", gettext_lazy("严重程度"), value=lambda f: f.get_severity_display(), sort="severity"
        ),
        Column("issued_on", gettext_lazy("下达日期"), value=lambda f: _date(f.issued_on), sort="issued_on"),
        Column("deadline", gettext_lazy("整改期限"), value=lambda f: _date(f.deadline), sort="deadline"),
        Column("status", gettext_lazy("状态"), value=lambda f: f.get_status_display(), sort="status"),
        Column("overdue", gettext_lazy("逾期"), value=lambda f: _yes(f.is_overdue)),
    ],
)


@require(VIEW_FINDING)
def finding_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = FindingFilter(
        request.GET or None,
        rounds=selectors.round_choices(user),
        organisations=selectors.inspected_organisations(user),
    )
    data = filter_values(form)
    qs = selectors.finding_list_for_user(
        user,
        round=data.get("round"),
        organisation=data.get("organisation"),
        status=data.get("status", ""),
        severity=data.get("severity", ""),
        overdue=data.get("overdue"),
    )
    return table_page(
        request,
        table=FINDING_TABLE,
        queryset=qs,
        template="inspections/finding_list.html",
        context={
            "title": _("问题整改"),
            "filter_form": form,
            "counts": selectors.finding_counts(qs),
            "lead": _("检查发现的问题：被检查单位按期提交整改材料，检查人验收销号。"),
        },
    )


@require(VIEW_FINDING)
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    finding = selectors.finding_get(user, pk)
    inspection = finding.inspection
    return render(
        request,
        "inspections/finding_detail.html",
        {
            "finding": finding,
            "inspection": inspection,
            "can_see_inspection": user.has_perm(VIEW_INSPECTION),
            "can_rectify": finding.status == FindingStatus.OPEN and services.can_rectify(user, finding),
            "on_behalf": inspection.target_id not in selectors.own_organisation_ids(user),
            "can_verify": finding.status == FindingStatus.SUBMITTED and services.can_verify(user, finding),
            "can_withdraw": finding.is_active and services.can_verify(user, finding),
            "breadcrumbs": [(_("问题整改"), reverse("inspections:finding-list"))],
        },
    )


def _finding_form_page(
    request: HttpRequest, finding: Finding, form: Any, title: str, submit: str, note: str
) -> HttpResponse:
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": title,
            "submit": submit,
            "note": note,
            "breadcrumbs": [
                (_("问题整改"), reverse("inspections:finding-list")),
                (f"#{finding.pk}", reverse("inspections:finding-detail", args=[finding.pk])),
            ],
        },
    )


@require(VIEW_FINDING)
def finding_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    finding = selectors.finding_get(user, pk)
    if not services.can_rectify(user, finding):
        raise NotAllowed(_("只有被检查单位的经办人员可以提交整改材料。"))
    form = RectificationForm(
        request.POST or None, request.FILES or None, initial={"version": finding.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_submit_rectification(
                finding=finding,
                actor=user,
                text=form.cleaned_data["text"],
                file=form.cleaned_data["file"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("整改材料已提交，等待检查人验收。"))
            return redirect("inspections:finding-detail", pk=pk)
    return _finding_form_page(
        request,
        finding,
        form,
        _("提交整改材料"),
        _("提交"),
        _("整改期限 %(d)s；说明整改措施和结果，可附佐证材料。")
        % {"d": finding.deadline.strftime("%Y-%m-%d")},
    )


@require(VIEW_FINDING)
def finding_verify(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    finding = selectors.finding_get(user, pk)
    if not services.can_verify(user, finding):
        raise NotAllowed(_("只有本检查的检查人或管理局监督检查人员可以验收整改。"))
    form = VerifyForm(request.POST or None, initial={"version": finding.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.finding_verify(
                finding=finding,
                actor=user,
                accepted=data["decision"] == "accept",
                comment=data["comment"],
                rectify_workdays=data["rectify_workdays"],
                expected_version=data["version"],
            )
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(
                request, _("已验收销号。") if data["decision"] == "accept" else _("已退回整改。")
            )
            return redirect("inspections:finding-detail", pk=pk)
    return _finding_form_page(
        request,
        finding,
        form,
        _("验收整改"),
        _("提交验收结论"),
        _("验收通过即销号；不通过须写明原因，问题退回“待整改”。"),
    )


@require(VIEW_FINDING)
def finding_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    finding = selectors.finding_get(user, pk)
    if not services.can_verify(user, finding):
        raise NotAllowed(_("只有本检查的检查人或管理局监督检查人员可以撤销问题。"))
    form = ReasonForm(request.POST or None, initial={"version": finding.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_withdraw(
                finding=finding,
                actor=user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("问题已撤销。"))
            return redirect("inspections:finding-detail", pk=pk)
    return _finding_form_page(
        request,
        finding,
        form,
        _("撤销问题"),
        _("撤销"),
        _("仅用于误下达的问题；撤销原因记入处理记录和审计日志。"),
    )


@require(VIEW_FINDING)
def rectification_file(request: HttpRequest, pk: int) -> HttpResponse:
    """Download a rectification's attachment (only for users who may see the finding)."""
    rectification = selectors.rectification_get(_user(request), pk)
    if not rectification.file:
        raise NotFound(_("该整改材料没有附件。"))
    name = rectification.original_name or rectification.file.name.rsplit("/", 1)[-1]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(
        rectification.file.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )
