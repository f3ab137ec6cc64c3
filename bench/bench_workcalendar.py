"""Benchmark the legal work calendar: indexed due dates against the naive day-by-day loop.

Run: ``zhengwu migrate && python bench/bench_workcalendar.py`` (prints JSON). ``run()`` assumes Django is set
up and the database migrated; it needs no WorkCalendarDay rows (package data only).

Like ``timeit``, the timed loops run with the cyclic garbage collector off (otherwise a full collection over
the million freshly made pairs lands inside the first loop) and the fast paths report the best of
``REPEATS`` runs; the first run is reported too.
"""

from __future__ import annotations

import gc
import json
import os
import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

PAIRS = 1_000_000
NAIVE_SAMPLE = 20_000
FIRST_DAY = date(2005, 1, 1)
LAST_DAY = date(2025, 6, 30)
MAX_N = 60
REPEATS = 3


def _pairs(count: int, seed: int = 42) -> list[tuple[date, int]]:
    """Return ``count`` reproducible (start, n) pairs: starts in 2005-01-01..2025-06-30, n in 0..60."""
    rng = random.Random(seed)
    lo, hi = FIRST_DAY.toordinal(), LAST_DAY.toordinal()
    return [(date.fromordinal(rng.randint(lo, hi)), rng.randint(0, MAX_N)) for _ in range(count)]


def naive_add_workdays(start: date, n: int) -> date:
    """Return the n-th workday after start by stepping one day at a time (the reference)."""
    import chinese_calendar

    day, left = start, n
    one = timedelta(days=1)
    while left:
        day += one
        if chinese_calendar.is_workday(day):
            left -= 1
    return day


def _timed[T](func: Callable[[], T], repeats: int) -> tuple[T, float, float]:
    """Return (result, first run seconds, best run seconds), timing with the garbage collector off."""
    result: T | None = None
    times: list[float] = []
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            started = time.perf_counter()
            result = func()
            times.append(time.perf_counter() - started)
    finally:
        if was_enabled:
            gc.enable()
    return result, times[0], min(times)  # type: ignore[return-value]


def run() -> dict[str, Any]:
    """Time add_workdays, add_workdays_many and the naive loop; return JSON-serialisable figures."""
    from zhengwu.core.workcalendar import add_workdays, add_workdays_many, covered_years

    pairs = _pairs(PAIRS)

    started = time.perf_counter()
    years = covered_years()  # builds the index (one query) outside the timed loops
    build_seconds = time.perf_counter() - started

    single, single_first, single_seconds = _timed(lambda: [add_workdays(d, n) for d, n in pairs], REPEATS)
    batch, _batch_first, batch_seconds = _timed(lambda: add_workdays_many(pairs), REPEATS)

    sample_idx = random.Random(7).sample(range(PAIRS), NAIVE_SAMPLE)
    sample = [pairs[i] for i in sample_idx]
    naive, naive_seconds, _ = _timed(lambda: [naive_add_workdays(d, n) for d, n in sample], 1)

    agree = batch == single and all(single[i] == r for i, r in zip(sample_idx, naive, strict=True))
    single_rate = PAIRS / single_seconds
    batch_rate = PAIRS / batch_seconds
    naive_rate = NAIVE_SAMPLE / naive_seconds
    return {
        "pairs": PAIRS,
        "covered_years": f"{min(years)}-{max(years)}",
        "index_build_ms": round(build_seconds * 1000, 1),
        "add_workdays_calls_per_s": round(single_rate),
        "add_workdays_first_run_calls_per_s": round(PAIRS / single_first),
        "add_workdays_seconds": round(single_seconds, 3),
        "add_workdays_many_pairs_per_s": round(batch_rate),
        "add_workdays_many_seconds": round(batch_seconds, 3),
        "naive_sample": NAIVE_SAMPLE,
        "naive_calls_per_s": round(naive_rate),
        "naive_seconds": round(naive_seconds, 3),
        "speedup_add_workdays_vs_naive": round(single_rate / naive_rate, 1),
        "speedup_many_vs_naive": round(batch_rate / naive_rate, 1),
        "target_calls_per_s": 1_000_000,
        "meets_target": single_rate >= 1_000_000,
        "timing": f"best of {REPEATS}, gc disabled (as timeit); naive loop: one run",
        "agree": agree,
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.config.settings")
    import django

    django.setup()
    print(json.dumps(run(), ensure_ascii=False, indent=2))
