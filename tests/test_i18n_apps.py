"""English for the service catalogue and the inspections: each app's catalogue is complete (the checks of
tests/core/test_i18n.py run for every app listed in its CATALOGUES), catalogues agree where they share a
message, and the main pages render in English.

Page checks look at the interface text only (headings, table headers, labels, buttons, captions): names of
items, departments, rounds and checklists are data and stay Chinese.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse

from tests.catalog import conftest as catalog_fixtures
from tests.core.test_i18n import CATALOGUES, CJK, nav_labels, read_catalogue, switch_to_english
from tests.inspections import conftest as inspections_fixtures

# The fixtures of tests/catalog and tests/inspections that the pages below need (not their autouse ones).
topics = catalog_fixtures.topics
make_item = catalog_fixtures.make_item
checklist = inspections_fixtures.checklist
make_round = inspections_fixtures.make_round
live_round = inspections_fixtures.live_round

# Interface elements whose text is ours, not data. An element marked lang="zh-CN" holds Chinese data.
UI_TAGS = ("h1", "h2", "h3", "th", "dt", "label", "caption", "button", "legend")
TRANSLATABLE = re.compile(
    r"\b(?:n?gettext(?:_lazy)?|pgettext(?:_lazy)?)\(|\{%\s*(?:translate|blocktranslate|trans|blocktrans)\b"
)


def ui_texts(body: str) -> list[str]:
    """Text of the interface elements of a page (inner tags stripped, entities unescaped)."""
    texts = []
    for tag in UI_TAGS:
        for attrs, inner in re.findall(rf"<{tag}(\s[^>]*)?>(.*?)</{tag}>", body, re.DOTALL):
            if 'lang="zh-CN"' in (attrs or ""):
                continue
            text = html.unescape(re.sub(r"<[^>]+>", " ", inner))
            text = " ".join(text.split())
            if text:
                texts.append(text)
    return texts


def assert_english(body: str, expected: tuple[str, ...], *, data: tuple[str, ...] = ()) -> None:
    """The page is English: the expected texts are there and no interface text is Chinese.

    ``data`` lists Chinese names (of items, departments, rounds...) allowed inside interface elements, as
    in a breadcrumb heading or a table caption that names a department.
    """
    assert '<html lang="en">' in body
    text = html.unescape(body)
    missing = [e for e in expected if e not in text]
    assert not missing, f"missing English text: {missing}"
    leftover = []
    for ui in ui_texts(body):
        for name in data:
            ui = ui.replace(name, "")
        if CJK.search(ui):
            leftover.append(ui)
    assert not leftover, f"Chinese interface text: {leftover}"


# --- catalogues ------------------------------------------------------------------------------------------


def _uses_translations(app_path: Path) -> bool:
    for path in app_path.rglob("*"):
        if (
            path.suffix not in (".py", ".html", ".txt")
            or "migrations" in path.parts
            or "locale" in path.parts
        ):
            continue
        if TRANSLATABLE.search(path.read_text(encoding="utf-8")):
            return True
    return False


def test_every_app_with_translatable_strings_has_a_checked_catalogue():
    """A new app that marks strings for translation gets its own catalogue and joins the checks."""
    for config in apps.get_app_configs():
        if not config.name.startswith("zhengwu."):
            continue
        app = config.name.removeprefix("zhengwu.")
        if _uses_translations(Path(config.path)):
            assert app in CATALOGUES, (
                f"{config.name} marks strings for translation but has no checked catalogue"
            )
            assert (Path(config.path) / "locale" / "en" / "LC_MESSAGES" / "django.po").is_file(), app


def test_catalogues_agree_on_shared_messages():
    """Django merges the app catalogues, the app listed first in INSTALLED_APPS winning a shared message:
    another app's different translation of it would never be shown, so shared messages read the same."""
    seen: dict[tuple[str, str], dict[str, tuple[str, ...]]] = defaultdict(dict)
    for app in CATALOGUES:
        for entry in read_catalogue(app):
            key = (entry.get("msgctxt", ""), entry["msgid"])
            if entry.get("msgid_plural"):
                seen[key][app] = (entry["msgstr[0]"], entry["msgstr[1]"])
            else:
                seen[key][app] = (entry["msgstr"],)
    differing = {key[1]: by_app for key, by_app in seen.items() if len(set(by_app.values())) > 1}
    assert not differing, f"shared messages translated differently: {differing}"


# --- pages of the service catalogue ----------------------------------------------------------------------


@pytest.mark.django_db
def test_portal_home_in_english(client, make_item, topics, orgs):
    make_item(topics=(topics["birth"],))
    switch_to_english(client)

    response = client.get(reverse("catalog:portal"))
    assert response.status_code == 200
    body = response.content.decode()
    assert_english(
        body,
        (
            "Service guides",
            "Find the materials, time limits, fees, locations and online options",
            "Items with published guides",
            "Fully online items",
            "No-visit items",
            "By department",
            "For individuals (by life event)",
            "By channel",
            "1 item",
            "Search service guides",
        ),
    )
    for chinese in ("按部门查找", "按办理渠道查找", "已公开办事指南的事项", "搜索办事指南"):
        assert chinese not in body, chinese


@pytest.mark.django_db
def test_portal_guide_in_english(client, make_item, orgs):
    item = make_item()
    switch_to_english(client)

    response = client.get(reverse("catalog:portal-item", args=[item.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<h1 lang="zh-CN">{item.name}</h1>' in body  # the item's name is data
    assert_english(
        body,
        (
            "Time limit",
            "Promised: 5 working days",
            "Statutory: 20 working days",
            "Free of charge",
            "In-person visits",
            "No visit needed",
            "Fully online",
            "Apply online",
            "On this page",
            "Who can apply and conditions",
            "Application materials",
            "3 application materials",
            ", of which 1 is obtained by data sharing and need not be submitted",
            "Procedure",
            "Excluded from the time limit",
            "Where and when",
            "Legal basis",
            "Enquiries and complaints",
            "Frequently asked questions",
            "Version 1 of this guide",
            "Implementation code",
            "Download PDF",
        ),
        data=(
            item.department.name,
            *(m["name"] for m in catalog_fixtures.MATERIALS),
            *(m.get("note", "") for m in catalog_fixtures.MATERIALS),
        ),
    )
    for chinese in ("办理时限", "申请材料", "办理流程", "咨询和投诉", "不收费", "零跑动", "本指南第"):
        assert chinese not in body, chinese


@pytest.mark.django_db
def test_staff_item_list_in_english(client, make_item, supervisor, orgs):
    make_item()
    make_item("未发布事项", publish=False)
    client.force_login(supervisor)
    switch_to_english(client)

    response = client.get(reverse("catalog:item-list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Service item catalogue</h1>" in body
    assert_english(
        body,
        (
            "The county's implementation list",
            "Items in use",
            "Published guides",
            "One-window acceptance",
            "High-frequency items",
            "Guides pending review",
            "New item",
            "Export to Excel",
            "Implementation code",
            "Item name",
            "Implementing department",
            "Item type",
            "Promised time limit",
            "Current guide",
            "Not published",
        ),
    )
    assert "政务服务事项目录" not in body
    labels = nav_labels(body)
    for label in ("Service items", "Item catalogue", "Guide completeness audit", "Supervision inspection"):
        assert label in labels, (label, labels)


# --- pages of the inspections ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_inspection_round_list_in_english(client, supervisor, live_round, time_machine):
    time_machine.move_to(datetime(2026, 10, 20, 10, 0, tzinfo=inspections_fixtures.SHANGHAI))
    client.force_login(supervisor)
    switch_to_english(client)

    response = client.get(reverse("inspections:round-list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Inspection rounds</h1>" in body
    assert_english(
        body,
        (
            "Supervision inspections of a group of organisations against a checklist",
            "New inspection round",
            "Round name",
            "Year",
            "Planned period",
            "Average score",
            "Open findings",
            "Overdue findings",
            "In progress",
        ),
    )
    assert live_round.name in body  # the round's name is data
    for chinese in ("检查批次", "批次名称", "平均分", "检查中"):
        assert chinese not in body, chinese


# --- navigation ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona",
    ["clerk", "handler", "operator", "town_staff", "supervisor", "sysadmin", "secadmin", "auditadmin"],
)
def test_side_navigation_in_english_for_every_persona(client, personas, persona):
    client.force_login(personas[persona])
    switch_to_english(client)
    response = client.get(reverse("core:workbench"))
    assert response.status_code == 200
    labels = nav_labels(response.content.decode())
    leftover = [label for label in labels if CJK.search(label)]
    assert not leftover, f"untranslated navigation labels for {persona}: {leftover}"
