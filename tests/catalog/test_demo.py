"""The catalogue part of seed_demo: items across the units, complete-looking guides, a minority of gaps."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from zhengwu.catalog import demo
from zhengwu.catalog.choices import (
    Channel,
    GuideStatus,
    HandlingKind,
    ItemLevel,
    ItemType,
    OnlineDepth,
    ServiceObject,
    TongbanScope,
    Visits,
)
from zhengwu.catalog.models import GuideVersion, Item, ItemChannel, ItemVolume, Topic
from zhengwu.catalog.rules import CATCH_ALL_RE, PHONE_RE, audit_items, audit_queryset
from zhengwu.catalog.selectors import guides_awaiting_review
from zhengwu.catalog.services import validate_guide
from zhengwu.core.audit import audit_verify
from zhengwu.core.exceptions import InvalidInput
from zhengwu.core.models import AuditEntry, Organisation
from zhengwu.core.validators import validate_uscc
from zhengwu.demo import catalog_data, data, seed

SIZE = 300
TODAY = date(2026, 5, 12)


@pytest.fixture
def lechang(db, monkeypatch):
    """Regions, units and personas of the demo (the steps before the catalogue); a small catalogue size."""
    monkeypatch.setattr(demo, "ITEMS_PER_SCALE", SIZE)
    for step in (seed.seed_regions, seed.seed_organisations, seed.seed_accounts):
        step(seed.SeedContext())


def run(seed_no: int = 2026, scale: int = 1) -> seed.StepResult:
    return demo.seed_catalog(seed.SeedContext(seed=seed_no, scale=scale))


def unit_info() -> dict[str, tuple[str, str]]:
    return {o.code: (o.uscc, o.phone) for o in Organisation.objects.all()}


def test_the_step_follows_the_calendar_and_is_counted():
    titles = [s.title for s in seed.STEPS]
    assert titles.index("政务服务事项与办事指南") == titles.index("法定工作日历") + 1


def test_seed_catalog_builds_items_with_published_guides_across_the_units(lechang):
    result = run()
    assert (result.created, result.existing) == (SIZE, 0)
    assert "全程网办率(事项口径)" in result.line()

    items = Item.objects.select_related("current_guide", "department")
    assert items.count() == SIZE
    units = Counter(i.department.code for i in items)
    assert {spec.code for spec in data.DEPARTMENTS} <= set(units)  # every one of the 28 units has items
    assert units.most_common(1)[0][1] < SIZE * 0.2
    assert len(set(i.impl_code for i in items)) == SIZE
    assert Topic.objects.count() == len(catalog_data.TOPICS)
    assert Item.topics.through.objects.exists()
    assert seed.summary_counts()["政务服务事项"] == SIZE

    types = Counter(i.item_type for i in items)
    assert types.most_common(1)[0][0] == ItemType.LICENSING
    assert {ItemType.PUBLIC_SERVICE, ItemType.CONFIRMATION, ItemType.BENEFIT, ItemType.FILING} <= set(types)
    levels = Counter(i.level for i in items)
    assert levels[ItemLevel.COUNTY] > SIZE * 0.7
    assert levels[ItemLevel.TOWN] > 0

    published = [i for i in items if i.current_guide is not None]
    assert SIZE * 0.95 < len(published) < SIZE
    guides = [i.current_guide for i in published]
    immediate = sum(g.handling_kind == HandlingKind.IMMEDIATE for g in guides) / len(guides)
    assert 0.2 < immediate < 0.45
    online = sum(g.online_depth == OnlineDepth.LEVEL4 for g in guides) / len(guides)
    assert 0.7 < online < 0.9
    assert all(g.visits == Visits.ZERO for g in guides if g.online_depth == OnlineDepth.LEVEL4)
    assert all(
        g.promised_days <= g.statutory_days
        for g in guides
        if g.promised_days is not None and g.statutory_days is not None
    )

    county = [i for i in items if i.level == ItemLevel.COUNTY]
    assert 0.8 < sum(i.one_window for i in county) / len(county) < 0.98
    scopes = Counter(i.tongban_scope for i in items)
    assert scopes[TongbanScope.CITY] > scopes[TongbanScope.PROVINCE] > scopes[TongbanScope.NATIONAL] > 0
    channels = Counter(ItemChannel.objects.values_list("channel", flat=True))
    assert set(channels) == set(Channel.values)
    person = items.filter(service_object=ServiceObject.PERSON)
    yss = person.filter(channels__channel=Channel.YUESHIDA).count() / person.count()
    assert 0.5 < yss < 0.8


def test_volumes_derive_the_high_frequency_flags(lechang):
    run()
    with_volume = Item.objects.filter(volumes__cases__gt=0).distinct().count()
    high = Item.objects.filter(high_frequency=True).count()
    assert abs(high - 0.2 * with_volume) <= 1
    months = sorted(set(ItemVolume.objects.values_list("month", flat=True)))
    assert len(months) == demo.MONTHS
    totals = sorted(
        (sum(v.cases for v in i.volumes.all()) for i in Item.objects.prefetch_related("volumes")),
        reverse=True,
    )
    assert totals[0] > 1000  # heavy-tailed: the busiest items count in thousands…
    assert totals[len(totals) // 2] < 100  # …most in tens


def test_the_audit_finds_exactly_the_planned_gaps(lechang):
    run()
    audits = audit_items(audit_queryset())
    incomplete = {a.item.impl_code for a in audits if not a.complete}
    assert 0.03 < len(incomplete) / len(audits) < 0.15
    plan = demo.plan_catalogue(2026, SIZE, today=timezone.localdate(), units=unit_info())
    expected = {p.impl_code for p in plan if p.gaps or p.extra in ("no_guide", "first_review")}
    assert incomplete == expected
    found = Counter(rule.code for a in audits for rule, _problem in a.problems)
    assert found["published"] > 0
    assert len(found) >= 5


def test_the_workflow_has_drafts_returns_and_history(lechang):
    run()
    assert guides_awaiting_review().exists()
    assert GuideVersion.objects.filter(status=GuideStatus.SUPERSEDED).exists()
    assert GuideVersion.objects.filter(status=GuideStatus.DRAFT).exists()
    returned = GuideVersion.objects.filter(status=GuideStatus.DRAFT).exclude(review_comment="")
    assert returned.exists()
    assert returned.first().reviewed_by.username == "supervisor"
    handler_drafts = GuideVersion.objects.filter(
        status__in=[GuideStatus.DRAFT, GuideStatus.REVIEW], created_by__username__in=["handler", "handler2"]
    )
    assert handler_drafts.exists()
    assert Item.objects.filter(current_guide__isnull=True).exists()
    assert audit_verify().ok


def test_a_second_run_creates_nothing(lechang):
    run()
    counts = (Item.objects.count(), GuideVersion.objects.count(), AuditEntry.objects.count())
    again = run()
    assert (again.created, again.existing) == (0, SIZE)
    assert (Item.objects.count(), GuideVersion.objects.count(), AuditEntry.objects.count()) == counts


def test_a_larger_scale_adds_items_and_keeps_the_first(lechang):
    run()
    first = set(Item.objects.values_list("impl_code", flat=True))
    result = run(scale=2)
    assert (result.created, result.existing) == (SIZE, SIZE)
    assert first < set(Item.objects.values_list("impl_code", flat=True))


def test_the_database_holds_the_plan(lechang):
    run()
    plan = demo.plan_catalogue(2026, SIZE, today=timezone.localdate(), units=unit_info())
    stored = dict(Item.objects.values_list("impl_code", "name"))
    assert stored == {p.impl_code: p.item["name"] for p in plan}


@pytest.mark.django_db
def test_missing_units_are_reported_in_chinese():
    with pytest.raises(InvalidInput, match="请先生成组织机构"):
        run()


def test_plans_are_deterministic_streams():
    plan = demo.plan_catalogue(7, 400, today=TODAY)
    again = demo.plan_catalogue(7, 400, today=TODAY)
    assert [(p.impl_code, p.item, p.guide, p.materials, p.steps) for p in plan] == [
        (p.impl_code, p.item, p.guide, p.materials, p.steps) for p in again
    ]
    shorter = demo.plan_catalogue(7, 150, today=TODAY)
    assert [p.impl_code for p in shorter] == [p.impl_code for p in plan[:150]]
    assert [p.item["name"] for p in shorter] == [p.item["name"] for p in plan[:150]]
    assert [p.guide for p in demo.plan_catalogue(7, 400, today=date(2025, 1, 3))] == [p.guide for p in plan]
    other = demo.plan_catalogue(8, 400, today=TODAY)
    assert [p.item["name"] for p in other] != [p.item["name"] for p in plan]
    # the real high-frequency items of demo-data.md §3 come first, whatever the seed
    assert [p.item["name"] for p in other[:99]] == [p.item["name"] for p in plan[:99]]
    assert plan[0].item["name"] == "居民身份证申领/换领/补领"


def test_codes_look_like_the_provincial_catalogue():
    plan = demo.plan_catalogue(2026, 1500, today=TODAY)
    codes = [p.impl_code for p in plan]
    assert len(set(codes)) == len(codes)
    assert len({p.item["name"] for p in plan}) == len(plan)
    for p in plan:
        uscc, county, sequence = p.impl_code[:18], p.impl_code[18:25], p.impl_code[25:]
        validate_uscc(uscc)
        assert county == "4440281"
        assert re.fullmatch(r"\d{6}", sequence)
        assert re.fullmatch(r"(XK|JF|QR|CJ|JL|BA|QT|GG)\d{8}", p.candidate.base_code)
        assert p.item["item_type"] == p.candidate.base_code[:2]
        if p.item["handle_code"]:
            assert p.item["handle_code"].startswith(p.impl_code)
    handles = [p.item["handle_code"] for p in plan if p.item["handle_code"]]
    assert len(set(handles)) == len(handles) > len(plan) / 3


def test_every_planned_guide_meets_the_hard_rules_and_reads_complete():
    plan = demo.plan_catalogue(2026, 1500, today=TODAY)
    for p in plan:
        if p.guide is None:
            continue
        assert validate_guide(p.guide) == {}, p.item["name"]
        assert 2 <= len(p.materials) <= 8
        assert any(m["required"] for m in p.materials)
        if p.gaps:
            continue
        assert all(p.guide[f] for f in ("fee_mode", "legal_basis", "location", "hours"))
        assert not CATCH_ALL_RE.search(p.guide["conditions"]), p.guide["conditions"]
        assert not any(CATCH_ALL_RE.search(m["name"]) for m in p.materials)
        for phone in re.split(r"、", f"{p.guide['consult_phone']}、{p.guide['complaint_phone']}"):
            assert PHONE_RE.fullmatch(phone), phone
        assert 4 <= len(p.steps) <= 7
        if p.guide["online_depth"] == OnlineDepth.LEVEL4:
            assert p.guide["online_url"].startswith("https://")
        counted = sum(s["days"] or 0 for s in p.steps if s["counts_in_limit"])
        if p.guide["handling_kind"] == HandlingKind.PROMISED:
            assert counted == p.guide["promised_days"], p.item["name"]
        else:
            assert counted == 0


def test_uscc_of_units_are_valid_and_stable():
    codes = [spec.code for spec in data.DEPARTMENTS + data.SERVICE_UNITS]
    usccs = [demo.unit_uscc(code) for code in codes]
    assert len(set(usccs)) == len(usccs)
    for value in usccs:
        try:
            validate_uscc(value)
        except ValidationError as exc:  # pragma: no cover - the message says which check failed
            pytest.fail(f"{value}: {exc.messages}")
    assert demo.unit_uscc("RSJ") == demo.unit_uscc("RSJ")
    assert demo.unit_uscc("RSJ", "12440281MB2C12345X") == "12440281MB2C12345X"
