"""GB/T 37668-2019 (≈ WCAG 2.1 AA): axe-core finds no serious or critical violations on the main pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.factories import OrganisationFactory, UserFactory, lechang_regions
from zhengwu.core.choices import OrgKind, Role

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
PUBLIC = ["/", "/accounts/login/", "/calendar/calculator/?start=2026-09-30&days=5"]
STAFF = [
    "/workbench/",
    "/regions/",
    "/organisations/",
    "/calendar/?year=2026&month=10",
    "/users/",
    "/imports/new/",
]


def _violations(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None, url
    assert response.ok, f"{url}: HTTP {response.status}"
    page.evaluate(AXE)  # the context bypasses CSP for this one injected script
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
    )
    return [
        f"{url}: {v['id']} ({v['impact']}) — {v['help']} — {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.fixture
def staff(transactional_db):
    regions = lechang_regions()
    bureau = OrganisationFactory(
        code="BUREAU", name="乐昌市政务服务数据管理局", kind=OrgKind.BUREAU, region=regions["lc"]
    )
    return UserFactory(
        username="admin1", display_name="系统管理员", organisation=bureau, roles=[Role.SYSADMIN]
    )


def test_main_pages_have_no_serious_accessibility_violations(browser: Browser, live_server, staff):
    from tests.factories import PASSWORD

    context = browser.new_context(bypass_csp=True, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    for path in PUBLIC:
        problems += _violations(page, live_server.url + path)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("账号").fill(staff.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workbench/")
    for path in STAFF:
        problems += _violations(page, live_server.url + path)
    context.close()
    assert problems == [], "\n".join(problems)


def test_catalogue_pages_have_no_serious_accessibility_violations(browser: Browser, live_server, staff):
    """The guide portal (search, lists, guide page, print view) and the catalogue's staff pages."""
    from tests.catalog.conftest import GUIDE_VALUES, MATERIALS, STEPS
    from tests.factories import PASSWORD
    from zhengwu.catalog.choices import Channel, ItemType
    from zhengwu.catalog.services import guide_publish_new, item_upsert

    department = OrganisationFactory(
        code="RSJ",
        name="乐昌市人力资源和社会保障局",
        kind=OrgKind.DEPARTMENT,
        region=staff.organisation.region,
    )
    item = item_upsert(
        impl_code="11440281MB2C000001",
        department=department,
        actor=None,
        channels=[Channel.HALL_WEB, Channel.YUESHIDA],
        name="社会保障卡申领",
        base_code="GG00000001",
        item_type=ItemType.PUBLIC_SERVICE,
    )
    guide_publish_new(item=item, actor=None, values=GUIDE_VALUES, materials=MATERIALS, steps=STEPS)
    item.refresh_from_db()
    assert item.current_guide_id is not None
    UserFactory(
        username="super1", display_name="管理局", organisation=staff.organisation, roles=[Role.SUPERVISOR]
    )

    context = browser.new_context(bypass_csp=True, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    for path in [
        "/guide/",
        "/guide/search/?q=社保",
        f"/guide/department/{department.pk}/",
        f"/guide/item/{item.pk}/",
        f"/guide/item/{item.pk}/print/",
    ]:
        problems += _violations(page, live_server.url + path)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("账号").fill("super1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workbench/")
    for path in [
        "/catalog/items/",
        f"/catalog/items/{item.pk}/",
        f"/catalog/guides/{item.current_guide_id}/",
        "/catalog/review/",
        "/catalog/completeness/",
        f"/catalog/completeness/?department={department.pk}",
        "/catalog/completeness/rules/",
    ]:
        problems += _violations(page, live_server.url + path)
    context.close()
    assert problems == [], "\n".join(problems)
