"""The import framework with the villages, persons and work-calendar importers: files, modes, jobs."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import resident_id, resident_id_ending_x
from zhengwu.core.choices import AuditResult, ImportMode, ImportStatus, RegionKind, RegionLevel
from zhengwu.core.exceptions import InvalidInput, NotAllowed
from zhengwu.core.imports import (
    cli_progress_bar,
    import_file_job,
    import_job_create,
    import_job_run,
    importer_for,
    importers,
    job_progress,
    map_header,
    run_import,
    template_bytes,
)
from zhengwu.core.models import AuditEntry, ImportJob, ImportRowError, Person, Region, WorkCalendarDay
from zhengwu.core.pii import decrypt, pii_hash

pytestmark = pytest.mark.django_db

VILLAGE_HEADER = ["村(居)代码", "名称", "所属镇(街)代码", "类型", "城乡分类代码"]
VILLAGES = [
    ["440281111202", "塘头村", "440281111", "村", "220"],
    ["440281111003", "五山社区", "", "居", "121"],  # parent left blank: taken from the code
    ["440281001201", "乐城某村", "440281001", "村委会", ""],
]
PERSON_HEADER = ["姓名", "身份证号", "手机号", "所在区划代码"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def villages(actor, path, mode=ImportMode.ATOMIC, **kwargs):
    return run_import(importer_for("villages")(actor), path, mode=mode, **kwargs)


def persons(actor, path, mode=ImportMode.ATOMIC):
    return run_import(importer_for("persons")(actor), path, mode=mode)


def village_rows() -> dict[str, tuple[str, str, int, str, str]]:
    return {
        r.code: (r.name, r.kind, r.parent_id, r.prefix, r.urban_rural_code)
        for r in Region.objects.filter(level=RegionLevel.VILLAGE, source="导入")
    }


# --- Villages: formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_villages_from_csv(tmp_path, regions, supervisor, encoding):
    path = write_csv(tmp_path / "v.csv", [VILLAGE_HEADER, *VILLAGES], encoding)
    outcome = villages(supervisor, path)
    assert (outcome.committed, outcome.created, outcome.updated, outcome.error_rows) == (True, 3, 0, 0)
    assert outcome.total == outcome.processed == 3
    ws, lcjd = regions["ws"], regions["lcjd"]
    assert village_rows() == {
        "440281111202": ("塘头村", RegionKind.VILLAGERS, ws.pk, "440281111202", "220"),
        "440281111003": ("五山社区", RegionKind.RESIDENTS, ws.pk, "440281111003", "121"),
        "440281001201": ("乐城某村", RegionKind.VILLAGERS, lcjd.pk, "440281001201", ""),
    }


def test_gb18030_csv_is_not_read_as_mojibake(tmp_path, regions, supervisor):
    """Excel on Chinese Windows saves GBK: the names must arrive intact, not as replacement characters."""
    path = write_csv(
        tmp_path / "v.csv", [VILLAGE_HEADER, ["440281111202", "𠮷岭村", "", "村", ""]], "gb18030"
    )
    assert villages(supervisor, path).created == 1
    assert Region.objects.get(code="440281111202").name == "𠮷岭村"


def test_gb18030_csv_with_chinese_only_at_the_very_end(tmp_path, sysadmin):
    """A short GBK file whose only Chinese is in its last bytes is still GBK, not a cut UTF-8 sample."""
    path = tmp_path / "c.csv"
    path.write_bytes("date,is_workday\r\n2026-12-31,否\r\n".encode("gb18030"))
    outcome = run_import(importer_for("workcalendar")(sysadmin), path)
    assert (outcome.created, outcome.error_rows) == (1, 0)
    assert WorkCalendarDay.objects.get(date=date(2026, 12, 31)).is_workday is False


def test_semicolon_and_tab_separated_csv(tmp_path, regions, supervisor):
    path = tmp_path / "v.txt"
    path.write_text("\n".join("\t".join(r) for r in [VILLAGE_HEADER, *VILLAGES]) + "\n", encoding="utf-8")
    assert villages(supervisor, path).created == 3


def test_villages_from_xlsx_with_numeric_codes(tmp_path, regions, supervisor):
    """Excel stores long codes as numbers (often floats): they must come back as the same digits."""
    path = write_xlsx(
        tmp_path / "v.xlsx",
        [
            VILLAGE_HEADER,
            [440281111202, "塘头村", 440281111, "村", 220],
            [440281111003.0, "五山社区", None, "居", "121"],
            [None, None, None, None, None],  # blank rows are skipped
        ],
    )
    outcome = villages(supervisor, path)
    assert (outcome.committed, outcome.created, outcome.error_rows) == (True, 2, 0)
    assert set(village_rows()) == {"440281111202", "440281111003"}
    assert Region.objects.get(code="440281111202").urban_rural_code == "220"


def test_leading_blank_rows_and_header_variants(tmp_path, regions, supervisor):
    """Headers match by label or alias, ignoring the template's required-star, spaces and full-width spaces."""
    header = [
        "统计用区划代码*",
        "村居名称 ",
        "上级代码",
        "村/居",
        "城乡分类",
        "备注",
    ]  # plus an unknown column
    path = write_csv(
        tmp_path / "v.csv", [[], ["", ""], header, ["440281111202", "塘头村", "", "居委会", "", "x"]]
    )
    outcome = villages(supervisor, path)
    assert outcome.created == 1
    assert Region.objects.get(code="440281111202").kind == RegionKind.RESIDENTS


# --- Header mapping and the template ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["villages", "persons", "workcalendar"])
def test_template_header_maps_back_to_every_field(kind):
    book = openpyxl.load_workbook(io.BytesIO(template_bytes(kind)))
    sheet = book.worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    importer = importer_for(kind)
    assert sheet.title == importer.label
    assert header == [f.label + ("*" if f.required else "") for f in importer.fields]
    mapping = map_header(importer, header)
    assert list(mapping.values()) == [f.key for f in importer.fields]
    # Every column is formatted as text, so Excel keeps 18-digit ID numbers and 12-digit codes as typed.
    formats = {dim.number_format for dim in sheet.column_dimensions.values()}
    assert formats == {"@"}
    assert max(dim.max for dim in sheet.column_dimensions.values()) == len(header)


def test_filled_in_template_imports_without_the_help_row(tmp_path, regions, supervisor):
    book = openpyxl.load_workbook(io.BytesIO(template_bytes("villages")))
    book.active.append(["440281111202", "塘头村", "", "村", "220"])
    book.save(tmp_path / "filled.xlsx")
    outcome = villages(supervisor, tmp_path / "filled.xlsx")
    assert (outcome.committed, outcome.created, outcome.error_rows, outcome.total) == (True, 1, 0, 1)


def test_missing_required_columns_are_named_in_chinese(tmp_path, regions, supervisor):
    path = write_csv(tmp_path / "v.csv", [["代码", "备注"], ["440281111202", "x"]])
    with pytest.raises(InvalidInput) as exc:
        villages(supervisor, path)
    assert "表头缺少必填列：名称、类型" in exc.value.message
    assert "应有的列：村(居)代码、名称、所属镇(街)代码、类型、城乡分类代码" in exc.value.message


def test_duplicate_header_uses_the_first_column(regions):
    mapping = map_header(importer_for("villages"), ["代码", "名称", "类型", "区划代码"])
    assert mapping == {0: "code", 1: "name", 2: "type"}


def test_empty_file_is_refused(tmp_path, supervisor):
    path = tmp_path / "empty.csv"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="文件是空的"):
        villages(supervisor, path)


@pytest.mark.parametrize("name", ["v.pdf", "v.xls", "v"])
def test_unsupported_suffix_is_refused(tmp_path, supervisor, name):
    path = tmp_path / name
    path.write_bytes(b"whatever")
    with pytest.raises(InvalidInput, match="不支持的文件类型"):
        villages(supervisor, path)


def test_corrupt_xlsx_is_refused_in_chinese(tmp_path, supervisor):
    path = tmp_path / "v.xlsx"
    path.write_bytes(b"PK not really a zip")
    with pytest.raises(InvalidInput, match="无法读取该 Excel 文件"):
        villages(supervisor, path)


def test_unknown_kind_is_refused():
    with pytest.raises(InvalidInput, match="未知的导入类型：nope"):
        importer_for("nope")
    assert {"villages", "persons", "workcalendar"} <= set(importers())


# --- Modes --------------------------------------------------------------------------------------------------


BAD_VILLAGES = [
    VILLAGE_HEADER,
    VILLAGES[0],
    ["44028111120", "短码村", "", "村", ""],  # row 3: 11 digits
    VILLAGES[1],
    ["440281111204", "", "440281001", "乡", "999"],  # row 5: four problems in one row
    ["440281999201", "无主村", "", "村", ""],  # row 6: town does not exist
    [VILLAGES[0][0], "重复村", "", "村", ""],  # row 7: same code as row 2
]


def test_atomic_mode_writes_nothing_when_any_row_is_bad(tmp_path, regions, supervisor):
    outcome = villages(supervisor, write_csv(tmp_path / "v.csv", BAD_VILLAGES))
    assert outcome.committed is False
    assert (outcome.created, outcome.updated) == (0, 0)
    assert outcome.processed == 6
    assert outcome.error_rows == 4
    assert not village_rows()  # the two good rows were rolled back too
    errors = [(row, err.column, err.message) for row, err in outcome.errors]
    assert (3, "code", "村(居)代码应为12位数字") in errors
    assert {(r, c) for r, c, _m in errors if r == 5} == {
        (5, "name"),
        (5, "parent"),
        (5, "type"),
        (5, "urban_rural"),
    }
    assert (5, "parent", "代码前9位 440281111 与所属镇(街)代码 440281001 不一致") in errors
    assert (5, "type", "类型应为“村”或“居”") in errors
    assert any(r == 6 and "所属镇(街) 440281999 不存在" in m for r, _c, m in errors)
    assert (7, "", "与第2行重复(同一村(居)代码)") in errors


def test_a_town_code_cannot_be_imported_as_a_village(tmp_path, regions, supervisor):
    """440281111000 is 五山镇 itself: importing it as a village must not rename the town or loop its parent."""
    rows = [VILLAGE_HEADER, ["440281111000", "假村", "", "村", ""]]
    outcome = villages(supervisor, write_csv(tmp_path / "v.csv", rows), ImportMode.VALID_ONLY)
    assert [(row, err.column) for row, err in outcome.errors] == [(2, "code")]
    assert "000" in outcome.errors[0][1].message
    town = Region.objects.get(pk=regions["ws"].pk)
    assert (town.name, town.kind, town.parent_id) == ("五山镇", RegionKind.TOWN, regions["lc"].pk)


def test_valid_only_mode_writes_the_good_rows_and_reports_the_rest(tmp_path, regions, supervisor):
    outcome = villages(supervisor, write_csv(tmp_path / "v.csv", BAD_VILLAGES), ImportMode.VALID_ONLY)
    assert outcome.committed is True
    assert (outcome.created, outcome.updated, outcome.error_rows) == (2, 0, 4)
    assert set(village_rows()) == {"440281111202", "440281111003"}
    assert Region.objects.get(code="440281111202").name == "塘头村"  # the duplicate row 7 did not win
    assert sorted({row for row, _err in outcome.errors}) == [3, 5, 6, 7]


def test_valid_only_mode_commits_batch_by_batch(tmp_path, regions, supervisor, monkeypatch):
    cls = importer_for("villages")
    monkeypatch.setattr(cls, "batch_size", 2)
    rows = [VILLAGE_HEADER] + [[f"440281111{300 + i:03d}", f"村{i}", "", "村", ""] for i in range(5)]
    outcome = villages(supervisor, write_csv(tmp_path / "v.csv", rows), ImportMode.VALID_ONLY)
    assert outcome.created == 5
    assert len(village_rows()) == 5


def test_reimport_is_idempotent_and_updates(tmp_path, regions, supervisor):
    path = write_csv(tmp_path / "v.csv", [VILLAGE_HEADER, *VILLAGES])
    villages(supervisor, path)
    again = villages(supervisor, path)
    assert (again.created, again.updated) == (0, 3)
    assert Region.objects.filter(level=RegionLevel.VILLAGE, source="导入").count() == 3
    changed = [VILLAGE_HEADER, ["440281111202", "塘头村(更名)", "", "居", "111"], VILLAGES[1]]
    third = villages(supervisor, write_csv(tmp_path / "v2.csv", changed))
    assert (third.created, third.updated) == (0, 2)
    assert village_rows()["440281111202"][:2] == ("塘头村(更名)", RegionKind.RESIDENTS)
    assert Region.objects.filter(level=RegionLevel.VILLAGE, source="导入").count() == 3


def test_progress_callback_reports_the_end(tmp_path, regions, supervisor):
    calls = []
    villages(
        supervisor,
        write_csv(tmp_path / "v.csv", [VILLAGE_HEADER, *VILLAGES]),
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls[-1] == (3, 3)


def test_cli_progress_bar_draws_percentages():
    out = io.StringIO()
    draw = cli_progress_bar(out)
    for done in (0, 5, 10):
        draw(done, 10)
    assert "100%  10/10 行" in out.getvalue()
    assert "  0%" in out.getvalue()


# --- Persons ------------------------------------------------------------------------------------------------


def test_persons_import_stores_numbers_encrypted(tmp_path, regions, clerk, supervisor):
    x_id = resident_id_ending_x()
    rows = [
        PERSON_HEADER,
        ["张三", resident_id(1), "13812341234", "440281111201"],
        ["李四", x_id.lower(), "+86 138 0013 8000", "440281111"],  # 9-digit town code, lower-case x
        ["王五", resident_id(3), "", ""],
    ]
    outcome = persons(supervisor, write_csv(tmp_path / "p.csv", rows))
    assert (outcome.committed, outcome.created, outcome.error_rows) == (True, 3, 0)
    zhang = Person.objects.get(id_hash=pii_hash(resident_id(1)))
    assert (zhang.name, zhang.region, zhang.gender) == ("张三", regions["qingling"], "M")
    assert zhang.id_masked == "440281********0019"
    assert zhang.phone_masked == "138****1234"
    assert decrypt(zhang.id_number_enc) == resident_id(1)
    assert decrypt(zhang.phone_enc) == "13812341234"
    li = Person.objects.get(id_hash=pii_hash(x_id))
    assert (li.region, li.gender, decrypt(li.id_number_enc)) == (regions["ws"], "F", x_id)
    assert decrypt(li.phone_enc) == "13800138000"
    wang = Person.objects.get(name="王五")
    assert (wang.phone_enc, wang.phone_hash, wang.phone_masked, wang.region) == ("", "", "", None)
    for person in Person.objects.all():
        assert resident_id(1) not in (person.id_number_enc + person.id_masked + person.id_hash)


def test_persons_reimport_updates_instead_of_duplicating(tmp_path, regions, supervisor):
    persons(
        supervisor,
        write_csv(tmp_path / "p.csv", [PERSON_HEADER, ["张三", resident_id(1), "13812341234", ""]]),
    )
    outcome = persons(
        supervisor,
        write_xlsx(
            tmp_path / "p.xlsx",
            [["姓名", "公民身份号码", "联系电话"], ["张三丰", resident_id(1), "13900001111"]],
        ),
    )
    assert (outcome.created, outcome.updated) == (0, 1)
    person = Person.objects.get()
    assert person.name == "张三丰"
    assert decrypt(person.phone_enc) == "13900001111"


def test_persons_reimport_without_phone_or_region_keeps_them(tmp_path, regions, supervisor):
    """A partial file (no phone/region columns, or blank cells) must not wipe what is stored."""
    full = [PERSON_HEADER, ["张三", resident_id(1), "13812341234", "440281111201"]]
    persons(supervisor, write_csv(tmp_path / "full.csv", full))
    persons(supervisor, write_csv(tmp_path / "names.csv", [["姓名", "身份证号"], ["张三丰", resident_id(1)]]))
    blanks = [PERSON_HEADER, ["张三丰", resident_id(1), "", ""], ["新人", resident_id(2), "", ""]]
    outcome = persons(supervisor, write_csv(tmp_path / "blank.csv", blanks))
    assert (outcome.created, outcome.updated) == (1, 1)
    person = Person.objects.get(id_hash=pii_hash(resident_id(1)))
    assert person.name == "张三丰"
    assert decrypt(person.phone_enc) == "13812341234"
    assert (person.phone_hash, person.phone_masked) == (pii_hash("13812341234"), "138****1234")
    assert person.region == regions["qingling"]
    newcomer = Person.objects.get(id_hash=pii_hash(resident_id(2)))
    assert (newcomer.phone_enc, newcomer.phone_masked, newcomer.region) == ("", "", None)


def test_persons_errors_mask_the_offending_numbers(tmp_path, regions, supervisor):
    bad_id = resident_id(1)[:-1] + ("0" if resident_id(1)[-1] != "0" else "1")
    rows = [
        PERSON_HEADER,
        ["", bad_id, "1381234", "440281999999"],
        ["李四", resident_id_ending_x(), "", ""],
        ["李四(同号)", resident_id_ending_x().lower(), "", ""],
    ]
    outcome = persons(supervisor, write_csv(tmp_path / "p.csv", rows))
    assert not outcome.committed
    assert not Person.objects.exists()
    by_column = {err.column: err for row, err in outcome.errors if row == 2}
    assert set(by_column) == {"name", "id_number", "phone", "region"}
    assert by_column["name"].message == "姓名不能为空"
    assert "校验码错误" in by_column["id_number"].message
    assert by_column["id_number"].value == "440281********" + bad_id[-4:]  # never the clear number
    assert "手机号码应为11位数字" in by_column["phone"].message
    assert "1381234" not in by_column["phone"].value
    assert by_column["region"].message == "区划代码 440281999999 不存在"
    assert any(row == 4 and err.message == "与第3行重复(同一身份证号)" for row, err in outcome.errors)


@pytest.mark.parametrize("mangled", ["4.40281E+17", "440281199001011000"])
def test_an_id_number_excel_turned_into_a_number_gets_a_hint(tmp_path, regions, supervisor, mangled):
    outcome = persons(supervisor, write_csv(tmp_path / "p.csv", [PERSON_HEADER, ["张三", mangled, "", ""]]))
    (row, err), *_ = outcome.errors
    assert err.column == "id_number"
    assert "可能被 Excel 转成了数字" in err.message


def test_import_page_reloads_when_the_job_ends(
    client, regions, supervisor, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(
            kind="villages",
            upload=_upload([VILLAGE_HEADER, *VILLAGES]),
            original_name="村居.csv",
            mode=ImportMode.ATOMIC,
            actor=supervisor,
        )
    client.force_login(supervisor)
    url = reverse("core:import-detail", args=[job.pk])
    response = client.get(url, headers={"HX-Request": "true", "HX-Target": "job-progress"})
    assert response.headers["HX-Refresh"] == "true"
    assert "全部导入成功" in client.get(url).content.decode()


# --- Work calendar (one xlsx case: real date cells) ---------------------------------------------------------


def test_workcalendar_from_xlsx_date_cells(tmp_path, sysadmin):
    path = write_xlsx(
        tmp_path / "c.xlsx",
        [
            ["日期", "是否工作日", "节日/说明", "依据文号"],
            [datetime(2026, 12, 31), "否", "本地决定", "乐府〔2026〕1号"],  # noqa: DTZ001 - a naive Excel cell
            [date(2026, 12, 26), "是", "调休上班", ""],
        ],
    )
    outcome = run_import(importer_for("workcalendar")(sysadmin), path)
    assert (outcome.committed, outcome.created, outcome.error_rows) == (True, 2, 0)
    day = WorkCalendarDay.objects.get(date=date(2026, 12, 31))
    assert (day.is_workday, day.source_notice, day.updated_by) == (False, "乐府〔2026〕1号", sysadmin)
    assert WorkCalendarDay.objects.get(date=date(2026, 12, 26)).is_workday is True


# --- Jobs ---------------------------------------------------------------------------------------------------


def _upload(rows: list[list[str]], name: str = "村居.csv", encoding: str = "utf-8-sig") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def submit(actor, rows, *, kind="villages", mode=ImportMode.ATOMIC, name="村居.csv", capture=None):
    upload = _upload(rows, name)
    with capture(execute=True) as callbacks:
        job = import_job_create(kind=kind, upload=upload, original_name=name, mode=mode, actor=actor)
    assert len(callbacks) == 1  # queued only once the submission committed
    job.refresh_from_db()
    return job


def test_job_lifecycle_to_succeeded(regions, supervisor, django_capture_on_commit_callbacks):
    upload = _upload([VILLAGE_HEADER, *VILLAGES])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = import_job_create(
            kind="villages", upload=upload, original_name="村居.csv", mode=ImportMode.ATOMIC, actor=supervisor
        )
    assert job.status == ImportStatus.PENDING
    assert job.organisation == supervisor.organisation
    assert job.file.name.startswith("imports/")
    assert Path(job.file.path).read_bytes().startswith(b"\xef\xbb\xbf")
    assert job_progress(job) == {"processed": 0, "total": 0, "errors": 0, "percent": 0}
    assert not village_rows()  # nothing runs before commit
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED
    assert (job.total_rows, job.processed_rows, job.created_rows, job.updated_rows, job.error_rows) == (
        3,
        3,
        3,
        0,
        0,
    )
    assert job.message == "全部导入成功。"
    assert job.started_at <= job.finished_at
    assert job.is_finished
    assert job_progress(job)["percent"] == 100
    assert len(village_rows()) == 3
    submitted, finished = AuditEntry.objects.filter(object_type="core.importjob").order_by("id")
    assert (submitted.action, submitted.after["mode"]) == ("import.submit", "atomic")
    assert (finished.action, finished.result, finished.after["created"]) == ("import.villages", "success", 3)
    assert finished.username == "supervisor"


def test_rejected_job_stores_row_errors_with_chinese_column_labels(
    regions, supervisor, django_capture_on_commit_callbacks
):
    job = submit(supervisor, BAD_VILLAGES, capture=django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.REJECTED
    assert "共4行有错误" in job.message
    assert (job.created_rows, job.error_rows) == (0, 4)
    assert not village_rows()
    errors = list(ImportRowError.objects.filter(job=job).values_list("row", "column", "value", "message"))
    assert (3, "村(居)代码", "44028111120", "村(居)代码应为12位数字") in errors
    assert {c for r, c, _v, _m in errors if r == 5} == {"名称", "所属镇(街)代码", "类型", "城乡分类代码"}
    assert (7, "", "", "与第2行重复(同一村(居)代码)") in errors
    assert str(job.row_errors.first()).startswith("第3行 村(居)代码")
    assert AuditEntry.objects.get(action="import.villages").result == AuditResult.FAILURE


def test_valid_only_job_is_partial(regions, supervisor, django_capture_on_commit_callbacks):
    job = submit(
        supervisor, BAD_VILLAGES, mode=ImportMode.VALID_ONLY, capture=django_capture_on_commit_callbacks
    )
    assert job.status == ImportStatus.PARTIAL
    assert (job.created_rows, job.error_rows) == (2, 4)
    assert "跳过4行" in job.message
    assert job.row_errors.count() == 7  # one per problem: row 5 has four
    assert AuditEntry.objects.get(action="import.villages").result == AuditResult.SUCCESS


def test_job_with_a_bad_header_fails_with_the_reason(regions, supervisor, django_capture_on_commit_callbacks):
    job = submit(supervisor, [["代码"], ["440281111202"]], capture=django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("表头缺少必填列")


def test_town_staff_may_import_persons(regions, town_staff, django_capture_on_commit_callbacks):
    rows = [PERSON_HEADER, ["张三", resident_id(1), "", "440281111"]]
    job = submit(
        town_staff, rows, kind="persons", name="人员.csv", capture=django_capture_on_commit_callbacks
    )
    assert job.status == ImportStatus.SUCCEEDED
    assert Person.objects.get().region == regions["ws"]


@pytest.mark.parametrize(
    ("persona", "kind"),
    [
        ("town_staff", "villages"),  # needs core.add_region
        ("citizen", "persons"),
        ("clerk", "persons"),
        ("auditadmin", "persons"),
        ("supervisor", "workcalendar"),  # only the system admin imports the calendar
    ],
)
def test_submission_without_permission_is_refused(request, regions, persona, kind):
    user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed, match="您没有"):
        import_job_create(
            kind=kind, upload=_upload([["x"]]), original_name="a.csv", mode="atomic", actor=user
        )
    assert not ImportJob.objects.exists()


def test_submission_checks_suffix_mode_and_kind(regions, supervisor):
    def create(**kwargs):
        args = {"kind": "villages", "upload": _upload([["x"]]), "original_name": "a.csv", "mode": "atomic"}
        return import_job_create(**{**args, **kwargs}, actor=supervisor)

    with pytest.raises(InvalidInput, match=r"不支持的文件类型 \.exe"):
        create(original_name="村居.exe")
    with pytest.raises(InvalidInput, match="无扩展名"):
        create(original_name="村居")
    with pytest.raises(InvalidInput, match="提交方式无效"):
        create(mode="sometimes")
    with pytest.raises(InvalidInput, match="未知的导入类型"):
        create(kind="cases")
    assert not ImportJob.objects.exists()


def test_job_runs_only_once(tmp_path, regions, supervisor):
    job = import_file_job(
        kind="villages",
        path=write_csv(tmp_path / "v.csv", [VILLAGE_HEADER, *VILLAGES]),
        mode="atomic",
        actor=supervisor,
    )
    assert import_job_run(job).status == ImportStatus.SUCCEEDED
    again = import_job_run(job)
    assert again.status == ImportStatus.SUCCEEDED
    assert AuditEntry.objects.filter(action="import.villages").count() == 1


def test_progress_of_a_running_job_comes_from_the_cache(tmp_path, supervisor):
    job = import_file_job(
        kind="villages", path=write_csv(tmp_path / "v.csv", [VILLAGE_HEADER]), mode="atomic", actor=supervisor
    )
    job.status = ImportStatus.RUNNING
    cache.set(f"zhengwu:import-progress:{job.pk}", {"processed": 250, "total": 1000, "errors": 0})
    try:
        assert job_progress(job) == {"processed": 250, "total": 1000, "errors": 0, "percent": 25}
    finally:
        cache.delete(f"zhengwu:import-progress:{job.pk}")
    assert job_progress(job)["percent"] == 0  # no cache entry yet: the row's own counters
