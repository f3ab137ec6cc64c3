"""Benchmark the catalogue import (catalog_items): 5 000 items with full guides from xlsx, items/s and peak RSS.

``run()`` assumes Django is set up on a migrated database (``bench/run.py`` does that on a fresh SQLite file).
It creates the 28 Lechang departments of the demo and a set of topics, writes a realistic xlsx (every column of
the template filled: 3–8 materials and 3–6 steps in the import mini-syntax, legal basis and conditions of real
length, channels, 通办, topics) and imports it through the real job path (``import_file_job`` +
``import_job_run``, atomic mode) in a *fresh subprocess* per phase, so the peak RSS reported (VmHWM, see
bench_imports) is that phase's alone:

1. ``first``: every item new, every guide published (v1);
2. ``again``: the same file once more: nothing changes (the idempotence path: content compared in memory);
3. ``changed``: the file with 10 % of the guides edited: those become v2, the rest are left alone.

On SQLite each run starts from a copy of the prepared database and the phases run in order on that copy. With
``--database-url postgres://…/name`` (standalone only) the phases run on that PostgreSQL database, which must
exist and be empty; it is migrated first.

Run alone: ``ZHENGWU_VAR_DIR=/tmp/zw-bench .venv/bin/python bench/catalog_import.py [--size 5000]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_imports import _maxrss_kb, _peak_kb, _snapshot_db, _status_kb

SIZE = 5_000
TARGET_ITEMS_PER_S = 300
SEED = 2026
PHASES = ("first", "again", "changed")
CHANGED_SHARE = 0.10

_VERBS = [
    "核发",
    "变更",
    "延续",
    "注销",
    "备案",
    "登记",
    "审批",
    "确认",
    "申领",
    "补领",
    "换领",
    "认定",
    "办理",
]
_OBJECTS = [
    "食品经营许可证",
    "道路运输经营许可证",
    "建筑工程施工许可证",
    "社会保障卡",
    "医疗保险关系转移",
    "城乡居民养老保险待遇",
    "最低生活保障",
    "残疾人两项补贴",
    "户籍迁入",
    "居民身份证",
    "不动产权证书",
    "林木采伐许可证",
    "取水许可",
    "排水许可",
    "药品零售企业许可",
    "公共场所卫生许可证",
    "民办学校办学许可",
    "职业技能等级证书",
    "就业创业证",
    "失业保险金",
    "高龄津贴",
    "婚姻登记",
    "出生医学证明",
    "生育登记",
    "个体工商户营业执照",
    "烟草专卖零售许可证",
    "特种设备使用登记",
    "农作物种子经营许可证",
    "渔业捕捞许可证",
    "临时占用城市道路许可",
]
_SITUATIONS = ["", "（新办）", "（变更）", "（延续）", "（注销）", "（补证）"]
_MATERIALS = [
    ("申请表", "必要，原件1份，窗口领取", "申请人签名并加盖公章"),
    ("居民身份证", "必要，原件1份，数据共享免提交", ""),
    ("营业执照", "必要，复印件1份，数据共享免提交", ""),
    ("法定代表人身份证明", "必要，复印件1份，申请人自备", ""),
    ("授权委托书", "非必要，原件1份，申请人自备", "委托他人办理时提交"),
    ("场所使用证明", "必要，原件和复印件各1份，申请人自备", "租赁的须提交租赁合同"),
    ("平面布局图", "必要，原件2份，申请人自备", "标明功能分区、设备布局"),
    ("从业人员健康证明", "必要，复印件1份，政府部门核发", ""),
    ("户口簿", "必要，原件1份，申请人自备", ""),
    ("不动产权证书", "必要，复印件1份，政府部门核发", ""),
    ("检测报告", "必要，原件1份，申请人自备", "由具备资质的机构出具，有效期内"),
    ("承诺书", "必要，电子材料1份，窗口领取", ""),
]
_STEPS = [
    "申请（说明：申请人通过广东政务服务网或窗口提交申请）",
    "受理（1个工作日）",
    "审查（{d}个工作日）",
    "现场核查（特殊环节，不计时限，说明：必要时组织现场核查）",
    "专家评审（10个工作日，特殊环节，不计时限）",
    "决定（1个工作日）",
    "送达（即时）",
]
_BASIS = (
    "《中华人民共和国行政许可法》第二十九条、第三十条；《{law}》第{n}条；《广东省{law}实施办法》第{m}条。"
)
_LAWS = [
    "食品安全法",
    "道路运输条例",
    "社会保险法",
    "建筑法",
    "森林法",
    "水法",
    "药品管理法",
    "公共场所卫生管理条例",
]
_CONDITIONS = (
    "1. 申请人为在本市登记的{who}；2. 具有与申请事项相适应的场所、设施和专业人员；3. 近三年内无相关违法违规记录；"
    "4. 申请材料齐全、符合法定形式。"
)
_TOPICS = [
    ("person", "birth", "出生"),
    ("person", "school", "上学"),
    ("person", "work", "就业"),
    ("person", "marry", "婚育"),
    ("person", "house", "住房"),
    ("person", "retire", "退休养老"),
    ("person", "disabled", "残疾人服务"),
    ("person", "death", "身后事"),
    ("enterprise", "open", "准入准营"),
    ("enterprise", "run", "经营纳税"),
    ("enterprise", "build", "工程建设"),
    ("enterprise", "close", "注销退出"),
]


def prepare_database() -> list[str]:
    """Create the county, the 28 demo departments and the topics; return the department names."""
    from zhengwu.catalog.models import Topic
    from zhengwu.core.choices import RegionKind, RegionLevel
    from zhengwu.core.models import Organisation, Region
    from zhengwu.demo.data import DEPARTMENTS

    county, _ = Region.objects.get_or_create(
        code="440281000000",
        defaults={"name": "乐昌市", "level": RegionLevel.COUNTY, "kind": RegionKind.COUNTY},
    )
    for spec in DEPARTMENTS:
        Organisation.objects.get_or_create(
            code=spec.code,
            defaults={"name": spec.name, "short_name": spec.short_name, "kind": spec.kind, "region": county},
        )
    for order, (kind, code, name) in enumerate(_TOPICS):
        Topic.objects.get_or_create(code=code, defaults={"kind": kind, "name": name, "order": order})
    return [spec.name for spec in DEPARTMENTS]


def item_rows(count: int, departments: list[str], *, changed_share: float = 0.0) -> list[list[str]]:
    """``count`` realistic rows in the template's column order; ``changed_share`` of them with edited guides."""
    from zhengwu.catalog.importers import FIELDS

    rng = random.Random(SEED)
    change = random.Random(SEED + 1)
    keys = [f.key for f in FIELDS]
    rows = []
    for i in range(count):
        dept = departments[i % len(departments)]
        obj, verb = rng.choice(_OBJECTS), rng.choice(_VERBS)
        immediate = rng.random() < 0.3
        statutory = rng.choice([5, 10, 15, 20, 20, 30, 45, 60])
        promised = "" if immediate else str(max(1, statutory // rng.choice([2, 3, 4])))
        materials = rng.sample(_MATERIALS, rng.randint(3, 8))
        steps = [
            s.format(d=rng.randint(2, 8))
            for s in sorted(rng.sample(_STEPS, rng.randint(3, 6)), key=_STEPS.index)
        ]
        charged = rng.random() < 0.1
        scope = rng.choice(["", "", "", "省内通办", "市内通办", "跨省通办"])
        depth = rng.choice(["一级", "二级", "三级", "四级", "四级"])
        values = {
            "impl_code": f"11440281MB2C{i:06d}X4440281{i % 1000:03d}",
            "base_code": f"XK{i:05d}{i % 7:03d}Y",
            "handle_code": f"11440281MB2C{i:06d}X444028100{i % 3}" if rng.random() < 0.5 else "",
            "name": f"{obj}{verb}{rng.choice(_SITUATIONS)}",
            "item_type": rng.choice(
                ["行政许可", "行政确认", "行政给付", "公共服务", "行政备案", "其他行政权力"]
            ),
            "on_application": "是",
            "department": dept,
            "level": rng.choice(["县级", "县级", "县级", "镇(街)级"]),
            "service_object": rng.choice(["自然人", "法人", "自然人、法人"]),
            "handling_kind": "即办件" if immediate else "承诺件",
            "statutory_days": "" if immediate else str(statutory),
            "promised_days": promised,
            "fee_mode": "收费" if charged else "不收费",
            "fee_detail": "工本费每证10元，依据《广东省行政事业性收费项目目录清单》。" if charged else "",
            "legal_basis": _BASIS.format(law=rng.choice(_LAWS), n=rng.randint(2, 80), m=rng.randint(2, 40)),
            "conditions": _CONDITIONS.format(who=rng.choice(["自然人", "企业", "个体工商户", "社会组织"])),
            "materials": "\n".join(
                f"{name}（{attrs}{'，备注：' + note if note else ''}）" for name, attrs, note in materials
            ),
            "steps": "\n".join(steps),
            "location": f"乐昌市政务服务中心{rng.randint(1, 3)}楼{rng.randint(1, 40)}号窗口",
            "hours": "周一至周五 上午8:30-12:00，下午14:30-17:30（法定节假日除外）",
            "consult_phone": f"0751-55{rng.randint(10000, 99999)}",
            "complaint_phone": "0751-12345",
            "visits": rng.choice(["零跑动", "最多跑一次", "最多跑一次", "最多跑两次"]),
            "online_depth": depth,
            "online_url": f"https://www.gdzwfw.gov.cn/portal/guide/{i:06d}",
            "channels": "、".join(
                rng.sample(["网上办事大厅", "粤省事", "粤商通", "自助终端"], rng.randint(1, 3))
            ),
            "tongban_scope": scope,
            "tongban_mode": rng.choice(["全程网办", "异地代收代办"]) if scope else "",
            "one_window": "是" if rng.random() < 0.8 else "否",
            "topics": "、".join(name for _k, _c, name in rng.sample(_TOPICS, rng.randint(0, 2))),
            "result_name": f"{obj}" if not obj.endswith("证") else obj,
            "faq": "问：可以委托他人办理吗？答：可以，须提交授权委托书及受托人身份证。",
        }
        if changed_share and change.random() < changed_share:
            values["hours"] = "周一至周六 上午8:30-12:00，下午14:30-17:30（法定节假日除外）"
        rows.append([values[k] for k in keys])
    return rows


def write_xlsx_file(path: Path, rows: list[list[str]]) -> None:
    from zhengwu.catalog.exporting import headers
    from zhengwu.core.exports import Sheet, write_xlsx

    write_xlsx(path, [Sheet("政务服务事项", headers(), rows, text=True)])


# --- The measured import (child process) -------------------------------------------------------------------


def child(path: Path, expected: int) -> dict[str, Any]:
    """Import one file in this (fresh) process; return timing, memory, the job's outcome and what is stored."""
    import django

    django.setup()
    from zhengwu.catalog import importers  # noqa: F401  (load before the baseline is taken)
    from zhengwu.catalog.models import GuideMaterial, GuideVersion, Item
    from zhengwu.core.choices import ImportMode, ImportStatus
    from zhengwu.core.imports import import_file_job, import_job_run

    # The after-commit refresh of the search index is part of the import (registered here if the app does not
    # register its kind yet); without core.search it is skipped.
    indexed = importlib.util.find_spec("zhengwu.core.search") is not None
    if indexed:
        from zhengwu.catalog import search as catalog_search
        from zhengwu.catalog.models import Item as ItemModel
        from zhengwu.core import search

        if catalog_search.KIND not in search.registered_kinds():
            search.register(catalog_search.KIND, model=ItemModel, document=catalog_search.document)
    else:
        from zhengwu.catalog import services

        services._reindex = lambda ids: None
    job = import_file_job(kind="catalog_items", path=path, mode=ImportMode.ATOMIC, actor=None)
    rss_before = _status_kb("VmRSS") or _peak_kb()
    started = time.perf_counter()
    job = import_job_run(job)
    seconds = time.perf_counter() - started
    peak = _peak_kb()
    return {
        "rows": expected,
        "seconds": round(seconds, 3),
        "items_per_s": round(expected / seconds),
        "rss_before_mb": round(rss_before / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "growth_mb": round((peak - rss_before) / 1024, 1),
        "ru_maxrss_mb": round(_maxrss_kb() / 1024, 1),
        "status": job.status,
        "message": job.message,
        "created": job.created_rows,
        "updated": job.updated_rows,
        "error_rows": job.error_rows,
        "items": Item.objects.count(),
        "published": Item.objects.published().count(),
        "versions": GuideVersion.objects.count(),
        "materials": GuideMaterial.objects.count(),
        "search_index": "refreshed after commit (included)" if indexed else "skipped: core.search missing",
        "search_entries": _search_entries() if indexed else None,
        "ok": job.status == ImportStatus.SUCCEEDED and job.error_rows == 0,
    }


def _search_entries() -> int:
    from zhengwu.core.models import SearchEntry

    return SearchEntry.objects.filter(kind="catalog.item").count()


def _spawn(path: Path, size: int, var_dir: Path) -> dict[str, Any]:
    env = {**os.environ, "ZHENGWU_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "zhengwu.config.settings"}
    env["PYTHONHASHSEED"] = "0"
    proc = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, __file__, "--child", str(path), str(size)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"catalogue import of {path.name} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(size: int = SIZE) -> dict[str, Any]:
    """Prepare the database and the files, run the three phases; return the figures."""
    from django.conf import settings
    from django.db import connection

    vendor = connection.vendor
    work = Path(tempfile.mkdtemp(prefix="bench-catalog-", dir=settings.VAR_DIR))
    departments = prepare_database()
    files = {
        "first": work / "first.xlsx",
        "changed": work / "changed.xlsx",
    }
    write_xlsx_file(files["first"], item_rows(size, departments))
    write_xlsx_file(files["changed"], item_rows(size, departments, changed_share=CHANGED_SHARE))
    files["again"] = files["first"]
    var_dir = work / "var"
    var_dir.mkdir()
    (var_dir / "pii_key").write_text(settings.PII_KEY, encoding="utf-8")
    (var_dir / "secret_key").write_text(settings.SECRET_KEY, encoding="utf-8")
    if vendor == "sqlite":
        _snapshot_db(var_dir / "zhengwu.sqlite3")
    connection.close()
    results: dict[str, Any] = {
        "method": (
            "xlsx with every template column, atomic mode, import_file_job + import_job_run, each phase in a fresh "
            "subprocess on the same database (SQLite: a copy of the prepared one); memory = VmHWM of that process"
        ),
        "db_vendor": vendor,
        "size": size,
        "file_mb": round(files["first"].stat().st_size / 2**20, 2),
        "target_items_per_s": TARGET_ITEMS_PER_S,
    }
    for phase in PHASES:
        results[phase] = _spawn(files[phase], size, var_dir)
    first, again, changed = (results[p] for p in PHASES)
    results["changed_share"] = CHANGED_SHARE
    results["all_ok"] = (
        all(results[p]["ok"] for p in PHASES)
        and first["created"] == size == first["published"]
        and again["created"] == again["updated"] == 0
        and again["versions"] == first["versions"]
        and changed["versions"] - first["versions"] == changed["updated"] > 0
    )
    results["meets_target"] = first["items_per_s"] >= TARGET_ITEMS_PER_S
    shutil.rmtree(work, ignore_errors=True)
    return results


def summary_lines(results: dict[str, Any]) -> list[str]:
    lines = [
        f"catalogue import ({results['size']:,} items, xlsx {results['file_mb']} MB, {results['db_vendor']}, atomic; "
        "fresh process per phase; memory = peak RSS):"
    ]
    for phase, label in (("first", "new items"), ("again", "same file"), ("changed", "10 % changed")):
        r = results[phase]
        lines.append(
            f"  {label:<13}{r['items_per_s']:>7,} items/s  {r['seconds']:>6.1f} s  peak {r['peak_rss_mb']:>6.1f} MB "
            f"(growth {r['growth_mb']:.1f} MB)  created {r['created']:,} updated {r['updated']:,}  "
            f"versions {r['versions']:,}  {r['status']}"
        )
    return lines


def _standalone(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="catalogue import benchmark")
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument(
        "--database-url", default="", help="an empty PostgreSQL database (default: fresh SQLite)"
    )
    args = parser.parse_args(argv)
    if args.database_url:
        os.environ["ZHENGWU_DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("ZHENGWU_DATABASE_URL", None)
        base = Path(os.environ.get("ZHENGWU_VAR_DIR") or tempfile.gettempdir())
        base.mkdir(parents=True, exist_ok=True)
        os.environ["ZHENGWU_VAR_DIR"] = tempfile.mkdtemp(prefix="zhengwu-bench-catalog-", dir=base)
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhengwu.config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    try:
        results = run(args.size)
    finally:
        if not args.database_url:
            shutil.rmtree(os.environ["ZHENGWU_VAR_DIR"], ignore_errors=True)
    print("\n".join(summary_lines(results)), file=sys.stderr)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0 if results["all_ok"] and results["meets_target"] else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.config.settings")
        print(json.dumps(child(Path(sys.argv[2]), int(sys.argv[3]))))
    else:
        sys.exit(_standalone(sys.argv[1:]))
