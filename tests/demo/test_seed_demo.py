"""The Lechang demo: seed_demo builds regions, units, accounts, people and the calendar, idempotently."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from zhengwu.core.audit import audit_verify
from zhengwu.core.choices import OrgKind, RegionKind, RegionLevel, Role
from zhengwu.core.models import AuditEntry, Organisation, Person, Region, User, WorkCalendarDay
from zhengwu.core.pii import decrypt
from zhengwu.core.roles import EXCLUSIVE_ROLES
from zhengwu.core.services import user_change_password
from zhengwu.core.validators import parse_resident_id, validate_mobile
from zhengwu.demo import data, seed

TOWN_NAMES = {
    "440281001": "乐城街道", "440281102": "北乡镇", "440281103": "九峰镇", "440281104": "廊田镇",
    "440281105": "长来镇", "440281106": "梅花镇", "440281107": "三溪镇", "440281108": "坪石镇",
    "440281110": "黄圃镇", "440281111": "五山镇", "440281112": "两江镇", "440281113": "沙坪镇",
    "440281114": "云岩镇", "440281115": "秀水镇", "440281117": "大源镇", "440281118": "庆云镇",
    "440281119": "白石镇", "440281451": "坪梅矿务局坪石管理区", "440281452": "坪梅矿务局梅田管理区",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _small_catalogue(monkeypatch):
    """The catalogue step has its own tests (tests/catalog/test_demo.py); here a small one keeps the runs quick."""
    from zhengwu.catalog import demo as catalog_demo

    monkeypatch.setattr(catalog_demo, "ITEMS_PER_SCALE", 200)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "orgs": Organisation.objects.count(),
        "users": User.objects.count(),
        "persons": Person.objects.count(),
        "calendar": WorkCalendarDay.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_builds_lechang_and_a_second_run_changes_nothing():
    output = run("seed_demo")
    assert f"[1/{len(seed.STEPS)}]" in output
    assert "完成" in output

    county = Region.objects.get(code="440281000000")
    towns = Region.objects.filter(level=RegionLevel.TOWN, parent=county)
    assert dict(towns.values_list("prefix", "name")) == TOWN_NAMES
    assert set(towns.filter(code__startswith="44028145").values_list("kind", flat=True)) == {
        RegionKind.SPECIAL
    }

    villages = Region.objects.filter(level=RegionLevel.VILLAGE, prefix__startswith="440281")
    assert 200 <= villages.count() <= 230
    assert all(v.parent.prefix == v.code[:9] for v in villages.select_related("parent"))
    assert villages.get(code="440281111201").name == "青岭村"
    assert not villages.get(code="440281111208").is_generated
    assert villages.get(code="440281111208").urban_rural_code == "121"
    assert villages.filter(name="曹家洞村", code__startswith="440281112").exists()
    assert villages.filter(is_generated=True).count() == villages.count() - len(data.KNOWN_VILLAGES)
    assert villages.filter(parent__prefix="440281001", kind=RegionKind.RESIDENTS).count() == 11

    departments = Organisation.objects.filter(kind__in=[OrgKind.DEPARTMENT, OrgKind.BUREAU])
    assert departments.count() >= 28
    assert departments.get(code="ZSJ").name == "乐昌市政务服务和数据管理局"
    assert Organisation.objects.filter(kind=OrgKind.HALL).exists()
    centres = Organisation.objects.filter(kind=OrgKind.TOWN_CENTRE)
    assert centres.count() == 17
    assert all(c.region.level == RegionLevel.TOWN for c in centres)

    for persona in data.PERSONAS:
        user = User.objects.get(username=persona.username)
        assert user.roles == [persona.role]
        assert user.check_password(data.DEMO_PASSWORD)
        assert not user.must_change_password
        assert user.display_name
        assert (user.organisation.code if user.organisation else "") == persona.org_code
    admins = User.objects.filter(groups__name__in=EXCLUSIVE_ROLES)
    assert admins.count() == admins.distinct().count() == 3
    assert User.objects.get(username="town").organisation.region.name == "乐城街道"

    people = list(Person.objects.select_related("region"))
    assert len(people) == data.PERSONS_PER_SCALE
    for person in people:
        rid = parse_resident_id(decrypt(person.id_number_enc))
        assert rid.number.startswith("440281")
        assert (rid.gender, rid.birth_date) == (person.gender, person.birth_date)
        assert person.region.prefix.startswith("440281")
        if person.phone_enc:
            validate_mobile(decrypt(person.phone_enc))
    assert WorkCalendarDay.objects.exists()
    assert audit_verify().ok

    before = counts()
    again = run("seed_demo")
    assert "完成" in again
    assert counts() == before  # nothing created, not even an audit entry
    assert audit_verify().ok

    listing = run("demo_accounts")
    for persona in data.PERSONAS:
        assert persona.username in listing
    assert listing.count(data.DEMO_PASSWORD) == len(data.PERSONAS)
    assert "窗口人员" in listing
    assert "http://127.0.0.1:8000/" in listing


@pytest.mark.django_db
def test_reset_passwords_and_batched_people(monkeypatch):
    run("seed_demo", "--seed", "7")
    clerk = User.objects.get(username="clerk")
    user_change_password(user=clerk, old_password=data.DEMO_PASSWORD, new_password="Changed#2026x")
    assert "(已修改)" in run("demo_accounts")

    monkeypatch.setattr(seed, "PERSON_SERVICE_LIMIT", 0)  # force the batched path
    run("seed_demo", "--seed", "7", "--scale", "2", "--reset-passwords")
    clerk.refresh_from_db()
    assert clerk.check_password(data.DEMO_PASSWORD)
    assert AuditEntry.objects.filter(action="user.password_reset").count() == len(data.PERSONAS)
    assert "(已修改)" not in run("demo_accounts")

    assert Person.objects.count() == 2 * data.PERSONS_PER_SCALE
    assert AuditEntry.objects.filter(action="person.bulk_create").exists()
    for person in Person.objects.order_by("-id")[: data.PERSONS_PER_SCALE]:
        assert parse_resident_id(decrypt(person.id_number_enc)).number.startswith("440281")
    assert audit_verify().ok


@pytest.mark.django_db
def test_demo_accounts_without_seed_says_what_to_do():
    assert "seed_demo" in run("demo_accounts")


def test_plans_are_deterministic_streams():
    villages = seed.plan_villages(2026, TOWN_NAMES)
    assert villages == seed.plan_villages(2026, TOWN_NAMES)
    other = seed.plan_villages(1, TOWN_NAMES)
    assert [v.code for v in other] == [v.code for v in villages]  # codes do not depend on the seed
    assert [v.name for v in other] != [v.name for v in villages]
    assert len({v.code for v in villages}) == len(villages) == sum(sum(p) for p in data.VILLAGE_PLAN.values())
    assert all(len(v.code) == 12 and v.code.isdigit() for v in villages)
    for town in data.VILLAGE_PLAN:
        names = [v.name for v in villages if v.code.startswith(town)]
        assert len(names) == len(set(names))

    codes = [v.code for v in villages]
    people = seed.plan_persons(2026, 120, codes)
    assert people == seed.plan_persons(2026, 120, codes)
    assert people[:50] == seed.plan_persons(2026, 50, codes)
    assert people != seed.plan_persons(2027, 120, codes)
    assert len({p.id_number for p in people}) == 120
    for person in people:
        rid = parse_resident_id(person.id_number)
        assert rid.region_code == "440281"
        assert person.region_code in codes
        if person.phone:
            validate_mobile(person.phone)


@pytest.mark.parametrize("role", sorted(EXCLUSIVE_ROLES))
def test_personas_hold_each_admin_role_on_its_own_account(role):
    holders = [p for p in data.PERSONAS if p.role == role]
    assert len(holders) == 1
    assert {p.role for p in data.PERSONAS} == set(Role.values)
