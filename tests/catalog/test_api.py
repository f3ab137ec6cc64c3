"""The catalogue API under /api/v1/catalog/: public lists and guides, staff history, completeness and export,
permission refusals and 404s as RFC 7807 documents, filters, pagination and query counts."""

from __future__ import annotations

import importlib.util
import io

import openpyxl
import pytest

from tests.catalog.test_import import search_ready
from zhengwu.catalog import services
from zhengwu.catalog.choices import Channel, GuideStatus, ItemLevel, ItemType, OnlineDepth, TongbanMode
from zhengwu.catalog.models import GuideMaterial, GuideVersion, Item
from zhengwu.core.models import AuditEntry

pytestmark = pytest.mark.django_db

API = "/api/v1/catalog"
PROBLEM = "application/problem+json; charset=utf-8"


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["status"], body["code"], body["type"]) == (status, code, f"about:blank#{code}")
    assert body["title"]
    return body


@pytest.fixture(autouse=True)
def _search_index(monkeypatch):
    if not search_ready():
        monkeypatch.setattr(services, "_reindex", lambda ids: None)


@pytest.fixture
def api(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def catalogue(make_item, topics, orgs):
    """Four items: two published (人社, 公安), one unpublished, one published but inactive."""
    social = make_item(
        "社会保障卡申领", topics=(topics["birth"],), channels=(Channel.YUESHIDA, Channel.HALL_WEB)
    )
    police = make_item(
        "居民身份证换领",
        department=orgs["gaj"],
        item_type=ItemType.CONFIRMATION,
        channels=(Channel.KIOSK,),
        topics=(topics["open"],),
        online_depth=OnlineDepth.LEVEL2,
    )
    services.item_upsert(
        impl_code=police.impl_code,
        department=orgs["gaj"],
        actor=None,
        level=ItemLevel.TOWN,
        tongban_scope="province",
        tongban_mode=TongbanMode.ONLINE,
        one_window=True,
    )
    Item.objects.filter(pk=police.pk).update(high_frequency=True)
    draft = make_item("未发布事项", publish=False)
    inactive = make_item("已停用事项")
    Item.objects.filter(pk=inactive.pk).update(is_active=False)
    return {"social": social, "police": police, "draft": draft, "inactive": inactive}


# --- OpenAPI and auth ---------------------------------------------------------------------------------------


def test_openapi_lists_the_catalogue_operations(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/v1/catalog/items",
        "/api/v1/catalog/items/search",
        "/api/v1/catalog/items/{key}",
        "/api/v1/catalog/items/{key}/guides",
        "/api/v1/catalog/guides/{pk}",
        "/api/v1/catalog/departments",
        "/api/v1/catalog/topics",
        "/api/v1/catalog/completeness",
        "/api/v1/catalog/export",
    } <= set(paths)
    params = {p["name"]: p for p in paths["/api/v1/catalog/items"]["get"]["parameters"]}
    assert {"department", "type", "channel", "topic", "tongban", "online_depth", "q", "page"} <= set(params)
    assert "事项类型" in params["type"]["description"]


@pytest.mark.parametrize("path", ["/items/1/guides", "/completeness", "/export"])
def test_staff_operations_need_a_login(client, path):
    body = problem(client.get(API + path), 401, "not_authenticated")
    assert body["title"] == "请先登录。"


@pytest.mark.parametrize("path", ["/items/1/guides", "/completeness", "/export"])
def test_staff_operations_refuse_citizens(api, citizen, path):
    body = problem(api(citizen).get(API + path), 403, "not_allowed")
    assert "权限" in body["title"]


# --- Item list ----------------------------------------------------------------------------------------------


def test_public_list_shows_published_active_items(client, catalogue):
    body = client.get(f"{API}/items").json()
    assert body["count"] == 2
    names = [i["name"] for i in body["items"]]
    assert sorted(names) == ["居民身份证换领", "社会保障卡申领"]
    social = next(i for i in body["items"] if i["name"] == "社会保障卡申领")
    assert social["department"] == {
        "id": catalogue["social"].department_id,
        "code": "RSJ",
        "name": "乐昌市人力资源和社会保障局",
    }
    assert (social["item_type"], social["item_type_label"]) == ("GG", "公共服务")
    assert (social["handling_kind"], social["time_limit"], social["promised_days"]) == (
        "promised",
        "5个工作日",
        5,
    )
    assert [c["channel"] for c in social["channels"]] == ["web", "yueshengshi"]
    assert social["channels"][1]["label"] == "粤省事"
    assert social["url"] == f"/guide/item/{catalogue['social'].pk}/"
    assert social["published_at"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=QR", ["居民身份证换领"]),
        ("level=town", ["居民身份证换领"]),
        ("channel=yueshengshi", ["社会保障卡申领"]),
        ("topic=birth", ["社会保障卡申领"]),
        ("tongban=province", ["居民身份证换领"]),
        ("high_frequency=true", ["居民身份证换领"]),
        ("high_frequency=false", ["社会保障卡申领"]),
        ("one_window=true", ["居民身份证换领"]),
        ("online_depth=4", ["社会保障卡申领"]),
        ("q=身份证", ["居民身份证换领"]),
        ("type=XK", []),
    ],
)
def test_list_filters(client, catalogue, query, expected):
    assert [i["name"] for i in client.get(f"{API}/items?{query}").json()["items"]] == expected


def test_list_filter_by_department(client, catalogue, orgs):
    body = client.get(f"{API}/items?department={orgs['gaj'].pk}").json()
    assert [i["name"] for i in body["items"]] == ["居民身份证换领"]


@pytest.mark.parametrize("query", ["type=ZZ", "online_depth=7", "department=abc", "channel=wechat"])
def test_bad_filters_are_422_in_chinese(client, query):
    body = problem(client.get(f"{API}/items?{query}"), 422, "invalid_input")
    assert body["title"] == "请求参数有误。"
    assert list(body["errors"].values())[0][0] in {"取值无效。", "应为整数。"}


def test_list_is_paginated(client, make_item):
    for i in range(5):
        make_item(f"事项{i}")
    body = client.get(f"{API}/items?page=2&page_size=2").json()
    assert body["count"] == 5
    assert [i["name"] for i in body["items"]] == ["事项2", "事项3"]


@pytest.mark.parametrize("grow", [1, 10])
def test_list_query_count_is_flat(client, make_item, topics, django_assert_max_num_queries, grow):
    for i in range(grow):
        make_item(f"事项{i}", topics=(topics["birth"],))
    with django_assert_max_num_queries(4):  # session-free: count, page, channels
        assert client.get(f"{API}/items?page_size=50").json()["count"] == grow


# --- Item detail ----------------------------------------------------------------------------------------------


def test_item_by_id_and_by_impl_code(client, catalogue):
    item = catalogue["social"]
    by_id = client.get(f"{API}/items/{item.pk}").json()
    by_code = client.get(f"{API}/items/{item.impl_code}").json()
    assert by_id == by_code
    guide = by_id["guide"]
    assert (guide["number"], guide["status"], guide["fee_mode_label"]) == (1, "published", "不收费")
    assert [m["name"] for m in guide["materials"]] == ["居民身份证", "社会保障卡申领登记表", "委托书"]
    assert guide["materials"][0]["source_label"] == "数据共享免提交"
    assert guide["materials"][0]["blank_form_url"] is None
    special = guide["steps"][2]
    assert (special["name"], special["is_special"], special["counts_in_limit"]) == ("专家评审", True, False)
    assert by_id["topics"] == [{"code": "birth", "name": "出生", "kind": "person"}]
    assert "created_by" not in guide
    assert "reviewed_by" not in guide


def test_item_material_files_are_linked(client, catalogue):
    item = catalogue["social"]
    material = GuideMaterial.objects.get(guide=item.current_guide, name="社会保障卡申领登记表")
    GuideMaterial.objects.filter(pk=material.pk).update(blank_form="catalog/forms/x.docx")
    guide = client.get(f"{API}/items/{item.pk}").json()["guide"]
    assert guide["materials"][1]["blank_form_url"] == f"/guide/item/{item.pk}/materials/{material.pk}/form/"


@pytest.mark.parametrize("which", ["draft", "inactive"])
def test_unpublished_or_inactive_item_is_404(client, catalogue, which):
    body = problem(client.get(f"{API}/items/{catalogue[which].pk}"), 404, "not_found")
    assert "尚未发布" in body["title"]


def test_unknown_item_is_404(client, db):
    problem(client.get(f"{API}/items/999999"), 404, "not_found")
    problem(client.get(f"{API}/items/NO-SUCH-CODE"), 404, "not_found")


# --- Guide versions and history ---------------------------------------------------------------------------------


@pytest.fixture
def versions(catalogue, supervisor):
    """社保卡 with v1 superseded, v2 published and v3 an open draft."""
    item = catalogue["social"]
    services.guide_publish_new(
        item=item,
        actor=None,
        values={"promised_days": 3},
        materials=[{"name": "居民身份证"}],
        steps=[{"name": "受理", "days": 1}],
        note="缩短时限",
    )
    draft = services.guide_start_draft(item=Item.objects.get(pk=item.pk), actor=supervisor)
    return {g.number: g for g in GuideVersion.objects.filter(item=item)} | {"draft": draft}


def test_history_for_staff(api, clerk, catalogue, versions):
    item = catalogue["social"]
    body = api(clerk).get(f"{API}/items/{item.pk}/guides").json()
    assert body["count"] == 3
    assert [(v["number"], v["status"]) for v in body["items"]] == [
        (3, "draft"),
        (2, "published"),
        (1, "superseded"),
    ]
    assert body["items"][0]["created_by"] == "supervisor"
    assert body["items"][1]["change_note"] == "缩短时限"
    assert api(clerk).get(f"{API}/items/{item.impl_code}/guides").json()["count"] == 3


def test_history_of_an_unpublished_item_and_404(api, clerk, catalogue):
    assert api(clerk).get(f"{API}/items/{catalogue['draft'].pk}/guides").json()["count"] == 0
    problem(api(clerk).get(f"{API}/items/424242/guides"), 404, "not_found")
    problem(api(clerk).get(f"{API}/items/NOPE/guides"), 404, "not_found")


@pytest.mark.parametrize("more", [0, 5])
def test_history_query_count_is_flat(api, clerk, catalogue, django_assert_max_num_queries, more):
    item = catalogue["social"]
    for n in range(more):
        services.guide_publish_new(
            item=Item.objects.get(pk=item.pk), actor=None, values={"promised_days": n + 1}
        )
    client = api(clerk)
    # session, user, 2 × permissions, item + channels + topics, count, page; the session's activity stamp (3)
    with django_assert_max_num_queries(12):
        assert client.get(f"{API}/items/{item.pk}/guides").json()["count"] == 1 + more


def test_published_guide_is_public(client, versions):
    body = client.get(f"{API}/guides/{versions[2].pk}").json()
    assert (body["number"], body["status"], body["promised_days"]) == (2, "published", 3)
    assert body["item"]["name"] == "社会保障卡申领"


@pytest.mark.parametrize("which", [1, "draft"])
def test_other_versions_are_for_staff(client, api, citizen, clerk, versions, which):
    pk = versions[which].pk
    problem(client.get(f"{API}/guides/{pk}"), 401, "not_authenticated")
    body = problem(api(citizen).get(f"{API}/guides/{pk}"), 403, "not_allowed")
    assert "仅限工作人员" in body["title"]
    body = api(clerk).get(f"{API}/guides/{pk}").json()
    assert body["status"] in {GuideStatus.SUPERSEDED, GuideStatus.DRAFT}


def test_unknown_guide_is_404(client, db):
    problem(client.get(f"{API}/guides/987654"), 404, "not_found")


# --- Departments, topics, completeness ----------------------------------------------------------------------------


def test_departments_with_counts(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        body = client.get(f"{API}/departments").json()
    assert [(d["code"], d["published"]) for d in body["items"]] == [("GAJ", 1), ("RSJ", 1)]


def test_topics_with_counts_and_kind(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        body = client.get(f"{API}/topics").json()
    assert {t["code"]: t["published"] for t in body["items"]} == {"birth": 1, "retire": 0, "open-business": 1}
    person = client.get(f"{API}/topics?kind=person").json()["items"]
    assert [t["code"] for t in person] == ["birth", "retire"]
    assert person[0]["kind_label"] == "个人办事(人生阶段)"
    problem(client.get(f"{API}/topics?kind=alien"), 422, "invalid_input")


def test_completeness_for_staff(api, supervisor, catalogue, orgs):
    body = api(supervisor).get(f"{API}/completeness").json()
    assert "完整率" in body["definition"]
    assert body["rules"]
    assert {"code", "label", "description"} <= set(body["rules"][0])
    assert body["audited"] == 3  # active 依申请 items: two published, one unpublished
    assert body["audited"] == sum(d["audited"] for d in body["departments"])
    assert {d["department"]["code"] for d in body["departments"]} == {"RSJ", "GAJ"}
    one = api(supervisor).get(f"{API}/completeness?department={orgs['gaj'].pk}").json()
    assert [d["department"]["code"] for d in one["departments"]] == ["GAJ"]
    assert one["rate"] == one["departments"][0]["rate"]


# --- Export ---------------------------------------------------------------------------------------------------------


def test_export_in_the_import_layout(api, clerk, catalogue):
    response = api(clerk).get(f"{API}/export?department={catalogue['social'].department_id}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "实施编码*"
    assert [r[3] for r in rows[1:]] == ["社会保障卡申领"]
    assert book.worksheets[1].title == "填写说明"
    entry = AuditEntry.objects.get(action="export.xlsx", object_type="catalog.item")
    assert (entry.user, entry.after["items"]) == (clerk, 1)
    everything = api(clerk).get(f"{API}/export?all=true")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(everything.streaming_content)))
    assert book.worksheets[0].max_row == 5


# --- Search ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def searchable(monkeypatch):
    """The catalogue's search kind, registered here if the app does not (yet) register it itself."""
    if importlib.util.find_spec("zhengwu.core.search") is None:
        pytest.skip("core.search has not landed yet")
    from zhengwu.catalog import search as catalog_search
    from zhengwu.core import search

    if catalog_search.KIND not in search.registered_kinds():
        search.register(catalog_search.KIND, model=Item, document=catalog_search.document)
        yield
        search.unregister(catalog_search.KIND)
    else:
        yield


def test_search_finds_two_character_queries_with_highlights(client, catalogue, searchable):
    from zhengwu.catalog import search

    search.index_items(list(Item.objects.values_list("pk", flat=True)))
    body = client.get(f"{API}/items/search?q= 保障 ").json()
    assert body["query"] == "保障"
    assert body["count"] == 2  # by name, and 居民身份证换领 by its material 社会保障卡申领登记表
    hit = body["items"][0]  # the name match ranks first
    assert (hit["name"], hit["department"]["code"]) == ("社会保障卡申领", "RSJ")
    assert [i["name"] for i in body["items"]] == ["社会保障卡申领", "居民身份证换领"]
    assert hit["url"] == f"/guide/item/{catalogue['social'].pk}/"
    assert "<mark>" in hit["snippet_html"] + hit["title_html"]
    body = client.get(f"{API}/items/search?q=身份证&page_size=1").json()
    assert body["count"] == 2  # the ID card item by name, 社保卡 by its material 居民身份证
    assert [i["name"] for i in body["items"]] == ["居民身份证换领"]
    assert client.get(f"{API}/items/search?q=未发布").json()["count"] == 0


def test_search_refuses_an_overlong_query(client, searchable):
    problem(client.get(f"{API}/items/search?q={'社' * 101}"), 422, "query_too_long")


def test_search_needs_a_query(client, db):
    problem(client.get(f"{API}/items/search?q=%20"), 422, "invalid_input")
    problem(client.get(f"{API}/items/search"), 422, "invalid_input")
