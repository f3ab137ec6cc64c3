"""The fast paths of the import framework: upsert_rows (plain SQL upsert) and flat duplicate detection."""

from __future__ import annotations

import csv
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import resident_id
from zhengwu.core.choices import ImportMode, ImportStatus, RegionKind, RegionLevel
from zhengwu.core.imports import (
    _DigestSet,
    import_file_job,
    import_job_run,
    importer_for,
    run_import,
    upsert_rows,
)
from zhengwu.core.models import ImportRowError, Person, Region
from zhengwu.core.pii import decrypt, pii_hash

pytestmark = pytest.mark.django_db

PERSON_HEADER = ["姓名", "身份证号", "手机号", "所在区划代码"]
VILLAGE_HEADER = ["村(居)代码", "名称", "所属镇(街)代码", "类型", "城乡分类代码"]
LONG_AGO = datetime(2020, 1, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def many_ids(count: int) -> list[str]:
    """Return ``count`` distinct valid 身份证号 (1000 per birth date)."""
    first = date(1960, 1, 1)
    return [resident_id(i % 1000, birth=f"{first + timedelta(days=i // 1000):%Y%m%d}") for i in range(count)]


def person_values(
    number: str, name: str, now: datetime, region_id: int | None = None, born: date = date(1990, 1, 1)
) -> tuple:
    """Values in PERSON_COLUMNS order (the id number is not really encrypted: upsert_rows does not care)."""
    return (name, "resident_id", "enc:" + number, pii_hash(number), "masked", "M", born, region_id, now, now)


PERSON_COLUMNS = [
    "name",
    "id_type",
    "id_number_enc",
    "id_hash",
    "id_masked",
    "gender",
    "birth_date",
    "region",  # a field name works as well as the attname
    "created_at",
    "updated_at",
]
PERSON_UPDATE = ["name", "id_number_enc", "birth_date", "region_id", "updated_at"]


# --- upsert_rows ---------------------------------------------------------------------------------------


def test_upsert_rows_inserts_then_updates_keeping_created_at(regions):
    first = timezone.now() - timedelta(days=3)
    rows = [person_values(resident_id(i), f"甲{i}", first) for i in range(3)]
    upsert_rows(Person, rows, columns=PERSON_COLUMNS, conflict=["id_hash"], update=PERSON_UPDATE)
    assert Person.objects.count() == 3
    stored = Person.objects.get(id_hash=pii_hash(resident_id(1)))
    assert (stored.name, stored.birth_date, stored.region_id) == ("甲1", date(1990, 1, 1), None)
    assert stored.created_at == stored.updated_at == first
    assert (stored.phone_enc, stored.phone_hash, stored.phone_masked) == ("", "", "")  # defaults filled in

    later = timezone.now()
    again = [
        person_values(resident_id(1), "乙1", later, regions["qingling"].pk, born=date(1991, 2, 3)),
        person_values(resident_id(7), "乙7", later),
    ]
    upsert_rows(Person, again, columns=PERSON_COLUMNS, conflict=["id_hash"], update=PERSON_UPDATE)
    assert Person.objects.count() == 4
    stored.refresh_from_db()
    assert (stored.name, stored.birth_date, stored.region) == ("乙1", date(1991, 2, 3), regions["qingling"])
    assert stored.created_at == first  # created_at is not in the update list
    assert stored.updated_at == later
    untouched = Person.objects.get(id_hash=pii_hash(resident_id(0)))
    assert (untouched.name, untouched.updated_at) == ("甲0", first)
    assert Person.objects.get(id_hash=pii_hash(resident_id(7))).created_at == later


def test_upsert_rows_is_one_statement_per_batch(regions):
    rows = [person_values(resident_id(i), f"甲{i}", timezone.now()) for i in range(50)]
    with CaptureQueriesContext(connection) as queries:
        upsert_rows(Person, rows, columns=PERSON_COLUMNS, conflict=["id_hash"], update=PERSON_UPDATE)
    statements = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(statements) == 1
    assert "ON CONFLICT" in statements[0]
    assert "50 times" in statements[0]
    assert Person.objects.count() == 50


def test_upsert_rows_converts_values_that_are_not_plain(regions):
    """Enum members, bools and dates go through the field like bulk_create; defaults fill the rest."""
    code = "440281111209"
    columns = ["code", "prefix", "name", "level", "kind", "parent", "is_generated", "valid_from"]
    values = (code, code, "新村", RegionLevel.VILLAGE, RegionKind.VILLAGERS, regions["ws"].pk, True)
    upsert_rows(Region, [(*values, date(2024, 1, 1))], columns=columns, conflict=["code"], update=["name"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT level, kind, valid_from FROM core_region WHERE code = %s", [code])
        level, kind, valid_from = cursor.fetchone()
    assert (level, kind, str(valid_from)) == (
        int(RegionLevel.VILLAGE),
        RegionKind.VILLAGERS.value,
        "2024-01-01",
    )
    village = Region.objects.get(code=code)
    assert (village.parent, village.is_generated, village.valid_from) == (
        regions["ws"],
        True,
        date(2024, 1, 1),
    )
    assert (village.valid_to, village.source, village.urban_rural_code) == (None, "", "")  # defaults
    assert village.updated_at is not None  # an auto_now field left out is set at insert
    # An empty update list means ON CONFLICT DO NOTHING.
    renamed = (code, code, "改名村", *values[3:], date(2025, 1, 1))
    upsert_rows(Region, [renamed], columns=columns, conflict=["code"], update=[])
    village.refresh_from_db()
    assert (village.name, village.valid_from) == ("新村", date(2024, 1, 1))


def test_upsert_rows_rejects_an_update_of_a_column_it_does_not_insert(regions):
    with pytest.raises(ValueError, match="not inserted"):
        upsert_rows(
            Region, [("440281111209", "x")], columns=["code", "name"], conflict=["code"], update=["id"]
        )
    with pytest.raises(ValueError, match="2 values"):
        upsert_rows(Region, [("440281111209", "x")], columns=["code"], conflict=["code"], update=[])
    upsert_rows(Region, [], columns=["code"], conflict=["code"], update=[])  # nothing to do
    assert not Region.objects.filter(code="440281111209").exists()


def test_importers_count_created_and_updated_and_move_updated_at_only(tmp_path, regions):
    path = write_csv(
        tmp_path / "p.csv",
        [
            PERSON_HEADER,
            ["张三", resident_id(1), "13812341234", "440281111201"],
            ["李四", resident_id(2), "", ""],
        ],
    )
    first = run_import(importer_for("persons")(None), path)
    assert (first.committed, first.created, first.updated) == (True, 2, 0)
    Person.objects.update(created_at=LONG_AGO, updated_at=LONG_AGO)

    path = write_csv(
        tmp_path / "p2.csv",
        [PERSON_HEADER, ["张三丰", resident_id(1), "", ""], ["王五", resident_id(3), "13900001111", ""]],
    )
    second = run_import(importer_for("persons")(None), path)
    assert (second.committed, second.created, second.updated) == (True, 1, 1)
    zhang = Person.objects.get(id_hash=pii_hash(resident_id(1)))
    assert zhang.name == "张三丰"
    assert zhang.created_at == LONG_AGO
    assert zhang.updated_at > LONG_AGO
    # Blank phone and region cells keep what is stored.
    assert (decrypt(zhang.phone_enc), zhang.region) == ("13812341234", regions["qingling"])
    assert Person.objects.get(id_hash=pii_hash(resident_id(2))).updated_at == LONG_AGO
    assert Person.objects.get(id_hash=pii_hash(resident_id(3))).created_at > LONG_AGO


def test_village_upsert_keeps_level_and_moves_updated_at(tmp_path, regions):
    rows = [VILLAGE_HEADER, ["440281111201", "青岭村(新)", "440281111", "居", "111"]]
    Region.objects.filter(code="440281111201").update(updated_at=LONG_AGO)
    outcome = run_import(importer_for("villages")(None), write_csv(tmp_path / "v.csv", rows))
    assert (outcome.created, outcome.updated) == (0, 1)
    village = Region.objects.get(code="440281111201")
    assert (village.name, village.kind, village.urban_rural_code, village.source) == (
        "青岭村(新)",
        RegionKind.RESIDENTS,
        "111",
        "导入",
    )
    assert (village.level, village.prefix, village.pk) == (
        RegionLevel.VILLAGE,
        "440281111201",
        regions["qingling"].pk,
    )
    assert village.updated_at > LONG_AGO


# --- Duplicate detection -------------------------------------------------------------------------------


def test_digest_set_grows_and_finds_every_digest():
    rng = random.Random(7)
    digests = {rng.getrandbits(64) or 1 for _ in range(20_000)}
    # Digests sharing their low bits probe past each other.
    digests |= {(i << 40) | 5 for i in range(1, 200)}
    seen = _DigestSet(capacity=8)
    assert all(seen.add(d) for d in digests)
    assert len(seen) == len(digests)
    assert all(d in seen for d in digests)
    assert not any(seen.add(d) for d in digests)
    assert (123 << 40 | 6) not in seen
    assert len(seen._table) * 8 <= 32 * len(digests)  # flat: at most 32 bytes a key


def test_duplicates_name_the_first_row_in_both_modes(tmp_path, regions):
    rows = [
        PERSON_HEADER,
        ["坏号", resident_id(1)[:-1] + ("0" if resident_id(1)[-1] != "0" else "1"), "", ""],  # row 2: bad
        ["甲", resident_id(1), "", ""],  # row 3: first valid row of this number
        ["乙", resident_id(2), "", ""],  # row 4
        [],  # blank rows do not count
        ["甲2", resident_id(1), "", ""],  # row 6
        ["乙2", resident_id(2), "", ""],  # row 7
        ["甲3", resident_id(1).lower(), "", ""],  # row 8: third time
    ]
    path = write_csv(tmp_path / "dups.csv", rows)
    for mode in (ImportMode.ATOMIC, ImportMode.VALID_ONLY):
        outcome = run_import(importer_for("persons")(None), path, mode=mode)
        dups = {row: err.message for row, err in outcome.errors if "重复" in err.message}
        assert dups == {
            6: "与第3行重复(同一身份证号)",
            7: "与第4行重复(同一身份证号)",
            8: "与第3行重复(同一身份证号)",
        }
        assert outcome.error_rows == 4
    assert Person.objects.count() == 2  # valid_only wrote the first occurrences
    assert Person.objects.get(id_hash=pii_hash(resident_id(1))).name == "甲"


def test_duplicates_across_batches_and_in_the_job_errors(tmp_path, regions):
    # 1798 villages (two batches), then the first and the last again.
    villages = [f"{town}{seq:03d}" for town in ("440281001", "440281111") for seq in range(101, 1000)]
    rows = [VILLAGE_HEADER] + [[code, f"村{code[-3:]}", code[:9], "村", ""] for code in villages]
    rows += [[villages[0], "重复甲", "", "村", ""], [villages[-1], "重复乙", "", "村", ""]]
    path = write_csv(tmp_path / "v.csv", rows)
    job = import_file_job(kind="villages", path=path, mode=ImportMode.ATOMIC, actor=None)
    job = import_job_run(job)
    assert job.status == ImportStatus.REJECTED
    stored = sorted(ImportRowError.objects.filter(job=job).values_list("row", "message"))
    assert stored == [(1800, "与第2行重复(同一村(居)代码)"), (1801, "与第1799行重复(同一村(居)代码)")]


def test_duplicate_rescan_is_skipped_without_duplicates(tmp_path, regions, monkeypatch):
    calls = []
    importer = importer_for("persons")(None)
    original = importer.clean
    monkeypatch.setattr(importer, "clean", lambda row: calls.append(1) or original(row))
    rows = [PERSON_HEADER] + [[f"人{i}", resident_id(i), "", ""] for i in range(20)]
    outcome = run_import(importer, write_csv(tmp_path / "p.csv", rows))
    assert (outcome.created, len(calls)) == (20, 20)  # every row cleaned once


def test_duplicate_messages_beyond_the_stored_errors_are_not_needed(tmp_path, regions, monkeypatch):
    monkeypatch.setattr("zhengwu.core.imports.MAX_STORED_ERRORS", 2)
    rows = [PERSON_HEADER] + [["甲", resident_id(1), "", ""]] * 5
    outcome = run_import(importer_for("persons")(None), write_csv(tmp_path / "p.csv", rows))
    assert outcome.error_rows == 4
    assert [(row, err.message) for row, err in outcome.errors] == [
        (3, "与第2行重复(同一身份证号)"),
        (4, "与第2行重复(同一身份证号)"),
    ]


# --- A larger file -------------------------------------------------------------------------------------


def test_five_thousand_persons_import_then_update(tmp_path, regions):
    ids = many_ids(5000)
    rng = random.Random(5)
    rows = [PERSON_HEADER] + [
        [f"人{i}", number, f"138{rng.randrange(10**8):08d}" if i % 3 else "", "440281111" if i % 2 else ""]
        for i, number in enumerate(ids)
    ]
    path = write_csv(tmp_path / "p5k.csv", rows)
    job = import_job_run(import_file_job(kind="persons", path=path, mode=ImportMode.ATOMIC, actor=None))
    assert (job.status, job.total_rows, job.processed_rows) == (ImportStatus.SUCCEEDED, 5000, 5000)
    assert (job.created_rows, job.updated_rows, job.error_rows) == (5000, 0, 0)
    assert Person.objects.count() == 5000
    sample = Person.objects.get(id_hash=pii_hash(ids[4001]))
    assert (sample.name, decrypt(sample.phone_enc), sample.region.code) == (
        "人4001",
        rows[4002][2],
        "440281111000",
    )
    assert sample.id_masked.startswith("440281")
    assert sample.birth_date == date(1960, 1, 5)
    assert sample.gender in {"M", "F"}

    again = import_job_run(import_file_job(kind="persons", path=path, mode=ImportMode.VALID_ONLY, actor=None))
    assert (again.status, again.created_rows, again.updated_rows) == (ImportStatus.SUCCEEDED, 0, 5000)
    assert Person.objects.count() == 5000
