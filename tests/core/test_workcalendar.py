"""The legal work calendar: 次日起算, 调休, pauses, coverage, DB overrides, import, seeding, invalidation."""

from __future__ import annotations

import contextlib
import io
import random
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import transaction

from zhengwu.core import workcalendar as wc
from zhengwu.core.choices import CalendarSource, ImportStatus
from zhengwu.core.exceptions import CalendarNotCovered, InvalidInput
from zhengwu.core.imports import RowError, import_file_job, import_job_run, importer_for, run_import
from zhengwu.core.models import AuditEntry, WorkCalendarDay
from zhengwu.core.workcalendar import (
    WorkCalendarImporter,
    add_workdays,
    add_workdays_many,
    covered_years,
    is_workday,
    next_workday,
    seed_from_package,
    workcalendar_day_set,
    workdays_between,
)

pytestmark = pytest.mark.django_db

NOT_COVERED_2027 = "2027年的法定工作日尚未录入：请由系统管理员导入国务院办公厅放假通知(工作日历导入)，或升级 chinesecalendar 包。"


@pytest.fixture(autouse=True)
def _fresh_index():
    """Start and end every test without an index (rows of one test must never leak into the next)."""
    wc._INDEX = None
    yield
    wc._INDEX = None


# --- Reference implementation: the obvious day-by-day loop --------------------------------------------------


def _paused(day: date, pauses: list[tuple[date, date]]) -> bool:
    return any(a <= day <= b for a, b in pauses)


def naive_add(start: date, n: int, pauses: list[tuple[date, date]] = ()) -> date:  # type: ignore[assignment]
    day, left = start, n
    while left:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day) and not _paused(day, pauses):
            left -= 1
    return day


def naive_between(start: date, end: date, pauses: list[tuple[date, date]] = ()) -> int:  # type: ignore[assignment]
    count, day = 0, start + timedelta(days=1)
    while day <= end:
        count += chinese_calendar.is_workday(day) and not _paused(day, pauses)
        day += timedelta(days=1)
    return count


# --- 次日起算 and 调休 --------------------------------------------------------------------------------------


def test_counting_starts_the_day_after_across_national_day_2025():
    # 10-01..10-08 off, Saturday 10-11 a make-up workday: the 20th workday after 09-30 is 11-04.
    assert add_workdays(date(2025, 9, 30), 20) == date(2025, 11, 4)
    assert workdays_between(date(2025, 9, 30), date(2025, 11, 4)) == 20


def test_due_date_can_be_a_make_up_saturday():
    due = add_workdays(date(2026, 9, 30), 3)
    assert due == date(2026, 10, 10)
    assert due.weekday() == 5


def test_accepted_on_saturday_next_workday_is_make_up_sunday():
    assert add_workdays(date(2025, 9, 27), 1) == date(2025, 9, 28)
    # The package's own helper is off by one when the start is not a workday: why we never use it.
    assert chinese_calendar.find_workday(1, date(2025, 9, 27)) == date(2025, 9, 29)


def test_n_zero_is_same_day_even_on_a_holiday():
    assert add_workdays(date(2025, 10, 1), 0) == date(2025, 10, 1)
    assert add_workdays(date(2025, 10, 2), 0, pauses=[(date(2025, 10, 1), date(2025, 10, 9))]) == date(
        2025, 10, 2
    )


def test_negative_n_is_a_programming_error():
    with pytest.raises(ValueError, match="n must be >= 0"):
        add_workdays(date(2025, 1, 2), -1)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 1), False),  # 元旦
        (date(2026, 2, 17), False),  # 春节
        (date(2026, 10, 1), False),  # 国庆
        (date(2026, 3, 7), False),  # an ordinary Saturday
        (date(2026, 3, 9), True),  # an ordinary Monday
        (date(2026, 1, 4), True),  # 调休 Sunday
        (date(2026, 2, 14), True),  # 调休 Saturday
        (date(2026, 2, 28), True),
        (date(2026, 5, 9), True),
        (date(2026, 9, 20), True),
        (date(2026, 10, 10), True),
        (date(2025, 9, 28), True),
    ],
)
def test_is_workday_knows_holidays_and_make_up_days(day, expected):
    assert is_workday(day) is expected


def test_index_agrees_with_package_on_every_day():
    day, last = date(2004, 1, 1), date(2026, 12, 31)
    while day <= last:
        assert is_workday(day) is chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_next_workday():
    assert next_workday(date(2025, 10, 1)) == date(2025, 10, 9)
    assert next_workday(date(2025, 9, 28)) == date(2025, 9, 28)
    assert next_workday(date(2026, 12, 26)) == date(2026, 12, 28)
    with pytest.raises(CalendarNotCovered):
        next_workday(date(2027, 1, 2))


def test_workdays_between_is_zero_when_end_not_after_start():
    assert workdays_between(date(2025, 5, 6), date(2025, 5, 6)) == 0
    assert workdays_between(date(2025, 5, 6), date(2025, 5, 1)) == 0


def test_add_workdays_many_matches_single_calls():
    pairs = [(date(2025, 9, 27), 1), (date(2025, 9, 30), 20), (date(2026, 9, 30), 3), (date(2024, 2, 9), 0)]
    assert add_workdays_many(pairs) == [add_workdays(d, n) for d, n in pairs]


# --- Property-style comparison with the naive loop ----------------------------------------------------------


def test_matches_naive_loop_on_random_dates():
    rng = random.Random(2026)
    lo, hi = date(2005, 1, 1).toordinal(), date(2026, 10, 31).toordinal()
    for _ in range(400):
        start, n = date.fromordinal(rng.randint(lo, hi)), rng.randint(1, 40)
        due = add_workdays(start, n)
        assert due == naive_add(start, n), (start, n)
        assert workdays_between(start, due) == n
        end = start + timedelta(days=rng.randint(-5, 60))
        assert workdays_between(start, end) == naive_between(start, end), (start, end)


def test_matches_naive_loop_with_random_pauses():
    rng = random.Random(201)
    lo, hi = date(2005, 1, 1).toordinal(), date(2026, 6, 30).toordinal()
    for _ in range(300):
        start, n = date.fromordinal(rng.randint(lo, hi)), rng.randint(1, 30)
        pauses = []
        for _ in range(rng.randint(0, 3)):
            first = start + timedelta(days=rng.randint(-15, 50))
            pauses.append((first, first + timedelta(days=rng.randint(0, 15))))
        due = add_workdays(start, n, pauses=pauses)
        assert due == naive_add(start, n, pauses), (start, n, pauses)
        assert workdays_between(start, due, pauses=pauses) == n
        end = start + timedelta(days=rng.randint(0, 80))
        assert workdays_between(start, end, pauses=pauses) == naive_between(start, end, pauses)


# --- Pauses (补正/特别程序/中止) -----------------------------------------------------------------------------

START = date(2025, 11, 3)  # a Monday; 5 workdays later is Monday 11-10


def test_pause_of_three_workdays_moves_due_three_workdays():
    assert add_workdays(START, 5) == date(2025, 11, 10)
    pause = [(date(2025, 11, 5), date(2025, 11, 7))]
    due = add_workdays(START, 5, pauses=pause)
    assert due == date(2025, 11, 13)
    assert workdays_between(START, due, pauses=pause) == 5


def test_overlapping_pauses_are_merged():
    pauses = [(date(2025, 11, 5), date(2025, 11, 6)), (date(2025, 11, 6), date(2025, 11, 7))]
    assert add_workdays(START, 5, pauses=pauses) == date(2025, 11, 13)  # not 11-14: 11-06 counts once


def test_pause_before_start_is_ignored_and_straddling_pause_counts_from_next_day():
    assert add_workdays(START, 5, pauses=[(date(2025, 10, 20), date(2025, 10, 24))]) == date(2025, 11, 10)
    assert add_workdays(START, 5, pauses=[(date(2025, 10, 30), date(2025, 11, 4))]) == date(2025, 11, 11)


def test_pause_over_a_weekend_costs_nothing_and_pause_after_due_is_ignored():
    assert add_workdays(START, 5, pauses=[(date(2025, 11, 8), date(2025, 11, 9))]) == date(2025, 11, 10)
    assert add_workdays(START, 5, pauses=[(date(2025, 11, 20), date(2025, 11, 30))]) == date(2025, 11, 10)


def test_first_pause_brings_the_next_into_reach():
    pauses = [(date(2025, 11, 11), date(2025, 11, 12)), (date(2025, 11, 5), date(2025, 11, 7))]
    assert add_workdays(START, 5, pauses=pauses) == date(2025, 11, 17)


def test_pause_ending_before_it_starts_is_refused():
    with pytest.raises(InvalidInput, match="早于开始日期"):
        add_workdays(START, 5, pauses=[(date(2025, 11, 7), date(2025, 11, 5))])


# --- Coverage -----------------------------------------------------------------------------------------------


def test_package_years_are_covered():
    years = covered_years()
    assert min(years) == 2004
    assert max(years) == 2026
    assert set(years.values()) == {"chinesecalendar 包"}


def test_2027_is_not_covered():
    with pytest.raises(CalendarNotCovered) as exc:
        add_workdays(date(2027, 1, 5), 1)
    assert exc.value.message == NOT_COVERED_2027
    with pytest.raises(CalendarNotCovered, match="2027年"):
        is_workday(date(2027, 3, 1))
    with pytest.raises(CalendarNotCovered, match="2003年"):
        is_workday(date(2003, 3, 1))


def test_deadline_running_into_2027_is_not_covered():
    with pytest.raises(CalendarNotCovered, match="2027年的法定工作日尚未录入"):
        add_workdays(date(2026, 12, 20), 30)
    with pytest.raises(CalendarNotCovered, match="2027年"):
        workdays_between(date(2026, 12, 1), date(2027, 1, 10))
    with pytest.raises(CalendarNotCovered, match="2027年"):
        add_workdays(date(2026, 12, 1), 3, pauses=[(date(2026, 12, 2), date(2027, 2, 1))])


def test_partial_year_in_table_is_not_covered_and_says_so(sysadmin):
    workcalendar_day_set(day=date(2027, 1, 1), is_workday=False, name="元旦", source="draft", actor=sysadmin)
    assert 2027 not in covered_years()
    with pytest.raises(
        CalendarNotCovered, match="2027年的法定工作日历不完整：数据库只有1天的记录，须录入全年365天"
    ):
        add_workdays(date(2027, 1, 4), 1)


def test_uncovered_year_between_covered_ones_is_a_gap():
    WorkCalendarDay.objects.bulk_create(
        WorkCalendarDay(
            date=date.fromordinal(o), is_workday=date.fromordinal(o).weekday() < 5, source="notice"
        )
        for o in range(date(2028, 1, 1).toordinal(), date(2028, 12, 31).toordinal() + 1)
    )
    wc.invalidate()
    years = covered_years()
    assert years[2028] == "数据库"
    assert 2027 not in years
    assert add_workdays(date(2028, 3, 1), 1) == date(2028, 3, 2)
    assert workdays_between(date(2028, 3, 1), date(2028, 3, 8)) == 5
    assert next_workday(date(2028, 3, 4)) == date(2028, 3, 6)
    with pytest.raises(CalendarNotCovered, match="2027年"):
        add_workdays(date(2026, 12, 30), 5)  # would silently skip 2027 otherwise
    with pytest.raises(CalendarNotCovered, match="2027年"):
        workdays_between(date(2026, 12, 1), date(2028, 1, 10))
    with pytest.raises(CalendarNotCovered, match="2027年"):
        is_workday(date(2027, 6, 1))
    with pytest.raises(CalendarNotCovered, match="2027年"):
        add_workdays_many([(date(2026, 12, 30), 5)])


# --- Overrides, audit, invalidation --------------------------------------------------------------------------


def test_db_override_changes_results_and_is_audited(sysadmin):
    assert add_workdays(date(2026, 12, 29), 2) == date(2026, 12, 31)
    row = workcalendar_day_set(
        day=date(2026, 12, 31),
        is_workday=False,
        name="县政府决定休息",
        source="local",
        note="测试",
        actor=sysadmin,
    )
    assert row.updated_by == sysadmin
    assert not is_workday(date(2026, 12, 31))
    with pytest.raises(CalendarNotCovered, match="2027年"):
        add_workdays(date(2026, 12, 29), 2)  # the 2nd workday is now in 2027
    entry = AuditEntry.objects.get(action="workcalendar.set")
    assert entry.user == sysadmin
    assert entry.before is None
    assert entry.after["is_workday"] is False
    assert entry.after["source"] == "local"

    workcalendar_day_set(day=date(2026, 12, 31), is_workday=True, source="local", actor=sysadmin)
    assert add_workdays(date(2026, 12, 29), 2) == date(2026, 12, 31)
    second = AuditEntry.objects.filter(action="workcalendar.set").order_by("-id").first()
    assert second.before["is_workday"] is False
    assert second.after["is_workday"] is True


def test_day_set_refuses_an_unknown_source(sysadmin):
    with pytest.raises(InvalidInput, match="来源无效"):
        workcalendar_day_set(day=date(2026, 5, 6), is_workday=False, source="rumour", actor=sysadmin)


def test_draft_rows_mark_the_year_as_draft(sysadmin):
    workcalendar_day_set(day=date(2026, 10, 9), is_workday=False, source="draft", actor=sysadmin)
    assert covered_years()[2026] == "草案"
    assert not is_workday(date(2026, 10, 9))


def test_rolled_back_change_is_forgotten(sysadmin):
    day = date(2026, 12, 30)
    with contextlib.suppress(RuntimeError), transaction.atomic():
        workcalendar_day_set(day=day, is_workday=False, source="local", actor=sysadmin)
        assert not is_workday(day)  # the changing transaction sees its own change
        raise RuntimeError
    assert is_workday(day)


def test_commit_bumps_the_shared_version_again(sysadmin, django_capture_on_commit_callbacks):
    before = cache.get(wc.VERSION_KEY) or 0
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        workcalendar_day_set(day=date(2026, 12, 30), is_workday=False, source="local", actor=sysadmin)
    assert len(callbacks) == 1
    assert cache.get(wc.VERSION_KEY) == before + 2  # once at the change, once at commit


def test_other_process_change_is_seen_after_recheck_interval(monkeypatch):
    day = date(2026, 12, 30)
    assert is_workday(day)
    # Another process writes a row and bumps the shared version; this process has not looked yet.
    WorkCalendarDay.objects.create(date=day, is_workday=False, source=CalendarSource.LOCAL)
    cache.set(wc.VERSION_KEY, (cache.get(wc.VERSION_KEY) or 0) + 1, None)
    assert is_workday(day)  # within the re-check interval: no cache read on the hot path
    later = wc._monotonic() + wc.RECHECK_SECONDS + 1
    monkeypatch.setattr(wc, "_monotonic", lambda: later)
    assert not is_workday(day)


# --- Import of the State Council notice ---------------------------------------------------------------------


def _year_csv(path: Path, year: int, extra: list[str] = ()) -> Path:  # type: ignore[assignment]
    lines = ["日期,是否工作日,节日/说明,依据文号,备注"]
    for o in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1):
        day = date.fromordinal(o)
        if day == date(year, 1, 1):
            lines.append(f"{day.isoformat()},否,元旦,国办发明电〔2026〕1号,")
        else:
            lines.append(
                f"{day.isoformat()},{'是' if day.weekday() < 5 else '休息日'},,国办发明电〔2026〕1号,"
            )
    lines.extend(extra)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_importer_is_registered():
    assert importer_for("workcalendar") is WorkCalendarImporter
    assert WorkCalendarImporter.label == "法定工作日历导入"
    assert WorkCalendarImporter.permission == "core.import_workcalendarday"


def test_full_year_import_makes_2027_covered(tmp_path, sysadmin):
    path = _year_csv(tmp_path / "2027.csv", 2027)
    outcome = run_import(WorkCalendarImporter(sysadmin), path, mode="atomic")
    assert outcome.committed
    assert (outcome.created, outcome.updated, outcome.error_rows) == (365, 0, 0)
    assert covered_years()[2027] == "数据库"
    assert add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)  # 01-01 元旦, then a weekend
    assert workdays_between(date(2026, 12, 31), date(2027, 1, 31)) == 20
    row = WorkCalendarDay.objects.get(date=date(2027, 1, 1))
    assert (row.source, row.name, row.source_notice, row.updated_by) == (
        "notice",
        "元旦",
        "国办发明电〔2026〕1号",
        sysadmin,
    )

    again = run_import(WorkCalendarImporter(sysadmin), path, mode="atomic")
    assert (again.created, again.updated) == (0, 365)


def test_bad_date_rejects_the_whole_file(tmp_path, sysadmin):
    path = _year_csv(tmp_path / "2027.csv", 2027, extra=["2027-02-30,否,,,"])
    outcome = run_import(WorkCalendarImporter(sysadmin), path, mode="atomic")
    assert not outcome.committed
    assert outcome.error_rows == 1
    row_number, error = outcome.errors[0]
    assert row_number == 367  # header + 365 days + the bad one
    assert error.column == "date"
    assert "2027-02-30" in error.message
    assert "日期" in error.message
    assert not WorkCalendarDay.objects.filter(date__year=2027).exists()
    assert 2027 not in covered_years()
    with pytest.raises(CalendarNotCovered):
        add_workdays(date(2027, 1, 5), 1)


def test_bad_file_as_a_job_reports_the_row_in_chinese(tmp_path, sysadmin):
    path = _year_csv(tmp_path / "2027.csv", 2027, extra=["2027-02-30,否,,,"])
    job = import_job_run(import_file_job(kind="workcalendar", path=path, mode="atomic", actor=sysadmin))
    assert job.status == ImportStatus.REJECTED
    assert "未写入任何数据" in job.message
    assert str(job.row_errors.get()).startswith("第367行 日期: 日期“2027-02-30”无效")
    assert not WorkCalendarDay.objects.filter(date__year=2027).exists()


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        ({"date": "", "is_workday": "是"}, "date", "日期不能为空"),
        ({"date": "2027-13-01", "is_workday": "是"}, "date", "无效"),
        ({"date": "明年元旦", "is_workday": "是"}, "date", "无效"),
        ({"date": "2027-01-01", "is_workday": "也许"}, "is_workday", "不是有效的是否工作日"),
        ({"date": "2027-01-01", "is_workday": "否", "name": "节" * 51}, "name", "不能超过50个字"),
    ],
)
def test_clean_rejects_bad_cells(row, column, fragment):
    with pytest.raises(RowError) as exc:
        WorkCalendarImporter(None).clean(row)
    assert exc.value.column == column
    assert fragment in exc.value.message


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("是", True),
        ("工作日", True),
        ("1", True),
        ("TRUE", True),
        ("否", False),
        ("休息日", False),
        ("0", False),
        ("false", False),
    ],
)
def test_clean_accepts_flag_words(text, flag):
    cleaned = WorkCalendarImporter(None).clean({"date": "2027/1/1", "is_workday": text})
    assert cleaned["is_workday"] is flag
    assert cleaned["date"] == date(2027, 1, 1)


@pytest.mark.parametrize(
    "text", ["2027-01-01", "2027/1/1", "20270101", "2027年1月1日", "2027-01-01T00:00:00"]
)
def test_clean_accepts_date_spellings(text):
    assert WorkCalendarImporter(None).clean({"date": text, "is_workday": "否"})["date"] == date(2027, 1, 1)


# --- Seeding ------------------------------------------------------------------------------------------------


def test_seed_is_idempotent_and_keeps_notice_rows(sysadmin):
    workcalendar_day_set(
        day=date(2026, 5, 6),
        is_workday=False,
        name="通知调整",
        source="notice",
        source_notice="国办发明电〔2025〕7号",
        actor=sysadmin,
    )
    assert seed_from_package([2026]) == 364
    assert seed_from_package([2026]) == 0
    kept = WorkCalendarDay.objects.get(date=date(2026, 5, 6))
    assert (kept.is_workday, kept.source, kept.name) == (False, "notice", "通知调整")
    assert WorkCalendarDay.objects.filter(date__year=2026).count() == 365
    assert covered_years()[2026] == "数据库"
    assert not is_workday(date(2026, 5, 6))
    assert WorkCalendarDay.objects.get(date=date(2026, 2, 17)).name == "春节"
    assert WorkCalendarDay.objects.get(date=date(2026, 2, 14)).name == "春节调休上班"
    assert AuditEntry.objects.filter(action="workcalendar.seed").count() == 1

    WorkCalendarDay.objects.filter(date=date(2026, 3, 9)).update(is_workday=False)  # a drifted package row
    assert seed_from_package([2026]) == 1
    assert WorkCalendarDay.objects.get(date=date(2026, 3, 9)).is_workday


def test_seed_refuses_years_the_package_lacks():
    with pytest.raises(CalendarNotCovered, match="chinesecalendar 包没有2030年的数据"):
        seed_from_package([2030])


def test_seed_calendar_command():
    out = io.StringIO()
    call_command("seed_calendar", "--year", "2025", "--year", "2026", stdout=out)
    text = out.getvalue()
    assert "已写入 730 行" in text
    assert "2004–2024年：chinesecalendar 包" in text
    assert "2025–2026年：数据库" in text
    with pytest.raises(CommandError, match="2030年"):
        call_command("seed_calendar", "--year", "2030", stdout=io.StringIO())
