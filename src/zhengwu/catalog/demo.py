"""The catalogue part of the Lechang demo: ≈1 500 政务服务事项 with published 办事指南 (seed_demo step).

The plan is a pure function of the seed and the size: the 99 high-frequency items of demo-data.md §3 first,
then each department's main items (demo/catalog_data.py) expanded into 办理项 by situation, then sub-items.
The plan is a stream (the first N items are the same whatever the size), so ``--scale 4`` after a scale-1 run
only adds items. Every item's content comes from its own generator (seed + 实施编码), so the shares the
dashboards show (即办件, 全程网办, 一窗) are outcomes of per-item choices, never targets written in.

Writes: the bulk of items, guide versions, materials, steps, channels, topics and volumes is created in
batches with the guide rules of the services (``validate_guide``) and one audit entry per batch; the few items
that show the workflow (drafts in review, returned drafts, several published versions) go through the services
one by one. Idempotent: items whose 实施编码 exists are left alone, so a second run writes nothing.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import islice
from typing import Any

from django.db import connections, router
from django.utils import timezone

from zhengwu.catalog.choices import (
    Channel,
    FeeMode,
    GuideStatus,
    HandlingKind,
    ItemLevel,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    ServiceObject,
    TongbanMode,
    TongbanScope,
    Visits,
)
from zhengwu.catalog.models import (
    GuideMaterial,
    GuideStep,
    GuideVersion,
    Item,
    ItemChannel,
    ItemVolume,
    Topic,
)
from zhengwu.catalog.services import (
    GUIDE_FIELDS,
    can_edit_item,
    guide_publish_new,
    guide_review,
    guide_start_draft,
    guide_submit,
    guide_update,
    high_frequency_refresh,
    validate_guide,
)
from zhengwu.core.audit import audit_log
from zhengwu.core.exceptions import InvalidInput
from zhengwu.core.models import Organisation, User
from zhengwu.core.validators import USCC_ALPHABET, uscc_check_digit
from zhengwu.demo import catalog_data as cd
from zhengwu.demo import data
from zhengwu.demo.seed import SeedContext, StepResult, topic_rng

ITEMS_PER_SCALE = 1500  # tests shrink it
BATCH_SIZE = 500
MONTHS = 12  # of case volumes before the current month

# Per-item odds. Shares of the outcome, not targets: see the module docstring.
IMMEDIATE_ODDS = {"XK": 0.1, "QR": 0.25, "BA": 0.7, "JF": 0.08, "GG": 0.45, "QT": 0.25, "CJ": 0.0, "JL": 0.0}
ONLINE_ODDS = {"XK": 0.84, "QR": 0.84, "BA": 0.92, "JF": 0.87, "GG": 0.9, "QT": 0.78, "CJ": 0.45, "JL": 0.6}
STATUTORY_DEFAULT = {"XK": 20, "QR": 20, "BA": 10, "JF": 30, "GG": 20, "QT": 20, "CJ": 60, "JL": 30}
GAP_ODDS = 0.08
# Workflow examples among new items (cumulative thresholds of one roll): no guide at all, a first guide in
# review, a revision in review, an unsubmitted revision, a returned revision, several published versions.
EXTRAS = [
    ("no_guide", 0.007),
    ("first_review", 0.011),
    ("revision_review", 0.018),
    ("revision_draft", 0.020),
    ("returned", 0.023),
    ("history", 0.031),
]
# The demo handlers maintain these units: their items get drafts more often, so the review queue shows
# drafts written by the personas.
HANDLER_UNITS = {"ZRZYJ", "ZRZYJ-BDC", "SCJGJ"}
# Units that are not government bodies (机关 "11"): public institutions "12", companies "91".
USCC_PREFIX = {
    "RSJ-SB": "12",
    "YBJ-JB": "12",
    "ZRZYJ-BDC": "12",
    "SFJ-GZ": "12",
    "MZJ-HY": "12",
    "CL": "51",
    "GDJ": "91",
    "ZLS": "91",
    "RQ": "91",
}


# --- The plan ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One item the catalogue could hold: a real §3 item or a main item in one situation/sub-item."""

    unit: str
    stem: str
    item_type: str
    obj: str  # P / L / B
    topics: tuple[str, ...]
    result: str
    materials: tuple[str, ...]
    basis: str
    main_no: int
    situation: str = ""  # catalog_data.SITUATIONS letter; "" for a real or single-situation item
    situation_no: int = 0
    qualifier: str = ""
    level: str = ItemLevel.COUNTY
    in_person: bool = False
    fee: str = ""
    statutory: int | None = None
    promised: int | None = None  # real items: None = 即办件
    yearly: int | None = None  # real items: approximate cases per year
    real: bool = False

    @property
    def name(self) -> str:
        if self.real:
            return self.stem
        parts = []
        if self.situation:
            parts.append(cd.SITUATIONS[self.item_type][self.situation])
        if self.qualifier:
            parts.append(self.qualifier)
        return f"{self.stem}（{'·'.join(parts)}）" if parts else self.stem

    @property
    def base_code(self) -> str:
        return f"{self.item_type}{self.main_no:05d}{self.situation_no:03d}"


@dataclass
class PlannedItem:
    """Everything written for one item."""

    impl_code: str
    candidate: Candidate
    item: dict[str, Any]
    topics: list[str]
    channels: list[str]
    guide: dict[str, Any] | None
    materials: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    volumes: list[int]  # oldest month first
    published_days_ago: int
    extra: str = ""
    gaps: list[str] = field(default_factory=list)


def _parse_options(text: str) -> dict[str, Any]:
    options: dict[str, Any] = {"situations": None, "level": ItemLevel.COUNTY, "in_person": False}
    options.update(fee="", statutory=None)
    for word in text.split():
        if word.isdigit():
            options["statutory"] = int(word)
        elif word.startswith("$"):
            options["fee"] = word[1:]
        elif word in ("T", "V"):
            options["level"] = ItemLevel.TOWN if word == "T" else ItemLevel.VILLAGE
        elif word == "P":
            options["in_person"] = True
        elif set(word) <= set("NCYZB"):
            options["situations"] = word
        else:
            raise ValueError(f"catalog_data: unknown option {word!r}")
    return options


def real_candidates() -> list[Candidate]:
    out = []
    for number, line in enumerate(row for row in cd.REAL_ITEMS.strip().splitlines() if row.strip()):
        name, unit, kind, obj, statutory, promised, topics, yearly, flags, result, materials, basis = (
            line.split("|")
        )
        options = _parse_options(flags)
        out.append(
            Candidate(
                unit=unit,
                stem=name,
                item_type=kind,
                obj=obj,
                topics=tuple(t for t in topics.split(",") if t),
                result=result,
                materials=tuple(m for m in materials.split(";") if m),
                basis=basis,
                main_no=number + 1,
                level=options["level"],
                in_person=options["in_person"],
                fee=options["fee"],
                statutory=int(statutory) if statutory else None,
                promised=None if promised == "即" else int(promised),
                yearly=int(yearly),
                real=True,
            )
        )
    return out


def main_items() -> dict[str, list[tuple[Candidate, str]]]:
    """Return unit → [(main item in its first situation, its situation letters)] in catalogue order."""
    out: dict[str, list[tuple[Candidate, str]]] = {}
    number = 100  # base codes 00001–00099 are the real items
    for unit, text in cd.DEPARTMENT_ITEMS.items():
        basis = ""
        for raw in text.strip().splitlines():
            line = raw.strip()
            if not line:
                continue
            if line.startswith("@"):
                basis = line[1:]
                continue
            stem, kind, obj, topics, result, materials, opts = line.split("|")
            options = _parse_options(opts)
            situations = options["situations"] or cd.DEFAULT_SITUATIONS[kind]
            situations = "".join(s for s in situations if s in cd.SITUATIONS[kind]) or "N"
            number += 1
            first = Candidate(
                unit=unit,
                stem=stem,
                item_type=kind,
                obj=obj,
                topics=tuple(t for t in topics.split(",") if t),
                result=result,
                materials=tuple(m for m in materials.split(";") if m),
                basis=basis,
                main_no=number,
                situation=situations[0] if len(situations) > 1 else "",
                level=options["level"],
                in_person=options["in_person"],
                fee=options["fee"],
                statutory=options["statutory"],
            )
            out.setdefault(unit, []).append((first, situations))
    return out


def candidate_stream(seed: int) -> Iterator[Candidate]:
    """Yield every candidate in plan order (an endless stream; the caller takes what it needs).

    Order: the real items; one main item per unit in turn (so every unit is represented early); the other
    situations and the realistic sub-items (告知承诺制 permits, 镇街受理 of person items), shuffled; then
    rounds of generic sub-items for the benchmark scales.
    """
    seen: set[tuple[str, str]] = set()

    def fresh(c: Candidate) -> bool:
        key = (c.unit, c.name)
        if key in seen:
            return False
        seen.add(key)
        return True

    for c in real_candidates():
        if fresh(c):
            yield c
    mains = main_items()
    rng = topic_rng(seed, "catalog-order")
    per_unit = {unit: rng.sample(rows, len(rows)) for unit, rows in mains.items()}
    units = list(per_unit)
    rng.shuffle(units)
    for turn in range(max(len(rows) for rows in per_unit.values())):
        for unit in units:
            if turn < len(per_unit[unit]) and fresh(per_unit[unit][turn][0]):
                yield per_unit[unit][turn][0]
    rest: list[Candidate] = []
    for rows in mains.values():
        for first, situations in rows:
            for number, letter in enumerate(situations[1:], start=1):
                rest.append(replace(first, situation=letter, situation_no=number))
            if first.item_type == "XK" and situations == "N":  # a permit that can change
                rest.append(replace(first, situation="C", situation_no=1))
            if first.obj == "B":  # separate 办理项 for persons and for organisations
                rest.append(replace(first, qualifier="个人办理", situation_no=93, obj="P"))
                rest.append(replace(first, qualifier="单位办理", situation_no=94, obj="L"))
            if first.item_type == "XK" and first.situation in ("", "N"):
                rest.append(replace(first, qualifier="告知承诺制", situation_no=90))
            elif first.obj != "L" and first.level == ItemLevel.COUNTY and not first.in_person:
                rest.append(replace(first, qualifier="镇街受理", situation_no=91, level=ItemLevel.TOWN))
                if first.obj == "P" and first.item_type in ("GG", "JF"):
                    rest.append(
                        replace(first, qualifier="村居代办", situation_no=92, level=ItemLevel.VILLAGE)
                    )
    rng.shuffle(rest)
    for c in rest:
        if fresh(c):
            yield c
    everything = real_candidates() + [first for rows in mains.values() for first, _s in rows]
    for round_no in range(1000):
        label = cd.QUALIFIERS[round_no % len(cd.QUALIFIERS)]
        if round_no >= len(cd.QUALIFIERS):
            label = f"{label}{round_no // len(cd.QUALIFIERS) + 1}"
        batch = [
            replace(c, qualifier=label, situation_no=100 + round_no, real=False, yearly=None, promised=None)
            for c in everything
        ]
        topic_rng(seed, f"catalog-round-{round_no}").shuffle(batch)
        for c in batch:
            if fresh(c):
                yield c


def unit_uscc(code: str, stored: str = "") -> str:
    """Return a unit's 统一社会信用代码: the stored one, or a stable made-up one (valid check character)."""
    if stored:
        return stored
    digest = hashlib.sha256(f"zhengwu-demo-unit:{code}".encode()).digest()
    first17 = (
        USCC_PREFIX.get(code, "11") + data.COUNTY_CODE + "".join(USCC_ALPHABET[b % 31] for b in digest[:9])
    )
    return first17 + uscc_check_digit(first17)


def unit_phone(code: str, stored: str = "") -> str:
    if stored:
        return stored
    digest = hashlib.sha256(f"zhengwu-demo-phone:{code}".encode()).digest()
    return f"0751-55{int.from_bytes(digest[:4]) % 100000:05d}"


def plan_catalogue(
    seed: int,
    count: int,
    *,
    today: date,
    units: dict[str, tuple[str, str]] | None = None,
    examples: int | None = None,
) -> list[PlannedItem]:
    """Return the first ``count`` items of the demo catalogue (deterministic for seed and day).

    ``units`` maps unit code → (stored USCC, stored phone) when known; else stable made-up ones are used.
    Workflow examples (drafts, returns, several versions) are drawn among the first ``examples`` items
    (default ``ITEMS_PER_SCALE``), so larger scales add plain published items.
    """
    units = units or {}
    examples = ITEMS_PER_SCALE if examples is None else examples
    sequence: dict[str, int] = {}
    plan = []
    for index, candidate in enumerate(islice(candidate_stream(seed), count)):
        sequence[candidate.unit] = sequence.get(candidate.unit, 0) + 1
        uscc, phone = units.get(candidate.unit, ("", ""))
        impl_code = f"{unit_uscc(candidate.unit, uscc)}4{data.COUNTY_CODE}{sequence[candidate.unit]:06d}"
        rng = topic_rng(seed, f"catalog-item:{impl_code}")
        planned = build_item(candidate, impl_code, rng, today=today, phone=unit_phone(candidate.unit, phone))
        if index >= examples:  # the benchmark scales add items, not more workflow examples
            planned.extra = "" if planned.extra != "no_guide" else planned.extra
        plan.append(planned)
    return plan


# --- One item ---------------------------------------------------------------------------------------------


def build_item(c: Candidate, impl_code: str, rng: random.Random, *, today: date, phone: str) -> PlannedItem:
    """Choose an item's facts and guide from its own generator."""
    kind = _handling_kind(c, rng)
    statutory, promised = _limits(c, kind, rng)
    depth = _online_depth(c, rng)
    visits = _visits(depth, rng)
    handle = f"{impl_code}{c.situation_no:03d}" if c.situation or c.qualifier else ""
    yearly = _yearly_cases(c, rng)
    guide = {
        "handling_kind": kind,
        "statutory_days": statutory,
        "promised_days": promised,
        "fee_mode": FeeMode.CHARGED if c.fee else FeeMode.FREE,
        "fee_detail": cd.FEES[c.fee] if c.fee else "",
        "legal_basis": c.basis,
        "conditions": _conditions(c),
        "location": _location(c, rng),
        "hours": _hours(c),
        "consult_phone": phone if rng.random() < 0.6 else f"{phone}、0751-12345",
        "complaint_phone": rng.choice(cd.COMPLAINT_PHONES),
        "visits": visits,
        "online_depth": depth,
        "online_url": f"{cd.ONLINE_BASE}{impl_code}" if depth >= OnlineDepth.LEVEL3 else "",
        "result_name": c.result,
        "faq": _faq(c, kind, depth),
        "change_note": "首次发布",
    }
    item = {
        "name": c.name,
        "base_code": c.base_code,
        "handle_code": handle,
        "item_type": c.item_type,
        "level": c.level,
        "service_object": {"P": ServiceObject.PERSON, "L": ServiceObject.LEGAL, "B": ServiceObject.BOTH}[
            c.obj
        ],
        "one_window": rng.random() < {ItemLevel.COUNTY: 0.92, ItemLevel.TOWN: 0.5}.get(c.level, 0.0),
        **_tongban(c, depth, yearly, rng),
    }
    planned = PlannedItem(
        impl_code=impl_code,
        candidate=c,
        item=item,
        topics=_topics(c),
        channels=_channels(c, depth, rng),
        guide=guide,
        materials=_materials(c, depth, rng),
        steps=_steps(c, kind, promised, rng),
        # a generator of their own: the months depend on the day, nothing else may
        volumes=_monthly(c, yearly, today, random.Random(rng.getrandbits(64))),  # noqa: S311 - demo data
        published_days_ago=rng.randint(20, 900),
    )
    roll = rng.random()
    if c.unit in HANDLER_UNITS:
        roll /= 4
    planned.extra = next((name for name, below in EXTRAS if roll < below), "")
    if c.real and planned.extra in ("no_guide", "first_review"):
        planned.extra = ""  # the high-frequency items of §3 are the portal's showcase: always published
    if planned.extra == "no_guide":
        planned.guide, planned.materials, planned.steps = None, [], []
    elif rng.random() < GAP_ODDS:
        _add_gaps(planned, rng)
    return planned


def _handling_kind(c: Candidate, rng: random.Random) -> str:
    if c.real:
        return HandlingKind.IMMEDIATE if c.promised is None else HandlingKind.PROMISED
    odds = IMMEDIATE_ODDS[c.item_type]
    odds += {"Z": 0.3, "B": 0.3, "C": 0.1}.get(c.situation, 0.0)
    if c.qualifier in ("告知承诺制", "简易程序"):
        odds += 0.5
    if c.unit == "ZRZYJ-BDC":
        odds /= 2  # registrations take days (国办发〔2019〕8号: ≤5 working days)
    return HandlingKind.IMMEDIATE if rng.random() < odds else HandlingKind.PROMISED


def _limits(c: Candidate, kind: str, rng: random.Random) -> tuple[int | None, int | None]:
    if kind == HandlingKind.IMMEDIATE:
        return c.statutory, None
    statutory = c.statutory or STATUTORY_DEFAULT[c.item_type]
    if c.real and c.promised is not None:
        return statutory, min(c.promised, statutory)
    promised = round(statutory * rng.uniform(0.1, 0.5))
    return statutory, max(1, min(promised, 15, statutory))


def _online_depth(c: Candidate, rng: random.Random) -> int:
    if c.in_person:
        return OnlineDepth.LEVEL3 if rng.random() < 0.75 else OnlineDepth.LEVEL2
    odds = ONLINE_ODDS[c.item_type] * {ItemLevel.COUNTY: 1.0, ItemLevel.TOWN: 0.88}.get(c.level, 0.7)
    if rng.random() < odds:
        return OnlineDepth.LEVEL4
    r = rng.random()
    return OnlineDepth.LEVEL3 if r < 0.65 else OnlineDepth.LEVEL2 if r < 0.9 else OnlineDepth.LEVEL1


def _visits(depth: int, rng: random.Random) -> int:
    if depth == OnlineDepth.LEVEL4:
        return Visits.ZERO
    r = rng.random()
    if depth == OnlineDepth.LEVEL3:
        return Visits.ONE if r < 0.95 else Visits.TWO
    if depth == OnlineDepth.LEVEL2:
        return Visits.ONE if r < 0.8 else Visits.TWO
    return Visits.ONE if r < 0.7 else Visits.TWO if r < 0.95 else Visits.MANY


def _conditions(c: Candidate) -> str:
    law = c.basis.split("；")[0] if c.basis else "相关法律法规"
    result = c.result or "办理结果"
    who = {
        "P": "申请人为具有完全民事行为能力的自然人（未成年人或无民事行为能力人由监护人代为申请）",
        "L": "申请人为依法设立的法人或非法人组织",
        "B": "申请人为具有完全民事行为能力的自然人或依法设立的法人、非法人组织",
    }[c.obj]
    lines = [who]
    if c.situation == "C":
        lines.append(f"已取得{result}，且登记或许可事项发生变化")
    elif c.situation == "Y":
        lines.append(f"{result}有效期届满前30个工作日内提出申请，且仍符合原许可条件")
    elif c.situation == "Z":
        lines.append("依法终止相关活动或不再从事该事项，且无未办结的相关业务")
    elif c.situation == "B":
        lines.append(f"{result}遗失、损毁或无法辨认")
    elif c.item_type == "XK":
        lines.append("具备与申请事项相适应的场所、设施设备和专业人员")
    if c.level != ItemLevel.COUNTY:
        lines.append("申请人户籍或居住地在乐昌市辖区内")
    lines.append(f"符合{law}规定的条件和标准")
    lines.append("申请材料齐全、符合法定形式")
    return "；".join(f"{i}.{line}" for i, line in enumerate(lines, start=1)) + "。"


def _location(c: Candidate, rng: random.Random) -> str:
    if c.level == ItemLevel.TOWN:
        return cd.TOWN_LOCATION
    if c.level == ItemLevel.VILLAGE:
        return cd.VILLAGE_LOCATION
    place, first, last = cd.WINDOWS.get(c.unit, cd.DEFAULT_WINDOWS)
    return f"{place}{rng.randint(first, last)}号窗口"


def _hours(c: Candidate) -> str:
    if c.level != ItemLevel.COUNTY:
        return cd.HOURS_TOWN
    return cd.HOURS_SATURDAY if c.unit in ("GAJ", "GAJ-CGS", "ZRZYJ-BDC", "RSJ-SB", "TAX") else cd.HOURS


def _faq(c: Candidate, kind: str, depth: int) -> str:
    lines = (
        []
        if c.in_person
        else ["问：可以委托他人代为办理吗？答：可以，受托人须携带授权委托书及本人居民身份证原件。"]
    )
    if kind == HandlingKind.IMMEDIATE:
        lines.append("问：材料齐全需要多长时间？答：材料齐全、符合法定形式的当场办结。")
    if depth == OnlineDepth.LEVEL4:
        lines.append(
            "问：网上申请后如何取得结果？答：可选择EMS免费寄递，或在广东政务服务网、粤省事下载电子证照。"
        )
    elif c.in_person:
        lines.append("问：为什么必须本人到场？答：需现场采集人像、指纹或本人签名确认，不能代办。")
    return "\n".join(lines)


def _tongban(c: Candidate, depth: int, yearly: float, rng: random.Random) -> dict[str, str]:
    """通办: the busy items reach across provinces or the province; most county items at least the city."""
    if c.level == ItemLevel.VILLAGE:
        return {"tongban_scope": TongbanScope.NONE, "tongban_mode": TongbanMode.NONE}
    busy = c.real or yearly >= 500
    national, province = (0.3, 0.45) if busy else (0.02, 0.1)
    city = 0.8 if c.level == ItemLevel.COUNTY else 0.4
    r = rng.random()
    online = depth == OnlineDepth.LEVEL4
    if r < national:
        scope = TongbanScope.NATIONAL
    elif r < national + province:
        scope = TongbanScope.PROVINCE
    elif r < national + province + city * (1 - national - province):
        scope = TongbanScope.CITY
    else:
        return {"tongban_scope": TongbanScope.NONE, "tongban_mode": TongbanMode.NONE}
    if online:
        mode = TongbanMode.ONLINE
    elif scope == TongbanScope.PROVINCE and rng.random() < 0.2:
        mode = TongbanMode.JOINT
    else:
        mode = TongbanMode.PROXY
    return {"tongban_scope": scope, "tongban_mode": mode}


def _topics(c: Candidate) -> list[str]:
    topics = list(c.topics)
    if c.obj != "P" and c.situation == "Z" and "exit" not in topics:
        topics.append("exit")
    if c.obj == "L" and c.situation in ("", "N") and c.item_type in ("XK", "BA") and not topics:
        topics.append("entry")
    known = {code for _kind, code, _name in cd.TOPICS}
    return [t for t in topics if t in known]


def _channels(c: Candidate, depth: int, rng: random.Random) -> list[str]:
    if depth < OnlineDepth.LEVEL3:
        return [Channel.KIOSK] if c.obj != "L" and rng.random() < 0.05 else []
    channels = [Channel.HALL_WEB]
    person = {"P": 0.74, "B": 0.5, "L": 0.0}[c.obj]
    enterprise = {"P": 0.0, "B": 0.3, "L": 0.45}[c.obj]
    if rng.random() < person:
        channels.append(Channel.YUESHIDA)
    if rng.random() < enterprise:
        channels.append(Channel.YUESHANGTONG)
    if rng.random() < (0.2 if c.obj != "L" else 0.05):
        channels.append(Channel.KIOSK)
    return channels


_FORM_WORDS = (
    "申请表",
    "申请书",
    "登记表",
    "备案表",
    "信息表",
    "审批表",
    "申报表",
    "登记书",
    "审核表",
    "登记单",
    "申报单",
)


def _material(name: str, c: Candidate, depth: int, rng: random.Random) -> dict[str, Any]:
    optional = any(w in name for w in ("提供）", "如有", "必要时"))
    m: dict[str, Any] = {
        "name": name,
        "required": not optional,
        "copies": 1,
        "form": MaterialForm.ORIGINAL,
        "source": MaterialSource.APPLICANT,
        "note": "",
    }
    if any(w in name for w in _FORM_WORDS):
        m["source"] = MaterialSource.ISSUED_HERE
        m["note"] = "可在窗口领取或在广东政务服务网下载，须申请人签名（单位加盖公章）"
    elif "委托书" in name:
        pass  # signed by the applicant: never shared data
    elif "身份证" in name or "营业执照" in name or "户口簿" in name:
        shared = {"身份证": 0.45, "营业执照": 0.6, "户口簿": 0.3}
        odds = next(v for k, v in shared.items() if k in name)
        if rng.random() < odds:
            m["source"] = MaterialSource.SHARED
            m["note"] = "已通过数据共享核验，免于提交"
        elif "营业执照" in name:
            m["form"] = MaterialForm.COPY
            m["note"] = "复印件须加盖公章"
    elif any(w in name for w in ("证书", "许可证", "登记证", "证明书", "批准书", "批复")):
        m["source"] = MaterialSource.GOVERNMENT
        m["form"] = MaterialForm.ORIGINAL_AND_COPY if rng.random() < 0.5 else MaterialForm.COPY
    elif "合同" in name or "协议" in name:
        m["form"] = MaterialForm.ORIGINAL_AND_COPY
    elif any(w in name for w in ("图", "方案", "报告")):
        m["copies"] = 2 if rng.random() < 0.3 else 1
    elif "照片" in name or "相片" in name:
        m["copies"] = 2
    if (
        depth == OnlineDepth.LEVEL4
        and m["source"] != MaterialSource.SHARED
        and m["form"] != MaterialForm.ELECTRONIC
        and rng.random() < 0.4
    ):
        m["form"] = MaterialForm.ELECTRONIC
        m["note"] = (
            "可在线填写并电子签名"
            if m["source"] == MaterialSource.ISSUED_HERE
            else "网上申办的上传电子材料或扫描件"
        )
    return m


def _materials(c: Candidate, depth: int, rng: random.Random) -> list[dict[str, Any]]:
    names = list(c.materials)
    if not any("身份证" in n or "身份证明" in n or "营业执照" in n for n in names):
        names.insert(
            0,
            {
                "P": "申请人居民身份证",
                "L": "营业执照",
                "B": "申请人身份证明（自然人提供居民身份证，单位提供营业执照）",
            }[c.obj],
        )
    result = c.result or "原证件"
    extra = {
        "C": "变更事项相关证明材料",
        "Y": f"原{result}",
        "Z": f"{result}正副本（已遗失的提供遗失声明）",
        "B": "遗失声明或损毁的原证件",
    }.get(c.situation)
    if extra and extra not in names:
        names.insert(min(2, len(names)), extra)
    optional = "授权委托书及受托人居民身份证（委托办理的提供）"
    names = names[: 6 if rng.random() < 0.6 else 7]
    if len(names) < 7 and rng.random() < 0.6 and not c.in_person:  # in person: no one may act for them
        names.append(optional)
    if len(names) < 2:
        names.append(f"{c.stem}申请表")
    materials = [_material(n, c, depth, rng) for n in names]
    if not any(m["required"] for m in materials):
        materials[0]["required"] = True
    return materials


_SPECIAL_STEPS = [
    ("现场勘验", "对申请人的场所、设施进行现场核查", 5),
    ("专家评审", "组织专家对申请材料和技术方案进行评审", 10),
    ("检验检测", "委托有资质的机构进行检验检测", 10),
    ("公示", "按规定在政府网站或村(居)公示栏公示", 7),
    ("听证", "依申请或依法组织听证", 15),
]


def _steps(c: Candidate, kind: str, promised: int | None, rng: random.Random) -> list[dict[str, Any]]:
    """收件→受理→审查→决定→制证→送达 (demo-data.md §3); special steps do not count in the limit."""
    certificate = any(w in c.result for w in ("证", "照"))
    send = "通过EMS免费寄递或窗口领取；电子证照同步推送至粤省事、粤商通"

    def step(name: str, text: str, days: int | None = None) -> dict[str, Any]:
        return {
            "name": name,
            "description": text,
            "days": days or None,
            "is_special": False,
            "counts_in_limit": True,
        }

    if kind == HandlingKind.IMMEDIATE:
        steps = [
            step("收件", "窗口收取申请材料，材料不齐全的一次性告知需补正的全部内容"),
            step("受理", "对申请材料进行形式审查，符合条件的当场受理"),
            step("审查", "对申请材料进行审查"),
            step("决定", "符合条件的当场作出决定并办结"),
        ]
        if certificate:
            steps.append(step("制证", f"当场制作并发放{c.result}"))
        return steps
    days = promised or 1
    accept = 1 if days >= 4 else 0
    left = days - accept
    make = 1 if certificate and left >= 3 else 0
    review = math.ceil((left - make) * 0.6)
    decide = left - make - review
    steps = [
        step("收件", "窗口或网上收取申请材料，材料不齐全的一次性告知需补正的全部内容"),
        step("受理", "对申请材料进行形式审查，符合条件的予以受理并出具受理通知书", accept),
        step("审查", "对申请材料进行实质审查", review),
        step("决定", "作出准予或不予办理的决定；不予办理的说明理由并告知救济途径", decide),
    ]
    if certificate:
        steps.append(step("制证", f"制作{c.result}", make))
    if rng.random() < 0.7:
        steps.append(step("送达", send))
    special_odds = {"XK": 0.2, "QR": 0.08, "JF": 0.25, "CJ": 0.3}.get(c.item_type, 0.0)
    if days >= 3 and rng.random() < special_odds:
        options = _SPECIAL_STEPS if c.item_type != "JF" else [_SPECIAL_STEPS[3]]
        name, text, length = rng.choice(options)
        steps.insert(
            2,
            {"name": name, "description": text, "days": length, "is_special": True, "counts_in_limit": False},
        )
    return steps


def _yearly_cases(c: Candidate, rng: random.Random) -> float:
    if c.yearly is not None:
        return c.yearly * rng.lognormvariate(0, 0.25)
    zero = 0.12 if not c.qualifier else 0.3
    if rng.random() < zero:
        return 0.0
    base = {
        "P": {"GG": 150, "JF": 90, "QR": 100, "XK": 40},
        "B": {"GG": 90, "QR": 70, "XK": 35},
        "L": {"GG": 60, "BA": 25, "XK": 18},
    }[c.obj].get(c.item_type, 20)
    factor = cd.SITUATION_VOLUME.get(c.situation or "N", 1.0) * (0.35 if c.qualifier else 1.0)
    return base * factor * rng.lognormvariate(0, 1.2)


def _month_starts(today: date) -> list[date]:
    index = today.year * 12 + today.month - 1
    return [date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(MONTHS, 0, -1)]


def _season(topics: tuple[str, ...], month: int) -> float:
    factor = {1: 0.9, 2: 0.65}.get(month, 1.0)
    if "education" in topics:
        factor *= {6: 1.3, 7: 2.0, 8: 2.5, 9: 1.5}.get(month, 0.8)
    if "tax" in topics:
        factor *= 1.3 if 3 <= month <= 6 else 1.0
    return factor


def _monthly(c: Candidate, yearly: float, today: date, rng: random.Random) -> list[int]:
    out = []
    for month in _month_starts(today):
        mean = yearly / 12 * _season(c.topics, month.month)
        if mean <= 0:
            out.append(0)
        elif mean < 30:  # Poisson by inversion
            limit, k, p = math.exp(-mean), 0, rng.random()
            while p > limit:
                k += 1
                p *= rng.random()
            out.append(k)
        else:
            out.append(max(0, round(rng.gauss(mean, math.sqrt(mean) * 1.5))))
    return out


# Gaps the completeness audit (catalog.rules) should find in a realistic minority of guides.
GAPS = [
    "fee_blank",
    "statutory_missing",
    "complaint_phone",
    "legal_basis",
    "catch_all",
    "no_steps",
    "online_url",
    "hours",
    "base_code",
    "material_catch_all",
]


def _add_gaps(p: PlannedItem, rng: random.Random) -> None:
    guide = p.guide
    assert guide is not None  # noqa: S101 - only called for items with a guide
    wanted = 1 if rng.random() < 0.7 else 2
    for gap in rng.sample(GAPS, len(GAPS)):
        if len(p.gaps) == wanted:
            break
        if gap == "fee_blank" and guide["fee_mode"] == FeeMode.FREE:
            guide["fee_mode"] = FeeMode.UNSET
        elif gap == "statutory_missing" and guide["handling_kind"] == HandlingKind.PROMISED:
            guide["statutory_days"] = None
        elif gap == "complaint_phone":
            guide["complaint_phone"] = f"55{rng.randrange(10000, 99999)}"
        elif gap == "legal_basis":
            guide["legal_basis"] = ""
        elif gap == "catch_all":
            guide["conditions"] = guide["conditions"].removesuffix("。") + "；其他法律法规规定的条件。"
        elif gap == "no_steps":
            p.steps = []
        elif gap == "online_url" and guide["online_depth"] == OnlineDepth.LEVEL4:
            guide["online_url"] = ""
        elif gap == "hours":
            guide["hours"] = ""
        elif gap == "base_code":
            p.item["base_code"] = ""
        elif gap == "material_catch_all":
            p.materials.append(_material("审批部门要求的其他材料", p.candidate, guide["online_depth"], rng))
        else:
            continue
        p.gaps.append(gap)


# --- Writing ----------------------------------------------------------------------------------------------


def seed_catalog(ctx: SeedContext) -> StepResult:
    """Topics, ≈1 500 items with published guides, channels, 通办, volumes, the 高频 flags (idempotent)."""
    result = StepResult()
    topics, topics_created = _ensure_topics()
    codes = {c.unit for c in real_candidates()} | set(cd.DEPARTMENT_ITEMS)
    units = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
    missing = sorted(codes - set(units))
    if missing:
        raise InvalidInput(f"单位 {'、'.join(missing)} 不存在，请先生成组织机构。")
    today = timezone.localdate()
    plan = plan_catalogue(
        ctx.seed,
        ITEMS_PER_SCALE * ctx.scale,
        today=today,
        units={code: (o.uscc, o.phone) for code, o in units.items()},
    )
    existing: set[str] = set()
    for batch in _chunks([p.impl_code for p in plan], BATCH_SIZE * 2):
        existing |= set(Item.objects.filter(impl_code__in=batch).values_list("impl_code", flat=True))
    new = [p for p in plan if p.impl_code not in existing]
    ids: dict[str, int] = {}
    months = _month_starts(today)
    volumes = 0
    for number, batch in enumerate(_chunks(new, BATCH_SIZE), start=1):
        batch_ids, batch_volumes = _write_batch(batch, units, topics, months, ctx.seed, number)
        ids.update(batch_ids)
        volumes += batch_volumes
    _workflow_examples([p for p in new if p.extra], ids, ctx.seed)
    if volumes:
        high_frequency_refresh(actor=None)
    result.created, result.existing = len(new), len(existing)
    if topics_created:
        result.notes.append(f"主题 {topics_created} 个")
    if new:
        result.notes.append(_index_search(sorted(ids.values())))
    result.notes.append(catalogue_summary())
    return result


def _chunks[T](items: list[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _ensure_topics() -> tuple[dict[str, Topic], int]:
    have = {t.code: t for t in Topic.objects.filter(code__in=[code for _k, code, _n in cd.TOPICS])}
    new = [
        Topic(kind=kind, code=code, name=name, order=order)
        for order, (kind, code, name) in enumerate(cd.TOPICS, start=1)
        if code not in have
    ]
    if new:
        Topic.objects.bulk_create(new)
        audit_log(
            actor=None,
            username=data.SEED_USERNAME,
            action="catalog.topic.bulk_create",
            object_type=Topic._meta.label_lower,
            object_repr="人生阶段与企业阶段主题",
            after={"created": [t.code for t in new]},
        )
        have = {t.code: t for t in Topic.objects.filter(code__in=[code for _k, code, _n in cd.TOPICS])}
    return have, len(new)


def _write_batch(
    batch: list[PlannedItem],
    units: dict[str, Organisation],
    topics: dict[str, Topic],
    months: list[date],
    seed: int,
    number: int,
) -> tuple[dict[str, int], int]:
    """Write one batch of new items with their published guides; one audit entry. Return ids and volumes."""
    for p in batch:
        if p.guide is not None:
            errors = validate_guide(p.guide)
            if errors:  # the generator's own bug: stop before writing anything
                raise InvalidInput(f"{p.impl_code}：办事指南内容有误。", errors=errors)
    items = [
        Item(impl_code=p.impl_code, department=units[p.candidate.unit], on_application=True, **p.item)
        for p in batch
    ]
    Item.objects.bulk_create(items)
    ids = {item.impl_code: item.pk for item in items}
    link = Item.topics.through
    link.objects.bulk_create(
        [link(item_id=ids[p.impl_code], topic_id=topics[t].pk) for p in batch for t in p.topics]
    )
    now = timezone.now()
    ItemChannel.objects.bulk_create(
        [
            ItemChannel(
                item_id=ids[p.impl_code],
                channel=channel,
                listed_on=(now - timedelta(days=p.published_days_ago)).date(),
            )
            for p in batch
            for channel in p.channels
        ]
    )
    published = [p for p in batch if p.guide is not None and p.extra != "first_review"]
    guides = [
        GuideVersion(
            item_id=ids[p.impl_code],
            number=1,
            status=GuideStatus.PUBLISHED,
            published_at=now - timedelta(days=p.published_days_ago),
            **p.guide,
        )
        for p in published
    ]
    GuideVersion.objects.bulk_create(guides)
    GuideMaterial.objects.bulk_create(
        [
            GuideMaterial(guide=g, order=i, **m)
            for g, p in zip(guides, published, strict=True)
            for i, m in enumerate(p.materials, start=1)
        ],
        batch_size=1000,
    )
    GuideStep.objects.bulk_create(
        [
            GuideStep(guide=g, order=i, **s)
            for g, p in zip(guides, published, strict=True)
            for i, s in enumerate(p.steps, start=1)
        ],
        batch_size=1000,
    )
    _set_current_guides([(g.pk, g.item_id) for g in guides])
    rows = [
        ItemVolume(item_id=ids[p.impl_code], month=month, cases=cases, source="演示数据")
        for p in batch
        for month, cases in zip(months, p.volumes, strict=True)
        if cases
    ]
    ItemVolume.objects.bulk_create(rows, batch_size=2000)
    audit_log(
        actor=None,
        username=data.SEED_USERNAME,
        action="catalog.item.bulk_create",
        object_type=Item._meta.label_lower,
        object_repr=f"乐昌市政务服务事项演示数据第{number}批",
        after={
            "created": len(items),
            "published": len(guides),
            "first": batch[0].impl_code,
            "last": batch[-1].impl_code,
            "seed": seed,
        },
    )
    return ids, len(rows)


def _set_current_guides(pairs: list[tuple[int, int]]) -> None:
    """Point the new items at their guides: one executemany UPDATE (bulk_update builds a CASE per row)."""
    connection = connections[router.db_for_write(Item)]
    qn = connection.ops.quote_name
    sql = f"UPDATE {qn(Item._meta.db_table)} SET {qn('current_guide_id')} = %s WHERE {qn('id')} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, pairs)


def _workflow_examples(planned: list[PlannedItem], ids: dict[str, int], seed: int) -> None:
    """Drafts in review, returned and unsubmitted drafts, and items with several published versions."""
    if not planned:
        return
    users = {u.username: u for u in User.objects.filter(username__in=["handler", "handler2", "supervisor"])}
    items = Item.objects.select_related("current_guide").in_bulk([ids[p.impl_code] for p in planned])
    for p in planned:
        if p.extra == "no_guide":
            continue
        item = items[ids[p.impl_code]]
        rng = topic_rng(seed, f"catalog-workflow:{p.impl_code}")
        author = next(
            (u for name in ("handler", "handler2") if (u := users.get(name)) and can_edit_item(u, item)), None
        )
        if p.extra == "history":
            for _version in range(rng.choice([1, 1, 2])):
                values, materials, steps, note = _revision(p, rng)
                guide_publish_new(
                    item=item, actor=None, values=values, materials=materials, steps=steps, note=note
                )
                item.refresh_from_db()
                p.guide, p.materials, p.steps = {**values, "change_note": note}, materials, steps
            continue
        draft = guide_start_draft(item=item, actor=author)
        if p.extra == "first_review":
            assert p.guide is not None  # noqa: S101 - planned with a guide
            values, materials, steps, note = p.guide, p.materials, p.steps, "新增事项办事指南"
        else:
            values, materials, steps, note = _revision(p, rng)
        guide_update(
            guide=draft,
            actor=author,
            values={**values, "change_note": note},
            materials=materials,
            steps=steps,
        )
        if p.extra == "revision_draft":
            continue
        guide_submit(guide=draft, actor=author)  # type: ignore[arg-type]  # None = the CLI operator
        if p.extra == "returned":
            reviewer = users.get("supervisor")
            if reviewer is not None and not reviewer.has_perm("catalog.review_guide"):
                reviewer = None
            guide_review(
                guide=draft,
                actor=reviewer,
                approve=False,
                comment="请补充收费依据的文件名称和文号，并核对承诺时限与办理流程各环节时限是否一致。",
            )


def _revision(
    p: PlannedItem, rng: random.Random
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], str]:
    """A plausible change of a guide: shorter promise, fewer materials, fully online, longer hours."""
    assert p.guide is not None  # noqa: S101 - only for items with a guide
    values = {f: p.guide[f] for f in GUIDE_FIELDS if f != "change_note"}
    materials = [dict(m) for m in p.materials]
    steps = [dict(s) for s in p.steps]
    options = []
    if values["handling_kind"] == HandlingKind.PROMISED and (values["promised_days"] or 0) >= 2:
        options.append("faster")
    if any(m["source"] != MaterialSource.SHARED and "身份证" in m["name"] for m in materials):
        options.append("shared")
    if values["online_depth"] < OnlineDepth.LEVEL4 and not p.candidate.in_person:
        options.append("online")
    options.append("hours" if values["hours"] != cd.HOURS_SATURDAY else "phone")
    change = rng.choice(options)
    if change == "faster":
        before = values["promised_days"]
        values["promised_days"] = max(1, before // 2)
        steps = _steps(p.candidate, values["handling_kind"], values["promised_days"], rng) if steps else steps
        note = f"压缩承诺办结时限：由{before}个工作日压缩至{values['promised_days']}个工作日"
    elif change == "shared":
        for m in materials:
            if "身份证" in m["name"]:
                m.update(source=MaterialSource.SHARED, note="已通过数据共享核验，免于提交")
        note = "减免申请材料：居民身份证通过数据共享核验，免于提交"
    elif change == "online":
        values.update(
            online_depth=OnlineDepth.LEVEL4, visits=Visits.ZERO, online_url=f"{cd.ONLINE_BASE}{p.impl_code}"
        )
        note = "实现全程网办：申请、受理、审查、决定、送达全流程网上办理"
    elif change == "hours":
        values["hours"] = cd.HOURS_SATURDAY
        note = "增加周六上午延时服务"
    else:
        values["consult_phone"] = f"{values['consult_phone'].split('、')[0]}、0751-12345"
        note = "增加12345热线咨询渠道"
    return values, materials, steps, note


def _index_search(item_ids: list[int]) -> str:
    """Index the new items in the one search module, if the core search module is installed."""
    try:
        from zhengwu.core import search
    except ImportError:
        return "搜索模块尚未安装，未建立事项索引"
    from zhengwu.catalog.search import KIND, index_items

    if KIND not in search.registered_kinds():
        return "事项搜索类型尚未注册，未建立事项索引"

    index_items(item_ids)
    return "已更新事项搜索索引"


def catalogue_summary() -> str:
    """One line of what the catalogue holds (the item-based 全程网办率 over 依申请 items)."""
    active = Item.objects.active()
    total = active.count()
    on_application = active.filter(on_application=True)
    full_online = on_application.filter(current_guide__online_depth=OnlineDepth.LEVEL4).count()
    rate = full_online / max(on_application.count(), 1) * 100
    units = active.values("department").distinct().count()
    return (
        f"事项 {total} 项({units} 个单位)，已发布指南 {active.filter(current_guide__isnull=False).count()} 项，"
        f"全程网办率(事项口径) {rate:.2f}%，一窗受理 {active.filter(one_window=True).count()} 项，"
        f"高频 {active.filter(high_frequency=True).count()} 项，"
        f"待审核 {GuideVersion.objects.filter(status=GuideStatus.REVIEW).count()} 项"
    )
