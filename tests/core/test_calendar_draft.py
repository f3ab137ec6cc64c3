"""Draft years: marked, replaced by the notice or the package, warned about from November."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from zhengwu.core import workcalendar
from zhengwu.core.choices import CalendarSource, ImportMode
from zhengwu.core.exceptions import CalendarNotCovered, InvalidInput
from zhengwu.core.imports import importer_for, run_import
from zhengwu.core.models import AuditEntry, WorkCalendarDay

pytestmark = pytest.mark.django_db


def test_next_year_is_not_silently_guessed():
    with pytest.raises(CalendarNotCovered):
        workcalendar.add_workdays(date(2026, 12, 20), 20)


def test_draft_year_covers_deadlines_and_is_labelled():
    written = workcalendar.draft_year(2027, actor=None)
    assert written == 365
    assert workcalendar.covered_years()[2027] == workcalendar.LABEL_DRAFT
    # Spring Festival 2027 (lunar new year 2027-02-06) is a holiday in the draft; an ordinary Tuesday works.
    assert workcalendar.is_workday(date(2027, 2, 8)) is False
    assert workcalendar.is_workday(date(2027, 3, 2)) is True
    assert workcalendar.is_workday(date(2027, 1, 1)) is False  # 元旦
    # 2026-12-31 + 1 workday: 2027-01-01 is 元旦 (Friday), so the next workday is Monday 2027-01-04.
    assert workcalendar.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert AuditEntry.objects.filter(action="workcalendar.draft").exists()
    assert WorkCalendarDay.objects.filter(date__year=2027, source=CalendarSource.DRAFT).count() == 365


def test_draft_refused_for_published_years():
    with pytest.raises(InvalidInput):
        workcalendar.draft_year(2026, actor=None)
    workcalendar.workcalendar_day_set(
        day=date(2028, 1, 3), is_workday=True, source=CalendarSource.NOTICE, actor=None
    )
    with pytest.raises(InvalidInput):
        workcalendar.draft_year(2028, actor=None)


def test_notice_import_replaces_the_draft(tmp_path):
    workcalendar.draft_year(2027, actor=None)
    # The draft makes 2027-05-03 a 补假 holiday; suppose the notice instead makes it a plain workday and
    # lists only its own days: 5/1–5/5 off except 5/3, and Saturday 4/25 a 调休 workday.
    notice = tmp_path / "notice.csv"
    notice.write_text(
        "日期,是否工作日,名称,依据文号\n"
        "2027-05-01,否,劳动节,国办发明电〔2026〕1号\n"
        "2027-05-02,否,劳动节,国办发明电〔2026〕1号\n"
        "2027-04-25,是,劳动节调休上班,国办发明电〔2026〕1号\n",
        encoding="utf-8",
    )
    importer = importer_for("workcalendar")(None)
    outcome = run_import(importer, notice, mode=ImportMode.ATOMIC)
    assert outcome.error_rows == 0, outcome.errors
    assert workcalendar.is_workday(date(2027, 4, 25)) is True
    assert workcalendar.is_workday(date(2027, 5, 3)) is True  # the draft's 补假 did not survive
    assert not WorkCalendarDay.objects.filter(date__year=2027, source=CalendarSource.DRAFT).exists()
    assert workcalendar.covered_years()[2027] == workcalendar.LABEL_TABLE


def test_coverage_warning_from_november():
    assert workcalendar.coverage_warning(date(2026, 10, 31)) == ""
    assert "2027年的法定工作日历尚未载入" in workcalendar.coverage_warning(date(2026, 11, 1))
    workcalendar.draft_year(2027, actor=None)
    assert "草案" in workcalendar.coverage_warning(date(2026, 11, 28))


def test_draft_calendar_command():
    out = io.StringIO()
    call_command("draft_calendar", "2027", stdout=out)
    assert "草案" in out.getvalue()
    with pytest.raises(Exception, match="chinesecalendar"):
        call_command("draft_calendar", "2026", stdout=io.StringIO())


def test_workbench_shows_the_warning(client, sysadmin, time_machine):
    time_machine.move_to("2026-11-28 10:00:00+08:00")
    client.force_login(sysadmin)
    body = client.get("/workbench/").content.decode()
    assert "2027年的法定工作日历尚未载入" in body
