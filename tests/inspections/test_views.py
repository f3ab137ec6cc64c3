"""Pages: each persona's access, the flows through the forms, exports, and flat query counts on every list."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from tests.factories import OrganisationFactory
from tests.inspections.conftest import all_pass, pdf_upload
from zhengwu.core.models import AuditEntry
from zhengwu.core.navigation import navigation_for
from zhengwu.inspections import services
from zhengwu.inspections.choices import FindingStatus, InspectionStatus, RoundStatus
from zhengwu.inspections.models import Finding, Inspection, InspectionRound

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def body(response) -> str:
    return response.content.decode()


def xlsx_rows(response) -> list[tuple]:
    """The rows of an exported sheet from its header on (the first row holds the table's note)."""
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(values_only=True))[1:]


# --- Menu and access ----------------------------------------------------------------------------------------


def test_menu_by_role(supervisor, handler, clerk):
    def entries(user):
        return {i["name"] for s in navigation_for(user) if s["key"] == "supervision" for i in s["items"]}

    assert entries(supervisor) == {
        "inspections:round-list",
        "inspections:inspection-list",
        "inspections:finding-list",
        "inspections:template-list",
    }
    assert entries(handler) == {"inspections:inspection-list", "inspections:finding-list"}
    assert entries(clerk) == set()


def test_supervisor_opens_every_page(client, supervisor, finding, handler):
    services.finding_submit_rectification(finding=finding, actor=handler, text="已整改。", file=pdf_upload())
    inspection = finding.inspection
    login(client, supervisor)
    pages = [
        reverse("inspections:template-list"),
        reverse("inspections:template-detail", args=[inspection.round.template_id]),
        reverse("inspections:round-list"),
        reverse("inspections:round-create"),
        reverse("inspections:round-detail", args=[inspection.round_id]),
        reverse("inspections:inspection-create", args=[inspection.round_id]),
        reverse("inspections:inspection-list"),
        reverse("inspections:inspection-detail", args=[inspection.pk]),
        reverse("inspections:inspection-reopen", args=[inspection.pk]),
        reverse("inspections:finding-create", args=[inspection.pk]),
        reverse("inspections:finding-list"),
        reverse("inspections:finding-detail", args=[finding.pk]),
        reverse("inspections:finding-verify", args=[finding.pk]),
        reverse("inspections:finding-withdraw", args=[finding.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    detail = body(client.get(reverse("inspections:finding-detail", args=[finding.pk])))
    assert "整改报告.pdf" in detail
    assert "验收整改" in detail


def test_handler_sees_own_pages_and_is_refused_the_rest(client, handler, finding):
    login(client, handler)
    for name in ["inspections:inspection-list", "inspections:finding-list"]:
        assert client.get(reverse(name)).status_code == 200
    assert (
        client.get(reverse("inspections:inspection-detail", args=[finding.inspection_id])).status_code == 200
    )
    assert client.get(reverse("inspections:finding-detail", args=[finding.pk])).status_code == 200
    assert client.get(reverse("inspections:finding-rectify", args=[finding.pk])).status_code == 200
    for url in [
        reverse("inspections:template-list"),
        reverse("inspections:round-list"),
        reverse("inspections:round-create"),
        reverse("inspections:round-detail", args=[finding.inspection.round_id]),
        reverse("inspections:inspection-record", args=[finding.inspection_id]),
        reverse("inspections:finding-verify", args=[finding.pk]),
        reverse("inspections:finding-create", args=[finding.inspection_id]),
    ]:
        assert client.get(url).status_code == 403, url


def test_other_department_gets_not_found(client, other_handler, finding, handler):
    rectification = services.finding_submit_rectification(
        finding=finding, actor=handler, text="见附件", file=pdf_upload()
    )
    login(client, other_handler)
    for url in [
        reverse("inspections:inspection-detail", args=[finding.inspection_id]),
        reverse("inspections:finding-detail", args=[finding.pk]),
        reverse("inspections:finding-rectify", args=[finding.pk]),
        reverse("inspections:rectification-file", args=[rectification.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    listing = body(client.get(reverse("inspections:finding-list")))
    assert "人力资源服务许可" not in listing


def test_anonymous_is_sent_to_login(client, finding):
    for url in [
        reverse("inspections:round-list"),
        reverse("inspections:inspection-list"),
        reverse("inspections:finding-list"),
        reverse("inspections:finding-detail", args=[finding.pk]),
        reverse("inspections:template-list"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("core:login"))


# --- Flows through the forms -------------------------------------------------------------------------------


def test_round_and_inspection_through_the_pages(client, supervisor, checklist, orgs):
    login(client, supervisor)
    response = client.post(
        reverse("inspections:round-create"),
        {
            "template": checklist.pk,
            "name": "2026年第四季度检查",
            "year": 2026,
            "planned_start": "2026-10-01",
            "planned_end": "2026-12-31",
        },
    )
    created = InspectionRound.objects.get(name="2026年第四季度检查")
    assert response["Location"] == reverse("inspections:round-detail", args=[created.pk])
    client.post(reverse("inspections:round-start", args=[created.pk]))
    created.refresh_from_db()
    assert created.status == RoundStatus.IN_PROGRESS

    response = client.post(
        reverse("inspections:inspection-create", args=[created.pk]),
        {"target": orgs["gaj"].pk, "inspector": supervisor.pk, "inspected_on": "2026-10-19"},
    )
    assert response.status_code == 302
    inspection = Inspection.objects.get(round=created, target=orgs["gaj"])

    record_url = reverse("inspections:inspection-record", args=[inspection.pk])
    form = body(client.get(record_url))
    criteria = list(checklist.criteria.order_by("order"))
    assert all(f'name="c{c.pk}_outcome"' in form for c in criteria)
    data = {"version": inspection.version, "inspected_on": "2026-10-19", "summary": "基本规范"}
    for c in criteria:
        data[f"c{c.pk}_outcome"] = "fail" if c.code == "C3" else "pass"
        data[f"c{c.pk}_note"] = "超期 1 件" if c.code == "C3" else ""
    assert client.post(record_url, data).status_code == 302
    inspection.refresh_from_db()
    client.post(
        reverse("inspections:inspection-submit", args=[inspection.pk]), {"version": inspection.version}
    )
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.SUBMITTED
    assert str(inspection.score) == "75.00"
    page = body(client.get(reverse("inspections:inspection-detail", args=[inspection.pk])))
    assert "75.0" in page
    assert "超期 1 件" in page

    c3 = next(c for c in criteria if c.code == "C3")
    response = client.post(
        reverse("inspections:finding-create", args=[inspection.pk]),
        {
            "criterion": c3.pk,
            "subject": "爆破作业单位许可",
            "description": "1 件超期办结。",
            "severity": "general",
            "issued_on": "2026-10-19",
            "rectify_workdays": "5",
        },
    )
    finding = Finding.objects.get(inspection=inspection)
    assert response["Location"] == reverse("inspections:finding-detail", args=[finding.pk])
    assert finding.deadline == date(2026, 10, 26)


def test_record_form_reports_a_stale_version(client, supervisor, inspection):
    login(client, supervisor)
    services.inspection_record(inspection=inspection, actor=supervisor, results=all_pass())
    c1 = inspection.round.template.criteria.get(code="C1")
    response = client.post(
        reverse("inspections:inspection-record", args=[inspection.pk]),
        {"version": 1, f"c{c1.pk}_outcome": "fail"},
    )
    assert response.status_code == 200
    assert "已被他人修改" in body(response)


def test_scored_record_form(client, supervisor, scored_checklist, make_round, orgs):
    inspection = services.inspection_create(
        round=make_round(scored_checklist), target=orgs["hall"], inspector=supervisor, actor=supervisor
    )
    login(client, supervisor)
    url = reverse("inspections:inspection-record", args=[inspection.pk])
    criteria = {c.code: c for c in scored_checklist.criteria.all()}
    data = {
        "version": 1,
        "inspected_on": "2026-10-19",
        f"c{criteria['S1'].pk}_score": "38",
        f"c{criteria['S2'].pk}_score": "30",
        f"c{criteria['S3'].pk}_na": "on",
    }
    assert client.post(url, data).status_code == 302
    services.inspection_submit(inspection=inspection, actor=supervisor)
    inspection.refresh_from_db()
    assert str(inspection.score) == "97.14"  # 68 ÷ 70


def test_rectify_and_verify_through_the_pages(client, handler, supervisor, finding):
    login(client, handler)
    url = reverse("inspections:finding-rectify", args=[finding.pk])
    response = client.post(
        url, {"version": finding.version, "text": "已整改。", "file": pdf_upload("报告.pdf")}
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.SUBMITTED
    rectification = finding.rectifications.get()
    download = client.get(reverse("inspections:rectification-file", args=[rectification.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF")

    login(client, supervisor)
    verify_url = reverse("inspections:finding-verify", args=[finding.pk])
    response = client.post(verify_url, {"version": finding.version, "decision": "reject", "comment": ""})
    assert response.status_code == 200
    assert "必填" in body(response)
    response = client.post(
        verify_url,
        {"version": finding.version, "decision": "reject", "comment": "不全", "rectify_workdays": "3"},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    assert finding.deadline == date(2026, 10, 23)
    timeline = body(client.get(reverse("inspections:finding-detail", args=[finding.pk])))
    assert "验收不通过" in timeline
    assert "2026-10-23" in timeline


def test_rectify_page_refuses_a_bad_file(client, handler, finding):
    login(client, handler)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("inspections:finding-rectify", args=[finding.pk]),
        {"version": finding.version, "text": "见附件", "file": SimpleUploadedFile("x.pdf", b"not a pdf")},
    )
    assert response.status_code == 200
    assert "不符" in body(response)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_withdraw_and_reopen_pages(client, supervisor, finding):
    login(client, supervisor)
    response = client.post(
        reverse("inspections:finding-withdraw", args=[finding.pk]),
        {"version": finding.version, "reason": "误录"},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.WITHDRAWN
    inspection = finding.inspection
    response = client.post(
        reverse("inspections:inspection-reopen", args=[inspection.pk]),
        {"version": inspection.version, "reason": "结论录错"},
    )
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.DRAFT


def test_round_close_page_reports_drafts(client, supervisor, inspection):
    login(client, supervisor)
    response = client.post(reverse("inspections:round-close", args=[inspection.round_id]), follow=True)
    assert "未提交" in body(response)


# --- Lists: filters, export, query counts -------------------------------------------------------------------


def test_finding_list_filters_and_exports(client, supervisor, finding, make_finding, time_machine):
    other = make_finding(
        finding.inspection, subject="劳务派遣经营许可", issued_on=date(2026, 10, 9), rectify_workdays=1
    )
    assert other.deadline == date(2026, 10, 10)
    login(client, supervisor)
    page = body(client.get(reverse("inspections:finding-list"), {"overdue": "1"}))
    assert "劳务派遣经营许可" in page
    assert "人力资源服务许可" not in page
    response = client.get(
        reverse("inspections:finding-list"),
        {"round": finding.inspection.round_id, "status": "open", "export": "xlsx"},
    )
    assert response.status_code == 200
    rows = xlsx_rows(response)
    assert rows[0][:4] == ("编号", "被检查单位", "检查批次", "涉及事项")
    assert {r[3] for r in rows[1:] if r[0]} >= {"劳务派遣经营许可", "人力资源服务许可"}
    assert AuditEntry.objects.filter(action="export.xlsx", object_type="检查问题").exists()


def test_round_list_shows_progress(client, supervisor, finding, time_machine):
    from datetime import datetime

    from tests.inspections.conftest import SHANGHAI

    time_machine.move_to(datetime(2026, 10, 21, 9, 0, tzinfo=SHANGHAI))
    login(client, supervisor)
    page = body(client.get(reverse("inspections:round-detail", args=[finding.inspection.round_id])))
    assert "1 / 1" in page  # submitted / inspected
    assert "75.0" in page
    response = client.get(reverse("inspections:round-list"), {"export": "xlsx"})
    rows = xlsx_rows(response)
    header, row = rows[0], rows[1]
    values = dict(zip(header, row, strict=False))
    assert values["已提交/检查单位"] == "1/1"
    assert values["逾期问题"] == 1
    assert values["平均分"] == 75


def _grow(live_round, supervisor, n: int) -> None:
    """Add n inspected departments, each submitted with two findings."""
    start = Inspection.objects.count()
    for i in range(start, start + n):
        org = OrganisationFactory(code=f"DEP{i}", name=f"测试部门{i}")
        inspection = services.inspection_create(
            round=live_round,
            target=org,
            inspector=supervisor,
            actor=supervisor,
            inspected_on=date(2026, 9, 29),
        )
        services.inspection_record(inspection=inspection, actor=supervisor, results=all_pass("C1", "C2"))
        services.inspection_submit(inspection=inspection, actor=supervisor)
        for code in ("C1", "C2"):
            services.finding_create(
                inspection=inspection,
                actor=supervisor,
                criterion=live_round.template.criteria.get(code=code),
                description=f"问题 {code}",
                issued_on=date(2026, 9, 30),
            )


@pytest.mark.parametrize(
    "url_name",
    [
        "inspections:template-list",
        "inspections:round-list",
        "inspections:round-detail",
        "inspections:inspection-list",
        "inspections:finding-list",
    ],
)
def test_list_query_count_does_not_grow_with_rows(
    client, supervisor, live_round, make_round, checklist, url_name, django_assert_max_num_queries
):
    url = (
        reverse(url_name, args=[live_round.pk])
        if url_name == "inspections:round-detail"
        else reverse(url_name)
    )
    login(client, supervisor)
    _grow(live_round, supervisor, 2)
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    _grow(live_round, supervisor, 12)
    for i in range(5):
        make_round(checklist, name=f"批次{i}")
        services.template_upsert(
            code=f"tpl-{i}",
            name=f"检查表{i}",
            domain="website",
            criteria=[{"code": "W", "text": "x"}],
            actor=None,
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_handler_list_query_count_is_flat(
    client, handler, live_round, supervisor, orgs, django_assert_max_num_queries
):
    def grow(n):
        for _ in range(n):
            inspection = Inspection.objects.get(round=live_round, target=orgs["rsj"])
            services.finding_create(
                inspection=inspection, actor=supervisor, description="问题", issued_on=date(2026, 9, 30)
            )

    services.inspection_create(round=live_round, target=orgs["rsj"], inspector=supervisor, actor=supervisor)
    login(client, handler)
    grow(2)
    with django_assert_max_num_queries(40) as small:
        assert client.get(reverse("inspections:finding-list")).status_code == 200
    grow(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("inspections:finding-list")).status_code == 200


def test_admin_lists_are_read_only(client, finding, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="Root@Pass2026x")
    client.force_login(admin)
    for model in ("checklisttemplate", "inspectionround", "inspection", "finding"):
        assert client.get(reverse(f"admin:inspections_{model}_changelist")).status_code == 200, model
        assert client.get(reverse(f"admin:inspections_{model}_add")).status_code == 403, model
