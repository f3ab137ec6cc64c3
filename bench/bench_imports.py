"""Benchmark the streaming importer (core.imports): villages and persons from csv, rows/s and peak memory.

``run()`` assumes Django is set up on a migrated SQLite database (``bench/run.py`` does both). It

1. loads the region tree (``region_init`` for 440281, then further counties of the same city and province
   until there are enough towns for the largest village file: a 12-digit village code has 3 digits under
   its town, so one town holds at most 999 villages);
2. writes csv files of villages and of persons (valid 18-digit 居民身份证号码 under 440281 with their
   ISO 7064 MOD 11-2 check character, mobile numbers, town codes) at each size;
3. copies that database once per (kind, size) and imports the file in a *fresh subprocess* through the
   real job path (``import_file_job`` + ``import_job_run``, atomic mode), so the peak resident set size the
   kernel reports for the child (``getrusage(RUSAGE_SELF).ru_maxrss``) is that import's peak alone.

Memory is measured as RSS, not tracemalloc (which would slow the import several times and misses memory
held by C libraries such as SQLite and OpenSSL): ``rss_before_mb`` is VmRSS after Django is set up and
the import modules are loaded, ``peak_rss_mb`` the process's high-water mark at the end, ``growth_mb``
their difference. The high-water mark is ``VmHWM`` from /proc/self/status, which starts afresh at exec.
``getrusage(RUSAGE_SELF).ru_maxrss`` does not on Linux: the kernel carries the forked parent's peak
through exec (so every child would report the parent's ~200 MB); it is kept in the JSON as
``ru_maxrss_mb`` and used only where /proc is missing. "Flat" means the peak at the largest size stays within ``FLAT_RATIO`` of the peak at the
smallest size although it has ten times the rows.

Run alone: ``ZHENGWU_VAR_DIR=/tmp/zw-bench zhengwu migrate && python bench/bench_imports.py`` (prints JSON).
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

SIZES = (10_000, 100_000)
KINDS = ("villages", "persons")
COUNTY = "440281"
VILLAGES_PER_TOWN = 999
FLAT_RATIO = 1.25
SEED = 2026

_SURNAMES = "李张王陈刘黄邓何罗谢曾邱廖欧阳周吴林梁朱胡郭"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文彬斌宇浩"
_PLACE = "青岭坪石长来梅花廊田北乡九峰两江沙坪五山白石黄圃秀水大源庆云三溪云岩岐门罗家塘"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def check_char(first17: str) -> str:
    """Return the GB 11643 (ISO 7064 MOD 11-2) check character, computed here independently of zhengwu."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def resident_ids(count: int, county: str = COUNTY) -> Iterator[str]:
    """Yield ``count`` distinct valid 18-digit numbers: births 1940-01-01 onwards, 顺序码 001..."""
    first = date(1940, 1, 1)
    days = 25_000  # births spread over ~68 years
    for i in range(count):
        born = first + timedelta(days=(i * 7_919) % days)  # 7919 is prime to 25000: a permutation
        seq = 1 + i // days
        body = f"{county}{born:%Y%m%d}{seq:03d}"
        yield body + check_char(body)


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def write_villages_csv(path: Path, count: int, towns: Sequence[str]) -> None:
    """Write ``count`` villages: codes ``<town 9 digits><001..999>``; 001–099 居委会, the rest 村委会."""
    if count > len(towns) * VILLAGES_PER_TOWN:
        raise ValueError(f"{count} villages need {count // VILLAGES_PER_TOWN + 1} towns, have {len(towns)}")
    rng = random.Random(SEED)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("村(居)代码,名称,所属镇(街)代码,类型,城乡分类代码\n")
        for i in range(count):
            town, seq = towns[i // VILLAGES_PER_TOWN], i % VILLAGES_PER_TOWN + 1
            place = "".join(rng.sample(_PLACE, 2))
            if seq < 100:
                fh.write(f"{town}{seq:03d},{place}社区居委会,{town},居,111\n")
            else:
                fh.write(f"{town}{seq:03d},{place}村委会,{town},村,220\n")


def write_persons_csv(path: Path, count: int, regions: Sequence[str]) -> None:
    """Write ``count`` persons: name, 身份证号, mobile (most rows), 9-digit town code (most rows)."""
    rng = random.Random(SEED)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("姓名,身份证号,手机号,所在区划代码\n")
        for number in resident_ids(count):
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if rng.random() < 0.9 else ""
            region = rng.choice(regions) if rng.random() < 0.95 else ""
            fh.write(f"{_name(rng)},{number},{phone},{region}\n")


# --- Database preparation (parent process) ---------------------------------------------------------------


def ensure_towns(needed_villages: int) -> list[str]:
    """Load 440281 and, if it has too few towns for the file, more counties; return 9-digit town codes."""
    from zhengwu.core import services
    from zhengwu.core.choices import RegionLevel
    from zhengwu.core.models import Region

    def towns() -> list[str]:
        return list(
            Region.objects.filter(level=RegionLevel.TOWN).order_by("code").values_list("prefix", flat=True)
        )

    services.region_init(county_code=COUNTY, actor=None)
    wanted = -(-needed_villages // VILLAGES_PER_TOWN)
    if len(towns()) < wanted:
        divisions = services._mca_divisions()  # the same Ministry data region_init reads
        counties = sorted(code for code, (level, _p, _n) in divisions.items() if level == 3)
        # Nearest first: the same city (4402), then the same province (44).
        ordered = [c for c in counties if c.startswith(COUNTY[:4])] + [
            c for c in counties if c.startswith(COUNTY[:2]) and not c.startswith(COUNTY[:4])
        ]
        for code in ordered:
            if len(towns()) >= wanted:
                break
            if code != COUNTY:
                services.region_init(county_code=code, actor=None)
    found = towns()
    if len(found) < wanted:
        raise RuntimeError(f"only {len(found)} towns available, {wanted} needed")
    return found


def _snapshot_db(target: Path) -> None:
    """Copy the current SQLite database (WAL included) to ``target`` with SQLite's backup API."""
    from django.db import connection

    src = sqlite3.connect(str(connection.settings_dict["NAME"]))
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


# --- The measured import (child process) -------------------------------------------------------------------


def _status_kb(field: str) -> int | None:
    """Return a ``/proc/self/status`` figure in KiB (Linux), or None where there is no /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _maxrss_kb() -> int:
    """getrusage's high-water mark in KiB (bytes on macOS). On Linux it includes the parent's RSS at fork."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def _peak_kb() -> int:
    """Peak RSS of this process since exec: VmHWM where available, else ru_maxrss."""
    hwm = _status_kb("VmHWM")
    return hwm if hwm is not None else _maxrss_kb()


def child(kind: str, path: Path, expected: int) -> dict[str, Any]:
    """Import one file in this (fresh) process; return timing, memory and the job's outcome."""
    import django

    django.setup()
    from zhengwu.core import importers, pii  # noqa: F401  (load before the baseline is taken)
    from zhengwu.core.choices import ImportMode, ImportStatus, RegionLevel
    from zhengwu.core.imports import import_file_job, import_job_run
    from zhengwu.core.models import Person, Region

    pii.encrypt("warm-up")  # loads OpenSSL's AES-GCM and derives the keys once
    job = import_file_job(kind=kind, path=path, mode=ImportMode.ATOMIC, actor=None)
    rss_before = _status_kb("VmRSS") or _peak_kb()
    started = time.perf_counter()
    job = import_job_run(job)
    seconds = time.perf_counter() - started
    peak = _peak_kb()
    stored = (
        Region.objects.filter(level=RegionLevel.VILLAGE).count()
        if kind == "villages"
        else Person.objects.count()
    )
    return {
        "rows": expected,
        "seconds": round(seconds, 3),
        "rows_per_s": round(expected / seconds),
        "rss_before_mb": round(rss_before / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "growth_mb": round((peak - rss_before) / 1024, 1),
        "peak_source": "VmHWM" if _status_kb("VmHWM") is not None else "ru_maxrss",
        "ru_maxrss_mb": round(_maxrss_kb() / 1024, 1),
        "status": job.status,
        "created": job.created_rows,
        "error_rows": job.error_rows,
        "stored": stored,
        "ok": job.status == ImportStatus.SUCCEEDED and job.created_rows == expected == stored,
    }


def _spawn(kind: str, size: int, csv_path: Path, template: Path, var_root: Path) -> dict[str, Any]:
    """Run ``child`` in a new interpreter on a private copy of the prepared database."""
    from django.conf import settings

    var_dir = var_root / f"{kind}-{size}"
    var_dir.mkdir()
    (var_dir / "zhengwu.sqlite3").write_bytes(template.read_bytes())
    (var_dir / "pii_key").write_text(settings.PII_KEY, encoding="utf-8")
    (var_dir / "secret_key").write_text(settings.SECRET_KEY, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGWU_DATABASE_URL")}
    env |= {
        "ZHENGWU_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "zhengwu.config.settings",
        "PYTHONHASHSEED": "0",
    }
    proc = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, __file__, "--child", kind, str(csv_path), str(size)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} {size} import failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(sizes: Sequence[int] = SIZES, kinds: Sequence[str] = KINDS) -> dict[str, Any]:
    """Prepare the database and files, import each (kind, size) in its own process; return the figures."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "sqlite":
        raise RuntimeError("bench_imports copies the database per run and needs SQLite")
    sizes = sorted(sizes)
    work = Path(tempfile.mkdtemp(prefix="bench-imports-", dir=settings.VAR_DIR))
    towns = ensure_towns(max(sizes))
    lechang_towns = [t for t in towns if t.startswith(COUNTY)]
    template = work / "template.sqlite3"
    _snapshot_db(template)

    results: dict[str, Any] = {
        "method": (
            "each (kind, size) in a fresh subprocess on a copy of the prepared database; csv, atomic mode, "
            "import_file_job + import_job_run; memory = RSS: peak is VmHWM (high-water RSS since exec) of "
            "that process, growth = peak minus VmRSS just before the import"
        ),
        "towns_loaded": len(towns),
        "flat_ratio_target": FLAT_RATIO,
    }
    for kind in kinds:
        per_size: dict[str, Any] = {}
        for size in sizes:
            csv_path = work / f"{kind}-{size}.csv"
            if kind == "villages":
                write_villages_csv(csv_path, size, towns)
            else:
                write_persons_csv(csv_path, size, lechang_towns)
            figures = _spawn(kind, size, csv_path, template, work)
            figures["file_mb"] = round(csv_path.stat().st_size / 2**20, 1)
            per_size[str(size)] = figures
            csv_path.unlink()
        small, large = per_size[str(sizes[0])], per_size[str(sizes[-1])]
        peak_ratio = large["peak_rss_mb"] / small["peak_rss_mb"]
        per_size["rows_ratio"] = sizes[-1] / sizes[0]
        per_size["peak_rss_ratio"] = round(peak_ratio, 3)
        per_size["growth_ratio"] = (
            round(large["growth_mb"] / small["growth_mb"], 2) if small["growth_mb"] else None
        )
        # What each extra row costs at the peak: 0 would be perfectly flat.
        per_size["marginal_bytes_per_row"] = round(
            (large["peak_rss_mb"] - small["peak_rss_mb"]) * 2**20 / (sizes[-1] - sizes[0])
        )
        per_size["memory_flat"] = peak_ratio <= FLAT_RATIO
        per_size["all_ok"] = all(per_size[str(s)]["ok"] for s in sizes)
        results[kind] = per_size
    shutil.rmtree(work, ignore_errors=True)
    return results


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.config.settings")
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))))
    else:
        import django

        django.setup()
        print(json.dumps(run(), ensure_ascii=False, indent=2))
