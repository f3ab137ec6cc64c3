"""The catalogue import (政务服务事项导入) and export: the mini-syntax, validation by row and column, atomic and
valid-only modes, idempotence by 实施编码, the web page, the CLI, the API and the export → import round trip."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tests.factories import UserFactory
from zhengwu.catalog import services
from zhengwu.catalog.choices import (
    Channel,
    FeeMode,
    GuideStatus,
    HandlingKind,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    TongbanMode,
    TongbanScope,
    Visits,
)
from zhengwu.catalog.exporting import catalogue_sheets
from zhengwu.catalog.importers import (
    FIELDS,
    SyntaxProblem,
    format_materials,
    format_steps,
    parse_materials,
    parse_steps,
    split_entries,
)
from zhengwu.catalog.models import GuideMaterial, GuideStep, GuideVersion, Item, ItemChannel
from zhengwu.core.choices import ImportMode, ImportStatus, Role
from zhengwu.core.exports import write_xlsx
from zhengwu.core.imports import importer_for, run_import, template_bytes
from zhengwu.core.models import AuditEntry, ImportJob

pytestmark = pytest.mark.django_db

LABEL = {f.key: f.label for f in FIELDS}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def search_ready() -> bool:
    """Whether core.search exists and the catalogue's kind is registered with it (both land separately)."""
    if importlib.util.find_spec("zhengwu.core.search") is None:
        return False
    from zhengwu.catalog.search import KIND
    from zhengwu.core import search

    return KIND in search.registered_kinds()


@pytest.fixture(autouse=True)
def _search_index(monkeypatch):
    """Until the catalogue is searchable, the after-commit reindex is recorded instead of run."""
    calls: list[list[int]] = []
    if not search_ready():
        monkeypatch.setattr(services, "_reindex", calls.append)
    return calls


def row(**overrides: Any) -> dict[str, str]:
    """A complete valid row (labels → cell text); pass key=value with importer field keys to change cells."""
    values = {
        "impl_code": "11440281MB2C00001X4440281001",
        "base_code": "XK0010100Y",
        "handle_code": "",
        "name": "食品经营许可证核发",
        "item_type": "行政许可",
        "on_application": "是",
        "department": "乐昌市人力资源和社会保障局",
        "level": "县级",
        "service_object": "法人",
        "handling_kind": "承诺件",
        "statutory_days": "20",
        "promised_days": "5",
        "fee_mode": "不收费",
        "fee_detail": "",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "conditions": "申请人具有与经营的食品品种、数量相适应的经营场所。",
        "materials": "食品经营许可申请书（必要，原件1份，窗口领取）\n营业执照（必要，复印件1份，数据共享免提交）",
        "steps": "受理（1个工作日）；审查（3个工作日）；现场核查（特殊环节，不计时限）；决定（1个工作日）",
        "location": "乐昌市政务服务中心二楼市场监管窗口",
        "hours": "周一至周五 8:30-12:00，14:30-17:30（法定节假日除外）",
        "consult_phone": "0751-5551234",
        "complaint_phone": "0751-12345",
        "visits": "最多跑一次",
        "online_depth": "三级",
        "online_url": "https://www.gdzwfw.gov.cn/",
        "channels": "网上办事大厅、粤商通",
        "tongban_scope": "省内通办",
        "tongban_mode": "全程网办",
        "one_window": "是",
        "topics": "准入准营",
        "result_name": "食品经营许可证",
        "faq": "",
    }
    values.update(overrides)
    return values


def write_file(path: Path, rows: list[dict[str, str]], keys: list[str] | None = None) -> Path:
    keys = keys or list(rows[0]) if rows else [f.key for f in FIELDS]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([LABEL[k] + ("*" if k in {"impl_code", "name"} else "") for k in keys])
    for r in rows:
        sheet.append([r.get(k, "") for k in keys])
    book.save(path)
    return path


def run(actor, path: Path, mode: str = ImportMode.ATOMIC):
    return run_import(importer_for("catalog_items")(actor), path, mode=mode)


def errors_of(outcome) -> set[tuple[int, str, str]]:
    """(row, column label, message) of every error."""
    return {(number, LABEL.get(err.column, err.column), err.message) for number, err in outcome.errors}


# --- The mini-syntax ---------------------------------------------------------------------------------------


def test_material_defaults_and_full_form():
    assert parse_materials("居民身份证") == [
        {
            "name": "居民身份证",
            "required": True,
            "copies": 1,
            "form": MaterialForm.ORIGINAL,
            "source": MaterialSource.APPLICANT,
            "note": "",
        }
    ]
    [m] = parse_materials("营业执照（非必要，复印件2份，数据共享免提交，备注：加盖公章，注明“与原件一致”）")
    assert (m["name"], m["required"], m["copies"], m["form"], m["source"]) == (
        "营业执照",
        False,
        2,
        MaterialForm.COPY,
        MaterialSource.SHARED,
    )
    assert m["note"] == "加盖公章，注明“与原件一致”"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证(原件和复印件各1份)", ("身份证", MaterialForm.ORIGINAL_AND_COPY, 1)),
        ("身份证（原件、复印件各两份）", ("身份证", MaterialForm.ORIGINAL_AND_COPY, 2)),
        ("身份证（电子版）", ("身份证", MaterialForm.ELECTRONIC, 1)),
        ("身份证（三份）", ("身份证", MaterialForm.ORIGINAL, 3)),
        ("身份证（复印件 十二份）", ("身份证", MaterialForm.COPY, 12)),
        ("营业执照（副本）", ("营业执照（副本）", MaterialForm.ORIGINAL, 1)),
        ("营业执照（副本）（复印件1份）", ("营业执照（副本）", MaterialForm.COPY, 1)),
        ("  2. 户口簿 （ 复印件 ，1份）", ("户口簿", MaterialForm.COPY, 1)),
    ],
)
def test_material_spellings(text, expected):
    [m] = parse_materials(text)
    assert (m["name"], m["form"], m["copies"]) == expected


def test_material_separators_and_numbering():
    text = "1、申请书（必要）；2、身份证;\n(3)户口簿\r\n\n①委托书（非必要，备注：代办时提交；须本人签名）"
    materials = parse_materials(text)
    assert [m["name"] for m in materials] == ["申请书", "身份证", "户口簿", "委托书"]
    assert materials[3]["note"] == "代办时提交；须本人签名"  # a "；" inside the brackets does not split
    assert materials[3]["required"] is False


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("营业执照（副本，复印件1份）", "无法识别“副本”"),
        ("营业执照（必要，非必要）", "矛盾"),
        ("营业执照（原件，复印件）", "矛盾"),
        ("营业执照（复印件0份）", "份数"),
        ("（必要，原件1份）", "缺少材料名称"),
        ("营业执照）（必要）", "括号不配对"),
        ("申请书；营业执照（必要，扫描件）", "第2项"),
    ],
)
def test_material_errors(text, fragment):
    with pytest.raises(SyntaxProblem, match=fragment):
        parse_materials(text)


def test_steps_from_the_issue():
    steps = parse_steps("受理（1个工作日）；审查（5个工作日）；现场勘验（特殊环节，不计时限）")
    assert [(s["name"], s["days"], s["is_special"], s["counts_in_limit"]) for s in steps] == [
        ("受理", 1, False, True),
        ("审查", 5, False, True),
        ("现场勘验", None, True, False),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("申请→受理（即时）→决定（两个工作日）", [("申请", None), ("受理", 0), ("决定", 2)]),
        ("审查(3工作日, 说明：核对材料，必要时约谈)", [("审查", 3)]),
        ("审查（初审）", [("审查（初审）", None)]),
        ("专家评审（10天，特殊环节）", [("专家评审", 10)]),
    ],
)
def test_step_spellings(text, expected):
    assert [(s["name"], s["days"]) for s in parse_steps(text)] == expected


def test_step_description_and_errors():
    [step] = parse_steps("审查（3个工作日，说明：核对材料，必要时约谈）")
    assert step["description"] == "核对材料，必要时约谈"
    with pytest.raises(SyntaxProblem, match="无法识别“加急”"):
        parse_steps("审查（3个工作日，加急）")
    with pytest.raises(SyntaxProblem, match="时限"):
        parse_steps("审查（99999个工作日）")
    with pytest.raises(SyntaxProblem, match="矛盾"):
        parse_steps("审查（3个工作日，5个工作日）")
    with pytest.raises(SyntaxProblem, match="超过60个字"):
        parse_steps("审" * 61)


def test_split_entries_keeps_brackets_together():
    assert split_entries("a（x；y）；b\nc→d->e") == ["a（x；y）", "b", "c", "d", "e"]
    assert split_entries("  \n ；") == []


def test_format_then_parse_is_identity():
    materials = [
        GuideMaterial(
            name="营业执照（副本）", required=False, copies=2, form="both", source="shared", note="a，b"
        ),
        GuideMaterial(name="申请书", required=True, copies=1, form="original", source="form", note=""),
    ]
    steps = [
        GuideStep(name="审查（初审）", description="", days=None, is_special=False, counts_in_limit=True),
        GuideStep(name="受理", description="核对，登记", days=0, is_special=False, counts_in_limit=True),
        GuideStep(name="听证", description="", days=None, is_special=True, counts_in_limit=False),
    ]
    fields_m, fields_s = services.MATERIAL_FIELDS, services.STEP_FIELDS
    assert parse_materials(format_materials(materials)) == [
        {f: getattr(m, f) for f in fields_m} for m in materials
    ]
    assert parse_steps(format_steps(steps)) == [{f: getattr(s, f) for f in fields_s} for s in steps]


# --- Importing ---------------------------------------------------------------------------------------------


def test_import_creates_items_with_published_guides(tmp_path, supervisor, orgs, topics):
    second = row(
        impl_code="11440281MB2C00002X",
        name="社会保障卡申领",
        item_type="GG",
        department="RSJ",
        service_object="个人",
        handling_kind="即办件",
        statutory_days="",
        promised_days="",
        materials="居民身份证（必要，原件1份，数据共享免提交）",
        steps="受理；办结（即办）",
        visits="0",
        online_depth="4",
        channels="粤省事,自助终端",
        tongban_scope="",
        tongban_mode="",
        one_window="否",
        topics="birth、退休养老",
    )
    outcome = run(supervisor, write_file(tmp_path / "c.xlsx", [row(), second]))
    assert (outcome.committed, outcome.created, outcome.updated, outcome.error_rows) == (True, 2, 0, 0)

    item = Item.objects.select_related("current_guide").get(impl_code="11440281MB2C00001X4440281001")
    assert (item.item_type, item.department, item.service_object, item.level) == (
        "XK",
        orgs["rsj"],
        "legal",
        "county",
    )
    assert (item.tongban_scope, item.tongban_mode, item.one_window) == (
        TongbanScope.PROVINCE,
        TongbanMode.ONLINE,
        True,
    )
    assert set(item.channels.values_list("channel", flat=True)) == {Channel.HALL_WEB, Channel.YUESHANGTONG}
    assert list(item.topics.all()) == [topics["open"]]
    guide = item.current_guide
    assert (guide.number, guide.status, guide.change_note, guide.reviewed_by) == (
        1,
        GuideStatus.PUBLISHED,
        "批量导入",
        supervisor,
    )
    assert (guide.handling_kind, guide.statutory_days, guide.promised_days, guide.fee_mode) == (
        HandlingKind.PROMISED,
        20,
        5,
        FeeMode.FREE,
    )
    assert (guide.visits, guide.online_depth) == (Visits.ONE, OnlineDepth.LEVEL3)
    assert [(m.order, m.name, m.form, m.source) for m in guide.materials.all()] == [
        (1, "食品经营许可申请书", "original", "form"),
        (2, "营业执照", "copy", "shared"),
    ]
    assert [(s.name, s.days, s.is_special, s.counts_in_limit) for s in guide.steps.all()] == [
        ("受理", 1, False, True),
        ("审查", 3, False, True),
        ("现场核查", None, True, False),
        ("决定", 1, False, True),
    ]

    other = Item.objects.get(impl_code="11440281MB2C00002X")
    assert (other.item_type, other.service_object, other.current_guide.handling_kind) == (
        "GG",
        "person",
        HandlingKind.IMMEDIATE,
    )
    assert (other.current_guide.visits, other.current_guide.online_depth) == (0, 4)
    assert set(other.topics.values_list("code", flat=True)) == {"birth", "retire"}
    assert set(other.channels.values_list("channel", flat=True)) == {Channel.YUESHIDA, Channel.KIOSK}

    entry = AuditEntry.objects.get(action="catalog.item.import")
    assert entry.user == supervisor
    assert sorted(entry.after["created"]) == sorted(["11440281MB2C00001X4440281001", "11440281MB2C00002X"])
    assert entry.after["published"] == {"11440281MB2C00001X4440281001": 1, "11440281MB2C00002X": 1}


def test_reimport_of_the_same_file_changes_nothing(tmp_path, supervisor, orgs, topics):
    path = write_file(tmp_path / "c.xlsx", [row()])
    run(supervisor, path)
    item = Item.objects.get()
    stamp = item.updated_at
    outcome = run(supervisor, path)
    assert (outcome.committed, outcome.created, outcome.updated, outcome.error_rows) == (True, 0, 0, 0)
    assert GuideVersion.objects.count() == 1
    assert AuditEntry.objects.filter(action="catalog.item.import").count() == 1
    item.refresh_from_db()
    assert item.updated_at == stamp


def test_changed_guide_becomes_a_new_version(tmp_path, supervisor, orgs, topics):
    run(supervisor, write_file(tmp_path / "a.xlsx", [row()]))
    first = GuideVersion.objects.get()
    outcome = run(supervisor, write_file(tmp_path / "b.xlsx", [row(promised_days="3", name="食品经营许可")]))
    assert (outcome.created, outcome.updated) == (0, 1)
    item = Item.objects.select_related("current_guide").get()
    assert item.name == "食品经营许可"
    assert (item.current_guide.number, item.current_guide.promised_days) == (2, 3)
    assert item.current_guide.materials.count() == 2
    first.refresh_from_db()
    assert first.status == GuideStatus.SUPERSEDED
    changes = {c.field for c in services.guide_diff(first, item.current_guide)}
    assert changes == {"promised_days"}
    entry = AuditEntry.objects.filter(action="catalog.item.import").latest("id")
    code = item.impl_code
    assert entry.before == {code: {"name": "食品经营许可证核发"}}
    assert entry.after["changed"] == {code: {"name": "食品经营许可"}}
    assert entry.after["published"] == {code: 2}


def test_item_change_alone_publishes_no_version(tmp_path, supervisor, orgs, topics):
    run(supervisor, write_file(tmp_path / "a.xlsx", [row()]))
    outcome = run(
        supervisor, write_file(tmp_path / "b.xlsx", [row(channels="粤省事", one_window="否", topics="")])
    )
    assert (outcome.created, outcome.updated) == (0, 1)
    item = Item.objects.get()
    assert list(item.channels.values_list("channel", flat=True)) == [Channel.YUESHIDA]
    assert (item.one_window, item.topics.count(), item.guides.count()) == (False, 0, 1)


def test_columns_left_out_keep_stored_values(tmp_path, supervisor, orgs, topics):
    run(supervisor, write_file(tmp_path / "a.xlsx", [row()]))
    keys = ["impl_code", "name", "item_type", "department", "handling_kind", "channels"]
    outcome = run(supervisor, write_file(tmp_path / "b.xlsx", [row(channels="粤省事")], keys))
    assert (outcome.error_rows, outcome.updated) == (0, 1)
    item = Item.objects.select_related("current_guide").get()
    assert item.guides.count() == 1  # the guide is unchanged
    assert (item.tongban_scope, item.one_window, item.current_guide.promised_days) == ("province", True, 5)
    assert list(item.channels.values_list("channel", flat=True)) == [Channel.YUESHIDA]
    assert item.topics.count() == 1
    # A left-out column still counts for the rules: the stored statutory limit is 20.
    bad = run(
        supervisor, write_file(tmp_path / "c.xlsx", [row(promised_days="30")], [*keys, "promised_days"])
    )
    assert "承诺办结时限(工作日)" in {LABEL[e.column] for _n, e in bad.errors}
    assert not bad.committed


def test_material_files_stay_with_the_new_version(tmp_path, supervisor, orgs, topics):
    run(supervisor, write_file(tmp_path / "a.xlsx", [row()]))
    GuideMaterial.objects.filter(name="食品经营许可申请书").update(blank_form="catalog/forms/apply.docx")
    run(supervisor, write_file(tmp_path / "b.xlsx", [row(promised_days="4")]))
    current = Item.objects.get().current_guide
    assert current.number == 2
    assert current.materials.get(name="食品经营许可申请书").blank_form.name == "catalog/forms/apply.docx"


# --- Bad rows ----------------------------------------------------------------------------------------------


def test_bad_cells_are_reported_by_row_and_column(tmp_path, supervisor, orgs, topics):
    rows = [
        row(impl_code="A1", department="不存在的局"),
        row(impl_code="A2", item_type="行政处罚"),
        row(impl_code="A3", promised_days="25"),
        row(impl_code="A4", online_depth="五级"),
        row(impl_code="A5", tongban_scope="", tongban_mode="全程网办"),
        row(impl_code="A6"),
        row(impl_code="A6", name="重复"),
        row(impl_code="A7", materials="营业执照（必要，扫描件）"),
        row(impl_code="A8", channels="粤省事、微信"),
        row(impl_code="A9", topics="不存在的主题"),
        row(impl_code="A10", online_url="www.example.com"),
        row(impl_code="A11", fee_mode="收费", fee_detail=""),
        row(impl_code="A12", handling_kind="", name=""),
        row(impl_code="A13", tongban_scope="跨省通办", tongban_mode=""),
        row(impl_code="A14", visits="五次", one_window="可能"),
        row(impl_code="4.40281E+17"),
    ]
    outcome = run(supervisor, write_file(tmp_path / "bad.xlsx", rows))
    assert not outcome.committed
    found = {(n, column) for n, column, _m in errors_of(outcome)}
    assert found == {
        (2, "实施主体"),
        (3, "事项类型"),
        (4, "承诺办结时限(工作日)"),
        (5, "网上办理深度"),
        (6, "通办范围"),
        (8, ""),
        (9, "申请材料"),
        (10, "上线渠道"),
        (11, "主题"),
        (12, "网上办理入口"),
        (13, "收费标准及依据"),
        (14, "办件类型"),
        (14, "事项名称"),
        (15, "通办模式"),
        (16, "跑动次数"),
        (16, "一窗受理"),
        (17, "实施编码"),
    }
    messages = {(n, m) for n, _c, m in errors_of(outcome)}
    assert (4, "承诺办结时限(25个工作日)不得超过法定办结时限(20个工作日)。") in messages
    assert (8, "与第7行重复(同一实施编码)") in messages
    assert any(n == 9 and "无法识别“扫描件”" in m and "例：" in m for n, m in messages)
    assert any(n == 2 and "找不到该实施主体" in m for n, m in messages)
    assert Item.objects.count() == GuideVersion.objects.count() == ItemChannel.objects.count() == 0


def test_atomic_mode_writes_nothing_when_one_row_is_bad(tmp_path, supervisor, orgs, topics):
    rows = [row(impl_code=f"OK{i}") for i in range(3)] + [row(impl_code="BAD", department="")]
    outcome = run(supervisor, write_file(tmp_path / "c.xlsx", rows))
    assert (outcome.committed, outcome.created, outcome.error_rows) == (False, 0, 1)
    assert not Item.objects.exists()
    assert not GuideVersion.objects.exists()
    assert not AuditEntry.objects.filter(action="catalog.item.import").exists()


def test_valid_only_mode_commits_the_good_rows(tmp_path, supervisor, orgs, topics):
    rows = [row(impl_code="OK1"), row(impl_code="BAD", item_type="?"), row(impl_code="OK2")]
    outcome = run(supervisor, write_file(tmp_path / "c.xlsx", rows), ImportMode.VALID_ONLY)
    assert (outcome.committed, outcome.created, outcome.error_rows) == (True, 2, 1)
    assert set(Item.objects.values_list("impl_code", flat=True)) == {"OK1", "OK2"}


def test_ambiguous_department_short_name(tmp_path, supervisor, orgs, topics):
    orgs["rsj"].short_name = "人社"
    orgs["rsj"].save()
    orgs["rsj_unit"].short_name = "人社"
    orgs["rsj_unit"].save()
    outcome = run(supervisor, write_file(tmp_path / "c.xlsx", [row(department="人社")]))
    assert {c for _n, c, _m in errors_of(outcome)} == {"实施主体"}
    assert "多个单位" in next(iter(errors_of(outcome)))[2]
    orgs["rsj_unit"].short_name = "社保"
    orgs["rsj_unit"].save()
    assert run(supervisor, write_file(tmp_path / "d.xlsx", [row(department="人社")])).created == 1


def test_open_draft_blocks_a_changed_guide_only(tmp_path, supervisor, orgs, topics):
    run(supervisor, write_file(tmp_path / "a.xlsx", [row()]))
    services.guide_start_draft(item=Item.objects.get(), actor=None)
    same = run(supervisor, write_file(tmp_path / "b.xlsx", [row(one_window="否")]))
    assert (same.error_rows, same.updated) == (0, 1)
    changed = run(supervisor, write_file(tmp_path / "c.xlsx", [row(promised_days="2")]))
    assert not changed.committed
    [(number, column, message)] = errors_of(changed)
    assert (number, column) == (2, "实施编码")
    assert "草稿" in message


def test_header_aliases_and_full_width_brackets(tmp_path, supervisor, orgs, topics):
    book = openpyxl.Workbook()
    headers = {
        "statutory_days": "法定办结时限（工作日）",
        "promised_days": "承诺时限",
        "department": "实施机关",
    }
    keys = list(row())
    book.active.append([headers.get(k, LABEL[k]) for k in keys])
    book.active.append(list(row().values()))
    book.save(tmp_path / "c.xlsx")
    outcome = run(supervisor, tmp_path / "c.xlsx")
    assert (outcome.created, outcome.error_rows) == (1, 0)
    assert Item.objects.get().current_guide.promised_days == 5


def test_missing_required_column_fails_the_whole_file(tmp_path, supervisor, orgs):
    from zhengwu.core.exceptions import InvalidInput

    with pytest.raises(InvalidInput, match="实施主体"):
        run(
            supervisor,
            write_file(tmp_path / "c.xlsx", [row()], ["impl_code", "name", "item_type", "handling_kind"]),
        )


def test_importer_needs_the_right_to_publish(tmp_path, orgs, topics):
    from django.contrib.auth.models import Permission

    from zhengwu.core.exceptions import InvalidInput

    user = UserFactory(username="importer", organisation=orgs["bureau"], roles=[Role.SUPERVISOR])
    user.groups.clear()
    user.user_permissions.add(Permission.objects.get(codename="import_item"))
    with pytest.raises(InvalidInput, match="审核发布办事指南"):
        run(user, write_file(tmp_path / "c.xlsx", [row()]))


def test_department_scope_is_checked_per_row(tmp_path, orgs, topics):
    from django.contrib.auth.models import Permission

    user = UserFactory(username="dept_importer", organisation=orgs["rsj"], roles=[Role.HANDLER])
    for codename in ("import_item", "review_guide"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    rows = [row(impl_code="OWN"), row(impl_code="OTHER", department="乐昌市公安局")]
    outcome = run(user, write_file(tmp_path / "c.xlsx", rows))
    assert {(n, c) for n, c, _m in errors_of(outcome)} == {(3, "实施主体")}


# --- Web page, CLI, API, template ----------------------------------------------------------------------------


def test_import_from_the_web_page(
    client, tmp_path, supervisor, orgs, topics, django_capture_on_commit_callbacks
):
    client.force_login(supervisor)
    page = client.get(reverse("core:import-new") + "?kind=catalog_items")
    assert page.status_code == 200
    assert "政务服务事项导入" in page.content.decode()
    path = write_file(tmp_path / "c.xlsx", [row()])
    upload = SimpleUploadedFile("事项.xlsx", path.read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("core:import-new"), {"kind": "catalog_items", "mode": ImportMode.ATOMIC, "file": upload}
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("core:import-detail", args=[job.pk])
    assert (job.status, job.created_rows) == (ImportStatus.SUCCEEDED, 1)
    assert Item.objects.get().current_guide is not None


def test_web_page_shows_bad_rows(
    client, tmp_path, supervisor, orgs, topics, django_capture_on_commit_callbacks
):
    client.force_login(supervisor)
    upload = SimpleUploadedFile(
        "事项.xlsx", write_file(tmp_path / "c.xlsx", [row(item_type="处罚")]).read_bytes()
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:import-new"), {"kind": "catalog_items", "mode": "atomic", "file": upload})
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REJECTED
    page = client.get(reverse("core:import-detail", args=[job.pk])).content.decode()
    assert "事项类型" in page
    assert "处罚" in page


def test_handler_cannot_choose_the_catalogue_import(client, handler):
    client.force_login(handler)
    response = client.get(reverse("core:import-new") + "?kind=catalog_items")
    assert response.status_code == 403  # handlers hold neither core.add_importjob nor catalog.import_item


def test_import_from_the_command_line(tmp_path, supervisor, orgs, topics):
    path = write_file(tmp_path / "c.xlsx", [row()])
    out = io.StringIO()
    call_command("import_data", "catalog_items", str(path), "--user", "supervisor", stdout=out)
    assert "新增 1" in out.getvalue()
    assert Item.objects.get().current_guide.created_by == supervisor
    out = io.StringIO()
    call_command("import_data", "catalog_items", str(path), stdout=out)  # the operator: no account
    assert "新增 0，更新 0" in out.getvalue()


def test_command_line_reports_bad_rows(tmp_path, orgs, topics):
    path = write_file(tmp_path / "c.xlsx", [row(promised_days="30")])
    out = io.StringIO()
    with pytest.raises(CommandError, match="未提交|错误行 1"):
        call_command("import_data", "catalog_items", str(path), stdout=out)
    assert "第2行 承诺办结时限(工作日)" in out.getvalue()
    assert not Item.objects.exists()


def test_command_line_refuses_an_account_without_the_permission(tmp_path, handler):
    path = write_file(tmp_path / "c.xlsx", [row()])
    with pytest.raises(CommandError, match="政务服务事项导入"):
        call_command("import_data", "catalog_items", str(path), "--user", "handler")


def test_import_through_the_api(
    client, tmp_path, supervisor, orgs, topics, django_capture_on_commit_callbacks
):
    client.force_login(supervisor)
    path = write_file(tmp_path / "c.xlsx", [row(), row(impl_code="X2", department="火星局")])
    upload = SimpleUploadedFile("c.xlsx", path.read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/imports", {"kind": "catalog_items", "mode": "valid_only", "file": upload}
        )
    assert response.status_code == 202
    job_id = response.json()["id"]
    status = client.get(f"/api/v1/imports/{job_id}").json()
    assert (status["status"], status["created_rows"], status["error_rows"]) == ("partial", 1, 1)
    errors = client.get(f"/api/v1/imports/{job_id}/errors").json()["items"]
    assert [(e["row"], e["column"], e["value"]) for e in errors] == [(3, "实施主体", "火星局")]


def test_template_documents_the_columns_and_imports_with_its_help_row(tmp_path, supervisor, orgs, topics):
    book = openpyxl.load_workbook(io.BytesIO(template_bytes("catalog_items")))
    sheet = book.active
    header, helps = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert header[:4] == ["实施编码*", "基本编码", "业务办理项编码", "事项名称*"]
    assert {"实施主体*", "办件类型*", "申请材料", "办理流程"} <= set(header)
    materials_help = helps[header.index("申请材料")]
    assert "营业执照（必要，复印件1份，数据共享免提交）" in materials_help
    assert "现场勘验（特殊环节，不计时限）" in helps[header.index("办理流程")]
    # Filled in below the help row, which is left in: the help row is skipped.
    values = row()
    sheet.append([values[f.key] for f in FIELDS])
    book.save(tmp_path / "t.xlsx")
    outcome = run(supervisor, tmp_path / "t.xlsx")
    assert (outcome.created, outcome.error_rows) == (1, 0)


# --- Export and round trip ----------------------------------------------------------------------------------


def _export(path: Path, queryset=None) -> Path:
    write_xlsx(path, catalogue_sheets(queryset if queryset is not None else Item.objects.all()))
    return path


def test_export_then_import_changes_nothing(tmp_path, supervisor, orgs, topics, make_item):
    make_item(topics=(topics["birth"], topics["retire"]))
    make_item(
        "营业执照（副本）补领",
        department=orgs["gaj"],
        channels=(),
        handling_kind=HandlingKind.IMMEDIATE,
        statutory_days=None,
        promised_days=None,
        fee_mode=FeeMode.CHARGED,
        fee_detail="工本费10元（粤价〔2020〕1号）",
        materials=[
            {
                "name": "营业执照（副本）",
                "required": False,
                "copies": 3,
                "form": "both",
                "source": "government",
                "note": "遗失的须登报，“作废声明”；见附件",
            }
        ],
        steps=[
            {"name": "审查（初审）", "days": None},
            {"name": "受理", "description": "核对，登记", "days": 0},
        ],
    )
    services.item_upsert(
        impl_code=Item.objects.first().impl_code,
        department=orgs["rsj"],
        actor=None,
        tongban_scope=TongbanScope.NATIONAL,
        tongban_mode=TongbanMode.PROXY,
        one_window=True,
        handle_code="H-1",
    )
    versions, audits = GuideVersion.objects.count(), AuditEntry.objects.count()
    outcome = run(supervisor, _export(tmp_path / "out.xlsx"))
    assert (outcome.committed, outcome.error_rows, outcome.created, outcome.updated) == (True, 0, 0, 0)
    assert GuideVersion.objects.count() == versions
    assert AuditEntry.objects.count() == audits


def test_export_layout(tmp_path, catalog_item, topics):
    path = _export(tmp_path / "out.xlsx")
    book = openpyxl.load_workbook(path)
    items, helps = book.worksheets
    assert [c.value for c in items[1]] == [f.label + ("*" if f.required else "") for f in FIELDS]
    values = dict(zip([f.key for f in FIELDS], [c.value for c in items[2]], strict=True))
    assert values["impl_code"] == catalog_item.impl_code
    assert values["department"] == "乐昌市人力资源和社会保障局"
    assert values["materials"].splitlines()[0] == "居民身份证（必要，原件1份，数据共享免提交）"
    assert "专家评审（10个工作日，特殊环节，不计时限，说明：组织专家评审）" in values["steps"]
    assert (values["online_depth"], values["visits"], values["topics"]) == (
        "四级(全程网办)",
        "零跑动",
        "出生",
    )
    assert helps.title == "填写说明"
    assert helps.max_row == len(FIELDS) + 1


def test_export_command(tmp_path, catalog_item, make_item, orgs):
    make_item("未发布事项", publish=False)
    make_item("公安事项", department=orgs["gaj"])
    out = io.StringIO()
    call_command("export_catalogue", str(tmp_path / "all.xlsx"), stdout=out)
    assert "已导出 2 个事项" in out.getvalue()
    call_command("export_catalogue", str(tmp_path / "gaj.xlsx"), "--department", "GAJ", stdout=out)
    assert openpyxl.load_workbook(tmp_path / "gaj.xlsx").worksheets[0].max_row == 2
    call_command("export_catalogue", str(tmp_path / "every.xlsx"), "--all", stdout=out)
    assert openpyxl.load_workbook(tmp_path / "every.xlsx").worksheets[0].max_row == 4
    assert AuditEntry.objects.filter(action="export.xlsx", object_type="catalog.item").count() == 3
    with pytest.raises(CommandError, match=".xlsx"):
        call_command("export_catalogue", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="NOPE"):
        call_command("export_catalogue", str(tmp_path / "x.xlsx"), "--department", "NOPE")


def test_unpublished_item_exported_with_all_is_reported_on_import(tmp_path, supervisor, make_item):
    make_item("未发布事项", publish=False)
    outcome = run(supervisor, _export(tmp_path / "all.xlsx"))
    assert {c for _n, c, _m in errors_of(outcome)} == {"办件类型"}
