"""Import pages: upload a file, watch its progress (htmx polling), read each rejected row."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRefresh

from zhengwu.core import selectors
from zhengwu.core.exceptions import DomainError, NotFound
from zhengwu.core.forms import ImportForm
from zhengwu.core.imports import import_job_create, importer_for, importers, job_progress, template_bytes
from zhengwu.core.permissions import require
from zhengwu.core.tables import Column, Table, table_page


def _kinds_for(user: object) -> list[tuple[str, str]]:
    return [(kind, cls.label) for kind, cls in sorted(importers().items()) if user.has_perm(cls.permission)]  # type: ignore[attr-defined]


def _kind_label(kind: str) -> str:
    try:
        return importer_for(kind).label
    except DomainError:
        return kind


JOB_TABLE = Table(
    name=gettext_lazy("导入任务"),
    columns=[
        Column(
            "id",
            gettext_lazy("编号"),
            css="num mono",
            sort="id",
            link=lambda j: reverse("core:import-detail", args=[j.pk]),
        ),
        Column("kind", gettext_lazy("内容"), value=lambda j: _kind_label(j.kind)),
        Column("original_name", gettext_lazy("文件")),
        Column("mode", gettext_lazy("提交方式"), value=lambda j: j.get_mode_display()),
        Column("status", gettext_lazy("状态"), value=lambda j: j.get_status_display(), sort="status"),
        Column("total_rows", gettext_lazy("数据行"), css="num"),
        Column("created_rows", gettext_lazy("新增"), css="num"),
        Column("updated_rows", gettext_lazy("更新"), css="num"),
        Column("error_rows", gettext_lazy("错误行"), css="num"),
        Column(
            "created_by", gettext_lazy("提交人"), value=lambda j: str(j.created_by) if j.created_by else ""
        ),
        Column(
            "created_at",
            gettext_lazy("提交时间"),
            value=lambda j: timezone.localtime(j.created_at).strftime("%Y-%m-%d %H:%M"),
            sort="created_at",
        ),
    ],
)


@require("core.view_importjob")
def import_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.import_job_list_for_user(request.user)  # type: ignore[arg-type]
    actions = (
        [(_("新建导入"), reverse("core:import-new"))] if request.user.has_perm("core.add_importjob") else []
    )
    return table_page(
        request,
        table=JOB_TABLE,
        queryset=qs,
        template="core/list.html",
        context={
            "title": _("数据导入"),
            "actions": actions,
            "lead": _("上传 Excel 或 CSV 文件，逐行校验；可选择“全部成功才提交”或“仅提交有效行”。"),
        },
    )


@require("core.view_importjob", "core.add_importjob")
def import_new(request: HttpRequest) -> HttpResponse:
    kinds = _kinds_for(request.user)
    if not kinds:
        messages.error(request, _("您没有任何数据的导入权限。"))
        return redirect("core:import-list")
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        kinds=kinds,
        initial={"kind": request.GET.get("kind", kinds[0][0])},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_job_create(
                kind=form.cleaned_data["kind"],
                upload=upload,
                original_name=upload.name,
                mode=form.cleaned_data["mode"],
                actor=request.user,
            )  # type: ignore[arg-type]
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("文件已提交，正在后台导入。"))
            return redirect("core:import-detail", pk=job.pk)
    guides = [
        {
            "kind": k,
            "label": label,
            "fields": importer_for(k).fields,
            "description": importer_for(k).description,
        }
        for k, label in kinds
    ]
    return render(request, "core/import_new.html", {"form": form, "guides": guides})


@require("core.view_importjob")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get(request.user, pk)  # type: ignore[arg-type]
    ctx = {"job": job, "progress": job_progress(job), "kind_label": _kind_label(job.kind)}
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "job-progress":
        if job.is_finished:  # reload the whole page: the summary, the errors and their download appear
            return HttpResponseClientRefresh()
        return render(request, "core/import_detail.html#progress", ctx)
    errors = Paginator(job.row_errors.order_by("row", "id"), 100).get_page(request.GET.get("page"))
    return render(request, "core/import_detail.html", {**ctx, "errors": errors})


@require("core.view_importjob")
def import_errors_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """Every rejected row as xlsx, so the user can fix the file and upload again."""
    from zhengwu.core.exports import Sheet, xlsx_response

    job = selectors.import_job_get(request.user, pk)  # type: ignore[arg-type]
    rows = ([e.row, e.column, e.value, e.message] for e in job.row_errors.order_by("row", "id").iterator())
    return xlsx_response(
        f"导入错误-{job.pk}", [Sheet("错误明细", ["行号", "列", "值", "原因"], rows, [8, 16, 30, 60])]
    )


@require("core.add_importjob")
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in dict(_kinds_for(request.user)):
        raise NotFound(_("没有该导入模板。"))
    response = HttpResponse(
        template_bytes(kind), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response
