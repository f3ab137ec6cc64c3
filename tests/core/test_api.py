"""The JSON API at /api/v1/: auth and RFC 7807 errors, pagination and query counts, masking, calendar, imports."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import OrganisationFactory, resident_id
from zhengwu.core.audit import audit_log
from zhengwu.core.choices import AuditResult, OrgKind
from zhengwu.core.models import AuditEntry, Person, Region
from zhengwu.core.services import person_upsert

pytestmark = pytest.mark.django_db

API = "/api/v1"
PROBLEM = "application/problem+json; charset=utf-8"


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["status"], body["code"], body["type"]) == (status, code, f"about:blank#{code}")
    assert body["title"]
    return body


def add_persons(start: int, count: int, region: Region) -> None:
    for i in range(start, start + count):
        person_upsert(
            name=f"测试{i}", id_number=resident_id(i), actor=None, phone=f"1380000{i:04d}", region=region
        )


@pytest.fixture
def api(client):
    def login(user):
        client.force_login(user)
        return client

    return login


# --- Who am I, and the RFC 7807 errors ----------------------------------------------------------------------


def test_me(api, clerk):
    response = api(clerk).get(f"{API}/me")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["username"] == "clerk"
    assert body["roles"] == ["clerk"]
    assert body["organisation"] == "乐昌市政务服务中心"
    assert body["scope"] == "org"
    assert "core.view_pii_unmasked" in body["permissions"]
    assert "core.view_auditentry" not in body["permissions"]
    assert "乐昌市" in response.content.decode()  # UTF-8, not \\u escapes


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/me"),
        ("get", "/regions"),
        ("get", "/regions/440281"),
        ("get", "/organisations"),
        ("get", "/persons"),
        ("post", "/persons/1/reveal"),
        ("get", "/audit"),
        ("get", "/audit/verify"),
        ("post", "/imports"),
        ("get", "/imports/1"),
        ("get", "/imports/1/errors"),
        ("get", "/imports/templates/villages"),
    ],
)
def test_anonymous_gets_401_problem(client, method, path):
    kwargs = {"content_type": "application/json", "data": {"field": "phone"}} if method == "post" else {}
    body = problem(getattr(client, method)(API + path, **kwargs), 401, "not_authenticated")
    assert body["title"] == "请先登录。"


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("citizen", "/regions"),
        ("citizen", "/organisations"),
        ("citizen", "/persons"),
        ("secadmin", "/persons"),
        ("sysadmin", "/audit"),
        ("secadmin", "/audit/verify"),
        ("supervisor", "/audit"),
        ("handler", "/imports/1"),
        ("clerk", "/imports/templates/villages"),
        ("auditadmin", "/regions"),
    ],
)
def test_wrong_role_gets_403_problem(api, personas, persona, path):
    body = problem(api(personas[persona]).get(API + path), 403, "not_allowed")
    assert "权限" in body["title"]


def test_openapi_document_lists_the_core_operations(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/persons", "/api/v1/calendar/add-workdays", "/api/v1/imports/{pk}"} <= set(paths)


# --- Regions and organisations -------------------------------------------------------------------------------


def test_regions_list_is_paginated(api, supervisor, regions):
    client = api(supervisor)
    body = client.get(f"{API}/regions", {"page_size": 2}).json()
    assert body["count"] == 6  # the county, its two towns and village, plus province and city as context
    assert [r["code"] for r in body["items"]] == ["440000000000", "440200000000"]
    page3 = client.get(f"{API}/regions", {"page_size": 2, "page": 3}).json()
    assert [r["name"] for r in page3["items"]] == ["五山镇", "青岭村"]
    assert client.get(f"{API}/regions", {"page_size": 2, "page": 9}).json()["items"] == []
    # Out-of-range paging is clamped rather than refused.
    assert len(client.get(f"{API}/regions", {"page_size": 0, "page": 0}).json()["items"]) == 1


def test_regions_filters_and_detail(api, supervisor, regions):
    client = api(supervisor)
    towns = client.get(f"{API}/regions", {"level": 4}).json()
    assert [r["name"] for r in towns["items"]] == ["乐城街道", "五山镇"]
    children = client.get(f"{API}/regions", {"parent": "440281111"}).json()["items"]
    assert [(r["name"], r["parent_code"], r["level_label"]) for r in children] == [
        ("青岭村", "440281111000", "村级")
    ]
    assert client.get(f"{API}/regions", {"q": "五山"}).json()["count"] == 1
    detail = client.get(f"{API}/regions/440281111").json()
    assert (detail["code"], detail["short_code"], detail["kind"]) == ("440281111000", "440281111", "town")
    problem(client.get(f"{API}/regions/440282"), 404, "not_found")  # another county
    problem(client.get(f"{API}/regions", {"parent": "440282"}), 404, "not_found")


def test_organisations_list_is_scoped(api, town_staff, supervisor, orgs):
    codes = {o["code"] for o in api(town_staff).get(f"{API}/organisations").json()["items"]}
    assert "T111" in codes
    assert "T001" not in codes  # the other town's centre
    problem(api(town_staff).get(f"{API}/organisations/{orgs['other_town'].pk}"), 404, "not_found")
    body = api(supervisor).get(f"{API}/organisations", {"kind": OrgKind.TOWN_CENTRE}).json()
    assert {o["code"] for o in body["items"]} == {"T111", "T001"}
    detail = api(supervisor).get(f"{API}/organisations/{orgs['rsj_unit'].pk}").json()
    assert (detail["parent_id"], detail["region_code"], detail["kind_label"]) == (
        orgs["rsj"].pk,
        "440281000000",
        "垂直管理/公共事业单位",
    )


# --- Query counts do not grow with rows ------------------------------------------------------------------------


def _grow_regions(regions, start, n):
    for i in range(start, start + n):
        Region.objects.create(code=f"440281111{300 + i:03d}", name=f"村{i}", level=5, parent=regions["ws"])


def _grow_orgs(regions, start, n):
    for i in range(start, start + n):
        OrganisationFactory(code=f"Q{i}", region=regions["ws"], kind=OrgKind.VILLAGE_STATION)


def _grow_persons(regions, start, n):
    add_persons(start, n, regions["qingling"])


def _grow_audit(regions, start, n):
    for _ in range(n):
        audit_log(actor=None, action="test.noop")


@pytest.mark.parametrize(
    ("path", "persona", "grow"),
    [
        ("/regions", "supervisor", _grow_regions),
        ("/organisations", "town_staff", _grow_orgs),
        ("/persons", "clerk", _grow_persons),
        ("/audit", "auditadmin", _grow_audit),
    ],
)
def test_list_query_count_is_flat(api, personas, regions, django_assert_max_num_queries, path, persona, grow):
    client = api(personas[persona])
    grow(regions, 0, 5)
    with django_assert_max_num_queries(15) as small:
        first = client.get(API + path)
    assert first.status_code == 200
    grow(regions, 5, 45)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(API + path)
    body = response.json()
    assert body["count"] >= 50
    assert len(body["items"]) == 50  # the default page size


# --- People: masked, reveal audited ---------------------------------------------------------------------------


def test_persons_are_masked(api, clerk, regions):
    person_upsert(
        name="欧阳娜娜", id_number=resident_id(1), actor=None, phone="13812341234", region=regions["ws"]
    )
    response = api(clerk).get(f"{API}/persons")
    text = response.content.decode()
    assert resident_id(1) not in text
    assert "13812341234" not in text
    assert "欧阳娜娜" not in text
    (item,) = response.json()["items"]
    assert item["name_masked"] == "欧阳*"
    assert item["id_masked"] == "440281********0019"
    assert item["phone_masked"] == "138****1234"
    assert (item["gender"], item["birth_date"], item["region_code"]) == ("M", "1990-01-01", "440281111000")
    assert not {"id_number_enc", "id_hash", "phone_enc", "phone_hash", "name"} & set(item)


def test_persons_search_by_number_is_exact(api, clerk, regions):
    add_persons(1, 3, regions["ws"])
    items = api(clerk).get(f"{API}/persons", {"q": resident_id(2)}).json()["items"]
    assert [p["id_masked"][-4:] for p in items] == [resident_id(2)[-4:]]


def test_persons_are_scoped_to_the_town(api, town_staff, regions):
    add_persons(1, 2, regions["ws"])
    add_persons(3, 2, regions["lcjd"])
    body = api(town_staff).get(f"{API}/persons").json()
    assert body["count"] == 2
    assert {p["region_code"] for p in body["items"]} == {"440281111000"}


def test_reveal_returns_the_clear_value_and_is_audited(api, clerk, regions):
    person = person_upsert(
        name="张三", id_number=resident_id(1), actor=None, phone="13812341234", region=regions["ws"]
    )
    client = api(clerk)
    response = client.post(
        f"{API}/persons/{person.pk}/reveal",
        {"field": "id_number", "purpose": "窗口核验"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-reveal-0001",
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 200
    assert response.json() == {"id": person.pk, "field": "id_number", "value": resident_id(1)}
    phone = client.post(
        f"{API}/persons/{person.pk}/reveal", {"field": "phone"}, content_type="application/json"
    )
    assert phone.json()["value"] == "13812341234"
    entry = AuditEntry.objects.filter(action="pii.reveal").order_by("id").first()
    assert (entry.username, entry.result, entry.after) == (
        "clerk",
        AuditResult.SUCCESS,
        {"field": "id_number", "purpose": "窗口核验"},
    )
    assert (entry.request_id, entry.ip) == ("req-reveal-0001", "10.9.8.7")
    assert response["X-Request-ID"] == "req-reveal-0001"


def test_reveal_refused_for_town_staff_and_audited(api, town_staff, regions):
    person = person_upsert(name="张三", id_number=resident_id(1), actor=None, region=regions["ws"])
    response = api(town_staff).post(
        f"{API}/persons/{person.pk}/reveal", {"field": "id_number"}, content_type="application/json"
    )
    body = problem(response, 403, "not_allowed")
    assert "完整个人信息" in body["title"]
    assert resident_id(1) not in response.content.decode()
    entry = AuditEntry.objects.get(action="pii.reveal")
    assert (entry.username, entry.result) == ("town_staff", AuditResult.DENIED)


def test_reveal_outside_scope_is_not_found(api, town_staff, regions):
    person = person_upsert(name="张三", id_number=resident_id(1), actor=None, region=regions["lcjd"])
    response = api(town_staff).post(
        f"{API}/persons/{person.pk}/reveal", {"field": "id_number"}, content_type="application/json"
    )
    problem(response, 404, "not_found")
    assert not AuditEntry.objects.filter(action="pii.reveal").exists()


def test_reveal_validates_its_input(api, clerk, regions):
    person = person_upsert(name="张三", id_number=resident_id(1), actor=None, region=regions["ws"])
    client = api(clerk)
    missing = problem(
        client.post(f"{API}/persons/{person.pk}/reveal", {}, content_type="application/json"),
        422,
        "invalid_input",
    )
    assert missing["title"] == "请求参数有误。"
    assert "field" in missing["errors"]
    bad_field = client.post(
        f"{API}/persons/{person.pk}/reveal", {"field": "password"}, content_type="application/json"
    )
    problem(bad_field, 404, "not_found")


def test_reveal_needs_the_csrf_token_from_a_browser_session(clerk, regions):
    person = person_upsert(name="张三", id_number=resident_id(1), actor=None, region=regions["ws"])
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(clerk)
    response = browser.post(
        f"{API}/persons/{person.pk}/reveal", {"field": "id_number"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert resident_id(1) not in response.content.decode()
    assert not AuditEntry.objects.filter(action="pii.reveal").exists()


# --- Audit ----------------------------------------------------------------------------------------------------


def test_audit_list_and_verify_for_the_audit_admin(api, auditadmin, clerk):
    audit_log(actor=clerk, action="pii.reveal", result=AuditResult.DENIED)
    audit_log(actor=None, username="x", action="auth.login")
    client = api(auditadmin)
    body = client.get(f"{API}/audit").json()
    assert [e["action"] for e in body["items"]] == ["auth.login", "pii.reveal"]
    assert body["items"][1]["prev_hash"] == "0" * 64
    assert body["items"][0]["prev_hash"] == body["items"][1]["hash"]
    filtered = client.get(f"{API}/audit", {"result": "denied", "username": "clerk"}).json()
    assert [e["action"] for e in filtered["items"]] == ["pii.reveal"]
    assert client.get(f"{API}/audit/verify").json() == {
        "ok": True,
        "checked": 2,
        "first_bad_id": None,
        "reason": "审计日志哈希链完整",
    }


# --- The work calendar is public ---------------------------------------------------------------------------------


def test_is_workday_over_national_day(client):
    body = client.get(f"{API}/calendar/is-workday", {"day": "2026-10-01"}).json()
    assert body == {"date": "2026-10-01", "is_workday": False, "next_workday": "2026-10-08"}
    body = client.get(f"{API}/calendar/is-workday", {"day": "2026-09-30"}).json()
    assert (body["is_workday"], body["next_workday"]) == (True, "2026-09-30")
    weekend = client.get(f"{API}/calendar/is-workday", {"day": "2026-11-28"}).json()  # an ordinary Saturday
    assert (weekend["is_workday"], weekend["next_workday"]) == (False, "2026-11-30")


def test_add_workdays_across_national_day(client):
    body = client.get(f"{API}/calendar/add-workdays", {"start": "2026-09-30", "days": 1}).json()
    assert body["due"] == "2026-10-08"
    assert "次日" in body["definition"]
    # 20 working days from 2026-09-28: Sep 29-30, Oct 8-9, the 调休 Saturday Oct 10, then three full weeks.
    assert client.get(f"{API}/calendar/add-workdays", {"start": "2026-09-28", "days": 20}).json()["due"] == (
        "2026-10-30"
    )
    assert client.get(f"{API}/calendar/is-workday", {"day": "2026-10-10"}).json()["is_workday"] is True


def test_workdays_between(client):
    body = client.get(f"{API}/calendar/workdays-between", {"start": "2026-09-30", "end": "2026-10-09"}).json()
    assert body["workdays"] == 2  # Oct 8 and 9
    back = client.get(f"{API}/calendar/workdays-between", {"start": "2026-10-09", "end": "2026-09-30"}).json()
    assert back["workdays"] == 0
    assert "0" in back["definition"]  # the definition shown matches what was computed


def test_calendar_years_lists_coverage(client):
    years = {y["year"]: y["source"] for y in client.get(f"{API}/calendar/years").json()}
    assert 2026 in years


def test_calendar_bad_input_is_422_in_chinese(client):
    body = problem(client.get(f"{API}/calendar/is-workday", {"day": "2026-13-01"}), 422, "invalid_input")
    assert body["title"] == "请求参数有误。"
    assert "day" in body["errors"]
    body = problem(client.get(f"{API}/calendar/add-workdays", {"start": "2026-09-30"}), 422, "invalid_input")
    assert "days" in body["errors"]
    body = problem(
        client.get(f"{API}/calendar/add-workdays", {"start": "2026-09-30", "days": 99999}),
        422,
        "invalid_input",
    )
    assert body["title"] == "工作日数应在 0 到 3650 之间；0 表示即办件。"
    assert body["errors"] == {"days": ["超出范围。"]}
    body = problem(
        client.get(f"{API}/calendar/add-workdays", {"start": "2026-09-30", "days": -1}), 422, "invalid_input"
    )
    assert body["errors"] == {"days": ["超出范围。"]}


def test_add_workdays_flags_a_draft_year(client, settings):
    from zhengwu.core import workcalendar

    workcalendar.draft_year(2027, actor=None)
    body = client.get(f"{API}/calendar/add-workdays", {"start": "2026-12-25", "days": 10}).json()
    assert body["draft"] is True
    body = client.get(f"{API}/calendar/add-workdays", {"start": "2026-09-30", "days": 5}).json()
    assert body["draft"] is False


def test_calendar_outside_known_years_is_an_explicit_error(client):
    body = problem(
        client.get(f"{API}/calendar/add-workdays", {"start": "2040-01-01", "days": 1}),
        422,
        "calendar_not_covered",
    )
    assert body["title"].startswith("2040年的法定工作日尚未录入")


# --- Imports ----------------------------------------------------------------------------------------------------

VILLAGES_CSV = "村(居)代码,名称,所属镇(街)代码,类型\n440281111202,塘头村,,村\n440281111003,五山社区,,居\n"
BAD_CSV = "村(居)代码,名称,所属镇(街)代码,类型\n440281111202,塘头村,,村\n4402811112,短码村,,乡\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _submit(client, capture, text, *, name="村居.csv", kind="villages", mode="atomic", encoding="utf-8-sig"):
    upload = SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")
    with capture(execute=True):
        return client.post(f"{API}/imports", {"kind": kind, "mode": mode, "file": upload})


def test_import_submit_then_status(api, supervisor, regions, django_capture_on_commit_callbacks):
    client = api(supervisor)
    response = _submit(client, django_capture_on_commit_callbacks, VILLAGES_CSV, encoding="gb18030")
    assert response.status_code == 202
    submitted = response.json()
    assert (submitted["status"], submitted["status_label"], submitted["percent"]) == ("pending", "排队中", 0)
    assert submitted["original_name"] == "村居.csv"
    status = client.get(f"{API}/imports/{submitted['id']}").json()
    assert (status["status"], status["status_label"], status["percent"]) == ("succeeded", "已完成", 100)
    assert (status["total_rows"], status["processed_rows"], status["created_rows"], status["error_rows"]) == (
        2,
        2,
        2,
        0,
    )
    assert status["finished_at"] is not None
    assert Region.objects.get(code="440281111202").name == "塘头村"
    assert client.get(f"{API}/imports/{submitted['id']}/errors").json() == {"items": [], "count": 0}


def test_import_errors_endpoint_lists_row_errors(
    api, supervisor, regions, django_capture_on_commit_callbacks
):
    client = api(supervisor)
    job_id = _submit(client, django_capture_on_commit_callbacks, BAD_CSV).json()["id"]
    status = client.get(f"{API}/imports/{job_id}").json()
    assert status["status"] == "rejected"
    assert "未写入任何数据" in status["message"]
    assert not Region.objects.filter(code="440281111202").exists()
    errors = client.get(f"{API}/imports/{job_id}/errors").json()
    assert errors["count"] == 2
    assert {(e["row"], e["column"], e["value"]) for e in errors["items"]} == {
        (3, "村(居)代码", "4402811112"),
        (3, "类型", "乡"),
    }
    assert all(e["message"] for e in errors["items"])


def test_import_valid_only_mode(api, supervisor, regions, django_capture_on_commit_callbacks):
    client = api(supervisor)
    job_id = _submit(client, django_capture_on_commit_callbacks, BAD_CSV, mode="valid_only").json()["id"]
    status = client.get(f"{API}/imports/{job_id}").json()
    assert (status["status"], status["created_rows"], status["error_rows"]) == ("partial", 1, 1)
    assert Region.objects.filter(code="440281111202").exists()


def test_import_status_is_own_jobs_for_town_staff(
    api, town_staff, supervisor, regions, orgs, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    persons_csv = f"姓名,身份证号\n张三,{resident_id(1)}\n"
    mine = _submit(api(town_staff), django_capture_on_commit_callbacks, persons_csv, kind="persons").json()[
        "id"
    ]
    other = UserFactory(username="lcjd_staff", organisation=orgs["other_town"], roles=["town_staff"])
    theirs = _submit(api(other), django_capture_on_commit_callbacks, persons_csv, kind="persons").json()["id"]
    client = api(town_staff)
    assert client.get(f"{API}/imports/{mine}").json()["status"] == "succeeded"
    problem(client.get(f"{API}/imports/{theirs}"), 404, "not_found")
    problem(client.get(f"{API}/imports/{theirs}/errors"), 404, "not_found")
    assert api(supervisor).get(f"{API}/imports/{theirs}").status_code == 200
    assert Person.objects.count() == 1


def test_import_submit_refusals(api, town_staff, supervisor, regions, django_capture_on_commit_callbacks):
    denied = _submit(
        api(town_staff), django_capture_on_commit_callbacks, VILLAGES_CSV
    )  # needs core.add_region
    assert "村(居)导入" in problem(denied, 403, "not_allowed")["title"]
    client = api(supervisor)
    body = problem(
        _submit(client, django_capture_on_commit_callbacks, "x", name="村居.docx"), 422, "invalid_input"
    )
    assert "不支持的文件类型 .docx" in body["title"]
    body = problem(
        _submit(client, django_capture_on_commit_callbacks, "x", kind="nope"), 422, "invalid_input"
    )
    assert body["title"] == "未知的导入类型：nope"
    body = problem(
        _submit(client, django_capture_on_commit_callbacks, "x", mode="maybe"), 422, "invalid_input"
    )
    assert body["title"] == "提交方式无效。"
    no_file = problem(client.post(f"{API}/imports", {"kind": "villages"}), 422, "invalid_input")
    assert any(key.startswith("file") for key in no_file["errors"])


def test_import_template_download(api, supervisor):
    response = api(supervisor).get(f"{API}/imports/templates/persons")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="persons-template.xlsx"' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == [
        "姓名*",
        "身份证号*",
        "手机号",
        "所在区划代码",
    ]
    problem(api(supervisor).get(f"{API}/imports/templates/nope"), 422, "invalid_input")


def test_problem_bodies_are_plain_json(client):
    response = client.get(f"{API}/me")
    assert json.loads(response.content.decode("utf-8"))["title"] == "请先登录。"


@pytest.mark.django_db
def test_csrf_failure_and_unreadable_body_are_problem_documents(clerk, regions):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(clerk)
    response = strict.post(
        "/api/v1/persons/1/reveal", {"field": "id_number"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "csrf_failed"

    relaxed = Client()
    relaxed.force_login(clerk)
    response = relaxed.post("/api/v1/persons/1/reveal", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


@pytest.mark.django_db
def test_validation_messages_are_chinese():
    from django.test import Client

    response = Client().get("/api/v1/calendar/add-workdays", {"start": "2026-02-30", "days": "x"})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["start"] == ["日期格式应为 YYYY-MM-DD。"]
    assert errors["days"] == ["应为整数。"]
