"""The public guide portal: open to anyone, only published guides, every element shown, print/xlsx/PDF, search."""

from __future__ import annotations

import importlib.util
import io
import re
from urllib.parse import unquote

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from zhengwu.catalog.choices import Channel, FeeMode, HandlingKind, ItemType, OnlineDepth, Visits
from zhengwu.catalog.models import Item
from zhengwu.catalog.services import guide_publish_new, item_upsert

HAS_SEARCH = importlib.util.find_spec("zhengwu.core.search") is not None
needs_search = pytest.mark.skipif(
    not HAS_SEARCH, reason="zhengwu.core.search (the CJK search module) has not landed"
)


def _weasyprint_loads() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def _body(response) -> str:
    return response.content.decode()


def _portal_urls(item: Item, topic_code: str) -> list[str]:
    return [
        reverse("catalog:portal"),
        reverse("catalog:portal-department", args=[item.department_id]),
        reverse("catalog:portal-topic", args=[topic_code]),
        reverse("catalog:portal-channel", args=[Channel.YUESHIDA]),
        reverse("catalog:portal-item", args=[item.pk]),
        reverse("catalog:portal-item-print", args=[item.pk]),
        reverse("catalog:portal-item-xlsx", args=[item.pk]),
    ]


# --- Access -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_portal_page_is_open_to_anonymous_visitors(client, catalog_item):
    for url in _portal_urls(catalog_item, "birth"):
        response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.django_db
def test_portal_pages_work_for_signed_in_staff_too(client, catalog_item, clerk):
    client.force_login(clerk)
    for url in _portal_urls(catalog_item, "birth"):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_unpublished_item_is_a_chinese_404(client, make_item):
    draft_only = make_item("未发布事项", publish=False)
    response = client.get(reverse("catalog:portal-item", args=[draft_only.pk]))
    assert response.status_code == 404
    assert "办事指南尚未发布" in _body(response)
    for name in ("portal-item-print", "portal-item-xlsx", "portal-item-pdf"):
        assert client.get(reverse(f"catalog:{name}", args=[draft_only.pk])).status_code == 404


@pytest.mark.django_db
def test_inactive_item_is_404_and_left_out_of_lists(client, make_item, orgs):
    item = make_item("已停用事项")
    item_upsert(impl_code=item.impl_code, department=item.department, actor=None, is_active=False)
    assert client.get(reverse("catalog:portal-item", args=[item.pk])).status_code == 404
    body = _body(client.get(reverse("catalog:portal-department", args=[orgs["rsj"].pk])))
    assert "已停用事项" not in body


@pytest.mark.django_db
def test_unknown_channel_topic_and_department_are_404(client, db):
    assert client.get(reverse("catalog:portal-channel", args=["fax"])).status_code == 404
    assert client.get(reverse("catalog:portal-topic", args=["no-such-topic"])).status_code == 404
    assert client.get(reverse("catalog:portal-department", args=[999999])).status_code == 404
    assert client.get(reverse("catalog:portal-item", args=[999999])).status_code == 404


# --- Browse -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_portal_home_offers_search_then_browsing_with_counts(client, make_item, topics, orgs):
    make_item("社会保障卡申领", topics=(topics["birth"],))
    make_item(
        "出生医学证明办理", topics=(topics["birth"],), online_depth=OnlineDepth.LEVEL3, visits=Visits.ONE
    )
    make_item("企业开办", department=orgs["gaj"], topics=(topics["open"],), channels=(Channel.YUESHANGTONG,))
    make_item("草稿事项", publish=False, topics=(topics["retire"],))
    body = _body(client.get(reverse("catalog:portal")))
    assert body.index('role="search"') < body.index('id="departments"')  # search box first
    assert 'action="' + reverse("catalog:portal-search") + '"' in body
    # headline counts, each with what it counts
    assert re.search(r'<div class="value">3</div><div class="label">已公开办事指南的事项', body)
    assert re.search(r'<div class="value">2</div><div class="label">可全程网办的事项', body)
    assert "网上办理深度为四级" in body
    # departments with counts of published items
    assert reverse("catalog:portal-department", args=[orgs["rsj"].pk]) in body
    assert reverse("catalog:portal-department", args=[orgs["gaj"].pk]) in body
    assert reverse("catalog:portal-department", args=[orgs["town"].pk]) not in body
    # life events and enterprise stages, only those with published items
    assert reverse("catalog:portal-topic", args=["birth"]) in body
    assert reverse("catalog:portal-topic", args=["open-business"]) in body
    assert reverse("catalog:portal-topic", args=["retire"]) not in body
    # channels: all four named; the ones with items linked
    for channel in Channel:
        assert str(channel.label) in body
    assert reverse("catalog:portal-channel", args=[Channel.YUESHANGTONG]) in body
    assert reverse("catalog:portal-channel", args=[Channel.KIOSK]) not in body


@pytest.mark.django_db
def test_department_list_filters_by_type_and_paginates(client, make_item, orgs):
    for n in range(23):
        make_item(f"社保事项{n:02d}", item_type=ItemType.PUBLIC_SERVICE)
    make_item("就业失业登记许可", item_type=ItemType.LICENSING)
    url = reverse("catalog:portal-department", args=[orgs["rsj"].pk])
    first = _body(client.get(url))
    assert "共 24 项" in first
    assert first.count('<li>\n    <h3><a href="/guide/item/') == 20
    assert "第 1 / 2 页" in first
    assert "page=2" in first
    second = _body(client.get(url, {"page": "2"}))
    assert second.count('<h3><a href="/guide/item/') == 4
    filtered = _body(client.get(url, {"type": ItemType.LICENSING}))
    assert "共 1 项" in filtered
    assert "就业失业登记许可" in filtered
    assert "type=XK&amp;page" not in filtered  # one page: no pagination
    # bad input: reported in Chinese, ignored, nothing lost
    bad = client.get(url, {"type": "ZZ", "page": "abc"})
    assert bad.status_code == 200
    assert "筛选条件有误" in _body(bad)
    assert "共 24 项" in _body(bad)
    assert "第 2 / 2 页" in _body(client.get(url, {"page": "99"}))


@pytest.mark.django_db
def test_topic_and_channel_lists_show_only_their_items(client, make_item, topics):
    make_item("出生登记", topics=(topics["birth"],), channels=(Channel.KIOSK,))
    make_item("退休申请", topics=(topics["retire"],), channels=(Channel.HALL_WEB,))
    body = _body(client.get(reverse("catalog:portal-topic", args=["birth"])))
    assert "出生登记" in body
    assert "退休申请" not in body
    body = _body(client.get(reverse("catalog:portal-channel", args=[Channel.KIOSK])))
    assert "出生登记" in body
    assert "退休申请" not in body
    assert "自助终端" in body


# --- The guide page -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_guide_page_shows_every_element(client, catalog_item):
    guide = catalog_item.current_guide
    body = _body(client.get(reverse("catalog:portal-item", args=[catalog_item.pk])))
    # what, who handles it, type, one-line summary
    assert "<h1" in body
    assert "社会保障卡申领</h1>" in body
    assert "乐昌市人力资源和社会保障局" in body
    assert "公共服务" in body
    assert "承诺件" in body
    assert (
        "由乐昌市人力资源和社会保障局办理，面向自然人；承诺5个工作日内办结；不收费；零跑动；可全程网办。"
        in body
    )
    # time, cost, visits, online
    assert "承诺 5 个工作日" in body
    assert "法定 20 个工作日" in body
    assert "<strong>不收费</strong>" in body
    assert "<strong>零跑动</strong>" in body
    assert "<strong>全程网办</strong>" in body
    assert 'href="https://www.gdzwfw.gov.cn/"' in body
    assert "在线办理" in body
    assert "粤省事" in body
    assert "广东政务服务网(网上办事大厅)" in body
    # who may apply, conditions
    assert "在本市参加社会保险的人员。" in body
    assert "自然人" in body
    # materials table with caption, header scopes, 数据共享免提交 as a good thing
    assert "<caption>申请材料共 3 项，其中 1 项通过数据共享获取，无需您提交</caption>" in body
    assert '<th scope="col">材料名称</th>' in body
    assert '<th scope="row">居民身份证' in body
    assert '<span class="badge ok">数据共享，免提交</span>' in body
    assert "社会保障卡申领登记表" in body
    assert "本人签名" in body
    assert "非必要" in body
    # steps in order; special step marked, not counted in the limit
    assert (
        body.index("<strong>申请</strong>")
        < body.index("<strong>受理</strong>")
        < body.index("<strong>决定</strong>")
    )
    assert "特殊环节" in body
    assert "不计入办结时限" in body
    # where and when, basis, phones as tel: links, FAQ, version line
    assert "乐昌市政务服务中心一楼综合窗口" in body
    assert "周一至周五" in body
    assert "《社会保险法》第五十八条" in body
    assert '<a href="tel:07515551234">0751-5551234</a>' in body
    assert '<a href="tel:075112345">0751-12345</a>' in body
    assert "可以委托他人办理吗" in body
    published = timezone.localtime(guide.published_at).date().isoformat()
    assert f"本指南第1版，{published}发布" in body
    assert "社会保障卡" in body  # 办理结果
    # print, xlsx, pdf links
    for name in ("portal-item-print", "portal-item-xlsx", "portal-item-pdf"):
        assert reverse(f"catalog:{name}", args=[catalog_item.pk]) in body
    # CSP: no inline styles or scripts on the page
    assert " style=" not in body
    assert "<script>" not in body


@pytest.mark.django_db
def test_guide_page_shows_the_current_version_only(client, catalog_item):
    guide_publish_new(
        item=catalog_item,
        actor=None,
        values={"handling_kind": HandlingKind.IMMEDIATE, "promised_days": None, "statutory_days": 20},
        note="改为即办",
    )
    body = _body(client.get(reverse("catalog:portal-item", args=[catalog_item.pk])))
    assert "本指南第2版" in body
    assert "<strong>即办</strong>" in body
    assert "承诺 5 个工作日" not in body


@pytest.mark.django_db
def test_charged_fee_shows_its_basis_and_unknown_phone_text_stays_text(client, make_item):
    item = make_item(
        "收费事项",
        fee_mode=FeeMode.CHARGED,
        fee_detail="工本费20元（粤价〔2010〕1号）",
        consult_phone="人社局窗口 0751-5551234、12333",
    )
    body = _body(client.get(reverse("catalog:portal-item", args=[item.pk])))
    assert "<strong>收费</strong>" in body
    assert "工本费20元" in body
    assert '人社局窗口 <a href="tel:07515551234">0751-5551234</a>、<a href="tel:12333">12333</a>' in body


@pytest.mark.django_db
def test_material_blank_form_and_sample_download(client, make_item, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    item = make_item("带表格的事项")
    material = item.current_guide.materials.get(name="社会保障卡申领登记表")
    material.blank_form.save("登记表.docx", ContentFile(b"form-bytes"), save=True)
    body = _body(client.get(reverse("catalog:portal-item", args=[item.pk])))
    url = reverse("catalog:portal-material-file", args=[item.pk, material.pk, "form"])
    assert url in body
    assert '空白表格<span class="visually-hidden">：社会保障卡申领登记表</span>' in body
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"form-bytes"
    assert (
        client.get(reverse("catalog:portal-material-file", args=[item.pk, material.pk, "sample"])).status_code
        == 404
    )
    assert (
        client.get(reverse("catalog:portal-material-file", args=[item.pk, material.pk, "x"])).status_code
        == 404
    )
    # a material of another item's guide is not served through this item
    other = make_item("另一事项")
    url = reverse("catalog:portal-material-file", args=[other.pk, material.pk, "form"])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_print_view_is_clean_and_complete(client, catalog_item):
    response = client.get(reverse("catalog:portal-item-print", args=[catalog_item.pk]))
    body = _body(response)
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in body
    assert "site-header" not in body
    assert "sidenav" not in body
    assert "app.css" in body
    assert " style=" not in body
    assert "<script" not in body
    assert "社会保障卡申领</h1>" in body
    assert "居民身份证" in body
    assert "专家评审" in body
    assert "本指南第1版" in body
    assert "Ctrl+P" in body
    assert reverse("catalog:portal-item", args=[catalog_item.pk]) in body


@pytest.mark.django_db
def test_xlsx_download_holds_the_guide_materials_and_steps(client, catalog_item):
    response = client.get(reverse("catalog:portal-item-xlsx", args=[catalog_item.pk]))
    assert response.status_code == 200
    disposition = unquote(response["Content-Disposition"])
    assert "社会保障卡申领-办事指南" in disposition
    assert disposition.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames == ["办事指南", "申请材料", "办理流程"]
    elements = {row[0]: row[1] for row in book["办事指南"].iter_rows(min_row=3, values_only=True)}
    assert elements["事项名称"] == "社会保障卡申领"
    assert elements["承诺办结时限(工作日)"] == "5个工作日"
    assert elements["收费"] == "不收费"
    assert elements["网上办理深度"] == "四级(全程网办)"
    materials = list(book["申请材料"].iter_rows(min_row=2, values_only=True))
    assert [m[1] for m in materials] == ["居民身份证", "社会保障卡申领登记表", "委托书"]
    assert materials[0][5] == "数据共享免提交"
    steps = list(book["办理流程"].iter_rows(min_row=2, values_only=True))
    assert [s[1] for s in steps] == ["申请", "受理", "专家评审", "决定"]
    assert steps[2][4:] == ("是", "否")


@pytest.mark.django_db
@pytest.mark.skipif(
    not _weasyprint_loads(), reason="WeasyPrint or its system libraries (pango) cannot load here"
)
def test_pdf_download_is_a_pdf_of_the_print_view(client, catalog_item):
    response = client.get(reverse("catalog:portal-item-pdf", args=[catalog_item.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert unquote(response["Content-Disposition"]).endswith("社会保障卡申领-办事指南-第1版.pdf")


@pytest.mark.django_db
def test_pdf_renderer_fetches_only_local_static_files():
    pytest.importorskip("weasyprint", reason="WeasyPrint is not installed")
    from zhengwu.catalog.guide_files import _static_path

    assert _static_path("http://testserver/static/zhengwu/app.css") is not None
    assert _static_path("http://testserver/static/../../etc/passwd") is None
    assert _static_path("http://example.org/evil.css") is None


@pytest.mark.django_db
def test_public_header_and_home_link_to_the_portal(client, db):
    body = _body(client.get(reverse("core:home")))
    assert body.count(f'href="{reverse("catalog:portal")}"') >= 2  # header nav and the home tile
    assert "办事指南查询" in body
    assert "法定期限计算" in body


# --- Query counts -------------------------------------------------------------------------------------------


def _grow(make_item, orgs, topics, n: int) -> None:
    for i in range(n):
        make_item(
            f"社保业务{i}",
            department=orgs["rsj"] if i % 2 else orgs["gaj"],
            topics=(topics["birth"], topics["open"]),
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["portal", "portal-department", "portal-topic", "portal-channel", "portal-item", "portal-item-print"],
)
def test_portal_query_counts_do_not_grow_with_the_catalogue(
    client, make_item, orgs, topics, django_assert_max_num_queries, name
):
    _grow(make_item, orgs, topics, 3)
    item = Item.objects.order_by("pk").last()
    args = {
        "portal": [],
        "portal-department": [orgs["rsj"].pk],
        "portal-topic": ["birth"],
        "portal-channel": [Channel.YUESHIDA],
        "portal-item": [item.pk],
        "portal-item-print": [item.pk],
    }[name]
    url = reverse(f"catalog:{name}", args=args)
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    _grow(make_item, orgs, topics, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


# --- Search -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_empty_search_goes_to_the_browse_page(client, db):
    response = client.get(reverse("catalog:portal-search"), {"q": "  "})
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:portal")


@pytest.fixture
def search_kind():
    """The catalogue's search kind, registered here if the app does not (yet) register it itself."""
    from zhengwu.catalog import search as catalog_search
    from zhengwu.core import search

    if catalog_search.KIND in search.registered_kinds():
        yield
        return
    search.register(catalog_search.KIND, model=Item, document=catalog_search.document)
    yield
    search.unregister(catalog_search.KIND)


# Guide text that says nothing about social insurance (the shared fixtures' guide does, all over).
UNRELATED = {
    "conditions": "本市居民。",
    "result_name": "登记回执",
    "legal_basis": "《个体工商户条例》",
    "materials": [{"name": "申请表", "required": True, "copies": 1}],
}


@pytest.fixture
def searchable(search_kind, make_item, orgs, django_capture_on_commit_callbacks):
    """Items whose names, guides and materials mention 社保 / 医保 / 执照, indexed through the real on-commit hook."""
    with django_capture_on_commit_callbacks(execute=True):
        items = {
            "card": make_item("社保卡申领"),
            "transfer": make_item(
                "养老保险关系转移",
                conditions="已参加社保的职工跨地区就业。",
                materials=[{"name": "社保缴费凭证", "required": True, "copies": 1}],
            ),
            "medical": make_item("城乡居民医保参保登记", department=orgs["gaj"], **UNRELATED),
            "licence": make_item(
                "个体工商户营业执照核发",
                department=orgs["gaj"],
                item_type=ItemType.LICENSING,
                service_object="legal",
                **UNRELATED,
            ),
            "draft": make_item("社保待遇资格认证", publish=False),
        }
    return items


@needs_search
@pytest.mark.django_db
@pytest.mark.parametrize(("query", "expected"), [("社保", "card"), ("医保", "medical"), ("执照", "licence")])
def test_two_character_queries_find_their_items_highlighted(client, searchable, query, expected):
    response = client.get(reverse("catalog:portal-search"), {"q": query})
    body = _body(response)
    assert response.status_code == 200
    assert reverse("catalog:portal-item", args=[searchable[expected].pk]) in body
    assert f"<mark>{query}</mark>" in body
    assert reverse("catalog:portal-item", args=[searchable["draft"].pk]) not in body  # unpublished stays out


@needs_search
@pytest.mark.django_db
def test_search_ranks_name_matches_before_guide_text_matches(client, searchable):
    body = _body(client.get(reverse("catalog:portal-search"), {"q": "社保"}))
    card = body.index(reverse("catalog:portal-item", args=[searchable["card"].pk]))
    transfer = body.index(reverse("catalog:portal-item", args=[searchable["transfer"].pk]))
    assert card < transfer
    assert "找到 2 项" in body


@needs_search
@pytest.mark.django_db
def test_search_filters_by_department_and_type(client, searchable, orgs):
    url = reverse("catalog:portal-search")
    body = _body(client.get(url, {"q": "医保", "department": orgs["rsj"].pk}))
    assert "没有找到与“医保”相关的办事指南" in body
    assert "取消部门和类型的限制" in body
    body = _body(client.get(url, {"q": "执照", "type": ItemType.LICENSING}))
    assert reverse("catalog:portal-item", args=[searchable["licence"].pk]) in body


@needs_search
@pytest.mark.django_db
def test_search_without_results_suggests_what_to_try(client, searchable):
    body = _body(client.get(reverse("catalog:portal-search"), {"q": "火星移民"}))
    assert "没有找到与“火星移民”相关的办事指南" in body
    assert "两个字即可" in body
    assert "#departments" in body


@needs_search
@pytest.mark.django_db
def test_search_bad_input_is_reported_in_chinese(client, searchable):
    response = client.get(reverse("catalog:portal-search"), {"q": "社保", "department": "abc", "type": "ZZ"})
    assert response.status_code == 400
    assert "搜索条件有误" in _body(response)


@needs_search
@pytest.mark.django_db
def test_search_paginates_twenty_a_page(client, search_kind, make_item, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(25):
            make_item(f"社保业务办理{n:02d}")
    url = reverse("catalog:portal-search")
    first = _body(client.get(url, {"q": "社保"}))
    assert "找到 25 项" in first
    assert first.count("<h3>") == 20
    assert "第 1 / 2 页" in first
    second = _body(client.get(url, {"q": "社保", "page": "2"}))
    assert second.count("<h3>") == 5
    beyond = _body(client.get(url, {"q": "社保", "page": "9"}))
    assert beyond.count("<h3>") == 5
    assert "第 2 / 2 页" in beyond


@needs_search
@pytest.mark.django_db
def test_search_query_count_does_not_grow_with_results(
    client, search_kind, make_item, orgs, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    url = reverse("catalog:portal-search")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            make_item(f"社保业务{n}")
    with django_assert_max_num_queries(20) as small:
        assert client.get(url, {"q": "社保", "department": orgs["rsj"].pk}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(25):
            make_item(f"社保事务{n}", department=orgs["gaj"] if n % 2 else orgs["rsj"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url, {"q": "社保", "department": orgs["rsj"].pk}).status_code == 200
