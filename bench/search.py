"""Benchmark core.search: index 5 000 realistic service guides, then 100 real queries; docs/s and p50/p95 ms.

``run()`` assumes Django is set up on a migrated database (``bench/run.py`` does that on a fresh SQLite file)
and measures that database: indexing (``index_documents``: tokens + one ``executemany`` upsert per 500 docs,
FTS triggers or GIN index included), re-indexing the same documents, and ``search()`` end to end (candidates,
title boost, bodies of the page, highlighting and snippets), 20 hits a page, after one warm-up pass.

``run_all()`` does that, then, when ``ZHENGWU_BENCH_PG_URL`` names a PostgreSQL server (any database on it that
the user may connect to, e.g. ``postgres://postgres@127.0.0.1:5432/postgres``), runs the same benchmark in a
subprocess on a new database it creates there and drops afterwards.

Run alone: ``.venv/bin/python bench/search.py [--database-url postgres://…/any]`` (prints JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

SIZE = 5_000
QUERY_COUNT = 100
TARGET_P95_MS = 20.0
KIND = "bench.guide"
SEED = 2026
REPEATS = 3
BENCH_DIR = Path(__file__).resolve().parent
PG_ENV = "ZHENGWU_BENCH_PG_URL"

# Government service vocabulary by domain: department, the things applied for, the domain's own materials and
# laws. A guide draws its materials and legal basis from its domain plus a few that every guide has, as real
# guides do: a 2-character word then matches a realistic share of the catalogue, not half of it.
DOMAINS = [
    (
        "人社局",
        ["社保卡", "社会保险登记", "失业保险金", "就业创业证", "职业技能等级证书", "城乡居民养老保险待遇"],
        ["社保缴费证明", "劳动合同", "解除劳动关系证明", "银行账户信息", "一寸免冠照片"],
        ["中华人民共和国社会保险法", "失业保险条例", "中华人民共和国就业促进法"],
    ),
    (
        "医保局",
        ["城乡居民医保参保", "职工医保关系转移", "医疗费用报销", "门诊特定病种待遇认定"],
        ["医保参保凭证", "医疗费用发票", "出院小结", "诊断证明书"],
        ["中华人民共和国社会保险法", "医疗保障基金使用监督管理条例"],
    ),
    (
        "市场监管局",
        ["营业执照", "个体工商户营业执照", "食品经营许可证", "药品零售企业许可", "特种设备使用登记"],
        ["营业执照副本", "法定代表人身份证明", "场所使用证明或租赁合同", "平面布局图", "从业人员健康证明"],
        [
            "市场主体登记管理条例",
            "中华人民共和国食品安全法",
            "中华人民共和国药品管理法",
            "中华人民共和国特种设备安全法",
        ],
    ),
    (
        "自然资源局",
        ["不动产登记", "不动产抵押登记", "林木采伐许可证", "建设用地规划许可证"],
        ["不动产权证书", "购房合同", "完税证明", "抵押合同", "宗地图"],
        ["不动产登记暂行条例", "中华人民共和国民法典", "中华人民共和国森林法", "中华人民共和国土地管理法"],
    ),
    (
        "公安局",
        ["户籍迁入", "户籍证明", "居民身份证", "机动车驾驶证"],
        ["户口簿", "居民身份证", "房屋产权证明", "体检证明", "准予迁入证明"],
        ["中华人民共和国户口登记条例", "中华人民共和国居民身份证法", "中华人民共和国道路交通安全法"],
    ),
    (
        "民政局",
        ["婚姻登记", "最低生活保障", "残疾人两项补贴", "高龄津贴", "临时救助"],
        ["户口簿", "结婚证", "离婚协议书", "家庭收入证明", "残疾人证"],
        ["婚姻登记条例", "社会救助暂行办法", "中华人民共和国残疾人保障法"],
    ),
    (
        "住建局",
        ["建设工程规划许可证", "建筑工程施工许可证", "住房公积金提取", "住房公积金贷款"],
        ["建设用地规划许可证", "施工图审查合格书", "施工合同", "住房公积金缴存证明", "购房合同"],
        ["中华人民共和国城乡规划法", "中华人民共和国建筑法", "住房公积金管理条例"],
    ),
    (
        "卫健局",
        ["公共场所卫生许可证", "出生医学证明", "医师执业注册"],
        ["卫生检测报告", "从业人员健康证明", "出生医学证明首次签发登记表", "医师资格证书"],
        ["公共场所卫生管理条例", "中华人民共和国母婴保健法", "中华人民共和国医师法"],
    ),
    (
        "交通运输局",
        ["道路运输经营许可证", "道路运输从业人员从业资格证"],
        ["车辆行驶证", "驾驶员从业资格证", "安全生产管理制度文本"],
        ["中华人民共和国道路运输条例"],
    ),
    (
        "水务局",
        ["取水许可", "城镇污水排入排水管网许可"],
        ["取水论证报告", "排水检测报告", "排水管网接驳图"],
        ["中华人民共和国水法", "城镇排水与污水处理条例"],
    ),
]
VERBS = ["申领", "核发", "变更", "延续", "注销", "补领", "办理", "登记", "审批", "备案", "确认", "查询"]
COMMON_MATERIALS = ["申请表", "居民身份证原件及复印件", "授权委托书", "告知承诺书"]
WHO = ["本市户籍居民", "在本市登记的企业", "个体工商户", "用人单位", "参保职工", "城乡居民", "残疾人"]
# What people type: 2-character words (exact recall matters most) and 4-character ones, a few very common.
QUERIES_2 = ["社保", "医保", "执照", "户籍", "婚姻", "公证", "低保", "残疾", "林木", "取水", "排水", "药品"]
QUERIES_2 += ["卫生", "就业", "失业", "津贴", "备案", "许可", "登记", "驾驶", "救助", "养老", "贷款", "补领"]
QUERIES_4 = ["营业执照", "婚姻登记", "食品经营", "规划许可", "不动产登记", "建设工程", "养老保险", "医疗保险"]
QUERIES_4 += ["户籍迁入", "社会保险", "最低生活", "道路运输", "施工许可", "卫生许可", "职业技能", "出生医学"]
QUERIES_4 += ["住房公积金", "公积金提取", "残疾人补贴", "社保卡申领", "居民身份证", "驾驶证补领"]


def guides(count: int, seed: int = SEED) -> list[tuple[int, tuple[str, str]]]:
    """``count`` reproducible (id, (name, ≈ 800-character guide text)) pairs."""
    rng = random.Random(seed)
    out = []
    for i in range(1, count + 1):
        dept, objects, materials, laws = rng.choice(DOMAINS)
        obj, verb = rng.choice(objects), rng.choice(VERBS)
        name = f"{obj}{verb}" + rng.choice(["", "", "（新办）", "（变更）", "（个人）", "（企业）"])
        needed = rng.sample(COMMON_MATERIALS, rng.randint(2, 4)) + rng.sample(
            materials, rng.randint(2, min(4, len(materials)))
        )
        licence = "许可" in obj
        basis = rng.sample(laws, min(2, len(laws))) + (["中华人民共和国行政许可法"] if licence else [])
        parts = [
            f"办理对象：{rng.choice(WHO)}。服务对象类型：{rng.choice(['自然人', '企业法人', '事业单位法人', '其他组织'])}。",
            f"办理条件：申请人为{rng.choice(WHO)}，申请{obj}{verb}应当符合法定条件，近三年内无相关违法违规记录，"
            "申请材料齐全、符合法定形式。"
            + (f"已办理{rng.choice(objects)}的，须同时提交相关证明。" if rng.random() < 0.3 else ""),
            "申请材料："
            + "；".join(
                f"{n}. {m}（{rng.choice(['原件1份', '复印件1份', '原件和复印件各1份', '电子材料'])}，"
                f"{rng.choice(['申请人自备', '窗口领取', '政府部门核发', '数据共享免提交'])}）"
                for n, m in enumerate(needed, 1)
            )
            + "。",
            f"办理流程：网上申请或到乐昌市政务服务中心综合窗口提交申请，窗口受理后{rng.randint(1, 3)}个工作日内"
            f"转{dept}审查，审查通过后作出决定并送达，可选择邮寄送达或窗口领取。"
            + ("材料不齐全的，窗口一次性告知需要补正的全部内容。" if rng.random() < 0.5 else ""),
            f"办理时限：法定时限{rng.choice([10, 15, 20, 30])}个工作日，承诺时限{rng.choice([1, 3, 5, 7])}个工作日。"
            f"收费标准：{rng.choice(['不收费', '不收费', '按规定标准收取工本费'])}。",
            f"办理地点：乐昌市政务服务中心{rng.randint(1, 3)}楼{dept}窗口，工作日上午8:30至12:00、下午14:30至17:30，"
            f"咨询电话0751-55{rng.randint(10000, 99999)}。",
            "设定依据：" + "；".join(f"《{law}》第{rng.randint(2, 80)}条" for law in basis) + "。",
            f"办理结果：{obj}"
            + ("或不予许可决定书" if licence else "")
            + "，可通过窗口领取、邮政寄递或电子证照获取。",
            rng.choice(
                [
                    f"常见问题：委托他人办理的，受托人须携带授权委托书和本人有效身份证件；{obj}遗失的，可申请补领。",
                    f"常见问题：{obj}{verb}可以全程网办，申请人通过广东政务服务网上传材料，审核通过后邮寄送达。",
                    "常见问题：办理进度可通过短信通知、窗口查询或拨打12345政务服务便民热线了解。",
                    "",
                ]
            ),
            f"办理方式：{rng.choice(['窗口办理、网上办理', '窗口办理、网上办理、自助终端办理', '窗口办理'])}；"
            f"到办事现场次数：{rng.choice(['0次', '1次', '1次'])}；网办深度：{rng.choice(['二级', '三级', '四级'])}。"
            "审批结果可在广东政务服务网下载电子证照，也可在乐昌市政务服务中心出证窗口领取纸质证照。",
            f"监督投诉：对{dept}的办理行为有异议的，可拨打12345热线或在政务服务“好差评”系统中评价，"
            "也可向乐昌市政务服务和数据管理局反映。",
            "特别提示：申请人对提交材料的真实性负责，可通过粤省事、粤商通或广东政务服务网查询办理进度；"
            "对办理结果不服的，可依法申请行政复议或者提起行政诉讼。",
        ]
        out.append((i, (name, "\n".join(parts))))
    return out


def queries(count: int = QUERY_COUNT, seed: int = SEED) -> list[str]:
    """``count`` queries, half 2-character, half 4-character or longer, in a reproducible order."""
    rng = random.Random(seed)
    half = count // 2
    picked = [rng.choice(QUERIES_2) for _ in range(half)] + [
        rng.choice(QUERIES_4) for _ in range(count - half)
    ]
    rng.shuffle(picked)
    return picked


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def run(size: int = SIZE, query_count: int = QUERY_COUNT) -> dict[str, Any]:
    """Index ``size`` guides into the current database, run the queries, remove the guides; return the figures."""
    from django.db import connection

    from zhengwu.core import search
    from zhengwu.core.models import SearchEntry

    docs = guides(size)
    chars = sum(len(t) + len(b) for _, (t, b) in docs)
    SearchEntry.objects.filter(kind=KIND).delete()
    try:
        started = time.perf_counter()
        search.index_documents(KIND, docs)
        index_s = time.perf_counter() - started
        started = time.perf_counter()
        search.index_documents(KIND, docs)
        reindex_s = time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE core_searchentry")
        asked = queries(query_count)
        for q in dict.fromkeys(asked):  # warm-up: caches, prepared plans
            search.search(KIND, q)
        times, totals = [], []
        for q in asked:  # each query's time: the median of REPEATS runs (a busy shared machine adds spikes)
            runs = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                result = search.search(KIND, q)
                runs.append((time.perf_counter() - started) * 1000)
            times.append(statistics.median(runs))
            totals.append(result.total)
        worst = sorted(zip(times, asked, totals, strict=True), reverse=True)[:3]
        restricted_ids = [i for i, _ in docs[::10]]  # a "department filter" of 500 ids
        r_times = []
        for q in asked[:20]:
            started = time.perf_counter()
            search.search(KIND, q, ids=restricted_ids)
            r_times.append((time.perf_counter() - started) * 1000)
    finally:
        SearchEntry.objects.filter(kind=KIND).delete()
    p95 = _percentile(times, 95)
    return {
        "db_vendor": connection.vendor,
        "db_version": ".".join(map(str, connection.get_database_version())),
        "docs": size,
        "avg_doc_chars": round(chars / size),
        "index_seconds": round(index_s, 2),
        "index_docs_per_s": round(size / index_s),
        "reindex_unchanged_docs_per_s": round(size / reindex_s),
        "queries": len(asked),
        "query_p50_ms": round(_percentile(times, 50), 2),
        "query_p95_ms": round(p95, 2),
        "query_max_ms": round(max(times), 2),
        "query_mean_hits": round(statistics.mean(totals)),
        "slowest": [{"query": q, "ms": round(t, 2), "total": n} for t, q, n in worst],
        "restricted_500_ids_p95_ms": round(_percentile(r_times, 95), 2),
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": p95 <= TARGET_P95_MS,
    }


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def run_postgres(server_url: str, size: int = SIZE) -> dict[str, Any]:
    """Run the benchmark in a subprocess on a new database on ``server_url``'s server, then drop it."""
    import psycopg

    name = f"zw_bench_search_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
    var_dir = tempfile.mkdtemp(prefix="zhengwu-bench-search-pg-")
    try:
        env = {
            **os.environ,
            "ZHENGWU_DATABASE_URL": _with_database(server_url, name),
            "ZHENGWU_VAR_DIR": var_dir,
        }
        env.pop("ZHENGWU_TESTING", None)
        out = subprocess.run(  # noqa: S603
            [sys.executable, str(BENCH_DIR / "search.py"), "--child", str(size)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_all(size: int = SIZE) -> dict[str, Any]:
    """SQLite (the current database) and, when ZHENGWU_BENCH_PG_URL is set, PostgreSQL."""
    results: dict[str, Any] = {"method": __doc__.splitlines()[0], "sqlite": run(size)}
    pg_url = os.environ.get(PG_ENV, "")
    if pg_url:
        try:
            results["postgresql"] = run_postgres(pg_url, size)
        except Exception as exc:  # noqa: BLE001 - reported, the SQLite figures still count
            results["postgresql"] = {"error": f"{type(exc).__name__}: {exc}"}
    else:
        results["postgresql"] = {"skipped": f"{PG_ENV} not set"}
    return results


def summary_lines(results: dict[str, Any]) -> list[str]:
    lines = [
        "search (core.search; 5 000 guides ≈ 800 characters, 100 queries of 2 and 4+ characters, 20 a page):"
    ]
    for vendor in ("sqlite", "postgresql"):
        r = results.get(vendor) or {}
        if "query_p95_ms" not in r:
            lines.append(f"  {vendor:<11}{r.get('error') or r.get('skipped') or 'not run'}")
            continue
        lines.append(
            f"  {vendor:<11}index {r['index_docs_per_s']:>6,} docs/s ({r['index_seconds']} s), unchanged "
            f"{r['reindex_unchanged_docs_per_s']:,} docs/s; query p50 {r['query_p50_ms']} ms, p95 "
            f"{r['query_p95_ms']} ms, max {r['query_max_ms']} ms (mean {r['query_mean_hits']} hits); "
            f"500-id filter p95 {r['restricted_500_ids_p95_ms']} ms"
        )
    return lines


def _setup(database_url: str = "") -> None:
    if database_url:
        os.environ["ZHENGWU_DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhengwu.config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _standalone(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument(
        "--database-url", default="", help="a PostgreSQL server (a scratch database is made there)"
    )
    args = parser.parse_args(argv)
    if args.database_url:
        results = {"postgresql": run_postgres(args.database_url, args.size)}
    else:
        os.environ.pop("ZHENGWU_DATABASE_URL", None)
        base = Path(os.environ.get("ZHENGWU_VAR_DIR") or tempfile.gettempdir())
        base.mkdir(parents=True, exist_ok=True)
        os.environ["ZHENGWU_VAR_DIR"] = tempfile.mkdtemp(prefix="zhengwu-bench-search-", dir=base)
        try:
            _setup()
            results = {"sqlite": run(args.size)}
        finally:
            shutil.rmtree(os.environ["ZHENGWU_VAR_DIR"], ignore_errors=True)
    print("\n".join(summary_lines(results)), file=sys.stderr)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0 if all(r.get("meets_target") for r in results.values()) else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _setup()
        print(json.dumps(run(int(sys.argv[2]))))
    else:
        sys.exit(_standalone(sys.argv[1:]))
