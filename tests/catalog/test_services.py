"""catalog.services, catalog.rules and the completeness report: items, the guide workflow, diff, 高频, audit."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.catalog.conftest import GUIDE_VALUES, MATERIALS, STEPS
from tests.factories import UserFactory
from zhengwu.catalog import rules, selectors, services
from zhengwu.catalog.choices import (
    Channel,
    FeeMode,
    GuideStatus,
    HandlingKind,
    ItemType,
    OnlineDepth,
    TongbanMode,
    TongbanScope,
    Visits,
)
from zhengwu.catalog.models import CompletenessRule, GuideMaterial, GuideVersion, Item, ItemVolume
from zhengwu.core.choices import Role
from zhengwu.core.exceptions import Conflict, InvalidInput, NotAllowed
from zhengwu.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _actions(prefix: str = "catalog.") -> list[str]:
    return list(
        AuditEntry.objects.filter(action__startswith=prefix).order_by("id").values_list("action", flat=True)
    )


@pytest.fixture
def reviewer(orgs):
    """A second bureau supervisor: reviews what ``supervisor`` drafts (审核与起草分离)."""
    return UserFactory(
        username="reviewer", display_name="审核员", organisation=orgs["bureau"], roles=[Role.SUPERVISOR]
    )


def _values(**over):
    return {**GUIDE_VALUES, **over}


# --- Items --------------------------------------------------------------------------------------------------


def test_item_upsert_creates_then_updates_by_impl_code_and_audits_each_change(orgs, supervisor):
    item = services.item_upsert(
        impl_code=" 11440281MB2C000001 ",
        department=orgs["rsj"],
        actor=supervisor,
        channels=[Channel.HALL_WEB],
        name="失业保险金申领",
        item_type=ItemType.BENEFIT,
    )
    assert item.impl_code == "11440281MB2C000001"
    assert _actions() == ["catalog.item.create"]

    again = services.item_upsert(
        impl_code="11440281MB2C000001",
        department=orgs["rsj"],
        actor=supervisor,
        channels=[Channel.HALL_WEB],
        name="失业保险金申领",
        item_type=ItemType.BENEFIT,
    )
    assert again.pk == item.pk
    assert Item.objects.count() == 1
    assert _actions() == ["catalog.item.create"]  # nothing changed: no entry

    services.item_upsert(
        impl_code="11440281MB2C000001",
        department=orgs["rsj"],
        actor=supervisor,
        channels=[Channel.HALL_WEB, Channel.YUESHIDA],
        name="失业保险金申领(线上)",
    )
    entry = AuditEntry.objects.filter(action="catalog.item.update").get()
    assert entry.before == {"name": "失业保险金申领", "channels": ["web"]}
    assert entry.after == {"name": "失业保险金申领(线上)", "channels": ["web", "yueshengshi"]}
    item.refresh_from_db()
    assert item.item_type == ItemType.BENEFIT  # fields not given are kept


def test_item_upsert_rejects_blank_code_unknown_field_and_half_tongban(orgs):
    with pytest.raises(InvalidInput):
        services.item_upsert(impl_code="  ", department=orgs["rsj"], actor=None, name="x", item_type="GG")
    with pytest.raises(InvalidInput):
        services.item_upsert(impl_code="C1", department=orgs["rsj"], actor=None, name="x", colour="red")
    with pytest.raises(InvalidInput) as exc:
        services.item_upsert(
            impl_code="C1",
            department=orgs["rsj"],
            actor=None,
            name="x",
            item_type="GG",
            tongban_scope="province",
        )
    assert "tongban_mode" in exc.value.errors
    item = services.item_upsert(
        impl_code="C1",
        department=orgs["rsj"],
        actor=None,
        name="x",
        item_type="GG",
        tongban_scope=TongbanScope.PROVINCE,
        tongban_mode=TongbanMode.ONLINE,
    )
    # Clearing the scope clears the mode (the DB constraint would refuse a mode without a scope … the other way).
    item = services.item_upsert(impl_code="C1", department=orgs["rsj"], actor=None, tongban_scope="")
    assert (item.tongban_scope, item.tongban_mode) == ("", "")


def test_topics_change_is_audited_and_unchanged_topics_are_not(orgs, topics, supervisor):
    item = services.item_upsert(
        impl_code="T1",
        department=orgs["rsj"],
        actor=supervisor,
        name="x",
        item_type="GG",
        topics=[topics["birth"]],
    )
    services.item_upsert(
        impl_code="T1", department=orgs["rsj"], actor=supervisor, topics=[topics["birth"].pk]
    )
    assert _actions() == ["catalog.item.create"]
    services.item_upsert(impl_code="T1", department=orgs["rsj"], actor=supervisor, topics=[topics["retire"]])
    assert set(item.topics.values_list("code", flat=True)) == {"retire"}
    assert AuditEntry.objects.get(action="catalog.item.update").after == {"topics": [topics["retire"].pk]}


def test_handler_edits_own_department_items_only(make_item, orgs, handler):
    own = make_item(department=orgs["rsj"])
    unit = make_item(department=orgs["rsj_unit"])  # a unit under the handler's department
    foreign = make_item(department=orgs["gaj"])
    assert services.can_edit_item(handler, own)
    assert services.can_edit_item(handler, unit)
    assert not services.can_edit_item(handler, foreign)
    services.item_upsert(impl_code=own.impl_code, department=orgs["rsj"], actor=handler, name="改名")
    with pytest.raises(NotAllowed):
        services.item_upsert(impl_code=foreign.impl_code, department=orgs["gaj"], actor=handler, name="改名")
    with pytest.raises(NotAllowed):  # a new item for another department
        services.item_upsert(
            impl_code="NEW1", department=orgs["gaj"], actor=handler, name="x", item_type="GG"
        )
    with pytest.raises(NotAllowed):  # moving an own item to another department
        services.item_upsert(impl_code=own.impl_code, department=orgs["gaj"], actor=handler)
    with pytest.raises(NotAllowed):
        services.guide_start_draft(item=foreign, actor=handler)
    foreign.refresh_from_db()
    assert foreign.name == "社会保障卡申领"


def test_clerk_cannot_edit_any_item(make_item, clerk):
    item = make_item()
    assert not services.can_edit_item(clerk, item)
    with pytest.raises(NotAllowed):
        services.guide_start_draft(item=item, actor=clerk)


# --- Guide rules --------------------------------------------------------------------------------------------


def test_promised_limit_may_not_exceed_statutory(catalog_item, handler):
    draft = services.guide_start_draft(item=catalog_item, actor=handler)
    with pytest.raises(InvalidInput) as exc:
        services.guide_update(guide=draft, actor=handler, values={"statutory_days": 10, "promised_days": 15})
    assert "不得超过法定办结时限" in exc.value.errors["promised_days"][0]
    draft.refresh_from_db()
    assert (draft.statutory_days, draft.promised_days) == (20, 5)  # nothing half-written
    services.guide_update(guide=draft, actor=handler, values={"statutory_days": 10, "promised_days": 10})


def test_immediate_items_have_no_promised_limit_and_promised_items_need_one():
    assert services.validate_guide({"handling_kind": HandlingKind.IMMEDIATE, "promised_days": None}) == {}
    assert services.validate_guide({"handling_kind": HandlingKind.IMMEDIATE, "promised_days": 0}) == {}
    assert "promised_days" in services.validate_guide(
        {"handling_kind": HandlingKind.IMMEDIATE, "promised_days": 3}
    )
    assert "promised_days" in services.validate_guide(
        {"handling_kind": HandlingKind.PROMISED, "promised_days": None}
    )
    assert services.validate_guide({"handling_kind": HandlingKind.PROMISED, "promised_days": 3}) == {}


def test_charged_items_must_state_the_fee():
    assert "fee_detail" in services.validate_guide({"fee_mode": FeeMode.CHARGED, "fee_detail": "  "})
    assert (
        services.validate_guide(
            {"fee_mode": FeeMode.CHARGED, "fee_detail": "工本费20元(粤发改价〔2020〕1号)"}
        )
        == {}
    )
    assert services.validate_guide({"fee_mode": FeeMode.FREE, "fee_detail": ""}) == {}


# --- Guide workflow -----------------------------------------------------------------------------------------


def test_draft_is_a_copy_of_the_published_version(catalog_item, handler):
    published = catalog_item.current_guide
    draft = services.guide_start_draft(item=catalog_item, actor=handler)
    assert draft.number == published.number + 1
    assert draft.status == GuideStatus.DRAFT
    assert draft.created_by == handler
    assert draft.change_note == ""
    for name in services.GUIDE_FIELDS:
        if name != "change_note":
            assert getattr(draft, name) == getattr(published, name), name
    assert list(draft.materials.values_list("name", "order")) == list(
        published.materials.values_list("name", "order")
    )
    assert list(draft.steps.values_list("name", "is_special", "counts_in_limit")) == list(
        published.steps.values_list("name", "is_special", "counts_in_limit")
    )
    assert AuditEntry.objects.filter(action="catalog.guide.draft", object_id=str(draft.pk)).get().after == {
        "from": 1
    }


def test_draft_of_an_item_without_guide_starts_empty(make_item, handler):
    item = make_item(publish=False)
    draft = services.guide_start_draft(item=item, actor=handler)
    assert draft.number == 1
    assert not draft.materials.exists()


def test_one_open_draft_per_item(catalog_item, handler, supervisor):
    first = services.guide_start_draft(item=catalog_item, actor=handler)
    assert (
        services.guide_start_draft(item=catalog_item, actor=supervisor).pk == first.pk
    )  # continue, not a 2nd
    services.guide_submit(guide=first, actor=handler)
    with pytest.raises(Conflict):
        services.guide_start_draft(item=catalog_item, actor=handler)
    assert catalog_item.guides.filter(status__in=[GuideStatus.DRAFT, GuideStatus.REVIEW]).count() == 1


def test_published_and_in_review_versions_are_immutable(catalog_item, handler):
    published = catalog_item.current_guide
    with pytest.raises(Conflict):
        services.guide_update(guide=published, actor=handler, values={"location": "别处"})
    draft = services.guide_start_draft(item=catalog_item, actor=handler)
    services.guide_submit(guide=draft, actor=handler)
    with pytest.raises(Conflict):
        services.guide_update(guide=draft, actor=handler, values={"location": "别处"})
    with pytest.raises(Conflict):
        services.guide_discard(guide=draft, actor=handler)
    published.refresh_from_db()
    assert published.location == GUIDE_VALUES["location"]


def test_update_replaces_materials_and_steps_in_order_and_audits(catalog_item, handler):
    draft = services.guide_start_draft(item=catalog_item, actor=handler)
    services.guide_update(
        guide=draft,
        actor=handler,
        values={"location": "乐昌市政务服务中心二楼", "change_note": "调整地点"},
        materials=[{"name": "户口簿", "copies": 2}, {"name": "居民身份证"}],
        steps=[{"name": "受理", "days": 1}, {"name": "决定", "days": 3}],
    )
    draft.refresh_from_db()
    assert draft.location == "乐昌市政务服务中心二楼"
    assert list(draft.materials.values_list("name", "order", "copies")) == [
        ("户口簿", 1, 2),
        ("居民身份证", 2, 1),
    ]
    assert list(draft.steps.values_list("name", flat=True)) == ["受理", "决定"]
    entry = AuditEntry.objects.get(action="catalog.guide.update")
    assert entry.before == {"location": GUIDE_VALUES["location"], "change_note": ""}
    assert entry.after["materials"] == 2
    with pytest.raises(InvalidInput) as exc:
        services.guide_update(guide=draft, actor=handler, values={}, materials=[{"name": " "}])
    assert "materials" in exc.value.errors
    with pytest.raises(InvalidInput):
        services.guide_update(guide=draft, actor=handler, values={"colour": "red"})


def test_material_files_survive_a_draft_save(catalog_item, handler, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path
    draft = services.guide_start_draft(item=catalog_item, actor=handler)
    upload = SimpleUploadedFile("申领表.docx", b"form", content_type="application/octet-stream")
    services.guide_update(
        guide=draft, actor=handler, values={}, materials=[{"name": "申领登记表", "blank_form": upload}]
    )
    stored = draft.materials.get()
    assert stored.blank_form.name.startswith("catalog/forms/")
    assert stored.blank_form.read() == b"form"
    services.guide_update(
        guide=draft,
        actor=handler,
        values={},
        materials=[{"name": "申领登记表(新)", "blank_form": stored.blank_form.name}],
    )
    again = draft.materials.get()
    assert again.name == "申领登记表(新)"
    assert again.blank_form.name == stored.blank_form.name


def test_submit_checks_the_hard_rules(make_item, handler):
    item = make_item(publish=False)
    draft = services.guide_start_draft(item=item, actor=handler)  # empty: a 承诺件 without a promised limit
    with pytest.raises(InvalidInput) as exc:
        services.guide_submit(guide=draft, actor=handler)
    assert "promised_days" in exc.value.errors
    draft.refresh_from_db()
    assert draft.status == GuideStatus.DRAFT


def test_submit_review_return_with_comment_then_publish(catalog_item, handler, supervisor):
    old = catalog_item.current_guide
    draft = services.guide_start_draft(item=catalog_item, actor=handler)
    services.guide_update(
        guide=draft, actor=handler, values={"hours": "周一至周六 8:30-17:30", "change_note": "周六办理"}
    )
    services.guide_submit(guide=draft, actor=handler)
    draft.refresh_from_db()
    assert draft.status == GuideStatus.REVIEW
    assert draft.submitted_at is not None

    with pytest.raises(InvalidInput) as exc:
        services.guide_review(guide=draft, actor=supervisor, approve=False, comment="  ")
    assert "comment" in exc.value.errors
    services.guide_review(guide=draft, actor=supervisor, approve=False, comment="请写明法定节假日是否办理")
    draft.refresh_from_db()
    assert (draft.status, draft.review_comment, draft.reviewed_by) == (
        GuideStatus.DRAFT,
        "请写明法定节假日是否办理",
        supervisor,
    )
    assert AuditEntry.objects.get(action="catalog.guide.return").after == {
        "comment": "请写明法定节假日是否办理"
    }

    services.guide_update(
        guide=draft, actor=handler, values={"hours": "周一至周六 8:30-17:30(法定节假日除外)"}
    )
    services.guide_submit(guide=draft, actor=handler)
    services.guide_review(guide=draft, actor=supervisor, approve=True)
    draft.refresh_from_db()
    old.refresh_from_db()
    catalog_item.refresh_from_db()
    assert draft.status == GuideStatus.PUBLISHED
    assert draft.published_at is not None
    assert old.status == GuideStatus.SUPERSEDED
    assert catalog_item.current_guide == draft
    assert GuideVersion.objects.filter(item=catalog_item, status=GuideStatus.PUBLISHED).count() == 1
    assert _actions("catalog.guide.") == [
        "catalog.guide.publish",  # the fixture's v1
        "catalog.guide.draft",
        "catalog.guide.update",
        "catalog.guide.submit",
        "catalog.guide.return",
        "catalog.guide.update",
        "catalog.guide.submit",
        "catalog.guide.publish",
    ]


def test_only_reviewers_review(catalog_item, handler):
    draft = services.guide_start_draft(item=catalog_item, actor=handler)
    services.guide_submit(guide=draft, actor=handler)
    with pytest.raises(NotAllowed):
        services.guide_review(guide=draft, actor=handler, approve=True)


def test_four_eyes_drafter_does_not_review_own_version(catalog_item, supervisor, reviewer, settings):
    settings.ZHENGWU_CATALOG_SELF_REVIEW = False
    draft = services.guide_start_draft(item=catalog_item, actor=supervisor)
    services.guide_submit(guide=draft, actor=supervisor)
    with pytest.raises(NotAllowed, match="不能审核自己起草的版本"):
        services.guide_review(guide=draft, actor=supervisor, approve=True)
    services.guide_review(guide=draft, actor=reviewer, approve=True)
    draft.refresh_from_db()
    assert draft.status == GuideStatus.PUBLISHED


def test_self_review_allowed_when_configured(catalog_item, supervisor, settings):
    settings.ZHENGWU_CATALOG_SELF_REVIEW = True
    draft = services.guide_start_draft(item=catalog_item, actor=supervisor)
    services.guide_submit(guide=draft, actor=supervisor)
    services.guide_review(guide=draft, actor=supervisor, approve=True)
    draft.refresh_from_db()
    assert draft.status == GuideStatus.PUBLISHED


def test_review_of_a_version_not_in_review_conflicts(catalog_item, supervisor):
    with pytest.raises(Conflict):
        services.guide_review(guide=catalog_item.current_guide, actor=supervisor, approve=True)


def test_discard_deletes_the_draft_and_keeps_the_published(catalog_item, handler):
    draft = services.guide_start_draft(item=catalog_item, actor=handler)
    services.guide_discard(guide=draft, actor=handler)
    assert not GuideVersion.objects.filter(pk=draft.pk).exists()
    catalog_item.refresh_from_db()
    assert catalog_item.current_guide.status == GuideStatus.PUBLISHED
    assert AuditEntry.objects.filter(action="catalog.guide.discard").exists()
    # The next draft takes a fresh number: numbers are never reused for different content.
    assert services.guide_start_draft(item=catalog_item, actor=handler).number == 2


def test_publish_new_is_idempotent_and_supersedes(catalog_item, supervisor, handler):
    v1 = catalog_item.current_guide
    same = services.guide_publish_new(
        item=catalog_item,
        actor=supervisor,
        values=_values(),
        materials=MATERIALS,
        steps=STEPS,
        note="再次导入",
    )
    assert same is None
    assert catalog_item.guides.count() == 1
    v2 = services.guide_publish_new(
        item=catalog_item, actor=supervisor, values=_values(promised_days=3), materials=MATERIALS, steps=STEPS
    )
    assert v2.number == 2
    v1.refresh_from_db()
    catalog_item.refresh_from_db()
    assert v1.status == GuideStatus.SUPERSEDED
    assert catalog_item.current_guide == v2
    with pytest.raises(NotAllowed):
        services.guide_publish_new(item=catalog_item, actor=handler, values=_values(promised_days=2))
    with pytest.raises(InvalidInput):
        services.guide_publish_new(item=catalog_item, actor=supervisor, values=_values(promised_days=30))
    services.guide_start_draft(item=catalog_item, actor=supervisor)
    with pytest.raises(Conflict):
        services.guide_publish_new(item=catalog_item, actor=supervisor, values=_values(promised_days=2))


# --- Diff ---------------------------------------------------------------------------------------------------


def test_diff_lists_changed_fields_and_materials(catalog_item, handler):
    old = catalog_item.current_guide
    draft = services.guide_start_draft(item=catalog_item, actor=handler)
    materials = [dict(m) for m in MATERIALS]
    materials[2]["required"] = True
    materials.append({"name": "户口簿", "copies": 1})
    services.guide_update(
        guide=draft,
        actor=handler,
        values={"promised_days": 3, "fee_mode": FeeMode.FREE, "change_note": "压缩时限"},
        materials=materials,
    )
    old, new = selectors.guide_get(old.pk), selectors.guide_get(draft.pk)
    changes = {c.field: c for c in services.guide_diff(old, new)}
    assert set(changes) == {"promised_days", "materials"}  # change_note is not content
    assert (changes["promised_days"].old, changes["promised_days"].new) == ("5", "3")
    assert changes["promised_days"].label == "承诺办结时限(工作日)"
    assert "委托书（非必要" in changes["materials"].old
    assert "委托书（必要" in changes["materials"].new
    assert changes["materials"].new.count("\n") == 3  # one line per material
    assert services.guide_diff(new, new) == []


def test_diff_shows_choice_labels_and_steps(catalog_item, handler):
    old = catalog_item.current_guide
    draft = services.guide_start_draft(item=catalog_item, actor=handler)
    services.guide_update(
        guide=draft,
        actor=handler,
        values={"visits": Visits.ONE, "online_depth": OnlineDepth.LEVEL3},
        steps=[{"name": "受理", "days": 1}],
    )
    changes = {
        c.field: c for c in services.guide_diff(selectors.guide_get(old.pk), selectors.guide_get(draft.pk))
    }
    assert (changes["visits"].old, changes["visits"].new) == ("零跑动", "最多跑一次")
    assert changes["online_depth"].new == "三级(网上预审、在线申报)"
    assert "专家评审（10个工作日，特殊环节不计入时限）" in changes["steps"].old
    assert changes["steps"].new == "受理（1个工作日）"


# --- High-frequency -----------------------------------------------------------------------------------------


def _volumes(item, total, months=12, as_of=date(2026, 3, 15)):
    """Spread ``total`` cases over the ``months`` full months before ``as_of``'s month."""
    for back in range(1, months + 1):
        index = as_of.year * 12 + as_of.month - 1 - back
        ItemVolume.objects.create(
            item=item,
            month=date(index // 12, index % 12 + 1, 1),
            cases=total // months + (back <= total % months),
        )


def test_high_frequency_marks_the_top_20_percent_of_the_last_12_months(make_item, supervisor):
    items = [make_item(f"事项{i}", publish=False) for i in range(11)]
    for rank, item in enumerate(items[:10]):
        _volumes(item, 1000 - rank * 10)
    # Volumes outside the window do not count: the current month and 13 months back.
    ItemVolume.objects.create(item=items[10], month=date(2026, 3, 1), cases=99999)
    ItemVolume.objects.create(item=items[10], month=date(2025, 2, 1), cases=99999)
    count = services.high_frequency_refresh(actor=supervisor, as_of=date(2026, 3, 15))
    assert count == 2
    flags = {i.pk: (i.high_frequency, i.volume_rank_pct) for i in Item.objects.all()}
    assert flags[items[0].pk] == (True, 0.1)
    assert flags[items[1].pk] == (True, 0.2)
    assert flags[items[2].pk] == (False, 0.3)
    assert flags[items[10].pk] == (False, None)  # no cases in the window: never 高频
    entry = AuditEntry.objects.get(action="catalog.high_frequency")
    assert entry.after == {"from": "2025-03-01", "to": "2026-03-01", "ranked": 10, "high": 2, "share": 0.2}


def test_high_frequency_share_and_window_follow_settings(make_item, supervisor, settings):
    items = [make_item(f"事项{i}", publish=False) for i in range(10)]
    for rank, item in enumerate(items):
        _volumes(item, 1000 - rank * 10, months=3)
    settings.ZHENGWU_HIGH_FREQUENCY_SHARE = 0.5
    assert services.high_frequency_refresh(actor=None, as_of=date(2026, 3, 15)) == 5
    settings.ZHENGWU_HIGH_FREQUENCY_MONTHS = 1
    ItemVolume.objects.filter(item=items[9], month=date(2026, 2, 1)).update(cases=100000)
    services.high_frequency_refresh(actor=None, as_of=date(2026, 3, 15))
    assert Item.objects.get(pk=items[9].pk).volume_rank_pct == 0.1
    # A flag set earlier is cleared when the item falls out of the top share.
    settings.ZHENGWU_HIGH_FREQUENCY_SHARE = 0.1
    services.high_frequency_refresh(actor=None, as_of=date(2026, 3, 15))
    assert list(Item.objects.filter(high_frequency=True).values_list("pk", flat=True)) == [items[9].pk]


def test_inactive_items_are_not_ranked(make_item):
    a, b = make_item("甲", publish=False), make_item("乙", publish=False)
    _volumes(a, 500)
    _volumes(b, 100)
    Item.objects.filter(pk=a.pk).update(is_active=False)
    services.high_frequency_refresh(actor=None, as_of=date(2026, 3, 15))
    assert Item.objects.get(pk=b.pk).volume_rank_pct == 1.0
    assert Item.objects.get(pk=a.pk).volume_rank_pct is None


# --- Completeness rules -------------------------------------------------------------------------------------


def _audited(item) -> list[tuple[str, str]]:
    """(rule code, problem) of one item as the report sees it (every rule, from the database)."""
    fresh = rules.audit_queryset(Item.objects.filter(pk=item.pk)).get()
    return [(r.code, p) for r, p in rules.audit_items([fresh], list(rules.RULES.values()))[0].problems]


def _break(item, **fields):
    """Change the published guide behind the services' back: legacy or imported data the audit must catch."""
    GuideVersion.objects.filter(pk=item.current_guide_id).update(**fields)


def test_complete_item_passes_every_rule(catalog_item):
    assert _audited(catalog_item) == []


@pytest.mark.parametrize(
    ("code", "fields", "problem"),
    [
        ("legal_basis", {"legal_basis": " "}, "设定依据为空"),
        ("conditions", {"conditions": ""}, "受理条件为空"),
        ("conditions", {"conditions": "符合法律法规规定的其他条件。"}, "受理条件含兜底条款(“其他……”)"),
        ("time_limits", {"statutory_days": None}, "法定办结时限未填写"),
        ("time_limits", {"promised_days": None}, "承诺办结时限未填写"),
        ("time_limits", {"statutory_days": 3, "promised_days": 5}, "承诺时限(5)超过法定时限(3)"),
        ("fee", {"fee_mode": FeeMode.UNSET}, "收费信息为空(不收费须写明“不收费”)"),
        ("fee", {"fee_mode": FeeMode.CHARGED, "fee_detail": ""}, "收费事项未写明收费标准及依据"),
        ("location", {"location": ""}, "办理地点为空"),
        ("location", {"hours": ""}, "办理时间为空"),
        ("consult_phone", {"consult_phone": ""}, "咨询电话为空"),
        ("consult_phone", {"consult_phone": "5551234"}, "咨询电话“5551234”不是“区号-号码”格式"),
        ("complaint_phone", {"complaint_phone": "0751 12345"}, "监督投诉电话“0751”不是“区号-号码”格式"),
        ("online", {"online_url": ""}, None),  # the item's channels carry no URL either
        ("online", {"visits": Visits.ONE}, "全程网办事项跑动次数应为0"),
    ],
)
def test_each_guide_rule_finds_its_problem(make_item, code, fields, problem):
    item = make_item(channels=())
    _break(item, **fields)
    found = _audited(item)
    if problem is None:
        problem = "全程网办事项缺少网上办理入口"
    assert (code, problem) in found
    assert {c for c, _ in found} == {code}


def test_rules_pass_on_the_valid_variants(make_item):
    assert (
        _audited(make_item(handling_kind=HandlingKind.IMMEDIATE, statutory_days=None, promised_days=None))
        == []
    )
    assert _audited(make_item(fee_mode=FeeMode.CHARGED, fee_detail="工本费20元")) == []
    assert _audited(make_item(consult_phone="0751-5551234、12345", complaint_phone="0751-12345")) == []
    # 三级: no online entry needed; visits may be 1.
    assert _audited(make_item(online_depth=OnlineDepth.LEVEL3, online_url="", visits=Visits.ONE)) == []


def test_unpublished_item_and_missing_codes(make_item):
    item = make_item(publish=False)
    assert _audited(item) == [("published", "未发布办事指南")]
    Item.objects.filter(pk=item.pk).update(base_code="")
    assert ("codes", "缺少基本编码") in _audited(item)


def test_materials_and_process_rules(make_item):
    assert ("materials", "未列申请材料") in _audited(make_item(materials=[]))
    item = make_item(materials=[{"name": "其他材料", "copies": 0}])
    found = _audited(item)
    assert ("materials", "材料“其他材料”份数为0") in found
    assert ("materials", "申请材料含兜底表述(“其他……材料”)") in found
    assert ("process", "未列办理流程") in _audited(make_item(steps=[]))


def test_online_entry_may_come_from_a_channel(make_item):
    item = make_item(online_url="")
    item.channels.filter(channel=Channel.HALL_WEB).update(url="https://www.gdzwfw.gov.cn/item/1")
    assert _audited(item) == []


def test_disabled_rule_is_skipped_and_the_toggle_is_audited(make_item, supervisor, handler):
    item = make_item()
    _break(item, legal_basis="")
    assert [c for c, _ in _audited(item)] == ["legal_basis"]
    with pytest.raises(NotAllowed):
        services.rule_set_enabled(code="legal_basis", enabled=False, actor=handler)
    with pytest.raises(InvalidInput):
        services.rule_set_enabled(code="no_such_rule", enabled=False, actor=supervisor)
    services.rule_set_enabled(code="legal_basis", enabled=False, actor=supervisor)
    assert "legal_basis" not in {r.code for r in rules.enabled_rules()}
    assert rules.audit_items(rules.audit_queryset(Item.objects.filter(pk=item.pk)))[0].complete
    entry = AuditEntry.objects.get(action="catalog.rule")
    assert (entry.before, entry.after, entry.username) == (
        {"enabled": True},
        {"enabled": False},
        "supervisor",
    )
    services.rule_set_enabled(code="legal_basis", enabled=True, actor=supervisor)
    assert CompletenessRule.objects.get(code="legal_basis").enabled


# --- Completeness report ------------------------------------------------------------------------------------


def test_completeness_rates_per_department_and_county(make_item, orgs):
    make_item(department=orgs["rsj"])
    bad = make_item(department=orgs["rsj"])
    _break(bad, location="", fee_mode=FeeMode.UNSET)
    make_item(department=orgs["gaj"])
    make_item(department=orgs["gaj"], publish=False)  # 未发布: incomplete
    off = make_item(department=orgs["gaj"])
    Item.objects.filter(pk=off.pk).update(on_application=False)  # not audited
    gone = make_item(department=orgs["gaj"], publish=False)
    Item.objects.filter(pk=gone.pk).update(is_active=False)  # not audited

    report = selectors.completeness_report()
    assert (report.audited, report.complete, report.rate) == (4, 2, 0.5)
    rows = {r.department.code: r for r in report.rows}
    assert (rows["RSJ"].audited, rows["RSJ"].complete, rows["RSJ"].problems) == (2, 1, 2)
    assert (rows["GAJ"].audited, rows["GAJ"].complete, rows["GAJ"].problems) == (2, 1, 1)
    assert rows["RSJ"].rate == 0.5

    one = selectors.completeness_report(department=orgs["gaj"].pk)
    assert [r.department.code for r in one.rows] == ["GAJ"]
    assert selectors.completeness_report(department=orgs["town"].pk).rate is None
    assert "÷" in selectors.CompletenessReport.DEFINITION


def test_completeness_report_sorts_the_worst_department_first(make_item, orgs):
    make_item(department=orgs["rsj"])
    make_item(department=orgs["gaj"], publish=False)
    assert [r.department.code for r in selectors.completeness_report().rows] == ["GAJ", "RSJ"]


def test_completeness_report_query_count_is_bounded(make_item, orgs, django_assert_max_num_queries):
    make_item(department=orgs["rsj"])
    with django_assert_max_num_queries(10) as small:
        selectors.completeness_report()
    for _ in range(8):
        make_item(department=orgs["gaj"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        selectors.completeness_report()


def test_material_rows_copy_their_files_into_a_draft(catalog_item, handler):
    GuideMaterial.objects.filter(guide=catalog_item.current_guide, order=2).update(
        blank_form="catalog/forms/apply.docx", sample="catalog/samples/apply.pdf"
    )
    draft = services.guide_start_draft(item=catalog_item, actor=handler)
    copied = draft.materials.get(order=2)
    assert (copied.blank_form.name, copied.sample.name) == (
        "catalog/forms/apply.docx",
        "catalog/samples/apply.pdf",
    )
