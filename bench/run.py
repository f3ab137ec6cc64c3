"""`make bench`: run every benchmark on a fresh database and write the figures as JSON.

Usage: ``.venv/bin/python bench/run.py [--only workcalendar|imports|catalog_import|search] [--sizes 10000,100000]``

The run never touches an existing database: it works in a new directory under ``ZHENGWU_VAR_DIR`` (or the
system temp dir when that is unset), points ``ZHENGWU_VAR_DIR`` there (fresh SQLite file, keys and cache),
migrates it quietly and removes it at the end. Results go to ``bench/results/bench-<UTC stamp>.json`` and
``bench/results/latest.json`` (both ignored by git): figures, targets with pass/fail, and the machine.
The exit status is 1 when a target fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
REPO = BENCH_DIR.parent


def _isolate() -> Path:
    """Point Django at a private, fresh var dir (SQLite, keys, cache) and return it."""
    base = Path(os.environ.get("ZHENGWU_VAR_DIR") or tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="zhengwu-bench-", dir=base))
    os.environ["ZHENGWU_VAR_DIR"] = str(run_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhengwu.config.settings"
    for name in ("ZHENGWU_DATABASE_URL", "ZHENGWU_TESTING", "ZHENGWU_REDIS_URL"):
        os.environ.pop(name, None)
    return run_dir


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _git(*args: str) -> str:
    try:
        out = subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def machine_info() -> dict[str, Any]:
    import django
    from django.db import connection

    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "",
    )
    mem_kb = next(
        (
            int(line.split()[1])
            for line in _read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal:")
        ),
        0,
    )
    if not mem_kb and hasattr(os, "sysconf"):
        try:
            mem_kb = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 1024
        except (ValueError, OSError):
            mem_kb = 0
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "ram_total_gb": round(mem_kb / 2**20, 1) if mem_kb else None,
        "django": django.get_version(),
        "db_vendor": connection.vendor,
        "db_version": ".".join(map(str, connection.get_database_version())),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


def _target(name: str, value: Any, target: str, passed: bool) -> dict[str, Any]:
    return {"name": name, "value": value, "target": target, "pass": bool(passed)}


def targets_for(results: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    wc = results.get("workcalendar")
    if wc:
        out.append(
            _target(
                "add_workdays calls/s (1M random pairs)",
                wc["add_workdays_calls_per_s"],
                f">= {wc['target_calls_per_s']:,}",
                wc["meets_target"],
            )
        )
        out.append(_target("add_workdays agrees with the naive loop", wc["agree"], "true", wc["agree"]))
    imp = results.get("imports")
    if imp:
        for kind in ("villages", "persons"):
            figures = imp.get(kind)
            if not figures:
                continue
            out.append(
                _target(
                    f"{kind} import: peak RSS largest/smallest size ({figures['rows_ratio']:g}x rows)",
                    figures["peak_rss_ratio"],
                    f"<= {imp['flat_ratio_target']}",
                    figures["memory_flat"],
                )
            )
            out.append(
                _target(
                    f"{kind} import: every row stored, no errors",
                    figures["all_ok"],
                    "true",
                    figures["all_ok"],
                )
            )
    cat = results.get("catalog_import")
    if cat:
        out.append(
            _target(
                f"catalogue import of {cat['size']:,} new items: items/s",
                cat["first"]["items_per_s"],
                f">= {cat['target_items_per_s']}",
                cat["meets_target"],
            )
        )
        out.append(
            _target(
                "catalogue import: stored, idempotent, changed guides only",
                cat["all_ok"],
                "true",
                cat["all_ok"],
            )
        )
    srch = results.get("search")
    if srch:
        for vendor in ("sqlite", "postgresql"):
            r = srch.get(vendor) or {}
            if "query_p95_ms" in r:
                out.append(
                    _target(
                        f"search on {vendor} ({r['docs']:,} guides, {r['queries']} queries): p95 ms",
                        r["query_p95_ms"],
                        f"<= {r['target_p95_ms']}",
                        r["meets_target"],
                    )
                )
    return out


def summary(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"zhengwu bench {report['started_at']}  ({m['cpu_count']} CPU {m['cpu_model']}, "
        f"{m['ram_total_gb']} GB, Python {m['python']}, Django {m['django']}, {m['db_vendor']} {m['db_version']})",
    ]
    wc = report["results"].get("workcalendar")
    if wc:
        lines += [
            "work calendar (1M random (start, n) pairs, " + wc["timing"] + "):",
            f"  add_workdays        {wc['add_workdays_calls_per_s']:>12,} calls/s  "
            f"(first run {wc['add_workdays_first_run_calls_per_s']:,}/s)",
            f"  add_workdays_many   {wc['add_workdays_many_pairs_per_s']:>12,} pairs/s",
            f"  naive day-by-day    {wc['naive_calls_per_s']:>12,} calls/s  "
            f"→ add_workdays is {wc['speedup_add_workdays_vs_naive']:,}x faster",
            f"  index build {wc['index_build_ms']} ms over {wc['covered_years']}; agrees with naive: {wc['agree']}",
        ]
    imp = report["results"].get("imports")
    if imp:
        lines.append("imports (csv, atomic, fresh process per run; memory = peak RSS, VmHWM):")
        for kind in ("villages", "persons"):
            figures = imp.get(kind)
            if not figures:
                continue
            for size, row in figures.items():
                if not size.isdigit():
                    continue
                lines.append(
                    f"  {kind:<9}{int(size):>8,} rows  {row['rows_per_s']:>7,} rows/s  {row['seconds']:>7.1f} s  "
                    f"peak {row['peak_rss_mb']:>6.1f} MB (growth {row['growth_mb']:.1f} MB)  "
                    f"{row['status']}"
                )
            lines.append(
                f"  {kind:<9}peak RSS ratio {figures['peak_rss_ratio']} for {figures['rows_ratio']:g}x rows"
                + (f", growth ratio {figures['growth_ratio']}" if figures["growth_ratio"] is not None else "")
                + f", ≈{figures['marginal_bytes_per_row']} B per extra row"
            )
    if report["results"].get("catalog_import"):
        import catalog_import

        lines += catalog_import.summary_lines(report["results"]["catalog_import"])
    if report["results"].get("search"):
        import search as search_bench

        lines += search_bench.summary_lines(report["results"]["search"])
    lines.append("targets:")
    for t in report["targets"]:
        lines.append(
            f"  [{'PASS' if t['pass'] else 'FAIL'}] {t['name']}: {t['value']} (target {t['target']})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", choices=["workcalendar", "imports", "catalog_import", "search"], action="append"
    )
    parser.add_argument("--sizes", default="10000,100000", help="import sizes, comma-separated")
    args = parser.parse_args(argv)
    wanted = set(args.only or ["workcalendar", "imports", "catalog_import", "search"])
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    run_dir = _isolate()
    started = datetime.now(UTC)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        results: dict[str, Any] = {}
        clock = time.perf_counter()
        if "workcalendar" in wanted:
            import bench_workcalendar

            print("running work calendar benchmark …", file=sys.stderr)
            results["workcalendar"] = bench_workcalendar.run()
        if "imports" in wanted:
            import bench_imports

            print(f"running import benchmark ({', '.join(map(str, sizes))} rows) …", file=sys.stderr)
            results["imports"] = bench_imports.run(sizes=sizes)
        if "catalog_import" in wanted:
            import catalog_import

            print(f"running catalogue import benchmark ({catalog_import.SIZE:,} items) …", file=sys.stderr)
            results["catalog_import"] = catalog_import.run()
        if "search" in wanted:
            import search as search_bench

            print(f"running search benchmark ({search_bench.SIZE:,} guides) …", file=sys.stderr)
            results["search"] = search_bench.run_all()
        report = {
            "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "wall_seconds": round(time.perf_counter() - clock, 1),
            "machine": machine_info(),
            "results": results,
        }
        report["targets"] = targets_for(results)
        report["all_pass"] = all(t["pass"] for t in report["targets"])
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)

    RESULTS_DIR.mkdir(exist_ok=True)
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    stamped = RESULTS_DIR / f"bench-{started:%Y%m%dT%H%M%SZ}.json"
    stamped.write_text(text, encoding="utf-8")
    (RESULTS_DIR / "latest.json").write_text(text, encoding="utf-8")
    print(summary(report))
    print(f"written: {stamped.relative_to(REPO)} and bench/results/latest.json")
    return 0 if report["all_pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
