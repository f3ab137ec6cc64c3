"""The inspections API (/api/v1/inspections/): scoped lists with filters and flat query counts, details,
rectification and verification with RFC 7807 errors."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import OrganisationFactory
from tests.inspections.conftest import all_pass, pdf_upload
from zhengwu.inspections import services
from zhengwu.inspections.choices import FindingStatus

pytestmark = pytest.mark.django_db

API = "/api/v1/inspections"
PROBLEM = "application/problem+json; charset=utf-8"


@pytest.fixture
def api(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


def test_anonymous_gets_401(client, finding):
    for path in ("/rounds", "/inspections", "/findings", f"/findings/{finding.pk}"):
        problem(client.get(API + path), 401, "not_authenticated")


def test_rounds_with_progress(api, supervisor, finding):
    body = api(supervisor).get(f"{API}/rounds").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["template_code"] == "lic-test"
    assert item["domain"] == "licensing"
    assert item["status"] == "in_progress"
    assert (item["n_inspections"], item["n_submitted"], item["n_active"], item["n_overdue"]) == (1, 1, 1, 0)
    assert item["avg_score"] == 75.0
    detail = api(supervisor).get(f"{API}/rounds/{item['id']}").json()
    assert detail["name"] == "2026年度检查"
    assert api(supervisor).get(f"{API}/rounds", {"year": 2025}).json()["count"] == 0


def test_handler_has_no_round_api(api, handler, finding):
    problem(api(handler).get(f"{API}/rounds"), 403, "not_allowed")


def test_inspection_detail_lists_every_criterion(api, supervisor, finding):
    body = api(supervisor).get(f"{API}/inspections/{finding.inspection_id}").json()
    assert body["score"] == 75.0
    assert body["target_name"] == "乐昌市人力资源和社会保障局"
    assert [(r["criterion_code"], r["outcome"]) for r in body["results"]] == [
        ("C1", "pass"),
        ("C2", "fail"),
        ("C3", "pass"),
        ("C4", "pass"),
    ]
    assert body["n_findings"] == 1


def test_lists_are_scoped_to_the_department(
    api, handler, other_handler, finding, live_round, supervisor, orgs
):
    gaj = services.inspection_create(
        round=live_round,
        target=orgs["gaj"],
        inspector=supervisor,
        actor=supervisor,
        inspected_on=date(2026, 9, 29),
    )
    services.finding_create(
        inspection=gaj, actor=supervisor, description="公安局的问题", issued_on=date(2026, 9, 30)
    )

    mine = api(handler).get(f"{API}/findings").json()
    assert [f["id"] for f in mine["items"]] == [finding.pk]
    assert [i["target_id"] for i in api(handler).get(f"{API}/inspections").json()["items"]] == [
        orgs["rsj"].pk
    ]

    theirs = api(other_handler).get(f"{API}/findings").json()
    assert [f["description"] for f in theirs["items"]] == ["公安局的问题"]
    problem(api(other_handler).get(f"{API}/findings/{finding.pk}"), 404, "not_found")
    problem(api(other_handler).get(f"{API}/inspections/{finding.inspection_id}"), 404, "not_found")

    everything = api(supervisor).get(f"{API}/findings").json()
    assert everything["count"] == 2
    filtered = api(supervisor).get(f"{API}/findings", {"organisation": orgs["gaj"].pk}).json()
    assert filtered["count"] == 1


def test_finding_filters(api, supervisor, finding, make_finding, time_machine):
    late = make_finding(finding.inspection, issued_on=date(2026, 10, 9), rectify_workdays=1)
    client = api(supervisor)
    assert [f["id"] for f in client.get(f"{API}/findings", {"overdue": "true"}).json()["items"]] == [late.pk]
    assert [f["id"] for f in client.get(f"{API}/findings", {"overdue": "false"}).json()["items"]] == [
        finding.pk
    ]
    assert client.get(f"{API}/findings", {"status": "verified"}).json()["count"] == 0
    item = client.get(f"{API}/findings/{late.pk}").json()
    assert item["is_overdue"] is True
    assert item["deadline"] == "2026-10-10"
    assert item["events"][0]["action"] == "create"


def test_rectify_and_verify(api, handler, supervisor, finding):
    response = api(handler).post(
        f"{API}/findings/{finding.pk}/rectifications",
        {"text": "已整改并附报告。", "version": 1, "file": pdf_upload()},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["file_name"] == "整改报告.pdf"
    assert body["file_url"].endswith("/file/")
    assert body["accepted"] is None

    problem(
        api(handler).post(
            f"{API}/findings/{finding.pk}/verify", {"accepted": True}, content_type="application/json"
        ),
        403,
        "not_allowed",
    )
    stale = api(supervisor).post(
        f"{API}/findings/{finding.pk}/verify",
        {"accepted": True, "version": 1},
        content_type="application/json",
    )
    problem(stale, 409, "conflict")
    refused = api(supervisor).post(
        f"{API}/findings/{finding.pk}/verify",
        {"accepted": False, "version": 2},
        content_type="application/json",
    )
    assert "comment" in problem(refused, 422, "invalid_input")["errors"]
    done = api(supervisor).post(
        f"{API}/findings/{finding.pk}/verify",
        {"accepted": True, "comment": "整改到位", "version": 2},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == FindingStatus.VERIFIED
    assert [e["action"] for e in body["events"]] == ["create", "submit", "accept"]
    assert body["rectifications"][0]["accepted"] is True


def test_rectify_errors(api, handler, other_handler, finding):
    problem(
        api(other_handler).post(f"{API}/findings/{finding.pk}/rectifications", {"text": "x"}),
        404,
        "not_found",
    )
    bad = api(handler).post(
        f"{API}/findings/{finding.pk}/rectifications", {"text": "x", "file": pdf_upload("a.exe", b"MZ0000")}
    )
    assert "file" in problem(bad, 422, "invalid_input")["errors"]
    missing = api(handler).post(f"{API}/findings/{finding.pk}/rectifications", {})
    problem(missing, 422, "invalid_input")
    without_file = api(handler).post(f"{API}/findings/{finding.pk}/rectifications", {"text": "已整改。"})
    assert without_file.status_code == 201, without_file.content
    assert without_file.json()["file_url"] is None


def _grow(live_round, supervisor, start: int, n: int) -> None:
    for i in range(start, start + n):
        org = OrganisationFactory(code=f"API{i}", name=f"接口测试部门{i}")
        inspection = services.inspection_create(
            round=live_round,
            target=org,
            inspector=supervisor,
            actor=supervisor,
            inspected_on=date(2026, 9, 29),
        )
        services.inspection_record(inspection=inspection, actor=supervisor, results=all_pass("C1"))
        services.inspection_submit(inspection=inspection, actor=supervisor)
        services.finding_create(
            inspection=inspection,
            actor=supervisor,
            criterion=live_round.template.criteria.get(code="C1"),
            description="问题",
            issued_on=date(2026, 9, 30),
        )


@pytest.mark.parametrize("path", ["/rounds", "/inspections", "/findings"])
def test_list_query_count_is_flat(
    api, supervisor, live_round, make_round, checklist, path, django_assert_max_num_queries
):
    client = api(supervisor)
    _grow(live_round, supervisor, 0, 2)
    make_round(checklist, name="第二批")
    with django_assert_max_num_queries(15) as small:
        assert client.get(API + path).status_code == 200
    _grow(live_round, supervisor, 2, 10)
    for i in range(5):
        make_round(checklist, name=f"批次{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(API + path)
    assert response.json()["count"] >= 7
