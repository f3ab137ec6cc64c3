"""Scope: what each persona may see through the selectors, and that reaching past it fails."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Permission

from tests.factories import OrganisationFactory, UserFactory, resident_id
from zhengwu.core import selectors
from zhengwu.core.choices import OrgKind, Role
from zhengwu.core.exceptions import NotAllowed, NotFound
from zhengwu.core.imports import import_file_job
from zhengwu.core.roles import ScopeKind
from zhengwu.core.selectors import scope_for
from zhengwu.core.services import person_upsert

pytestmark = pytest.mark.django_db


def _grant(user, *codenames: str):
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="core", codename__in=codenames)
    )
    # has_perm caches per instance: reload so the grant is seen.
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def people(regions):
    return {
        "ws": person_upsert(name="五山人", id_number=resident_id(1), actor=None, region=regions["qingling"]),
        "lcjd": person_upsert(name="乐城人", id_number=resident_id(2), actor=None, region=regions["lcjd"]),
        "county": person_upsert(name="县城人", id_number=resident_id(3), actor=None, region=regions["lc"]),
    }


@pytest.fixture
def nanxiong_org(regions):
    return OrganisationFactory(
        code="NX-GAJ", name="南雄市公安局", kind=OrgKind.DEPARTMENT, region=regions["nx"]
    )


# --- scope_for ---------------------------------------------------------------------------------------------


def test_scope_of_each_persona(personas, orgs):
    expected = {
        "citizen": (ScopeKind.SELF, frozenset()),
        "clerk": (ScopeKind.ORG, frozenset({orgs["hall"].pk})),
        "handler": (ScopeKind.ORG_TREE, frozenset({orgs["rsj"].pk, orgs["rsj_unit"].pk})),
        "town_staff": (ScopeKind.TOWN, None),
        "operator": (ScopeKind.COUNTY, None),
        "supervisor": (ScopeKind.COUNTY, None),
        "sysadmin": (ScopeKind.COUNTY, None),
        "secadmin": (ScopeKind.COUNTY, None),
        "auditadmin": (ScopeKind.COUNTY, None),
    }
    for name, user in personas.items():
        scope = scope_for(user)
        assert (scope.kind, scope.org_ids) == expected[name], name
        assert scope.user_id == user.pk
    assert scope_for(personas["town_staff"]).region_prefix == "440281111"
    assert scope_for(personas["clerk"]).region_prefix == "440281"
    assert scope_for(personas["supervisor"]).is_county


def test_anonymous_sees_nothing():
    scope = scope_for(AnonymousUser())
    assert (scope.kind, scope.org_ids, scope.user_id) == (ScopeKind.SELF, frozenset(), None)


def test_org_tree_follows_every_level(orgs, handler):
    grandchild = OrganisationFactory(code="RSJ-SB-1", kind=OrgKind.VERTICAL, parent=orgs["rsj_unit"])
    assert grandchild.pk in scope_for(handler).org_ids
    assert orgs["gaj"].pk not in scope_for(handler).org_ids


def test_the_widest_role_wins(orgs):
    clerk_and_operator = UserFactory(organisation=orgs["hall"], roles=[Role.CLERK, Role.OPERATOR])
    assert scope_for(clerk_and_operator).kind == ScopeKind.COUNTY
    clerk_and_town = UserFactory(organisation=orgs["town"], roles=[Role.CLERK, Role.TOWN_STAFF])
    assert scope_for(clerk_and_town).kind == ScopeKind.TOWN


def test_org_bound_role_without_an_organisation_sees_only_itself(regions):
    loose = UserFactory(organisation=None, roles=[Role.CLERK])
    assert (scope_for(loose).kind, scope_for(loose).org_ids) == (ScopeKind.SELF, frozenset())


def test_town_staff_without_an_organisation_matches_no_region(regions, people):
    loose = UserFactory(organisation=None, roles=[Role.TOWN_STAFF])
    assert not selectors.person_list_for_user(loose).exists()


def test_superuser_has_county_scope(regions, people, orgs):
    root = UserFactory(username="root", organisation=None, is_superuser=True)
    assert scope_for(root).kind == ScopeKind.COUNTY
    assert set(selectors.person_list_for_user(root)) == set(people.values())
    assert selectors.organisation_list_for_user(root).count() == len(orgs)
    selectors.audit_list_for_user(root)  # no NotAllowed


# --- People ------------------------------------------------------------------------------------------------


def test_town_staff_see_only_their_towns_people(town_staff, people):
    assert list(selectors.person_list_for_user(town_staff)) == [people["ws"]]
    assert selectors.person_get(town_staff, people["ws"].pk) == people["ws"]
    with pytest.raises(NotFound, match="不在您的范围内"):
        selectors.person_get(town_staff, people["lcjd"].pk)


def test_county_staff_see_the_whole_county(people, clerk, operator, supervisor):
    for user in (clerk, operator, supervisor):
        assert set(selectors.person_list_for_user(user)) == set(people.values()), user.username


def test_applicants_from_elsewhere_are_seen_by_county_services_but_not_by_town_staff(
    regions, people, clerk, operator, town_staff
):
    """跨域通办: a 南雄 resident applying in Lechang is the hall's and hotline's business, not a town's."""
    outsider = person_upsert(name="南雄人", id_number=resident_id(4), actor=None, region=regions["nx"])
    unplaced = person_upsert(name="无地址", id_number=resident_id(5), actor=None)
    for user in (clerk, operator):
        visible = set(selectors.person_list_for_user(user))
        assert {outsider, unplaced} <= visible, user.username
    visible = set(selectors.person_list_for_user(town_staff))
    assert outsider not in visible
    assert unplaced not in visible


@pytest.mark.parametrize("persona", ["citizen", "sysadmin", "secadmin", "auditadmin"])
def test_roles_without_view_person_cannot_list_people(request, persona, people):
    with pytest.raises(NotAllowed):
        selectors.person_list_for_user(request.getfixturevalue(persona))


def test_person_search_by_exact_number_or_name(clerk, people, regions):
    person_upsert(
        name="带手机", id_number=resident_id(5), actor=None, phone="13800138000", region=regions["ws"]
    )
    assert list(selectors.person_list_for_user(clerk, q=resident_id(2))) == [people["lcjd"]]
    assert [p.name for p in selectors.person_list_for_user(clerk, q="138 0013 8000")] == ["带手机"]
    assert list(selectors.person_list_for_user(clerk, q="县城人")) == [people["county"]]
    assert not selectors.person_list_for_user(clerk, q=resident_id(2)[:10]).exists()  # no partial matches
    # Search never widens scope.
    town_staff = UserFactory(organisation=None, roles=[Role.TOWN_STAFF])
    assert not selectors.person_list_for_user(town_staff, q=resident_id(2)).exists()


# --- Organisations and regions -----------------------------------------------------------------------------


def test_town_staff_see_their_town_and_county_units_only(town_staff, orgs, nanxiong_org):
    visible = set(selectors.organisation_list_for_user(town_staff))
    assert orgs["town"] in visible
    assert {orgs["bureau"], orgs["hall"], orgs["rsj"], orgs["gaj"]} <= visible
    assert orgs["other_town"] not in visible
    assert nanxiong_org not in visible
    with pytest.raises(NotFound):
        selectors.organisation_get(town_staff, orgs["other_town"].pk)


def test_county_staff_see_every_unit_of_the_county_but_not_beyond(supervisor, handler, orgs, nanxiong_org):
    for user in (supervisor, handler):
        assert set(selectors.organisation_list_for_user(user)) == set(orgs.values())
        with pytest.raises(NotFound):
            selectors.organisation_get(user, nanxiong_org.pk)


def test_organisation_filters(supervisor, orgs):
    towns = selectors.organisation_list_for_user(supervisor, kind=OrgKind.TOWN_CENTRE)
    assert set(towns) == {orgs["town"], orgs["other_town"]}
    assert list(selectors.organisation_list_for_user(supervisor, q="人力资源")) == [orgs["rsj"]]
    assert list(selectors.organisation_list_for_user(supervisor, q="rsj-sb")) == [orgs["rsj_unit"]]


def test_regions_of_the_county_and_its_context(supervisor, town_staff, regions):
    for user in (supervisor, town_staff):
        visible = set(selectors.region_list_for_user(user))
        assert visible == {regions[k] for k in ("gd", "sg", "lc", "lcjd", "ws", "qingling")}
        with pytest.raises(NotFound, match="440282"):
            selectors.region_get(user, "440282")
    assert selectors.region_get(supervisor, "440281111") == regions["ws"]


def test_region_filters(supervisor, regions):
    towns = selectors.region_list_for_user(supervisor, level=4)
    assert list(towns) == [regions["lcjd"], regions["ws"]]
    assert list(selectors.region_list_for_user(supervisor, parent=regions["ws"])) == [regions["qingling"]]
    assert list(selectors.region_list_for_user(supervisor, q="青岭")) == [regions["qingling"]]
    assert list(selectors.region_list_for_user(supervisor, q="440281111")) == [
        regions["ws"],
        regions["qingling"],
    ]


def test_citizens_see_no_staff_directories(citizen, regions):
    with pytest.raises(NotAllowed):
        selectors.region_list_for_user(citizen)
    with pytest.raises(NotAllowed):
        selectors.organisation_list_for_user(citizen)


# --- Accounts ----------------------------------------------------------------------------------------------


def test_account_admins_see_every_account(personas):
    everyone = set(personas.values())
    for name in ("sysadmin", "secadmin"):
        assert set(selectors.user_list_for_user(personas[name])) == everyone


def test_supervisor_sees_the_accounts_of_county_units(personas, orgs, nanxiong_org):
    outsider = UserFactory(username="nx_user", organisation=nanxiong_org, roles=[Role.HANDLER])
    visible = set(selectors.user_list_for_user(personas["supervisor"]))
    assert visible == set(personas.values()) - {personas["citizen"]}
    assert outsider not in visible


def test_handler_with_view_user_sees_only_own_department_tree(handler, other_handler, orgs):
    colleague = UserFactory(username="sb_clerk", organisation=orgs["rsj_unit"], roles=[Role.HANDLER])
    handler = _grant(handler, "view_user")
    assert set(selectors.user_list_for_user(handler)) == {handler, colleague}
    assert selectors.user_get(handler, colleague.pk) == colleague
    with pytest.raises(NotFound, match="不在您的范围内"):
        selectors.user_get(handler, other_handler.pk)  # another department


def test_town_staff_with_view_user_see_their_towns_accounts(town_staff, orgs):
    neighbour = UserFactory(username="lcjd_staff", organisation=orgs["other_town"], roles=[Role.TOWN_STAFF])
    town_staff = _grant(town_staff, "view_user")
    assert list(selectors.user_list_for_user(town_staff)) == [town_staff]
    with pytest.raises(NotFound):
        selectors.user_get(town_staff, neighbour.pk)


def test_user_list_filters(secadmin, personas):
    assert [u.username for u in selectors.user_list_for_user(secadmin, role=Role.HANDLER)] == ["handler"]
    assert [u.username for u in selectors.user_list_for_user(secadmin, q="AUDIT")] == ["auditadmin"]


@pytest.mark.parametrize("persona", ["clerk", "handler", "operator", "town_staff", "auditadmin", "citizen"])
def test_accounts_list_needs_view_user(request, persona):
    with pytest.raises(NotAllowed):
        selectors.user_list_for_user(request.getfixturevalue(persona))


# --- Import jobs -------------------------------------------------------------------------------------------


def test_import_jobs_own_or_county(tmp_path, settings, town_staff, supervisor, handler, orgs):
    settings.MEDIA_ROOT = tmp_path / "media"
    source = tmp_path / "p.csv"
    source.write_text("姓名,身份证号\n", encoding="utf-8")
    mine = import_file_job(kind="persons", path=source, mode="atomic", actor=town_staff)
    other_staff = UserFactory(
        username="other_town_staff", organisation=orgs["other_town"], roles=[Role.TOWN_STAFF]
    )
    theirs = import_file_job(kind="persons", path=source, mode="atomic", actor=other_staff)
    assert list(selectors.import_job_list_for_user(town_staff)) == [mine]
    with pytest.raises(NotFound):
        selectors.import_job_get(town_staff, theirs.pk)
    assert list(selectors.import_job_list_for_user(supervisor)) == [theirs, mine]
    with pytest.raises(NotAllowed):
        selectors.import_job_list_for_user(handler)
