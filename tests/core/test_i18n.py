"""English is available: the language switch gives an English UI, Chinese stays the default, and every
app's catalogue (src/zhengwu/<app>/locale/en: core, catalog, inspections) is complete and compiled.

Each app keeps its own catalogue: run ``zhengwu makemessages -l en --no-obsolete`` and ``zhengwu
compilemessages`` from inside the app's directory. English pages of the catalogue and inspection apps are
tested in tests/test_i18n_apps.py."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.urls import reverse

import zhengwu

# The apps with an English catalogue, and the least number of messages each must hold (a guard against a
# catalogue emptied by a makemessages run from the wrong directory).
CATALOGUES = {"core": 300, "catalog": 300, "inspections": 150}


def catalogue_dir(app: str) -> Path:
    return Path(zhengwu.__file__).parent / app / "locale" / "en" / "LC_MESSAGES"


# Han characters, and CJK or full-width punctuation (“，”, “：”, “（”) left behind in a translation.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")  # named placeholders, and literal %% of python-format


def switch_to_english(client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("core:home")})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"


def sidenav(html: str) -> str:
    match = re.search(r'<nav class="sidenav".*?</nav>', html, re.DOTALL)
    assert match, "no side navigation rendered"
    return match.group(0)


def nav_labels(html: str) -> list[str]:
    nav = sidenav(html)
    labels = re.findall(r"<h2>(.*?)</h2>", nav) + re.findall(r"<a [^>]*>(.*?)</a>", nav)
    labels.extend(re.findall(r'aria-label="([^"]*)"', nav))
    return [label.strip() for label in labels]


# --- pages -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_default_language_is_chinese(client):
    body = client.get(reverse("core:home")).content.decode()
    assert '<html lang="zh-CN">' in body
    assert "工作人员登录" in body
    assert "跳到主要内容" in body
    assert "Staff sign-in" not in body

    body = client.get(reverse("core:login")).content.decode()
    assert "工作人员登录" in body
    assert "账号" in body
    assert "密码" in body
    assert "Sign in" not in body


@pytest.mark.django_db
def test_language_switch_gives_english_home_and_login(client):
    switch_to_english(client)

    body = client.get(reverse("core:home")).content.decode()
    assert '<html lang="en">' in body
    for text in (
        "Skip to main content",
        "Government Services and Data Administration",
        "Large text",
        "High contrast",
        "Statutory deadline calculator",
        "Staff sign-in",
        "Open API",
        "Sign in",
        "Open-source software",
    ):
        assert text in body, text
    for chinese in ("工作人员登录", "跳到主要内容", "法定期限计算", "开放接口", "开源软件"):
        assert chinese not in body, chinese

    body = client.get(reverse("core:login")).content.decode()
    for text in ("Staff sign-in", "Username", "Password", "Sign in", "After 5 consecutive wrong passwords"):
        assert text in body, text
    assert "连续 5 次密码错误" not in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        (
            "auditadmin",
            ["Workbench", "My workbench", "System and security", "Audit log", "Hash chain verification"],
        ),
        ("clerk", ["Workbench", "My workbench"]),
    ],
)
def test_workbench_in_english(client, personas, persona, expected):
    client.force_login(personas[persona])
    switch_to_english(client)

    response = client.get(reverse("core:workbench"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"Hello, {persona}" in body
    assert "Data scope" in body
    assert "Sign out" in body
    assert "Change password" in body
    assert "Main menu" in body

    labels = nav_labels(body)
    for label in expected:
        assert label in labels, (label, labels)
    leftover = [label for label in labels if CJK.search(label)]
    assert not leftover, f"untranslated navigation labels: {leftover}"


@pytest.mark.django_db
def test_role_labels_follow_the_language(client, auditadmin):
    client.force_login(auditadmin)
    assert "审计管理员" in client.get(reverse("core:workbench")).content.decode()
    switch_to_english(client)
    body = client.get(reverse("core:workbench")).content.decode()
    assert "Audit administrator" in body
    assert "审计管理员" not in body


# --- catalogue -----------------------------------------------------------------------------------------------


def _unquote(line: str) -> str:
    return ast.literal_eval(line)


def parse_po(path: Path) -> list[dict]:
    """A small .po reader: one dict per entry with msgid, msgid_plural, msgstr / msgstr[n] and flags."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    key = None

    def flush():
        nonlocal entry, key
        if "msgid" in entry:
            entries.append(entry)
        entry, key = {"flags": set()}, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#,"):
            if "msgid" in entry:
                flush()
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#"):
            if "msgid" in entry:
                flush()
        elif line.startswith('"'):
            assert key is not None, f"continuation line without a keyword: {raw!r}"
            entry[key] += _unquote(line)
        else:
            key, _, value = line.partition(" ")
            if key in entry and key in ("msgid", "msgctxt"):
                flush()
            entry[key] = _unquote(value)
    flush()
    return entries


def read_catalogue(app: str) -> list[dict]:
    """The messages of one app's English catalogue (header checked and left out)."""
    po_file = catalogue_dir(app) / "django.po"
    assert po_file.is_file(), f"missing {po_file}: run `zhengwu makemessages -l en` in src/zhengwu/{app}"
    entries = parse_po(po_file)
    header = [e for e in entries if e["msgid"] == ""]
    assert len(header) == 1
    assert "fuzzy" not in header[0]["flags"], f"the {app} catalogue header is still marked fuzzy"
    return [e for e in entries if e["msgid"] != ""]


@pytest.fixture(scope="module", params=sorted(CATALOGUES))
def app(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def catalogue(app) -> list[dict]:
    messages = read_catalogue(app)
    assert len(messages) > CATALOGUES[app], (app, len(messages))
    return messages


def test_catalogue_has_no_untranslated_or_fuzzy_entries(catalogue):
    untranslated = []
    for entry in catalogue:
        if entry.get("msgid_plural"):
            forms = [entry.get("msgstr[0]", ""), entry.get("msgstr[1]", "")]
        else:
            forms = [entry.get("msgstr", "")]
        if not all(form.strip() for form in forms):
            untranslated.append(entry["msgid"])
    assert not untranslated, f"untranslated: {untranslated}"
    assert not [e["msgid"] for e in catalogue if "fuzzy" in e["flags"]]
    assert not [e["msgid"] for e in catalogue if e.get("obsolete")]


def test_translations_are_english_and_keep_placeholders(catalogue):
    for entry in catalogue:
        pairs = (
            [(entry["msgid"], entry["msgstr[0]"]), (entry["msgid_plural"], entry["msgstr[1]"])]
            if entry.get("msgid_plural")
            else [(entry["msgid"], entry["msgstr"])]
        )
        for source, target in pairs:
            assert not CJK.search(target), (source, target)
            assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(target)), (
                source,
                target,
            )


def test_compiled_catalogue_matches_po(app, catalogue):
    """The .mo is committed (no gettext needed at deploy time); it must not lag behind the .po."""
    mo_file = catalogue_dir(app) / "django.mo"
    assert mo_file.is_file(), f"missing {mo_file}: run `zhengwu compilemessages` in src/zhengwu/{app}"
    with mo_file.open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = []
    for entry in catalogue:
        if entry.get("msgid_plural"):
            ok = (
                mo.ngettext(entry["msgid"], entry["msgid_plural"], 1) == entry["msgstr[0]"]
                and mo.ngettext(entry["msgid"], entry["msgid_plural"], 2) == entry["msgstr[1]"]
            )
        else:
            ok = mo.gettext(entry["msgid"]) == entry["msgstr"]
        if not ok:
            stale.append(entry["msgid"])
    assert not stale, f"django.mo is out of date for: {stale}"
