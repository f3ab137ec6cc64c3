"""The catalogue's staff pages as each persona uses them: items, the guide workflow, diff, review, completeness."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from zhengwu.catalog import services
from zhengwu.catalog.choices import Channel, FeeMode, GuideStatus, ItemType
from zhengwu.catalog.models import GuideVersion, Item, ItemVolume
from zhengwu.core.choices import Role
from zhengwu.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PAGES = {
    "catalog:item-list": "catalog.view_item",
    "catalog:review-list": "catalog.review_guide",
    "catalog:completeness": "catalog.view_item",
    "catalog:rules": "catalog.view_item",
    "catalog:item-new": "catalog.manage_catalogue",
}


def _body(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _sheets(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _guide_post(guide: GuideVersion, action: str = "save", **over) -> dict[str, str]:
    """The edit page's form as the browser posts it, from the guide's current content (``over`` wins)."""
    data: dict[str, str] = {"action": action}
    for name in services.GUIDE_FIELDS:
        value = over.get(name, getattr(guide, name))
        data[name] = "" if value is None else str(value)
    materials = list(guide.materials.all())
    data.update(
        {"materials-TOTAL_FORMS": str(len(materials) + 1), "materials-INITIAL_FORMS": str(len(materials))}
    )
    for i, m in enumerate(materials):
        data.update(
            {
                f"materials-{i}-was": str(m.pk),
                f"materials-{i}-ORDER": str(i + 1),
                f"materials-{i}-name": m.name,
                f"materials-{i}-copies": str(m.copies),
                f"materials-{i}-form": m.form,
                f"materials-{i}-source": m.source,
                f"materials-{i}-note": m.note,
            }
        )
        if m.required:
            data[f"materials-{i}-required"] = "on"
    steps = list(guide.steps.all())
    data.update({"steps-TOTAL_FORMS": str(len(steps) + 1), "steps-INITIAL_FORMS": str(len(steps))})
    for i, s in enumerate(steps):
        data.update(
            {
                f"steps-{i}-ORDER": str(i + 1),
                f"steps-{i}-name": s.name,
                f"steps-{i}-description": s.description,
                f"steps-{i}-days": "" if s.days is None else str(s.days),
            }
        )
        if s.is_special:
            data[f"steps-{i}-is_special"] = "on"
        if s.counts_in_limit:
            data[f"steps-{i}-counts_in_limit"] = "on"
    data.update({k: str(v) for k, v in over.items() if k not in services.GUIDE_FIELDS})
    return data


@pytest.fixture
def reviewer(orgs):
    return UserFactory(
        username="reviewer", display_name="审核员", organisation=orgs["bureau"], roles=[Role.SUPERVISOR]
    )


# --- Access -------------------------------------------------------------------------------------------------


def test_each_persona_reaches_exactly_its_catalogue_pages(client, personas):
    for user in personas.values():
        client.force_login(user)
        for name, perm in PAGES.items():
            response = client.get(reverse(name))
            expected = 200 if user.has_perm(perm) else 403
            assert response.status_code == expected, (user.username, name, response.status_code)
        client.logout()
    response = client.get(reverse("catalog:item-list"))
    assert response.status_code == 302
    assert reverse("core:login") in response["Location"]


def test_navigation_entries_resolve(client, supervisor):
    client.force_login(supervisor)
    body = _body(client.get(reverse("catalog:item-list")))
    for name in ("catalog:item-list", "catalog:review-list", "catalog:completeness"):
        assert f'href="{reverse(name)}"' in body


def test_post_only_actions_refuse_get(client, supervisor, catalog_item):
    client.force_login(supervisor)
    guide = catalog_item.current_guide
    for url in (
        reverse("catalog:guide-draft", args=[catalog_item.pk]),
        reverse("catalog:guide-submit", args=[guide.pk]),
        reverse("catalog:guide-review", args=[guide.pk]),
        reverse("catalog:guide-discard", args=[guide.pk]),
        reverse("catalog:item-high-frequency"),
        reverse("catalog:rule-toggle", args=["fee"]),
    ):
        assert client.get(url).status_code == 405, url


# --- Item list ----------------------------------------------------------------------------------------------


def test_item_list_filters_counts_and_actions(client, supervisor, make_item, orgs):
    make_item("社会保障卡申领", department=orgs["rsj"], channels=(Channel.YUESHIDA,))
    make_item(
        "居民身份证申领", department=orgs["gaj"], item_type=ItemType.CONFIRMATION, channels=(Channel.KIOSK,)
    )
    make_item("未发布事项", department=orgs["gaj"], publish=False)
    client.force_login(supervisor)
    response = client.get(reverse("catalog:item-list"))
    body = _body(response)
    assert "社会保障卡申领" in body
    assert "居民身份证申领" in body
    assert response.context["counts"]["items"] == 3
    assert response.context["counts"]["published"] == 2
    assert "近12个月办件量前20%" in body
    assert reverse("catalog:item-new") in body
    assert reverse("core:import-new") + "?kind=catalog_items" in body
    assert reverse("catalog:item-high-frequency") in body

    body = _body(client.get(reverse("catalog:item-list"), {"department": orgs["gaj"].pk}))
    assert "社会保障卡申领" not in body
    assert "居民身份证申领" in body
    body = _body(client.get(reverse("catalog:item-list"), {"channel": Channel.YUESHIDA}))
    assert "社会保障卡申领" in body
    assert "居民身份证申领" not in body
    body = _body(
        client.get(reverse("catalog:item-list"), {"item_type": ItemType.CONFIRMATION, "q": "身份证"})
    )
    assert "居民身份证申领" in body
    assert "社会保障卡申领" not in body
    body = _body(client.get(reverse("catalog:item-list"), {"high_frequency": "1"}))
    assert "没有符合条件的记录" in body
    body = _body(client.get(reverse("catalog:item-list"), {"online_depth": "4", "one_window": "0"}))
    assert "社会保障卡申领" in body
    assert "未发布事项" not in body
    response = client.get(reverse("catalog:item-list"), {"level": "nowhere"})
    assert response.status_code == 200
    assert "筛选条件有误" in _body(response)


def test_item_list_actions_follow_permissions(client, clerk, handler, make_item):
    make_item()
    client.force_login(clerk)
    body = _body(client.get(reverse("catalog:item-list")))
    assert reverse("catalog:item-new") not in body
    assert "刷新高频事项" not in body
    client.force_login(handler)
    body = _body(client.get(reverse("catalog:item-list")))
    assert reverse("catalog:item-new") in body
    assert "kind=catalog_items" not in body
    assert "刷新高频事项" not in body


def test_item_list_sorts_and_exports(client, supervisor, make_item):
    make_item("乙事项")
    make_item("甲事项", channels=(Channel.HALL_WEB, Channel.KIOSK))
    client.force_login(supervisor)
    up = _body(client.get(reverse("catalog:item-list"), {"sort": "name"}))
    down = _body(client.get(reverse("catalog:item-list"), {"sort": "-name"}))
    assert (up.index("甲事项") < up.index("乙事项")) != (down.index("甲事项") < down.index("乙事项"))
    assert 'aria-sort="descending"' in down
    response = client.get(reverse("catalog:item-list"), {"export": "xlsx", "q": "甲"})
    assert response.status_code == 200
    sheet = _sheets(response).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert "近12个月办件量前20%" in rows[0][0]
    assert rows[1][:2] == ["实施编码", "事项名称"]
    assert len(rows) == 3
    assert rows[2][1] == "甲事项"
    assert "网上办事大厅、自助终端" in rows[2]
    entry = AuditEntry.objects.get(action="export.xlsx")
    assert entry.after == {"filters": {"q": "甲"}}


def test_item_list_query_count_does_not_grow(
    client, supervisor, make_item, orgs, django_assert_max_num_queries
):
    make_item(department=orgs["rsj"])
    client.force_login(supervisor)
    with django_assert_max_num_queries(25) as small:
        assert client.get(reverse("catalog:item-list")).status_code == 200
    for i in range(12):
        make_item(f"事项{i}", department=orgs["gaj"] if i % 2 else orgs["rsj"], publish=i % 3 != 0)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("catalog:item-list")).status_code == 200


def test_high_frequency_refresh_button(client, supervisor, handler, make_item):
    items = [make_item(f"事项{i}", publish=False) for i in range(5)]
    today = timezone.localdate()
    index = today.year * 12 + today.month - 2
    last_month = date(index // 12, index % 12 + 1, 1)
    for rank, item in enumerate(items):
        ItemVolume.objects.create(item=item, month=last_month, cases=100 - rank)
    client.force_login(handler)
    assert client.post(reverse("catalog:item-high-frequency")).status_code == 403
    client.force_login(supervisor)
    response = client.post(reverse("catalog:item-high-frequency"), follow=True)
    assert "高频事项 1 项" in " ".join(_messages(response))
    assert list(Item.objects.filter(high_frequency=True)) == [items[0]]
    assert AuditEntry.objects.filter(action="catalog.high_frequency", username="supervisor").exists()


# --- Item form ----------------------------------------------------------------------------------------------


def _item_post(department, **over) -> dict[str, object]:
    data = {
        "impl_code": "11440281MB2C0099999",
        "base_code": "QR00101000",
        "name": "居住证签注",
        "item_type": ItemType.CONFIRMATION,
        "on_application": "on",
        "department": department.pk,
        "level": "county",
        "service_object": "person",
        "channels": [Channel.HALL_WEB, Channel.YUESHIDA],
        "tongban_scope": "",
        "tongban_mode": "",
        "is_active": "on",
    }
    data.update(over)
    return data


def test_supervisor_creates_an_item(client, supervisor, orgs, topics):
    client.force_login(supervisor)
    response = client.post(reverse("catalog:item-new"), _item_post(orgs["gaj"], topics=[topics["birth"].pk]))
    item = Item.objects.get(impl_code="11440281MB2C0099999")
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:item-detail", args=[item.pk])
    assert sorted(item.channels.values_list("channel", flat=True)) == ["web", "yueshengshi"]
    assert list(item.topics.all()) == [topics["birth"]]
    assert AuditEntry.objects.filter(action="catalog.item.create", username="supervisor").exists()
    # The same code again is refused with a pointer to the existing item, and nothing changes.
    response = client.post(reverse("catalog:item-new"), _item_post(orgs["gaj"], name="别的名字"))
    assert response.status_code == 200
    assert "已存在" in _body(response)
    item.refresh_from_db()
    assert item.name == "居住证签注"


def test_item_form_shows_service_errors_in_chinese(client, supervisor, orgs):
    client.force_login(supervisor)
    response = client.post(reverse("catalog:item-new"), _item_post(orgs["gaj"], tongban_scope="province"))
    assert response.status_code == 200
    assert "请选择通办模式" in _body(response)
    assert not Item.objects.exists()
    assert 'value="居住证签注"' in _body(response)  # nothing typed is lost


def test_handler_files_items_under_own_department_only(client, handler, orgs, make_item):
    client.force_login(handler)
    form = client.get(reverse("catalog:item-new")).context["form"]
    assert set(form.fields["department"].queryset) == {orgs["rsj"], orgs["rsj_unit"]}
    response = client.post(reverse("catalog:item-new"), _item_post(orgs["gaj"]))
    assert response.status_code == 200
    assert not Item.objects.exists()
    foreign = make_item(department=orgs["gaj"])
    assert client.get(reverse("catalog:item-edit", args=[foreign.pk])).status_code == 403
    assert (
        client.post(reverse("catalog:item-edit", args=[foreign.pk]), _item_post(orgs["rsj"])).status_code
        == 403
    )


def test_edit_keeps_the_impl_code(client, supervisor, make_item, orgs):
    item = make_item(department=orgs["rsj"])
    client.force_login(supervisor)
    page = client.get(reverse("catalog:item-edit", args=[item.pk]))
    assert page.context["form"].initial["channels"] == ["web", "yueshengshi"]
    response = client.post(
        reverse("catalog:item-edit", args=[item.pk]),
        _item_post(orgs["rsj"], impl_code="CHANGED", name="社会保障卡申领(改)", one_window="on"),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.impl_code != "CHANGED"
    assert item.name == "社会保障卡申领(改)"
    assert item.one_window
    assert not Item.objects.filter(impl_code="CHANGED").exists()


# --- Item detail --------------------------------------------------------------------------------------------


def test_item_detail_shows_facts_history_problems_and_volume(client, clerk, make_item):
    item = make_item(location="")
    today = timezone.localdate()
    index = today.year * 12 + today.month - 2
    ItemVolume.objects.create(item=item, month=date(index // 12, index % 12 + 1, 1), cases=321)
    client.force_login(clerk)
    response = client.get(reverse("catalog:item-detail", args=[item.pk]))
    body = _body(response)
    assert item.impl_code in body
    assert "v1" in body
    assert "已发布" in body
    assert "办理地点为空" in body
    assert "共 321 件" in body
    assert "修改指南" not in body  # a clerk reads only


def test_item_detail_query_count_does_not_grow_with_versions(
    client, supervisor, reviewer, make_item, django_assert_max_num_queries
):
    item = make_item()
    client.force_login(supervisor)
    with django_assert_max_num_queries(30) as small:
        assert client.get(reverse("catalog:item-detail", args=[item.pk])).status_code == 200
    for n in range(4):
        services.guide_publish_new(
            item=item,
            actor=reviewer,
            values={"promised_days": n + 1, "statutory_days": 20},
            materials=[],
            steps=[],
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("catalog:item-detail", args=[item.pk])).status_code == 200


# --- Guide workflow through the pages -----------------------------------------------------------------------


def test_guide_change_from_draft_to_publication(client, handler, supervisor, catalog_item):
    v1 = catalog_item.current_guide
    client.force_login(handler)
    detail = _body(client.get(reverse("catalog:item-detail", args=[catalog_item.pk])))
    assert "修改指南" in detail
    response = client.post(reverse("catalog:guide-draft", args=[catalog_item.pk]))
    draft = GuideVersion.objects.get(item=catalog_item, status=GuideStatus.DRAFT)
    assert response["Location"] == reverse("catalog:guide-edit", args=[draft.pk])

    page = client.get(reverse("catalog:guide-edit", args=[draft.pk]))
    assert page.status_code == 200
    assert len(page.context["materials"].forms) == 4  # three materials and one empty row
    data = _guide_post(draft, promised_days=3, change_note="压缩承诺时限")
    data["materials-3-name"] = "户口簿"
    data["materials-3-copies"] = "1"
    data["materials-3-form"] = "original"
    data["materials-3-source"] = "applicant"
    data["materials-0-DELETE"] = "on"
    response = client.post(reverse("catalog:guide-edit", args=[draft.pk]), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.promised_days == 3
    assert list(draft.materials.values_list("name", flat=True)) == [
        "社会保障卡申领登记表",
        "委托书",
        "户口簿",
    ]

    response = client.post(reverse("catalog:guide-submit", args=[draft.pk]), follow=True)
    assert "已提交审核" in " ".join(_messages(response))
    draft.refresh_from_db()
    assert draft.status == GuideStatus.REVIEW

    client.force_login(supervisor)
    review = _body(client.get(reverse("catalog:review-list")))
    assert catalog_item.name in review
    page = client.get(reverse("catalog:guide-detail", args=[draft.pk]))
    body = _body(page)
    assert "审核通过并发布" in body
    assert "承诺办结时限(工作日)" in body
    assert "修改前" in body
    response = client.post(
        reverse("catalog:guide-review", args=[draft.pk]), {"decision": "return"}, follow=True
    )
    assert "退回修改须填写审核意见" in " ".join(_messages(response))
    response = client.post(
        reverse("catalog:guide-review", args=[draft.pk]),
        {"decision": "return", "comment": "委托书须注明"},
        follow=True,
    )
    assert "已退回" in " ".join(_messages(response))
    draft.refresh_from_db()
    assert (draft.status, draft.review_comment) == (GuideStatus.DRAFT, "委托书须注明")

    client.force_login(handler)
    assert "审核退回意见：委托书须注明" in _body(client.get(reverse("catalog:guide-edit", args=[draft.pk])))
    response = client.post(
        reverse("catalog:guide-edit", args=[draft.pk]), _guide_post(draft, action="submit")
    )
    assert response.status_code == 302
    client.force_login(supervisor)
    response = client.post(
        reverse("catalog:guide-review", args=[draft.pk]), {"decision": "approve"}, follow=True
    )
    assert "已审核通过并发布" in " ".join(_messages(response))
    catalog_item.refresh_from_db()
    v1.refresh_from_db()
    assert catalog_item.current_guide_id == draft.pk
    assert v1.status == GuideStatus.SUPERSEDED


def test_guide_edit_reports_errors_in_chinese_and_saves_nothing(client, handler, catalog_item):
    draft = services.guide_start_draft(item=catalog_item, actor=handler)
    client.force_login(handler)
    data = _guide_post(draft, statutory_days=3, promised_days=5, fee_mode=FeeMode.CHARGED, fee_detail="")
    data["steps-0-counts_in_limit"] = ""
    del data["steps-0-counts_in_limit"]
    response = client.post(reverse("catalog:guide-edit", args=[draft.pk]), data)
    body = _body(response)
    assert response.status_code == 200
    assert "不得超过法定办结时限" in body
    assert "收费事项须写明收费项目、标准及依据" in body
    assert "只有特殊环节" in body
    draft.refresh_from_db()
    assert (draft.statutory_days, draft.promised_days, draft.fee_mode) == (20, 5, FeeMode.FREE)
    assert 'value="3"' in body  # what was typed is still there


def test_guide_edit_add_row_keeps_what_was_typed(client, handler, catalog_item):
    draft = services.guide_start_draft(item=catalog_item, actor=handler)
    client.force_login(handler)
    # Valid: saved, then the page comes back with more empty material rows.
    response = client.post(
        reverse("catalog:guide-edit", args=[draft.pk]),
        _guide_post(draft, action="add-materials", hours="全天"),
    )
    assert response["Location"].endswith("?more=materials#materials")
    draft.refresh_from_db()
    assert draft.hours == "全天"
    page = client.get(response["Location"])
    assert len(page.context["materials"].forms) == 3 + 3
    # Invalid: nothing saved, one more row, the error shown.
    data = _guide_post(draft, action="add-steps", promised_days=99)
    response = client.post(reverse("catalog:guide-edit", args=[draft.pk]), data)
    assert response.status_code == 200
    assert len(response.context["steps"].forms) == 4 + 2
    assert "不得超过法定办结时限" in _body(response)


def test_published_guides_cannot_be_edited(client, supervisor, catalog_item):
    client.force_login(supervisor)
    guide = catalog_item.current_guide
    response = client.get(reverse("catalog:guide-edit", args=[guide.pk]), follow=True)
    assert "不能修改" in " ".join(_messages(response))
    response = client.post(
        reverse("catalog:guide-edit", args=[guide.pk]), _guide_post(guide, location="别处")
    )
    assert response.status_code == 302
    guide.refresh_from_db()
    assert guide.location != "别处"


def test_handler_cannot_edit_another_departments_draft(client, other_handler, handler, catalog_item):
    draft = services.guide_start_draft(item=catalog_item, actor=handler)
    client.force_login(other_handler)
    assert client.get(reverse("catalog:guide-edit", args=[draft.pk])).status_code == 403
    response = client.post(reverse("catalog:guide-draft", args=[catalog_item.pk]), follow=True)
    assert "没有维护该部门事项的权限" in " ".join(_messages(response))
    response = client.post(reverse("catalog:guide-discard", args=[draft.pk]), follow=True)
    assert GuideVersion.objects.filter(pk=draft.pk).exists()
    assert "没有维护该部门事项的权限" in " ".join(_messages(response))


def test_submit_of_an_invalid_draft_is_refused_with_a_message(client, handler, make_item):
    item = make_item(publish=False)
    draft = services.guide_start_draft(item=item, actor=handler)
    client.force_login(handler)
    response = client.post(reverse("catalog:guide-submit", args=[draft.pk]), follow=True)
    assert "承诺件须填写承诺办结时限" in " ".join(_messages(response))
    draft.refresh_from_db()
    assert draft.status == GuideStatus.DRAFT


def test_discard_returns_to_the_item(client, handler, catalog_item):
    draft = services.guide_start_draft(item=catalog_item, actor=handler)
    client.force_login(handler)
    response = client.post(reverse("catalog:guide-discard", args=[draft.pk]))
    assert response["Location"] == reverse("catalog:item-detail", args=[catalog_item.pk])
    assert not GuideVersion.objects.filter(pk=draft.pk).exists()


def test_drafter_sees_no_review_form_on_own_version(client, supervisor, reviewer, catalog_item, settings):
    settings.ZHENGWU_CATALOG_SELF_REVIEW = False
    draft = services.guide_start_draft(item=catalog_item, actor=supervisor)
    services.guide_submit(guide=draft, actor=supervisor)
    client.force_login(supervisor)
    body = _body(client.get(reverse("catalog:guide-detail", args=[draft.pk])))
    assert "须由其他审核人员审核" in body
    assert "审核通过并发布" not in body
    response = client.post(
        reverse("catalog:guide-review", args=[draft.pk]), {"decision": "approve"}, follow=True
    )
    assert "不能审核自己起草的版本" in " ".join(_messages(response))
    client.force_login(reviewer)
    assert "审核通过并发布" in _body(client.get(reverse("catalog:guide-detail", args=[draft.pk])))


def test_compare_any_two_versions(client, clerk, reviewer, catalog_item):
    services.guide_publish_new(
        item=catalog_item,
        actor=reviewer,
        values={"statutory_days": 20, "promised_days": 4, "conditions": "第一行\n第二行"},
        materials=[],
        steps=[],
    )
    client.force_login(clerk)
    url = reverse("catalog:guide-diff", args=[catalog_item.pk])
    response = client.get(url)
    assert (response.context["old"].number, response.context["new"].number) == (1, 2)
    body = _body(response)
    assert "第一行<br>第二行" in body
    assert "受理条件" in body
    assert "申请材料" in body
    response = client.get(url, {"a": 2, "b": 1})
    assert (response.context["old"].number, response.context["new"].number) == (2, 1)
    response = client.get(url, {"a": 7, "b": 1})
    assert response.status_code == 200
    assert response.context["changes"] == []
    assert response.context["form"].errors


def test_guide_detail_of_a_first_version_and_history(client, clerk, catalog_item):
    client.force_login(clerk)
    body = _body(client.get(reverse("catalog:guide-detail", args=[catalog_item.current_guide_id])))
    assert "第一个版本" in body
    assert "居民身份证" in body
    assert "专家评审" in body
    assert "不计入办结时限" in body


def test_staff_download_material_file(client, clerk, catalog_item, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path
    material = catalog_item.current_guide.materials.get(order=2)
    material.blank_form.save("登记表.docx", ContentFile(b"docx"))
    client.force_login(clerk)
    response = client.get(reverse("catalog:material-file", args=[material.pk, "form"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"docx"
    assert client.get(reverse("catalog:material-file", args=[material.pk, "sample"])).status_code == 404
    assert client.get(reverse("catalog:material-file", args=[material.pk, "other"])).status_code == 404


# --- Review list --------------------------------------------------------------------------------------------


def test_review_list_exports_and_query_count(
    client, supervisor, handler, make_item, orgs, django_assert_max_num_queries
):
    def submit(n):
        for i in range(n):
            item = make_item(f"待审{i}-{n}", department=orgs["rsj"])
            draft = services.guide_start_draft(item=item, actor=handler)
            services.guide_submit(guide=draft, actor=handler)

    submit(1)
    client.force_login(supervisor)
    with django_assert_max_num_queries(20) as small:
        assert client.get(reverse("catalog:review-list")).status_code == 200
    submit(6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = _body(client.get(reverse("catalog:review-list")))
    assert body.count("待审") >= 7
    response = client.get(reverse("catalog:review-list"), {"export": "xlsx"})
    rows = [[c.value for c in r] for r in _sheets(response).active.iter_rows()]
    assert rows[1][:3] == ["实施编码", "事项名称", "实施主体"]
    assert len(rows) == 2 + 7
    assert "审核" not in rows[1]  # the page-only link column


# --- Completeness -------------------------------------------------------------------------------------------


@pytest.fixture
def audited(make_item, orgs):
    make_item("完整事项", department=orgs["rsj"])
    bad = make_item("缺地点事项", department=orgs["rsj"])
    GuideVersion.objects.filter(pk=bad.current_guide_id).update(location="", consult_phone="5551234")
    make_item("未发布事项", department=orgs["gaj"], publish=False)
    return bad


def test_completeness_page_shows_rates_and_definition(client, clerk, audited, orgs):
    client.force_login(clerk)
    response = client.get(reverse("catalog:completeness"))
    body = _body(response)
    assert "33.3%" in body  # 1 of 3
    assert "指南完整率 = " in body
    assert f"?department={orgs['rsj'].pk}" in body
    assert "50.0%" in body
    assert "0.0%" in body
    response = client.get(reverse("catalog:completeness"), {"department": orgs["rsj"].pk})
    body = _body(response)
    assert "缺地点事项" in body
    assert "办理地点为空" in body
    assert "咨询电话“5551234”不是“区号-号码”格式" in body
    assert "完整事项" not in body.split("存在问题的事项")[1]
    assert "50.0%" in body


def test_completeness_export_has_rates_problems_definition_and_is_audited(client, clerk, audited):
    client.force_login(clerk)
    response = client.get(reverse("catalog:completeness"), {"export": "xlsx"})
    assert response.status_code == 200
    book = _sheets(response)
    assert book.sheetnames == ["各部门完整率", "问题明细"]
    rates = [[c.value for c in r] for r in book["各部门完整率"].iter_rows()]
    assert "指南完整率 = " in rates[0][0]
    assert "生成时间" in rates[0][0]
    assert rates[1] == ["部门", "核查事项数", "完整事项数", "完整率", "问题数"]
    assert ["乐昌市公安局", 1, 0, "0.0%", 1] in rates
    assert ["乐昌市人力资源和社会保障局", 2, 1, "50.0%", 2] in rates
    assert rates[-1] == ["合计", 3, 1, "33.3%", 3]
    problems = [[c.value for c in r] for r in book["问题明细"].iter_rows()]
    assert problems[1] == ["部门", "实施编码", "事项名称", "要素", "问题"]
    assert [
        "乐昌市人力资源和社会保障局",
        audited.impl_code,
        "缺地点事项",
        "办理地点和时间",
        "办理地点为空",
    ] in problems
    assert any(row[2] == "未发布事项" and row[4] == "未发布办事指南" for row in problems)
    entry = AuditEntry.objects.get(action="export.xlsx")
    assert entry.object_type == "catalog.completeness"
    assert entry.username == "clerk"


def test_completeness_page_query_count_is_bounded(
    client, clerk, make_item, orgs, django_assert_max_num_queries
):
    make_item(department=orgs["rsj"])
    client.force_login(clerk)
    with django_assert_max_num_queries(25) as small:
        assert client.get(reverse("catalog:completeness")).status_code == 200
    for i in range(10):
        make_item(f"事项{i}", department=orgs["gaj"] if i % 2 else orgs["rsj"], publish=i % 4 != 0)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("catalog:completeness")).status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries) + 2):
        assert client.get(reverse("catalog:completeness"), {"department": orgs["gaj"].pk}).status_code == 200


def test_rules_page_toggles_through_the_service(client, supervisor, handler, audited):
    client.force_login(handler)
    body = _body(client.get(reverse("catalog:rules")))
    assert "consult_phone" in body
    assert "停用</button>" not in body
    assert client.post(reverse("catalog:rule-toggle", args=["location"]), {"enabled": "0"}).status_code == 403
    client.force_login(supervisor)
    response = client.post(reverse("catalog:rule-toggle", args=["location"]), {"enabled": "0"}, follow=True)
    assert "已停用规则“办理地点和时间”" in " ".join(_messages(response))
    assert AuditEntry.objects.filter(action="catalog.rule", username="supervisor").exists()
    body = _body(client.get(reverse("catalog:completeness"), {"department": audited.department_id}))
    assert "办理地点为空" not in body
    response = client.post(reverse("catalog:rule-toggle", args=["nope"]), {"enabled": "0"}, follow=True)
    assert "没有规则" in " ".join(_messages(response))


def test_workbench_links_the_catalogue_by_permission(client, supervisor, clerk, sysadmin):
    client.force_login(supervisor)
    body = _body(client.get(reverse("core:workbench")))
    assert f'href="{reverse("catalog:review-list")}"' in body
    client.force_login(clerk)
    body = _body(client.get(reverse("core:workbench")))
    assert "政务服务事项与办事指南" in body
    assert "待审核的指南" not in body
    client.force_login(sysadmin)
    assert "政务服务事项与办事指南" not in _body(client.get(reverse("core:workbench")))
