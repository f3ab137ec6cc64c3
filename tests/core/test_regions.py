"""Regions: loading a county from the Ministry's codes, adding town-level units, query helpers."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from zhengwu.core.choices import RegionKind, RegionLevel
from zhengwu.core.exceptions import InvalidInput, NotAllowed
from zhengwu.core.models import AuditEntry, Region
from zhengwu.core.selectors import home_region
from zhengwu.core.services import region_add_town, region_init, town_kind

pytestmark = pytest.mark.django_db

LECHANG_TOWNS = {
    "乐城街道", "北乡镇", "九峰镇", "廊田镇", "长来镇", "梅花镇", "三溪镇", "坪石镇", "黄圃镇",
    "五山镇", "两江镇", "沙坪镇", "云岩镇", "秀水镇", "大源镇", "庆云镇", "白石镇",
}  # fmt: skip


def test_region_init_builds_the_county_tree():
    result = region_init(county_code="440281")
    county = result.county
    assert (county.code, county.name, county.level, county.kind) == (
        "440281000000",
        "乐昌市",
        RegionLevel.COUNTY,
        RegionKind.COUNTY,
    )
    city = county.parent
    assert (city.code, city.name, city.level) == ("440200000000", "韶关市", RegionLevel.CITY)
    assert (city.parent.code, city.parent.name, city.parent.parent) == ("440000000000", "广东省", None)
    towns = Region.objects.filter(parent=county)
    assert towns.count() == 17
    assert set(towns.values_list("name", flat=True)) == LECHANG_TOWNS
    assert all(t.level == RegionLevel.TOWN for t in towns)
    lcjd = towns.get(name="乐城街道")
    assert (lcjd.code, lcjd.prefix, lcjd.kind, lcjd.short_code) == (
        "440281001000",
        "440281001",
        RegionKind.SUBDISTRICT,
        "440281001",
    )
    assert towns.get(name="五山镇").kind == RegionKind.TOWN
    assert "民政部" in county.source
    assert (result.created, result.updated) == (20, 0)
    entry = AuditEntry.objects.get(action="region.init")
    assert entry.after["created"] == 20
    assert home_region() == county


def test_region_init_is_idempotent():
    region_init(county_code="440281")
    snapshot = list(Region.objects.values_list("id", "code", "name", "parent_id", "kind"))
    again = region_init(county_code="440281000000")  # the 12-digit form is accepted too
    assert (again.created, again.updated) == (0, 20)
    assert list(Region.objects.values_list("id", "code", "name", "parent_id", "kind")) == snapshot


def test_region_init_adopts_existing_rows(regions):
    """Rows created earlier (the fixture's towns) are reused, not duplicated."""
    result = region_init(county_code="440281")
    assert result.county.pk == regions["lc"].pk
    assert Region.objects.filter(code="440281111000").count() == 1
    assert result.created == 20 - 5  # province, city, county, 乐城街道 and 五山镇 existed
    assert regions["qingling"].parent_id == regions["ws"].pk


def test_region_init_repairs_a_renamed_town(regions):
    Region.objects.filter(pk=regions["ws"].pk).update(name="五山乡")
    region_init(county_code="440281")
    assert Region.objects.get(pk=regions["ws"].pk).name == "五山镇"


@pytest.mark.parametrize("code", ["440200", "440000", "999999", "44028"])
def test_region_init_refuses_what_is_not_a_county(code):
    with pytest.raises(InvalidInput, match="不是民政部数据中的县级行政区划"):
        region_init(county_code=code)
    assert not Region.objects.exists()


def test_init_region_command(capsys):
    call_command("init_region", "440281")
    out = capsys.readouterr().out
    assert "乐城街道" in out
    assert "广东省韶关市乐昌市" in out
    assert "乡级区划共 17 个" in out
    with pytest.raises(CommandError, match="格式不正确"):
        call_command("init_region", "4402")


# --- Towns the Ministry list lacks -------------------------------------------------------------------------


def test_add_town_for_a_management_district(regions, supervisor):
    town = region_add_town(code="440281451", name="坪石管理区", actor=supervisor)
    assert (town.code, town.prefix, town.level, town.kind) == (
        "440281451000",
        "440281451",
        RegionLevel.TOWN,
        RegionKind.SPECIAL,
    )
    assert town.parent == regions["lc"]
    assert "统计" in town.source
    entry = AuditEntry.objects.get(object_type="core.region", object_id=str(town.pk))
    assert (entry.action, entry.username, entry.after["name"]) == ("region.add", "supervisor", "坪石管理区")


def test_add_town_again_updates(regions, sysadmin):
    first = region_add_town(code=" 440281452 ", name="旧名", actor=sysadmin)
    second = region_add_town(code="440281452", name="某管理区", actor=sysadmin)
    assert first.pk == second.pk
    assert Region.objects.get(pk=first.pk).name == "某管理区"
    assert list(
        AuditEntry.objects.filter(object_type="core.region").order_by("id").values_list("action", flat=True)
    ) == ["region.add", "region.update"]


@pytest.mark.parametrize("persona", ["clerk", "handler", "town_staff", "secadmin", "auditadmin"])
def test_add_town_needs_permission(request, regions, persona):
    with pytest.raises(NotAllowed, match="行政区划"):
        region_add_town(code="440281451", name="x", actor=request.getfixturevalue(persona))
    assert not Region.objects.filter(code="440281451000").exists()


@pytest.mark.parametrize("code", ["44028145", "4402814511", "44028145a"])
def test_add_town_checks_the_code(regions, supervisor, code):
    with pytest.raises(InvalidInput, match="9位数字"):
        region_add_town(code=code, name="x", actor=supervisor)


def test_add_town_needs_its_county(regions, supervisor):
    with pytest.raises(InvalidInput, match="上级县级区划 440299 不存在"):
        region_add_town(code="440299451", name="x", actor=supervisor)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("440281001", RegionKind.SUBDISTRICT),
        ("440281099", RegionKind.SUBDISTRICT),
        ("440281100", RegionKind.TOWN),
        ("440281199", RegionKind.TOWN),
        ("440281200", RegionKind.TOWNSHIP),
        ("440281399", RegionKind.TOWNSHIP),
        ("440281400", RegionKind.SPECIAL),
        ("440281451", RegionKind.SPECIAL),
    ],
)
def test_town_kind_follows_the_code_segment(code, kind):
    assert town_kind(code) == kind


# --- Model and queryset helpers ----------------------------------------------------------------------------


def test_prefix_and_short_code_follow_the_level(regions):
    assert [regions[k].prefix for k in ("gd", "sg", "lc", "ws", "qingling")] == [
        "44",
        "4402",
        "440281",
        "440281111",
        "440281111201",
    ]
    assert [regions[k].short_code for k in ("gd", "lc", "ws", "qingling")] == [
        "440000",
        "440281",
        "440281111",
        "440281111201",
    ]
    assert str(regions["ws"]) == "五山镇(440281111)"


def test_within_selects_a_subtree(regions):
    assert set(Region.objects.within("440281111")) == {regions["ws"], regions["qingling"]}
    county = set(Region.objects.within("440281"))
    assert county == {regions["lc"], regions["lcjd"], regions["ws"], regions["qingling"]}
    assert regions["nx"] not in county
    assert Region.objects.within("4402").count() == 6


def test_current_respects_validity_dates(regions):
    Region.objects.filter(pk=regions["lcjd"].pk).update(valid_to=date(2025, 12, 31))
    Region.objects.filter(pk=regions["qingling"].pk).update(valid_from=date(2027, 1, 1))
    on_2026 = set(Region.objects.current(on=date(2026, 6, 1)))
    assert regions["lcjd"] not in on_2026
    assert regions["qingling"] not in on_2026
    assert regions["ws"] in on_2026
    assert regions["lcjd"] in set(Region.objects.current(on=date(2025, 12, 31)))
    assert regions["qingling"] in set(Region.objects.current(on=date(2027, 1, 1)))


def test_database_refuses_a_malformed_code_or_range(regions):
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(
            code="44028111120", name="短码", level=RegionLevel.VILLAGE, parent=regions["ws"]
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(
            code="440281111299",
            name="倒置",
            level=RegionLevel.VILLAGE,
            parent=regions["ws"],
            valid_from=date(2026, 1, 2),
            valid_to=date(2026, 1, 1),
        )
