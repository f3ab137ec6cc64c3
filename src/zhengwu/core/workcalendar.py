"""The legal work calendar (法定工作日): is a day a working day, and when is a deadline due.

Rules:

- 民法典 §201: a period counted in days starts the day *after* the start date (次日起算), so
  ``add_workdays(start, n)`` is the n-th working day strictly after ``start``; ``n == 0`` is the same day
  (即办件).
- Working days come from the ``chinesecalendar`` package (it knows the 调休 make-up weekends), overridden
  day by day by rows of ``WorkCalendarDay`` (imported 国务院办公厅 notices, local decisions, drafts).
- A year counts as covered by the table only when the table holds every day of it (a full-year import).
  A date in a year neither the table nor the package covers raises ``CalendarNotCovered``: a legal
  deadline is never computed on a silent Monday–Friday guess.

Speed: deadlines are computed for every case and ticket on every list page, so nothing here loops day by
day. A lazily built in-process index over the contiguous span of covered years keeps, per day, the
workday flag and the running count of workdays, plus the list of all workdays; a due date is then one
list lookup (O(1)) and a count of workdays one subtraction. Pauses (补正/特别程序/中止) cost O(k log k).

Invalidation: ``invalidate()`` drops this process's index and bumps a version counter in Django's cache;
every process re-reads that counter at most once every ``RECHECK_SECONDS``, so the hot path touches
neither the database nor the cache.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import chinese_calendar
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

from zhengwu.core.audit import audit_log, model_snapshot
from zhengwu.core.choices import CalendarSource
from zhengwu.core.exceptions import CalendarNotCovered, InvalidInput
from zhengwu.core.imports import Field, Importer, RowError, register
from zhengwu.core.models import User, WorkCalendarDay

__all__ = [
    "RECHECK_SECONDS",
    "VERSION_KEY",
    "WorkCalendarImporter",
    "add_workdays",
    "add_workdays_many",
    "coverage_warning",
    "covered_ranges",
    "draft_year",
    "covered_years",
    "invalidate",
    "is_workday",
    "month_days",
    "next_workday",
    "package_years",
    "seed_from_package",
    "workcalendar_day_set",
    "workdays_between",
]

VERSION_KEY = "zhengwu:workcalendar:version"
RECHECK_SECONDS = 5.0

LABEL_TABLE = "数据库"
LABEL_PACKAGE = "chinesecalendar 包"
LABEL_DRAFT = "草案"

# Flags of the per-day bytearray.
_REST, _WORK, _UNCOVERED = 0, 1, 2

# Bound once: the hot path reads a module global instead of an attribute of the time module.
_monotonic = time.monotonic


# --- The index ----------------------------------------------------------------------------------------------


class _Index:
    """A snapshot of the calendar over one contiguous span of days (see the module docstring)."""

    __slots__ = (
        "base",
        "check_at",
        "connection",
        "contiguous",
        "cum",
        "first_year",
        "flags",
        "gaps",
        "last_year",
        "marks",
        "nwork",
        "partial_years",
        "provisional",
        "size",
        "version",
        "workday_dates",
        "workday_ordinals",
        "years",
    )

    def __init__(
        self,
        *,
        years: dict[int, str],
        flags: bytearray,
        base: int,
        partial_years: dict[int, int],
        version: Any,
        connection: Any = None,
        marks: tuple[object, ...] = (),
    ) -> None:
        self.years = years
        self.flags = flags
        self.base = base
        self.size = len(flags)
        self.first_year = min(years) if years else 0
        self.last_year = max(years) if years else 0
        self.partial_years = partial_years
        self.version = version
        # A provisional index was built inside a transaction holding uncommitted calendar changes (``marks``
        # are their pending on-commit callbacks). It is re-validated on every call and dropped as soon as
        # that transaction or savepoint ends, committed or rolled back, or another thread asks for it.
        self.connection = connection if marks else None  # never pin a connection needlessly
        self.marks = marks
        self.provisional = bool(marks)
        self.check_at = 0.0 if self.provisional else _monotonic() + RECHECK_SECONDS
        # cum[i] = number of workdays among days[0..i]; workdays in (s, e] = cum[e] - cum[s], and the
        # n-th workday after day s is workday number cum[s] + n - 1 (0-based).
        cum: list[int] = [0] * self.size
        ordinals: list[int] = []
        count = 0
        for i, flag in enumerate(flags):
            if flag == _WORK:
                count += 1
                ordinals.append(base + i)
            cum[i] = count
        self.cum = cum
        self.nwork = count
        self.workday_ordinals = ordinals
        # Dates are kept ready-made: returning a list item is cheaper than date.fromordinal per call.
        self.workday_dates = [date.fromordinal(o) for o in ordinals]
        # Uncovered years inside the span: (first ordinal, last ordinal, year). Usually empty, which lets
        # the hot path skip the gap check altogether.
        self.gaps = [
            (date(y, 1, 1).toordinal(), date(y, 12, 31).toordinal(), y)
            for y in range(self.first_year, self.last_year + 1)
            if y not in years
        ]
        self.contiguous = not self.gaps


_INDEX: _Index | None = None
_LOCK = threading.RLock()
# Attribute that tags our on-commit callbacks, so a pending calendar change can be recognised.
_MARK = "_zhengwu_workcalendar_change"


def package_years() -> range:
    """Return the years the installed chinesecalendar package covers (2004–2026 for 1.11.0)."""
    holidays = chinese_calendar.holidays
    return range(min(holidays).year, max(holidays).year + 1)


def _days_in_year(year: int) -> int:
    return date(year, 12, 31).toordinal() - date(year, 1, 1).toordinal() + 1


def _cached_version() -> Any:
    return cache.get(VERSION_KEY)


def _pending_marks(connection: Any) -> tuple[object, ...]:
    """Return our on-commit callbacks still queued on a connection (uncommitted calendar changes).

    Django drops the callbacks of a rolled-back savepoint or transaction from ``run_on_commit`` and runs
    (then clears) them on commit, so "still queued" means exactly "changed, not yet committed".
    """
    if not connection.in_atomic_block:
        return ()
    return tuple(
        entry[1] for entry in getattr(connection, "run_on_commit", ()) if getattr(entry[1], _MARK, False)
    )


def _build() -> _Index:
    """Build the index from the package data plus every WorkCalendarDay row (one query)."""
    # Read the version before the rows: a change made while we read is then caught at the next re-check.
    version = _cached_version()
    connection = transaction.get_connection()
    marks = _pending_marks(connection)
    rows = list(WorkCalendarDay.objects.values_list("date", "is_workday", "source"))

    per_year = Counter(day.year for day, _, _ in rows)
    draft_years = {day.year for day, _, source in rows if source == CalendarSource.DRAFT}
    years: dict[int, str] = dict.fromkeys(package_years(), LABEL_PACKAGE)
    for year, count in per_year.items():
        if count == _days_in_year(year):
            years[year] = LABEL_TABLE
    for year in draft_years & years.keys():
        years[year] = LABEL_DRAFT
    years = dict(sorted(years.items()))
    partial_years = {y: c for y, c in per_year.items() if y not in years}

    if years:
        base = date(min(years), 1, 1).toordinal()
        size = date(max(years), 12, 31).toordinal() - base + 1
    else:  # pragma: no cover - the package always has data
        base, size = 1, 0
    flags = bytearray([_UNCOVERED]) * size

    # Package days. Its public is_workday() re-validates the range on every call (0.3 s for 23 years),
    # so apply the same rule to its exported dicts: a workday is a 调休 day, or Mon–Fri and no holiday.
    make_up = {d.toordinal() for d in chinese_calendar.workdays}
    holidays = {d.toordinal() for d in chinese_calendar.holidays}
    pkg = package_years()
    first = date(pkg.start, 1, 1).toordinal()
    last = date(pkg.stop - 1, 12, 31).toordinal()
    for o in range(max(first, base), min(last, base + size - 1) + 1):
        # date(1, 1, 1) has ordinal 1 and is a Monday, so weekday = (ordinal - 1) % 7.
        flags[o - base] = _WORK if o in make_up or ((o - 1) % 7 < 5 and o not in holidays) else _REST

    # Table rows override the package. Rows of an incomplete year outside the package stay uncovered.
    for day, workday, _source in rows:
        if day.year in years:
            flags[day.toordinal() - base] = _WORK if workday else _REST

    return _Index(
        years=years,
        flags=flags,
        base=base,
        partial_years=partial_years,
        version=version,
        connection=connection,
        marks=marks,
    )


def _current_index() -> _Index:
    """Return a valid index, re-checking the shared version or rebuilding as needed (slow path)."""
    global _INDEX
    with _LOCK:
        index = _INDEX
        if index is not None:
            if index.provisional:
                connection = transaction.get_connection()
                if connection is index.connection and set(index.marks) <= set(_pending_marks(connection)):
                    return index
            elif _cached_version() == index.version:
                index.check_at = _monotonic() + RECHECK_SECONDS
                return index
        index = _build()
        _INDEX = index
        return index


def _drop_and_bump() -> None:
    global _INDEX
    _INDEX = None
    # add() then incr(): incr() alone fails on a missing key; the counter never expires.
    cache.add(VERSION_KEY, 0, timeout=None)
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # evicted between add() and incr()
        cache.set(VERSION_KEY, 1, timeout=None)


def invalidate() -> None:
    """Drop this process's index and make every other process drop theirs within RECHECK_SECONDS.

    Call it after any change to WorkCalendarDay. Inside a transaction it bumps the version again on
    commit: another process that rebuilt in between read the old rows and must rebuild once more. Until
    then the index this thread builds is provisional (see _Index), so a rollback never leaves it stale.
    """
    with _LOCK:
        _drop_and_bump()
        if transaction.get_connection().in_atomic_block:

            def committed() -> None:
                _drop_and_bump()

            setattr(committed, _MARK, True)
            transaction.on_commit(committed)


# --- Errors and positions -----------------------------------------------------------------------------------


def _not_covered(index: _Index, year: int) -> CalendarNotCovered:
    advice = "请由系统管理员导入国务院办公厅放假通知(工作日历导入)，或升级 chinesecalendar 包。"
    partial = index.partial_years.get(year)
    if partial:
        message = (
            f"{year}年的法定工作日历不完整：数据库只有{partial}天的记录，须录入全年{_days_in_year(year)}天。"
            + advice
        )
    else:
        message = f"{year}年的法定工作日尚未录入：" + advice
    return CalendarNotCovered(message)


def _position(index: _Index, day: date) -> int:
    """Return the index position of a covered day; raise CalendarNotCovered otherwise."""
    i = day.toordinal() - index.base
    if 0 <= i < index.size and index.flags[i] != _UNCOVERED:
        return i
    raise _not_covered(index, day.year)


def _check_gaps(index: _Index, first: int, last: int) -> None:
    """Raise if an uncovered year lies within the ordinals [first, last]."""
    for gap_first, gap_last, year in index.gaps:
        if gap_first <= last and gap_last >= first:
            raise _not_covered(index, year)


def _workday_number(index: _Index, j: int) -> int:
    """Return j if workday number j exists in the span; raise naming the year after the span otherwise."""
    if j >= index.nwork:
        raise _not_covered(index, index.last_year + 1)
    return j


def _pause_runs(index: _Index, pauses: Sequence[tuple[date, date]]) -> list[tuple[int, int]]:
    """Return the pauses as sorted, merged, inclusive runs of workday numbers (paused rest days cost nothing)."""
    base, size, cum = index.base, index.size, index.cum
    runs: list[tuple[int, int]] = []
    for first_day, last_day in pauses:
        if last_day < first_day:
            raise InvalidInput(f"暂停区间无效：结束日期{last_day:%Y-%m-%d}早于开始日期{first_day:%Y-%m-%d}。")
        a = max(first_day.toordinal() - base, 0)
        b = min(last_day.toordinal() - base, size - 1)
        if a > b:
            continue  # entirely outside the span: the due date cannot reach it without raising anyway
        first_number = cum[a - 1] if a else 0  # number of the first workday on or after day a
        last_number = cum[b] - 1  # number of the last workday on or before day b
        if first_number <= last_number:
            runs.append((first_number, last_number))
    runs.sort()
    merged: list[tuple[int, int]] = []
    for a, b in runs:
        if merged and a <= merged[-1][1] + 1:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


# --- Public API ---------------------------------------------------------------------------------------------


def is_workday(day: date) -> bool:
    """Return whether ``day`` is a legal working day (raise CalendarNotCovered for an unknown year)."""
    index = _INDEX
    if index is None or _monotonic() >= index.check_at:
        index = _current_index()
    i = day.toordinal() - index.base
    if 0 <= i < index.size:
        flag = index.flags[i]
        if flag != _UNCOVERED:
            return flag == _WORK
    raise _not_covered(index, day.year)


def add_workdays(start: date, n: int, *, pauses: Sequence[tuple[date, date]] = ()) -> date:
    """Return the n-th working day strictly after ``start`` (次日起算); ``start`` itself when n == 0.

    Working days inside a pause (inclusive date intervals: 补正, 特别程序, 中止) do not count, so every
    paused working day moves the due date one working day later.
    """
    index = _INDEX
    if index is None or _monotonic() >= index.check_at:
        index = _current_index()
    if n > 0 and not pauses and index.contiguous:
        i = start.toordinal() - index.base
        if 0 <= i < index.size:
            j = index.cum[i] + n - 1
            if j < index.nwork:
                return index.workday_dates[j]
    return _add_workdays(index, start, n, pauses)


def _add_workdays(index: _Index, start: date, n: int, pauses: Sequence[tuple[date, date]]) -> date:
    """General case of add_workdays: n == 0, pauses, gaps and every error."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        return start  # 即办件: due the same day, whatever the calendar says
    s = _position(index, start)
    after = index.cum[s]  # number of the first workday after start
    j = after + n - 1
    # Walk the merged pauses in order: each one that begins by the current due date is skipped whole,
    # which pushes the due date past it by its length and may bring the next pause into reach.
    for first, last in _pause_runs(index, pauses) if pauses else ():
        if last < after:
            continue  # entirely before the clock started
        first = max(first, after)
        if first > j:
            break
        j += last - first + 1
    j = _workday_number(index, j)
    if index.gaps:
        _check_gaps(index, start.toordinal() + 1, index.workday_ordinals[j])
    return index.workday_dates[j]


def add_workdays_many(pairs: Iterable[tuple[date, int]]) -> list[date]:
    """Return add_workdays(start, n) for every (start, n) pair, in order (no pauses; one index look-up)."""
    index = _INDEX
    if index is None or _monotonic() >= index.check_at:
        index = _current_index()
    if not index.contiguous:
        return [_add_workdays(index, start, n, ()) for start, n in pairs]
    base, size, cum, dates, nwork = index.base, index.size, index.cum, index.workday_dates, index.nwork
    out: list[date] = []
    append = out.append
    for start, n in pairs:
        i = start.toordinal() - base
        if n > 0 and 0 <= i < size:
            j = cum[i] + n - 1
            if j < nwork:
                append(dates[j])
                continue
        append(_add_workdays(index, start, n, ()))
    return out


def workdays_between(start: date, end: date, *, pauses: Sequence[tuple[date, date]] = ()) -> int:
    """Return the number of working days in (start, end], less paused ones; 0 if end <= start.

    ``workdays_between(s, add_workdays(s, n, pauses=p), pauses=p) == n`` for every n >= 1.
    """
    index = _INDEX
    if index is None or _monotonic() >= index.check_at:
        index = _current_index()
    if not pauses and index.contiguous:
        s = start.toordinal() - index.base
        e = end.toordinal() - index.base
        if e <= s:
            return 0
        if s >= 0 and e < index.size:
            return index.cum[e] - index.cum[s]
    return _workdays_between(index, start, end, pauses)


def _workdays_between(index: _Index, start: date, end: date, pauses: Sequence[tuple[date, date]]) -> int:
    if end <= start:
        return 0
    s = _position(index, start)
    e = _position(index, end)
    if index.gaps:
        _check_gaps(index, start.toordinal() + 1, end.toordinal())
    lo, hi = index.cum[s], index.cum[e] - 1  # workday numbers in (start, end]
    count = hi - lo + 1
    for first, last in _pause_runs(index, pauses) if pauses else ():
        a, b = max(first, lo), min(last, hi)
        if a <= b:
            count -= b - a + 1
    return count


def next_workday(day: date) -> date:
    """Return the first working day on or after ``day`` (a period whose last day is a holiday ends then)."""
    index = _INDEX
    if index is None or _monotonic() >= index.check_at:
        index = _current_index()
    i = _position(index, day)
    if index.flags[i] == _WORK:
        return day
    j = _workday_number(index, index.cum[i])  # day i is no workday, so cum[i] numbers the next one
    if index.gaps:
        _check_gaps(index, day.toordinal(), index.workday_ordinals[j])
    return index.workday_dates[j]


def covered_years() -> dict[int, str]:
    """Return the covered years and where each comes from: "数据库", "chinesecalendar 包" or "草案"."""
    return dict(_current_index().years)


def spans_draft(start: date, end: date) -> bool:
    """True when a day in [start, end] lies in a 草案 year (its holidays await the State Council notice)."""
    years = covered_years()
    return any(years.get(year) == LABEL_DRAFT for year in range(start.year, end.year + 1))


def covered_ranges() -> list[tuple[str, str, int]]:
    """Return the covered years as runs of one source: [("2004–2026", "数据库", 2004), ...]."""
    runs: list[tuple[str, str, int]] = []
    run: list[int] = []
    years = covered_years()
    for year in sorted(years):
        if run and (year != run[-1] + 1 or years[run[-1]] != years[year]):
            runs.append(_run(run, years[run[-1]]))
            run = []
        run.append(year)
    if run:
        runs.append(_run(run, years[run[-1]]))
    return runs


def _run(run: list[int], label: str) -> tuple[str, str, int]:
    return (str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}", label, run[0])


def month_days(year: int, month: int) -> list[dict[str, Any]]:
    """Return every day of a month with its flag, name and source (table rows win over the package).

    Days of an uncovered year come back with ``is_workday`` None, so a page can show the gap.
    """
    import calendar as _calendar

    first = date(year, month, 1)
    last = date(year, month, _calendar.monthrange(year, month)[1])
    rows = {r.date: r for r in WorkCalendarDay.objects.filter(date__range=(first, last))}
    out = []
    for number in range(1, last.day + 1):
        day = date(year, month, number)
        row = rows.get(day)
        try:
            flag: bool | None = is_workday(day)
        except CalendarNotCovered:
            flag = None
        if row is not None:
            name, source = row.name, row.get_source_display()
        elif year in package_years():
            name, source = _package_day(day)[1], LABEL_PACKAGE
        else:
            name, source = "", ""
        weekend = day.weekday() >= 5
        out.append(
            {
                "date": day,
                "is_workday": flag,
                "name": name,
                "source": source,
                "adjusted": flag is True and weekend,
                "weekday": day.weekday(),
            }
        )
    return out


def day_values(day: date) -> dict[str, Any]:
    """Return a day's current values as the edit form wants them (row first, then the package)."""
    row = WorkCalendarDay.objects.filter(date=day).first()
    if row is not None:
        return {
            "date": day,
            "is_workday": "1" if row.is_workday else "0",
            "name": row.name,
            "source": row.source,
            "source_notice": row.source_notice,
            "note": row.note,
        }
    values: dict[str, Any] = {"date": day, "source": CalendarSource.NOTICE}
    try:
        values["is_workday"] = "1" if is_workday(day) else "0"
    except CalendarNotCovered:
        values["is_workday"] = "0" if day.weekday() >= 5 else "1"
    if day.year in package_years():
        values["name"] = _package_day(day)[1]
    return values


# --- Writing ------------------------------------------------------------------------------------------------

_PROTECTED_SOURCES = frozenset({CalendarSource.NOTICE, CalendarSource.LOCAL, CalendarSource.DRAFT})
# A draft gives way to the package: a package release for that year carries the published notice.
_PROTECTED_FROM_PACKAGE = frozenset({CalendarSource.NOTICE, CalendarSource.LOCAL})
_AUDITED_FIELDS = ["date", "is_workday", "name", "source", "source_notice", "note", "updated_by"]


def _package_day(day: date) -> tuple[bool, str]:
    """Return (is_workday, Chinese name) for a day of a package year."""
    make_up = chinese_calendar.workdays.get(day)
    if make_up is not None:
        return True, f"{_holiday_name(make_up)}调休上班"
    holiday = chinese_calendar.holidays.get(day)
    if holiday is not None:
        return False, _holiday_name(holiday)
    return day.weekday() < 5, ""


def _holiday_name(english: str) -> str:
    try:
        return chinese_calendar.Holiday(english).chinese
    except ValueError:  # a name a newer package added without an enum member
        return english


@transaction.atomic
def seed_from_package(years: Iterable[int] | None = None) -> int:
    """Copy the package's days of ``years`` (default: all it has) into the table; return rows written.

    Rows from a notice or a local decision are never overwritten; draft rows are replaced (the package
    carries the published notice); package rows are refreshed only when they differ, so a second run
    writes nothing.
    """
    available = package_years()
    wanted = sorted(set(available if years is None else years))
    missing = [y for y in wanted if y not in available]
    if missing:
        raise CalendarNotCovered(
            f"chinesecalendar 包没有{'、'.join(map(str, missing))}年的数据"
            f"(只有{available.start}–{available.stop - 1}年)：请导入国务院办公厅放假通知，或升级该包。"
        )
    if not wanted:
        return 0
    existing = {
        row.date: row
        for row in WorkCalendarDay.objects.filter(
            date__gte=date(wanted[0], 1, 1), date__lte=date(wanted[-1], 12, 31)
        ).only("date", "is_workday", "name", "source")
    }
    to_create: list[WorkCalendarDay] = []
    to_update: list[WorkCalendarDay] = []
    for year in wanted:
        for ordinal in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1):
            day = date.fromordinal(ordinal)
            workday, name = _package_day(day)
            row = existing.get(day)
            if row is None:
                to_create.append(
                    WorkCalendarDay(date=day, is_workday=workday, name=name, source=CalendarSource.PACKAGE)
                )
            elif row.source not in _PROTECTED_FROM_PACKAGE and (
                (row.is_workday, row.name, row.source) != (workday, name, CalendarSource.PACKAGE)
            ):
                row.is_workday, row.name, row.source = workday, name, CalendarSource.PACKAGE
                to_update.append(row)
    WorkCalendarDay.objects.bulk_create(to_create, batch_size=1000)
    WorkCalendarDay.objects.bulk_update(to_update, ["is_workday", "name", "source"], batch_size=1000)
    written = len(to_create) + len(to_update)
    if written:
        audit_log(
            actor=None,
            username="seed_calendar",
            action="workcalendar.seed",
            object_type=WorkCalendarDay._meta.label_lower,
            object_repr="法定工作日历(chinesecalendar 包)",
            after={"years": wanted, "created": len(to_create), "updated": len(to_update)},
        )
        invalidate()
    return written


@transaction.atomic
def workcalendar_day_set(
    *,
    day: date,
    is_workday: bool,
    name: str = "",
    source: str,
    source_notice: str = "",
    note: str = "",
    actor: User | None,
) -> WorkCalendarDay:
    """Create or change one day of the calendar, audit it, and invalidate every process's index."""
    if source not in CalendarSource.values:
        raise InvalidInput(f"来源无效：{source}。", errors={"source": ["请选择有效的来源。"]})
    row = WorkCalendarDay.objects.select_for_update().filter(date=day).first()
    before = model_snapshot(row, _AUDITED_FIELDS) if row is not None else None
    if row is None:
        row = WorkCalendarDay(date=day)
    row.is_workday = bool(is_workday)
    row.name, row.source, row.source_notice, row.note = name, source, source_notice, note
    row.updated_by = actor if actor is not None and actor.is_authenticated else None
    try:
        row.full_clean()
    except ValidationError as exc:
        raise InvalidInput("工作日历数据有误：" + "；".join(exc.messages), errors=exc.message_dict) from None
    row.save()
    audit_log(
        actor=actor,
        action="workcalendar.set",
        obj=row,
        before=before,
        after=model_snapshot(row, _AUDITED_FIELDS),
    )
    invalidate()
    return row


DRAFT_NOTE = (
    "按《全国年节及纪念日放假办法》推定的节假日(含补假)，未含调休上班日；待国务院办公厅通知后导入替换。"
)


@transaction.atomic
def draft_year(year: int, *, actor: User | None) -> int:
    """Write a clearly marked draft of a year the package and the notices do not cover yet; return rows.

    From 1 November the next year's deadlines start to fall into a year nobody has published; a draft
    (weekends + statutory holidays from the 2024 放假办法, as the ``holidays`` package computes them, no
    调休) lets work continue, is shown as 草案 everywhere, and gives way to the notice or the package.
    """
    import holidays as holiday_rules

    if year in package_years():
        raise InvalidInput(f"{year}年已有 chinesecalendar 包的数据，无需草案；请运行 seed_calendar。")
    first, last = date(year, 1, 1), date(year, 12, 31)
    firm = WorkCalendarDay.objects.filter(date__range=(first, last)).exclude(source=CalendarSource.DRAFT)
    if firm.exists():
        raise InvalidInput(f"{year}年已有依据通知或本地决定的日历数据，不能用草案覆盖。")
    statutory = holiday_rules.China(years=year, language="zh_CN")
    WorkCalendarDay.objects.filter(date__range=(first, last), source=CalendarSource.DRAFT).delete()
    rows = []
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        day = date.fromordinal(ordinal)
        name = statutory.get(day) or ""
        rows.append(
            WorkCalendarDay(
                date=day,
                is_workday=not name and day.weekday() < 5,
                name=str(name)[:50],
                source=CalendarSource.DRAFT,
                note=DRAFT_NOTE if name else "",
                updated_by=actor if actor is not None and actor.is_authenticated else None,
            )
        )
    WorkCalendarDay.objects.bulk_create(rows, batch_size=1000)
    audit_log(
        actor=actor,
        username="" if actor else "draft_calendar",
        action="workcalendar.draft",
        object_type=WorkCalendarDay._meta.label_lower,
        object_repr=f"{year}年法定工作日历(草案)",
        after={"year": year, "days": len(rows), "holidays": sum(1 for r in rows if r.name)},
    )
    invalidate()
    return len(rows)


def coverage_warning(today: date) -> str:
    """Return a warning when deadlines are about to reach a year without a published calendar ('' if none).

    From 1 November the next year matters: 20 working days from late November already cross New Year.
    """
    years = covered_years()
    if today.month < 11:
        return ""
    nxt = today.year + 1
    if nxt not in years:
        return (
            f"{nxt}年的法定工作日历尚未载入：跨年的期限将无法计算。请导入国务院办公厅{nxt}年放假通知，"
            f"或由系统管理员运行 zhengwu draft_calendar {nxt} 生成草案。"
        )
    if years[nxt] == LABEL_DRAFT:
        return f"{nxt}年的法定工作日历为草案(未含调休)：国务院办公厅通知发布后请导入替换。"
    return ""


# --- Import of the State Council's yearly notice ------------------------------------------------------------

_TRUE_WORDS = frozenset({"是", "工作日", "1", "true", "上班", "班"})
_FALSE_WORDS = frozenset({"否", "休息日", "0", "false", "休息", "休", "节假日"})


def _parse_day(text: str) -> date:
    """Parse 2027-01-01, 2027/1/1, 20270101, 2027年1月1日 or an Excel datetime text; raise ValueError."""
    value = (
        text.strip()
        .replace("年", "-")
        .replace("月", "-")
        .replace("日", "")
        .replace("/", "-")
        .replace(".", "-")
    )
    if "T" in value or " " in value:  # Excel cells arrive as 2027-01-01T00:00:00 or 2027-01-01 00:00:00
        value = value.replace("T", " ").split(" ")[0]
    if value.isdigit() and len(value) == 8:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    parts = value.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise ValueError(text)
    return date(int(parts[0]), int(parts[1]), int(parts[2]))


@register
class WorkCalendarImporter(Importer):
    """One row per day of the State Council notice's year (every day, so the year counts as covered)."""

    kind = "workcalendar"
    label = "法定工作日历导入"
    permission = "core.import_workcalendarday"
    description = (
        "按国务院办公厅放假通知导入法定工作日历：每行一天。整年每一天都导入后，该年才算已录入；"
        "只导入部分日期时，其余日期仍按 chinesecalendar 包计算(包里也没有该年时，期限计算会提示未录入)。"
    )
    fields = [
        Field("date", "日期", help="如 2027-01-01"),
        Field("is_workday", "是否工作日", help="是/否，或 工作日/休息日"),
        Field("name", "节日/说明", required=False, help="如 春节、春节调休上班"),
        Field("source_notice", "依据文号", required=False, help="如 国办发明电〔2026〕×号"),
        Field("note", "备注", required=False),
    ]
    natural_key = "date"

    def clean(self, row: dict[str, str]) -> dict[str, Any]:
        """Return the typed row; raise RowError (Chinese) for a bad date, flag or over-long text."""
        raw_date = row.get("date", "").strip()
        if not raw_date:
            raise RowError("date", "日期不能为空。")
        try:
            day = _parse_day(raw_date)
        except ValueError:
            raise RowError(
                "date", f"日期“{raw_date}”无效：请填写存在的日期，如 2027-01-01。", raw_date
            ) from None
        raw_flag = row.get("is_workday", "").strip()
        flag = raw_flag.lower()
        if flag in _TRUE_WORDS:
            workday = True
        elif flag in _FALSE_WORDS:
            workday = False
        else:
            raise RowError(
                "is_workday",
                f"“{raw_flag}”不是有效的是否工作日：请填写 是/否、工作日/休息日 或 1/0。",
                raw_flag,
            )
        cleaned = {
            "date": day,
            "is_workday": workday,
            "name": row.get("name", "").strip(),
            "source_notice": row.get("source_notice", "").strip(),
            "note": row.get("note", "").strip(),
        }
        for key, limit in (("name", 50), ("source_notice", 100), ("note", 200)):
            if len(cleaned[key]) > limit:
                label = next(f.label for f in self.fields if f.key == key)
                raise RowError(key, f"{label}不能超过{limit}个字。", cleaned[key])
        return cleaned

    def key_of(self, cleaned: dict[str, Any]) -> str:
        return cleaned["date"].isoformat()

    @staticmethod
    def _settle_drafts(years: set[int], listed: set[date], updated_by: User | None) -> None:
        """A notice lists only its holidays and 调休 days: the other days of a drafted year follow the
        ordinary rule (Mon–Fri work), so no draft guess (e.g. a 补假 the notice did not adopt) survives."""
        leftovers = list(
            WorkCalendarDay.objects.filter(date__year__in=years, source=CalendarSource.DRAFT).exclude(
                date__in=listed
            )
        )
        for row in leftovers:
            row.is_workday, row.name, row.source = row.date.weekday() < 5, "", CalendarSource.NOTICE
            row.note, row.updated_by = "通知未列出的日期：周一至周五为工作日", updated_by
        WorkCalendarDay.objects.bulk_update(
            leftovers, ["is_workday", "name", "source", "note", "updated_by"], batch_size=1000
        )

    def write(self, rows: list[dict[str, Any]]) -> tuple[int, int]:
        """Upsert the batch on the date (source = notice); return (created, updated)."""
        days = [r["date"] for r in rows]
        existing = set(WorkCalendarDay.objects.filter(date__in=days).values_list("date", flat=True))
        updated_by = self.actor if self.actor is not None and self.actor.is_authenticated else None
        WorkCalendarDay.objects.bulk_create(
            [
                WorkCalendarDay(
                    date=r["date"],
                    is_workday=r["is_workday"],
                    name=r["name"],
                    source=CalendarSource.NOTICE,
                    source_notice=r["source_notice"],
                    note=r["note"],
                    updated_by=updated_by,
                )
                for r in rows
            ],
            update_conflicts=True,
            unique_fields=["date"],
            update_fields=[
                "is_workday",
                "name",
                "source",
                "source_notice",
                "note",
                "updated_by",
                "updated_at",
            ],
        )
        self._settle_drafts({d.year for d in days}, set(days), updated_by)
        invalidate()
        updated = sum(1 for d in days if d in existing)
        return len(rows) - updated, updated
