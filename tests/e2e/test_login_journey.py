"""A new staff member's first visit: home → login (a typo first) → workbench → a list → large text → logout."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, UserFactory, lechang_regions
from zhengwu.core.choices import Role


@pytest.fixture
def clerk_account(transactional_db):
    regions = lechang_regions()
    from tests.factories import OrganisationFactory
    from zhengwu.core.choices import OrgKind

    hall = OrganisationFactory(
        code="HALL", name="乐昌市政务服务中心", kind=OrgKind.HALL, region=regions["lc"]
    )
    return UserFactory(username="chuangkou", display_name="李窗口", organisation=hall, roles=[Role.CLERK])


def test_login_journey(page: Page, live_server, clerk_account):
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_contain_text("乐昌市")
    page.get_by_role("link", name="工作人员登录").click()

    page.get_by_label("账号").fill("chuangkou")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("账号或密码不正确")

    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/workbench/$"))
    expect(page.locator("h1")).to_contain_text("李窗口")
    nav = page.get_by_role("navigation", name="主菜单")
    expect(nav.get_by_role("link", name="行政区划")).to_be_visible()
    expect(nav.get_by_role("link", name="审计日志")).to_have_count(0)  # not a clerk's page

    nav.get_by_role("link", name="行政区划").click()
    expect(page.locator("table.data")).to_contain_text("五山镇")

    page.get_by_role("button", name="大字模式").click()
    expect(page.locator("html")).to_have_class(re.compile("large-text"))
    page.reload()  # the choice is remembered
    expect(page.locator("html")).to_have_class(re.compile("large-text"))

    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("status")).to_contain_text("您已安全退出")
