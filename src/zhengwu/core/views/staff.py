"""Staff pages of the core app: workbench, regions, organisations, accounts, people, work calendar, audit.

Views parse input, call a selector or a service, and render. Domain errors become form errors or messages.
"""

from __future__ import annotations

import calendar as _calendar
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhengwu.core import selectors, services, workcalendar
from zhengwu.core.audit import audit_verify
from zhengwu.core.choices import AuditResult, RegionLevel, Role
from zhengwu.core.exceptions import DomainError
from zhengwu.core.forms import (
    AuditFilter,
    CalendarDayForm,
    OrganisationFilter,
    PasswordResetForm,
    PersonFilter,
    RegionFilter,
    UserCreateForm,
    UserFilter,
    UserRolesForm,
    filter_values,
)
from zhengwu.core.models import AuditEntry, User
from zhengwu.core.permissions import require
from zhengwu.core.roles import ROLE_SCOPE
from zhengwu.core.tables import Column, Table, choices_label, table_page


def form_errors_from(form: object, exc: DomainError | ValidationError) -> None:
    """Copy a service's errors onto a form (field errors where the field exists)."""
    if isinstance(exc, ValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    else:
        errors = exc.errors or {"__all__": [exc.message]}
    for field, msgs in errors.items():
        for msg in msgs:
            form.add_error(field if field in form.fields else None, msg)  # type: ignore[attr-defined]


# --- Workbench ---------------------------------------------------------------------------------------------


@require("core.access_workbench")
def workbench(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    scope = selectors.scope_for(user)
    today = timezone.localdate()
    cards = []
    try:
        cards.append(
            {
                "label": _("今天"),
                "value": date_format(today, "MONTH_DAY_FORMAT"),
                "definition": _("法定工作日") if workcalendar.is_workday(today) else _("休息日"),
            }
        )
        cards.append(
            {
                "label": _("下一个工作日"),
                "value": date_format(workcalendar.next_workday(today), "MONTH_DAY_FORMAT"),
                "definition": _("按法定工作日历计算"),
            }
        )
    except DomainError as exc:
        cards.append({"label": _("工作日历"), "value": _("未覆盖"), "definition": exc.message})
    if user.has_perm("core.view_region"):
        towns = selectors.region_list_for_user(user, level=RegionLevel.TOWN).count()
        villages = selectors.region_list_for_user(user, level=RegionLevel.VILLAGE).count()
        cards.append(
            {"label": _("镇(街)"), "value": towns, "definition": _("本级管辖的乡级区划数(含类似乡级单位)")}
        )
        cards.append(
            {
                "label": _("村(居)"),
                "value": villages,
                "definition": _("村委会、居委会数，含标注为生成的演示数据"),
            }
        )
    if user.has_perm("core.view_organisation"):
        cards.append(
            {
                "label": _("单位"),
                "value": selectors.organisation_list_for_user(user).count(),
                "definition": _("可见范围内登记的部门、大厅与便民服务中心"),
            }
        )
    calendar_warning = (
        workcalendar.coverage_warning(today) if user.has_perm("core.view_workcalendarday") else ""
    )
    recent_jobs = []
    if user.has_perm("core.view_importjob"):
        recent_jobs = list(selectors.import_job_list_for_user(user)[:5])
    return render(
        request,
        "core/workbench.html",
        {
            "cards": cards,
            "scope": scope,
            "role_labels": [choices_label(Role.choices, r) for r in user.roles],
            "recent_jobs": recent_jobs,
            "calendar_warning": calendar_warning,
        },
    )


# --- Regions -----------------------------------------------------------------------------------------------

REGION_TABLE = Table(
    name=gettext_lazy("行政区划"),
    note=gettext_lazy("代码为12位统计用区划代码；标注“生成”的村(居)为演示数据"),
    columns=[
        Column(
            "code",
            gettext_lazy("区划代码"),
            sort="code",
            css="mono",
            link=lambda r: reverse("core:region-detail", args=[r.code]),
        ),
        Column("name", gettext_lazy("名称"), sort="name"),
        Column("level", gettext_lazy("级别"), value=lambda r: r.get_level_display(), sort="level"),
        Column("kind", gettext_lazy("类型"), value=lambda r: r.get_kind_display()),
        Column("parent", gettext_lazy("上级"), value=lambda r: r.parent.name if r.parent else ""),
        Column("urban_rural_code", gettext_lazy("城乡分类"), css="mono"),
        Column(
            "is_generated",
            gettext_lazy("数据"),
            value=lambda r: gettext_lazy("生成") if r.is_generated else gettext_lazy("官方"),
        ),
    ],
)


@require("core.view_region")
def region_list(request: HttpRequest) -> HttpResponse:
    form = RegionFilter(request.GET or None)
    data = filter_values(form)
    parent = None
    if data.get("parent"):
        try:
            parent = selectors.region_get(request.user, data["parent"])  # type: ignore[arg-type]
        except DomainError as exc:
            form.add_error("parent", exc.message)
    qs = selectors.region_list_for_user(
        request.user,
        level=data.get("level"),
        parent=parent,  # type: ignore[arg-type]
        q=data.get("q", ""),
    )
    actions = []
    if request.user.has_perm("core.add_region") and request.user.has_perm("core.add_importjob"):
        actions.append((_("导入村(居)"), reverse("core:import-new") + "?kind=villages"))
    return table_page(
        request,
        table=REGION_TABLE,
        queryset=qs,
        template="core/list.html",
        context={
            "title": _("行政区划"),
            "filter_form": form,
            "actions": actions,
            "lead": _("国家统计用区划代码，省—市—县—乡—村五级。"),
        },
    )


@require("core.view_region")
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = selectors.region_get(request.user, code)  # type: ignore[arg-type]
    children = selectors.region_list_for_user(request.user, parent=region)  # type: ignore[arg-type]
    ancestors = []
    node = region.parent
    while node is not None:
        ancestors.insert(0, node)
        node = node.parent
    return render(
        request,
        "core/region_detail.html",
        {
            "region": region,
            "ancestors": ancestors,
            "children": children,
            "organisations": region.organisations.order_by("kind", "code"),
        },
    )


# --- Organisations -----------------------------------------------------------------------------------------

ORG_TABLE = Table(
    name=gettext_lazy("部门与单位"),
    columns=[
        Column("code", gettext_lazy("编码"), sort="code", css="mono"),
        Column("name", gettext_lazy("名称"), sort="name"),
        Column("kind", gettext_lazy("类型"), value=lambda o: o.get_kind_display(), sort="kind"),
        Column("region", gettext_lazy("所在区划"), value=lambda o: o.region.name),
        Column("parent", gettext_lazy("上级单位"), value=lambda o: o.parent.name if o.parent else ""),
        Column("uscc", gettext_lazy("统一社会信用代码"), css="mono", width=22),
        Column("phone", gettext_lazy("电话")),
    ],
)


@require("core.view_organisation")
def organisation_list(request: HttpRequest) -> HttpResponse:
    form = OrganisationFilter(request.GET or None)
    data = filter_values(form)
    qs = selectors.organisation_list_for_user(
        request.user,
        kind=data.get("kind", ""),  # type: ignore[arg-type]
        q=data.get("q", ""),
    )
    return table_page(
        request,
        table=ORG_TABLE,
        queryset=qs,
        template="core/list.html",
        context={
            "title": _("部门与单位"),
            "filter_form": form,
            "lead": _("进驻与办件、工单、评价都归属于这里登记的单位。"),
        },
    )


# --- Accounts (三员: 系统管理员建号停用, 安全管理员授权解锁) ------------------------------------------------------

USER_TABLE = Table(
    name=gettext_lazy("账号"),
    columns=[
        Column(
            "username",
            gettext_lazy("账号"),
            sort="username",
            css="mono",
            link=lambda u: reverse("core:user-detail", args=[u.pk]),
        ),
        Column("display_name", gettext_lazy("姓名"), sort="display_name"),
        Column(
            "organisation",
            gettext_lazy("所属单位"),
            value=lambda u: u.organisation.name if u.organisation else "",
        ),
        Column(
            "roles",
            gettext_lazy("角色"),
            value=lambda u: "、".join(choices_label(Role.choices, g.name) for g in u.groups.all()),
        ),
        Column(
            "is_active",
            gettext_lazy("状态"),
            value=lambda u: gettext_lazy("启用") if u.is_active else gettext_lazy("停用"),
        ),
        Column(
            "locked_until",
            gettext_lazy("锁定"),
            value=lambda u: gettext_lazy("已锁定") if u.is_locked() else "",
        ),
        Column(
            "last_login",
            gettext_lazy("最近登录"),
            value=lambda u: (
                timezone.localtime(u.last_login).strftime("%Y-%m-%d %H:%M") if u.last_login else ""
            ),
            sort="last_login",
        ),
    ],
)


@require("core.view_user")
def user_list(request: HttpRequest) -> HttpResponse:
    form = UserFilter(request.GET or None)
    data = filter_values(form)
    qs = selectors.user_list_for_user(request.user, q=data.get("q", ""), role=data.get("role", ""))  # type: ignore[arg-type]
    actions = (
        [(_("新建账号"), reverse("core:user-create"))]
        if request.user.has_perm("core.manage_accounts")
        else []
    )
    return table_page(
        request,
        table=USER_TABLE,
        queryset=qs,
        template="core/list.html",
        context={
            "title": _("账号与角色"),
            "filter_form": form,
            "actions": actions,
            "lead": _(
                "系统管理员创建、停用账号；安全管理员分配角色、解锁；审计管理员查看审计日志。三员不得兼任。"
            ),
        },
    )


@require("core.view_user", "core.manage_accounts")
def user_create(request: HttpRequest) -> HttpResponse:
    orgs = selectors.organisation_list_for_user(request.user)  # type: ignore[arg-type]
    form = UserCreateForm(request.POST or None, organisations=orgs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                username=data["username"],
                password=data["password"],
                actor=request.user,  # type: ignore[arg-type]
                display_name=data["display_name"],
                organisation=data["organisation"],
                roles=data["roles"],
            )
        except (DomainError, ValidationError) as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已创建账号 %(u)s，首次登录须修改密码。") % {"u": user.username})
            return redirect("core:user-detail", pk=user.pk)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": _("新建账号"),
            "submit": _("创建"),
            "breadcrumbs": [(_("账号与角色"), reverse("core:user-list"))],
            "note": _("角色可由系统管理员在建号时设定；此后的角色调整由安全管理员进行。"),
        },
    )


@require("core.view_user")
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.user_get(request.user, pk)  # type: ignore[arg-type]
    roles_form = UserRolesForm(initial={"roles": account.roles})
    scope = ROLE_SCOPE
    return render(
        request,
        "core/user_detail.html",
        {
            "account": account,
            "roles_form": roles_form,
            "role_labels": [choices_label(Role.choices, r) for r in account.roles],
            "scope_kinds": sorted({str(scope[r]) for r in account.roles if r in scope}),
            "can_roles": request.user.has_perm("core.manage_roles") and account.pk != request.user.pk,
            "can_activate": request.user.has_perm("core.manage_accounts") and account.pk != request.user.pk,
            "is_locked": account.is_locked(),
            "reset_form": PasswordResetForm(),
        },
    )


@require_POST
@require("core.view_user", "core.manage_roles")
def user_roles(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.user_get(request.user, pk)  # type: ignore[arg-type]
    form = UserRolesForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_roles(user=account, roles=form.cleaned_data["roles"], actor=request.user)  # type: ignore[arg-type]
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("角色已更新。"))
    else:
        messages.error(request, _("角色选择无效。"))
    return redirect("core:user-detail", pk=account.pk)


@require_POST
@require("core.view_user", "core.manage_roles")
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.user_get(request.user, pk)  # type: ignore[arg-type]
    services.user_unlock(user=account, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("账号已解锁。"))
    return redirect("core:user-detail", pk=account.pk)


@require_POST
@require("core.view_user", "core.manage_accounts")
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.user_get(request.user, pk)  # type: ignore[arg-type]
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(user=account, active=active, actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("账号已启用。") if active else _("账号已停用。"))
    return redirect("core:user-detail", pk=account.pk)


@require_POST
@require("core.view_user", "core.manage_accounts")
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.user_get(request.user, pk)  # type: ignore[arg-type]
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            services.user_reset_password(
                user=account,
                new_password=form.cleaned_data["password"],
                actor=request.user,  # type: ignore[arg-type]
                reason="页面重置",
            )
        except (DomainError, ValidationError) as exc:
            messages.error(
                request, "；".join(exc.messages if isinstance(exc, ValidationError) else [exc.message])
            )
        else:
            messages.success(request, _("密码已重置，本人下次登录时须修改。"))
    else:
        messages.error(request, _("请填写临时密码。"))
    return redirect("core:user-detail", pk=account.pk)


# --- People (masked; reveal audited) -----------------------------------------------------------------------

PERSON_TABLE = Table(
    name=gettext_lazy("自然人"),
    note=gettext_lazy("证件号码与手机号已脱敏；查看完整信息会记入审计日志"),
    columns=[
        Column("name", gettext_lazy("姓名"), value=lambda p: p.name),
        Column("id_masked", gettext_lazy("证件号码"), css="mono", width=22),
        Column("gender", gettext_lazy("性别"), value=lambda p: p.get_gender_display()),
        Column("birth_date", gettext_lazy("出生日期"), sort="birth_date"),
        Column("phone_masked", gettext_lazy("手机号"), css="mono"),
        Column("region", gettext_lazy("所在区划"), value=lambda p: p.region.name if p.region else ""),
        Column(
            "reveal",
            "",
            value=lambda p: gettext_lazy("详情"),
            link=lambda p: reverse("core:person-detail", args=[p.pk]),
            export=False,
        ),
    ],
)


@require("core.view_person")
def person_list(request: HttpRequest) -> HttpResponse:
    form = PersonFilter(request.GET or None)
    data = filter_values(form)
    qs = selectors.person_list_for_user(request.user, q=data.get("q", ""))  # type: ignore[arg-type]
    return table_page(
        request,
        table=PERSON_TABLE,
        queryset=qs,
        template="core/list.html",
        context={
            "title": _("自然人"),
            "filter_form": form,
            "lead": _("身份证号、手机号加密存储，按精确值检索；页面与导出一律脱敏。"),
        },
    )


@require("core.view_person")
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(request.user, pk)  # type: ignore[arg-type]
    return render(
        request,
        "core/person_detail.html",
        {
            "person": person,
            "can_reveal": request.user.has_perm("core.view_pii_unmasked"),
        },
    )


@require_POST
@require("core.view_person")
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the clear value as an htmx fragment (the service audits both granted and refused views)."""
    person = selectors.person_get(request.user, pk)  # type: ignore[arg-type]
    field = request.POST.get("field", "")
    try:
        value = services.person_reveal(
            person=person,
            field=field,
            actor=request.user,  # type: ignore[arg-type]
            purpose=request.POST.get("purpose", ""),
        )
    except DomainError as exc:
        return render(request, "core/includes/reveal.html", {"error": exc.message}, status=exc.status_code)
    return render(request, "core/includes/reveal.html", {"value": value})


# --- Work calendar -----------------------------------------------------------------------------------------


@require("core.view_workcalendarday")
def calendar_month(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        month = int(request.GET.get("month", today.month))
        date(year, month, 1)
    except ValueError:
        messages.error(request, _("年份或月份无效，已显示本月。"))
        year, month = today.year, today.month
    days = workcalendar.month_days(year, month)
    lead_blanks = range(days[0]["weekday"])
    prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
    next_y, next_m = (year, month + 1) if month < 12 else (year + 1, 1)
    covered = workcalendar.covered_ranges()
    return render(
        request,
        "core/calendar.html",
        {
            "year": year,
            "month": month,
            "days": days,
            "lead_blanks": lead_blanks,
            "prev": {"year": prev_y, "month": prev_m},
            "next": {"year": next_y, "month": next_m},
            "workdays": sum(1 for d in days if d["is_workday"]),
            "uncovered": any(d["is_workday"] is None for d in days),
            "is_draft": workcalendar.covered_years().get(year) == workcalendar.LABEL_DRAFT,
            "covered": covered,
            "month_name": date_format(date(year, month, 1), "YEAR_MONTH_FORMAT"),
            "weekdays": [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")],
            "can_edit": request.user.has_perm("core.change_workcalendarday"),
            "can_import": request.user.has_perm("core.import_workcalendarday"),
            "last_day": _calendar.monthrange(year, month)[1],
        },
    )


@require("core.view_workcalendarday", "core.change_workcalendarday")
def calendar_day_edit(request: HttpRequest) -> HttpResponse:
    initial: dict[str, object] = {}
    back = reverse("core:calendar")
    if request.GET.get("date"):
        try:
            day = date.fromisoformat(request.GET["date"])
        except ValueError:
            initial["date"] = request.GET["date"]  # the form reports it
        else:
            initial = workcalendar.day_values(day)
            back = f"{back}?year={day.year}&month={day.month}"
    form = CalendarDayForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = workcalendar.workcalendar_day_set(
                day=data["date"],
                is_workday=data["is_workday"],
                name=data["name"],
                source=data["source"],
                source_notice=data["source_notice"],
                note=data["note"],
                actor=request.user,  # type: ignore[arg-type]
            )
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(
                request,
                _("%(d)s 已设为%(k)s。")
                % {"d": row.date.isoformat(), "k": _("工作日") if row.is_workday else _("休息日")},
            )
            return redirect(f"{reverse('core:calendar')}?year={row.date.year}&month={row.date.month}")
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": _("修改工作日历"),
            "submit": _("保存"),
            "breadcrumbs": [(_("法定工作日历"), back)],
            "note": _(
                "按国务院办公厅放假通知或本地决定修改某一天；修改立即影响所有期限计算，并记入审计日志。"
            ),
        },
    )


# --- Audit (审计管理员) --------------------------------------------------------------------------------------

AUDIT_TABLE = Table(
    name=gettext_lazy("审计日志"),
    note=gettext_lazy("只可追加、不可修改；每条记录以哈希链接上一条"),
    columns=[
        Column("id", gettext_lazy("序号"), css="num mono", sort="id"),
        Column(
            "created_at",
            gettext_lazy("时间"),
            value=lambda e: timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            sort="id",
            width=20,
        ),
        Column("username", gettext_lazy("账号"), css="mono"),
        Column("action", gettext_lazy("操作"), css="mono"),
        Column(
            "object", gettext_lazy("对象"), value=lambda e: e.object_repr or f"{e.object_type}:{e.object_id}"
        ),
        Column("result", gettext_lazy("结果"), value=lambda e: choices_label(AuditResult.choices, e.result)),
        Column("ip", "IP", css="mono"),
        Column("request_id", gettext_lazy("请求号"), css="mono"),
    ],
)


@require("core.view_auditentry")
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilter(request.GET or None)
    data = filter_values(form)
    qs = selectors.audit_list_for_user(request.user, **{k: v for k, v in data.items() if v})  # type: ignore[arg-type]
    summary = AuditEntry.objects.aggregate(
        total=Count("id"),
        denied=Count("id", filter=Q(result=AuditResult.DENIED)),
        failed=Count("id", filter=Q(result=AuditResult.FAILURE)),
    )
    return table_page(
        request,
        table=AUDIT_TABLE,
        queryset=qs,
        template="core/audit_list.html",
        context={
            "title": _("审计日志"),
            "filter_form": form,
            "summary": summary,
        },
    )


@require("core.view_auditentry")
def audit_chain(request: HttpRequest) -> HttpResponse:
    report = audit_verify()
    from zhengwu.core.audit import audit_log

    audit_log(
        actor=request.user,
        action="audit.verify",
        object_type="core.auditentry",  # type: ignore[arg-type]
        object_repr="审计日志哈希链校验",
        after={"ok": report.ok, "checked": report.checked},
        result=AuditResult.SUCCESS if report.ok else AuditResult.FAILURE,
    )
    return render(request, "core/audit_chain.html", {"report": report})
