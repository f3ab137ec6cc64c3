"""Personas (healthchecks-style alice/bob/charlie) and database setup shared by all tests."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import OrganisationFactory, UserFactory, lechang_regions
from zhengwu.core.choices import OrgKind, Role


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: PT004
    """Let test teardown empty the audit table (production keeps it append-only; see migration 0002)."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT current_database()")
            name = cursor.fetchone()[0]
            cursor.execute(f"ALTER DATABASE \"{name}\" SET zhengwu.audit_purge = 'on'")
            cursor.execute("SET zhengwu.audit_purge = 'on'")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_delete")
    connection.close()  # new connections pick up the database default


@pytest.fixture(autouse=True)
def _keep_active_language():
    """LocaleMiddleware activates a request's language on the test thread: don't leak it into later tests."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Login counters of unknown names and throttles live in the cache: every test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def regions(db):
    return lechang_regions()


@pytest.fixture
def orgs(regions):
    lc, ws = regions["lc"], regions["ws"]
    bureau = OrganisationFactory(
        code="ZSJ", name="乐昌市政务服务和数据管理局", kind=OrgKind.BUREAU, region=lc
    )
    hall = OrganisationFactory(
        code="HALL", name="乐昌市政务服务中心", kind=OrgKind.HALL, region=lc, parent=bureau
    )
    rsj = OrganisationFactory(
        code="RSJ", name="乐昌市人力资源和社会保障局", kind=OrgKind.DEPARTMENT, region=lc
    )
    rsj_unit = OrganisationFactory(
        code="RSJ-SB", name="乐昌市社会保险基金管理局", kind=OrgKind.VERTICAL, region=lc, parent=rsj
    )
    gaj = OrganisationFactory(code="GAJ", name="乐昌市公安局", kind=OrgKind.DEPARTMENT, region=lc)
    town = OrganisationFactory(code="T111", name="五山镇便民服务中心", kind=OrgKind.TOWN_CENTRE, region=ws)
    other_town = OrganisationFactory(
        code="T001", name="乐城街道便民服务中心", kind=OrgKind.TOWN_CENTRE, region=regions["lcjd"]
    )
    return {
        "bureau": bureau,
        "hall": hall,
        "rsj": rsj,
        "rsj_unit": rsj_unit,
        "gaj": gaj,
        "town": town,
        "other_town": other_town,
    }


def _persona(username: str, role: str, org) -> object:
    return UserFactory(username=username, display_name=username, organisation=org, roles=[role])


@pytest.fixture
def citizen(orgs):
    return UserFactory(username="citizen", organisation=None, roles=[Role.CITIZEN])


@pytest.fixture
def clerk(orgs):
    return _persona("clerk", Role.CLERK, orgs["hall"])


@pytest.fixture
def handler(orgs):
    return _persona("handler", Role.HANDLER, orgs["rsj"])


@pytest.fixture
def other_handler(orgs):
    return _persona("other_handler", Role.HANDLER, orgs["gaj"])


@pytest.fixture
def operator(orgs):
    return _persona("operator", Role.OPERATOR, orgs["bureau"])


@pytest.fixture
def town_staff(orgs):
    return _persona("town_staff", Role.TOWN_STAFF, orgs["town"])


@pytest.fixture
def supervisor(orgs):
    return _persona("supervisor", Role.SUPERVISOR, orgs["bureau"])


@pytest.fixture
def sysadmin(orgs):
    return _persona("sysadmin", Role.SYSADMIN, orgs["bureau"])


@pytest.fixture
def secadmin(orgs):
    return _persona("secadmin", Role.SECADMIN, orgs["bureau"])


@pytest.fixture
def auditadmin(orgs):
    return _persona("auditadmin", Role.AUDITADMIN, orgs["bureau"])


@pytest.fixture
def personas(citizen, clerk, handler, operator, town_staff, supervisor, sysadmin, secadmin, auditadmin):
    return {
        "citizen": citizen,
        "clerk": clerk,
        "handler": handler,
        "operator": operator,
        "town_staff": town_staff,
        "supervisor": supervisor,
        "sysadmin": sysadmin,
        "secadmin": secadmin,
        "auditadmin": auditadmin,
    }
