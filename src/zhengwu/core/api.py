"""API of the core app: who am I, regions, organisations, the legal work calendar, people, audit, imports.

Every operation names its auth (``Perm(...)`` or ``Public()``); reads go through selectors, writes through
services, so the API and the pages answer the same questions the same way.
"""

# No ``from __future__ import annotations`` here: @paginate resolves string annotations in ninja's own
# module, where ``Query[RegionFilter]`` is undefined, so those list endpoints failed with a 500.
from datetime import date

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from zhengwu.core import selectors, services, workcalendar
from zhengwu.core.apiauth import Perm, Public
from zhengwu.core.audit import audit_verify
from zhengwu.core.choices import ImportMode
from zhengwu.core.exceptions import InvalidInput
from zhengwu.core.imports import import_job_create, job_progress, template_bytes
from zhengwu.core.schemas import (
    AuditEntryOut,
    ChainReportOut,
    ImportErrorOut,
    ImportJobOut,
    MeOut,
    OrganisationOut,
    PersonOut,
    PersonRevealOut,
    RegionOut,
)

router = Router(tags=["core 基础平台"])


class Paginated(PageNumberPagination):
    class Input(Schema):
        page: int = 1
        page_size: int = 50

    def paginate_queryset(self, queryset, pagination: Input, **params):  # type: ignore[override]
        size = max(1, min(pagination.page_size, 500))
        offset = (max(1, pagination.page) - 1) * size
        return {"items": queryset[offset : offset + size], "count": self._items_count(queryset)}


# --- Me ----------------------------------------------------------------------------------------------------


@router.get("/me", response=MeOut, auth=Perm(), summary="当前用户、角色与数据范围")
def me(request: HttpRequest) -> dict:
    user = request.user
    scope = selectors.scope_for(user)  # type: ignore[arg-type]
    return {
        "username": user.username,
        "display_name": user.display_name,  # type: ignore[union-attr]
        "roles": sorted(user.roles),  # type: ignore[union-attr]
        "organisation": user.organisation.name if user.organisation else None,  # type: ignore[union-attr]
        "scope": str(scope.kind),
        "permissions": sorted(user.get_all_permissions()),
    }


# --- Regions and organisations --------------------------------------------------------------------------


class RegionFilter(Schema):
    level: int | None = None
    parent: str = ""
    q: str = ""


@router.get("/regions", response=list[RegionOut], auth=Perm("core.view_region"), summary="行政区划")
@paginate(Paginated)
def region_list(request: HttpRequest, filters: Query[RegionFilter]):
    parent = selectors.region_get(request.user, filters.parent) if filters.parent else None  # type: ignore[arg-type]
    return selectors.region_list_for_user(
        request.user,
        level=filters.level,
        parent=parent,
        q=filters.q,  # type: ignore[arg-type]
    )


@router.get("/regions/{code}", response=RegionOut, auth=Perm("core.view_region"), summary="单个区划")
def region_detail(request: HttpRequest, code: str):
    return selectors.region_get(request.user, code)  # type: ignore[arg-type]


class OrgFilter(Schema):
    kind: str = ""
    q: str = ""


@router.get(
    "/organisations",
    response=list[OrganisationOut],
    auth=Perm("core.view_organisation"),
    summary="部门与单位",
)
@paginate(Paginated)
def organisation_list(request: HttpRequest, filters: Query[OrgFilter]):
    return selectors.organisation_list_for_user(request.user, kind=filters.kind, q=filters.q)  # type: ignore[arg-type]


@router.get("/organisations/{pk}", response=OrganisationOut, auth=Perm("core.view_organisation"))
def organisation_detail(request: HttpRequest, pk: int):
    return selectors.organisation_get(request.user, pk)  # type: ignore[arg-type]


# --- Work calendar (public: anyone may compute a legal deadline) -------------------------------------------


class WorkdayOut(Schema):
    date: date
    is_workday: bool
    next_workday: date


class AddWorkdaysOut(Schema):
    start: date
    days: int
    due: date
    draft: bool = Field(description="期间落在草案年份（节假日待国务院办公厅通知确认）")
    definition: str


class BetweenOut(Schema):
    start: date
    end: date
    workdays: int
    definition: str


class YearOut(Schema):
    year: int
    source: str


@router.get("/calendar/is-workday", response=WorkdayOut, auth=Public(), summary="某日是否为法定工作日")
def calendar_is_workday(request: HttpRequest, day: date):
    return {
        "date": day,
        "is_workday": workcalendar.is_workday(day),
        "next_workday": workcalendar.next_workday(day),
    }


@router.get("/calendar/add-workdays", response=AddWorkdaysOut, auth=Public(), summary="按工作日推算期限")
def calendar_add_workdays(request: HttpRequest, start: date, days: int):
    if not 0 <= days <= 3650:
        raise InvalidInput("工作日数应在 0 到 3650 之间；0 表示即办件。", errors={"days": ["超出范围。"]})
    due = workcalendar.add_workdays(start, days)
    return {
        "start": start,
        "days": days,
        "due": due,
        "draft": workcalendar.spans_draft(start, due),
        "definition": "自起算日次日起计算，跳过周末与法定节假日、计入调休上班日，第 N 个工作日为期限日。",
    }


@router.get("/calendar/workdays-between", response=BetweenOut, auth=Public(), summary="两日之间的工作日数")
def calendar_workdays_between(request: HttpRequest, start: date, end: date):
    return {
        "start": start,
        "end": end,
        "workdays": workcalendar.workdays_between(start, end),
        "definition": "起算日次日至结束日（含）之间的法定工作日数；结束日不晚于起算日时为 0。",
    }


@router.get("/calendar/years", response=list[YearOut], auth=Public(), summary="已覆盖的日历年份与来源")
def calendar_years(request: HttpRequest):
    return [{"year": y, "source": s} for y, s in sorted(workcalendar.covered_years().items())]


# --- People (masked by default; reveal is audited) ---------------------------------------------------------


@router.get("/persons", response=list[PersonOut], auth=Perm("core.view_person"), summary="人员（脱敏）")
@paginate(Paginated)
def person_list(request: HttpRequest, q: str = ""):
    return selectors.person_list_for_user(request.user, q=q)  # type: ignore[arg-type]


class RevealIn(Schema):
    field: str
    purpose: str = ""


@router.post(
    "/persons/{pk}/reveal",
    response=PersonRevealOut,
    auth=Perm("core.view_person"),
    summary="查看完整证件号或手机号（留痕）",
)
def person_reveal(request: HttpRequest, pk: int, payload: RevealIn):
    person = selectors.person_get(request.user, pk)  # type: ignore[arg-type]
    value = services.person_reveal(
        person=person,
        field=payload.field,
        actor=request.user,  # type: ignore[arg-type]
        purpose=payload.purpose,
    )
    return {"id": person.pk, "field": payload.field, "value": value}


# --- Audit (audit admin only) ------------------------------------------------------------------------------


class AuditFilter(Schema):
    action: str = ""
    username: str = ""
    object_type: str = ""
    result: str = ""


@router.get("/audit", response=list[AuditEntryOut], auth=Perm("core.view_auditentry"), summary="审计日志")
@paginate(Paginated)
def audit_list(request: HttpRequest, filters: Query[AuditFilter]):
    return selectors.audit_list_for_user(request.user, **filters.dict())  # type: ignore[arg-type]


@router.get(
    "/audit/verify", response=ChainReportOut, auth=Perm("core.view_auditentry"), summary="校验审计日志哈希链"
)
def audit_chain_verify(request: HttpRequest):
    report = audit_verify()
    return {
        "ok": report.ok,
        "checked": report.checked,
        "first_bad_id": report.first_bad_id,
        "reason": report.reason,
    }


# --- Imports -----------------------------------------------------------------------------------------------


def _job_out(job) -> dict:  # type: ignore[no-untyped-def]
    progress = job_progress(job)
    return {
        **{
            f: getattr(job, f)
            for f in (
                "id",
                "kind",
                "original_name",
                "mode",
                "status",
                "total_rows",
                "created_rows",
                "updated_rows",
                "error_rows",
                "message",
                "created_at",
                "finished_at",
            )
        },
        "status_label": job.get_status_display(),
        "processed_rows": progress["processed"],
        "total_rows": progress["total"] or job.total_rows,
        "percent": progress["percent"],
    }


@router.post(
    "/imports", response={202: ImportJobOut}, auth=Perm("core.add_importjob"), summary="提交导入文件"
)
def import_submit(
    request: HttpRequest, kind: Form[str], file: File[UploadedFile], mode: Form[str] = ImportMode.ATOMIC
):
    job = import_job_create(
        kind=kind, upload=file, original_name=file.name or "upload", mode=mode, actor=request.user
    )  # type: ignore[arg-type]
    return Status(202, _job_out(job))  # a (status, body) tuple is deprecated in django-ninja 1.7


@router.get("/imports/{pk}", response=ImportJobOut, auth=Perm("core.view_importjob"), summary="导入任务进度")
def import_status(request: HttpRequest, pk: int):
    return _job_out(selectors.import_job_get(request.user, pk))  # type: ignore[arg-type]


@router.get(
    "/imports/{pk}/errors",
    response=list[ImportErrorOut],
    auth=Perm("core.view_importjob"),
    summary="导入错误明细",
)
@paginate(Paginated)
def import_errors(request: HttpRequest, pk: int):
    return selectors.import_job_get(request.user, pk).row_errors.order_by("row", "id")  # type: ignore[arg-type]


@router.get("/imports/templates/{kind}", auth=Perm("core.add_importjob"), summary="下载导入模板 (xlsx)")
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    response = HttpResponse(
        template_bytes(kind), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response
