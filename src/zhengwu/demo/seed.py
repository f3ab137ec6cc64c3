"""The core part of the Lechang demo: regions, organisations, accounts, people and the work calendar.

Each step is idempotent (creates only what is missing, so a second run writes nothing) and deterministic
for a given seed: names and numbers come from ``random.Random`` seeded with the run's seed and the topic.
Writes go through core services; the bulk writes (村(居), large numbers of people) are audited per batch.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate, islice

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from zhengwu.core import services, workcalendar
from zhengwu.core.audit import audit_log
from zhengwu.core.choices import OrgKind, RegionKind, RegionLevel, Role
from zhengwu.core.exceptions import InvalidInput
from zhengwu.core.models import Organisation, Person, Region, User, WorkCalendarDay
from zhengwu.core.pii import pii_hash
from zhengwu.core.validators import resident_id_check_char
from zhengwu.demo import data

# Up to this many new people are written one by one through services.person_upsert; more go through
# the person importer's bulk write (same validation and encryption), one audit entry per batch.
PERSON_SERVICE_LIMIT = 1000
BATCH_SIZE = 1000


@dataclass
class SeedContext:
    """Parameters of one run."""

    seed: int = 2026
    scale: int = 1
    reset_passwords: bool = False


def topic_rng(seed: int, topic: str) -> random.Random:
    """Return a generator private to one topic, so adding a step never shifts another's output."""
    return random.Random(f"{seed}:{topic}")


@dataclass
class StepResult:
    created: int = 0
    existing: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = f"新增 {self.created}，已存在 {self.existing}"
        return "；".join([text, *self.notes])


def county_code12() -> str:
    return data.COUNTY_CODE.ljust(12, "0")


def _county() -> Region:
    county = Region.objects.filter(code=county_code12(), level=RegionLevel.COUNTY).first()
    if county is None:
        raise InvalidInput(f"县级区划 {data.COUNTY_CODE} 不存在，请先执行区划初始化。")
    return county


def _chunks[T](items: list[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


# --- 1. Regions from the Ministry's codes -----------------------------------------------------------------


def seed_regions(ctx: SeedContext) -> StepResult:
    """Province → city → county → the Ministry's towns (services.region_init), once."""
    divisions = services._mca_divisions()
    towns = {c for c, (level, parent, _n) in divisions.items() if level == 4 and parent == data.COUNTY_CODE}
    present = set(
        Region.objects.filter(level=RegionLevel.TOWN, prefix__in=towns).values_list("prefix", flat=True)
    )
    if towns and present == towns and Region.objects.filter(code=county_code12()).exists():
        return StepResult(existing=len(towns) + 3, notes=[f"乡级区划 {len(towns)} 个已就绪"])
    result = services.region_init(county_code=data.COUNTY_CODE, actor=None)
    return StepResult(result.created, result.updated, [f"数据来源：{services.mca_data_version()}"])


# --- 2. Organisations -------------------------------------------------------------------------------------


def organisation_specs() -> list[tuple[data.OrgSpec, str]]:
    """Return (spec, 9-digit region prefix) for every unit, parents before children."""
    county = data.COUNTY_CODE
    specs = [(spec, county) for spec in data.DEPARTMENTS + data.SERVICE_UNITS]
    names = dict(Region.objects.filter(prefix__in=list(data.VILLAGE_PLAN)).values_list("prefix", "name"))
    areas = {code for code, _name in data.MANAGEMENT_AREAS}
    for code9 in data.VILLAGE_PLAN:
        if code9 in areas or code9 not in names:
            continue
        name, seg = names[code9], code9[6:]
        gov = f"{data.TOWN_GOV_PREFIX}{seg}"
        gov_name = (
            f"{name}办事处" if services.town_kind(code9) == RegionKind.SUBDISTRICT else f"{name}人民政府"
        )
        specs.append((data.OrgSpec(gov, gov_name, OrgKind.TOWN, name), code9))
        specs.append(
            (
                data.OrgSpec(
                    f"{data.TOWN_CENTRE_PREFIX}{seg}",
                    f"{name}便民服务中心",
                    OrgKind.TOWN_CENTRE,
                    f"{name}便民中心",
                    parent=gov,
                ),
                code9,
            )
        )
    return specs


def _create_organisations(specs: list[tuple[data.OrgSpec, str]], actor: User | None) -> StepResult:
    result = StepResult()
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=[s.code for s, _r in specs])}
    regions = {r.prefix: r for r in Region.objects.filter(prefix__in={p for _s, p in specs})}
    for spec, prefix in specs:
        if spec.code in orgs:
            result.existing += 1
            continue
        orgs[spec.code] = services.organisation_upsert(
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            region=regions[prefix],
            actor=actor,
            parent=orgs[spec.parent] if spec.parent else None,
            short_name=spec.short_name,
            phone=spec.phone,
        )
        result.created += 1
    return result


def seed_organisations(ctx: SeedContext) -> StepResult:
    """The 28 departments, halls and service units, and each 镇(街)'s government and 便民服务中心."""
    _county()
    result = _create_organisations(organisation_specs(), actor=None)
    departments = Organisation.objects.filter(
        code__in=[s.code for s in data.DEPARTMENTS], kind__in=[OrgKind.DEPARTMENT, OrgKind.BUREAU]
    ).count()
    result.notes.append(f"部门 {departments} 个，镇(街)便民服务中心 {_count_kind(OrgKind.TOWN_CENTRE)} 个")
    return result


def _count_kind(kind: str) -> int:
    return Organisation.objects.filter(kind=kind, region__prefix__startswith=data.COUNTY_CODE).count()


# --- 3. Demo accounts -------------------------------------------------------------------------------------


def seed_accounts(ctx: SeedContext) -> StepResult:
    """The persona accounts (services.user_create); existing accounts are left as they are."""
    from zhengwu.core.roles import sync_roles

    if Group.objects.filter(name__in=Role.values).count() < len(Role.values):
        sync_roles()  # normally done after migrate; needed if the groups were removed
    result = StepResult()
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=[p.org_code for p in data.PERSONAS])}
    reset = 0
    for persona in data.PERSONAS:
        user = User.objects.filter(username=persona.username).first()
        if user is not None:
            result.existing += 1
            if ctx.reset_passwords:
                _reset_password(user)
                reset += 1
            continue
        if persona.org_code and persona.org_code not in orgs:
            raise InvalidInput(f"单位 {persona.org_code} 不存在，无法创建账号 {persona.username}。")
        services.user_create(
            username=persona.username,
            password=data.DEMO_PASSWORD,
            actor=None,
            display_name=persona.display_name,
            organisation=orgs.get(persona.org_code),
            roles=[persona.role],
            must_change_password=False,
        )
        result.created += 1
    if reset:
        result.notes.append(f"已重置 {reset} 个账号的密码")
    return result


def _reset_password(user: User) -> None:
    """Put a demo account back to the published password (``--reset-passwords``); audited by the service."""
    services.user_reset_password(
        user=user,
        new_password=data.DEMO_PASSWORD,
        actor=None,
        must_change=False,
        reason="seed_demo --reset-passwords",
    )


def region_admin() -> User:
    """Return the demo system admin, who adds the town-level units the Ministry list lacks."""
    admin = User.objects.filter(username="sysadmin", is_active=True).first()
    if admin is None or not admin.has_perm("core.add_region"):
        raise InvalidInput("演示系统管理员账号 sysadmin 不存在或没有维护区划的权限，无法添加管理区。")
    return admin


# --- 4. 管理区 and 村(居) -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VillageRow:
    code: str
    name: str
    kind: str
    urban_rural: str
    is_generated: bool
    source: str


def plan_villages(seed: int, town_names: dict[str, str]) -> list[VillageRow]:
    """Return the planned 村(居) of the county: known ones first, then generated names (deterministic).

    Codes follow the NBS rule (001–199 居委会/社区, 200–399 村委会) and do not depend on the seed; only the
    generated names and urban-rural codes do.
    """
    rng = topic_rng(seed, "villages")
    source = f"演示生成(seed_demo --seed {seed})，非官方名录"
    rows: list[VillageRow] = []
    for town, (n_comm, n_vill) in data.VILLAGE_PLAN.items():
        kind = services.town_kind(town)
        known = [v for v in data.KNOWN_VILLAGES if v.town == town]
        used = {v.name for v in known}
        has_centre = any(v.urban_rural == data.TOWN_CENTRE_AREA for v in known)
        stem = town_names.get(town, "").removesuffix("镇").removesuffix("街道")
        for i in range(n_comm):
            name = _community_name(rng, kind, stem if i == 0 else "", used)
            urban = _community_urban_code(kind, first=not has_centre)
            has_centre = has_centre or urban == data.TOWN_CENTRE_AREA
            rows.append(VillageRow(f"{town}{i + 1:03d}", name, RegionKind.RESIDENTS, urban, True, source))
        taken = {v.code for v in known if v.code}
        free = (f"{town}{n:03d}" for n in range(201, 400) if f"{town}{n:03d}" not in taken)
        for v in known:
            code = v.code or next(free)
            urban = v.urban_rural or (data.TOWN_CENTRE_AREA if not has_centre else data.VILLAGE_AREA)
            has_centre = has_centre or urban == data.TOWN_CENTRE_AREA
            rows.append(VillageRow(code, v.name, RegionKind.VILLAGERS, urban, False, v.source))
        for _ in range(n_vill - len(known)):
            name = _village_name(rng, used)
            if kind == RegionKind.SUBDISTRICT:
                urban = data.URBAN_FRINGE if rng.random() < 0.3 else data.VILLAGE_AREA
            else:
                urban = data.VILLAGE_AREA if has_centre else data.TOWN_CENTRE_AREA
                has_centre = True
            rows.append(VillageRow(next(free), name, RegionKind.VILLAGERS, urban, True, source))
    return rows


def _community_name(rng: random.Random, kind: str, stem: str, used: set[str]) -> str:
    if stem and kind == RegionKind.TOWN:
        name = f"{stem}社区"
    else:
        pool = data.URBAN_COMMUNITY_STEMS if kind == RegionKind.SUBDISTRICT else data.TOWN_COMMUNITY_STEMS
        name = f"{rng.choice([s for s in pool if f'{s}社区' not in used])}社区"
    used.add(name)
    return name


def _community_urban_code(kind: str, *, first: bool) -> str:
    if kind == RegionKind.SUBDISTRICT:
        return data.URBAN_CORE
    if kind == RegionKind.SPECIAL:
        return data.SPECIAL_AREA
    return data.TOWN_CENTRE_AREA if first else "122"


def _village_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(data.VILLAGE_FIRST) + rng.choice(data.VILLAGE_SECOND)
        if rng.random() < 0.2:
            name = rng.choice("上下新大") + name
        if len(set(name)) == len(name) and f"{name}村" not in used:
            used.add(f"{name}村")
            return f"{name}村"


def seed_villages(ctx: SeedContext) -> StepResult:
    """The two 管理区 (services.region_add_town, by the demo system admin) and ≈215 村(居) in one audited batch."""
    county = _county()
    result = StepResult()
    areas_added = 0
    for code, name in data.MANAGEMENT_AREAS:
        region = Region.objects.filter(code=code.ljust(12, "0")).first()
        if region is None or (region.name, region.level) != (name, RegionLevel.TOWN):
            services.region_add_town(code=code, name=name, actor=region_admin())
            areas_added += 1
    specs = [
        (data.OrgSpec(f"{data.TOWN_GOV_PREFIX}{code[6:]}", name, OrgKind.TOWN, name[-5:]), code)
        for code, name in data.MANAGEMENT_AREAS
    ]
    area_orgs = _create_organisations(specs, actor=None)
    towns = dict(Region.objects.filter(prefix__in=list(data.VILLAGE_PLAN)).values_list("prefix", "name"))
    plan = plan_villages(ctx.seed, towns)
    existing = set(Region.objects.filter(code__in=[r.code for r in plan]).values_list("code", flat=True))
    town_ids = dict(Region.objects.filter(prefix__in=list(towns)).values_list("prefix", "id"))
    new = [
        Region(
            code=row.code,
            prefix=row.code,
            name=row.name,
            level=RegionLevel.VILLAGE,
            kind=row.kind,
            parent_id=town_ids[row.code[:9]],
            urban_rural_code=row.urban_rural,
            is_generated=row.is_generated,
            source=row.source,
        )
        for row in plan
        if row.code not in existing and row.code[:9] in town_ids
    ]
    if new:
        Region.objects.bulk_create(new, batch_size=BATCH_SIZE)
        audit_log(
            actor=None,
            username=data.SEED_USERNAME,
            action="region.bulk_create",
            object_type=Region._meta.label_lower,
            object_id=county.code,
            object_repr=f"{county.name}村(居)演示数据",
            after={
                "created": len(new),
                "generated": sum(r.is_generated for r in new),
                "known": sum(not r.is_generated for r in new),
                "seed": ctx.seed,
            },
        )
    result.created = len(new) + areas_added
    result.existing = len(existing) + len(data.MANAGEMENT_AREAS) - areas_added
    total = Region.objects.filter(level=RegionLevel.VILLAGE, prefix__startswith=data.COUNTY_CODE).count()
    generated = Region.objects.filter(
        level=RegionLevel.VILLAGE, prefix__startswith=data.COUNTY_CODE, is_generated=True
    ).count()
    towns_total = Region.objects.filter(level=RegionLevel.TOWN, parent=county).count()
    result.notes.append(f"乡级 {towns_total} 个，村(居) {total} 个(其中演示生成 {generated} 个)")
    if area_orgs.created:
        result.notes.append(f"新增管理区单位 {area_orgs.created} 个")
    return result


# --- 5. People --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    name: str
    id_number: str
    phone: str
    region_code: str


def make_resident_id(area: str, birth: date, sequence: int) -> str:
    """Return a valid 18-digit 居民身份证号码 (GB 11643 check character); odd ``sequence`` = male."""
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def plan_persons(seed: int, count: int, village_codes: list[str]) -> list[PersonRow]:
    """Return ``count`` residents; the first N are the same whatever ``count`` is (a stream)."""
    rng = topic_rng(seed, "persons")
    core = [c for c in village_codes if c.startswith(f"{data.COUNTY_CODE}0")]  # 街道 (乐城)
    rest = [c for c in village_codes if not c.startswith(f"{data.COUNTY_CODE}0")]
    codes, weights = core + rest, [1.0] * len(village_codes)
    if core and rest:
        share = data.URBAN_CORE_SHARE
        weights = [share / len(core)] * len(core) + [(1 - share) / len(rest)] * len(rest)
    cumulative = list(accumulate(weights))
    first, last = data.BIRTH_YEARS
    seen: set[str] = set()
    rows: list[PersonRow] = []
    while len(rows) < count:
        male = rng.random() < 0.5
        year = round(rng.triangular(first, last, 1975))
        birth = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        number = make_resident_id(data.COUNTY_CODE, birth, rng.randrange(500) * 2 + (1 if male else 0))
        given = data.GIVEN_MALE if male else data.GIVEN_FEMALE
        name = rng.choice(data.SURNAMES) + "".join(rng.choices(given, k=1 if rng.random() < 0.35 else 2))
        phone = ""
        if year <= data.MOBILE_BORN_BY and rng.random() < data.MOBILE_SHARE:
            phone = rng.choice(data.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        region = rng.choices(codes, cum_weights=cumulative)[0]
        if number in seen:
            continue
        seen.add(number)
        rows.append(PersonRow(name, number, phone, region))
    return rows


def seed_persons(ctx: SeedContext) -> StepResult:
    """Residents with valid 身份证号 (prefix 440281) and mobiles, by services.person_upsert (or in batches)."""
    villages = list(
        Region.objects.filter(level=RegionLevel.VILLAGE, prefix__startswith=data.COUNTY_CODE)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if not villages:
        raise InvalidInput("还没有村(居)，请先生成村(居)。")
    plan = plan_persons(ctx.seed, data.PERSONS_PER_SCALE * ctx.scale, villages)
    hashes = [pii_hash(row.id_number) for row in plan]
    existing: set[str] = set()
    for batch in _chunks(hashes, BATCH_SIZE):
        existing |= set(Person.objects.filter(id_hash__in=batch).values_list("id_hash", flat=True))
    new = [row for row, h in zip(plan, hashes, strict=True) if h not in existing]
    if len(new) <= PERSON_SERVICE_LIMIT:
        regions = {r.code: r for r in Region.objects.filter(code__in={row.region_code for row in new})}
        for row in new:
            services.person_upsert(
                name=row.name,
                id_number=row.id_number,
                actor=None,
                phone=row.phone,
                region=regions[row.region_code],
            )
    else:
        _bulk_persons(ctx, new)
    return StepResult(len(new), len(existing))


def _bulk_persons(ctx: SeedContext, rows: list[PersonRow]) -> None:
    """Write many people through the person importer (validation, encryption), one audit entry per batch."""
    from zhengwu.core.importers import PersonImporter

    importer = PersonImporter(actor=None)
    importer.prepare()
    for batch in _chunks(rows, BATCH_SIZE):
        cleaned = [
            importer.clean(
                {"name": r.name, "id_number": r.id_number, "phone": r.phone, "region": r.region_code}
            )
            for r in batch
        ]
        with transaction.atomic():
            created, _updated = importer.write(cleaned)
            audit_log(
                actor=None,
                username=data.SEED_USERNAME,
                action="person.bulk_create",
                object_type=Person._meta.label_lower,
                object_repr=f"演示自然人 {created} 人",
                after={"created": created, "seed": ctx.seed},
            )


# --- 6. Work calendar -------------------------------------------------------------------------------------


def seed_workcalendar(ctx: SeedContext) -> StepResult:
    """The legal work calendar from the chinesecalendar package (the seed_calendar command)."""
    before = WorkCalendarDay.objects.count()
    out = io.StringIO()
    call_command("seed_calendar", stdout=out)
    first = out.getvalue().strip().splitlines()[0].rstrip("。") if out.getvalue().strip() else ""
    notes = [first] if first else []
    # Deadlines computed in the demo reach into next year from November on: draft the years the package
    # lacks up to next year, marked 草案 everywhere (never done for a year with a notice or package data).
    next_year = timezone.localdate().year + 1
    for year in range(max(workcalendar.package_years()) + 1, next_year + 1):
        if year not in workcalendar.covered_years():
            workcalendar.draft_year(year, actor=None)
            notes.append(f"{year}年为草案(未含调休，待通知)")
    after = WorkCalendarDay.objects.count()
    return StepResult(after - before, before, notes)


# --- 7. Service catalogue -------------------------------------------------------------------------------


def _seed_catalog(ctx: SeedContext) -> StepResult:
    """≈1 500 items with published guides (zhengwu.catalog.demo; imported late, it imports this module)."""
    from zhengwu.catalog.demo import seed_catalog

    return seed_catalog(ctx)


def _seed_inspections(ctx: SeedContext) -> StepResult:
    """The 行政许可监督检查 checklist and its 2026 round (zhengwu.inspections.demo; imported late as above)."""
    from zhengwu.inspections.demo import seed_inspections

    return seed_inspections(ctx)


# --- The run ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    title: str
    run: Callable[[SeedContext], StepResult]


# Later apps (catalog, halls, cases, …) append their own steps after these.
STEPS: list[Step] = [
    Step("行政区划(民政部区划代码)", seed_regions),
    Step("组织机构(部门、大厅、镇街便民服务中心)", seed_organisations),
    Step("演示账号", seed_accounts),
    Step("管理区与村(居)", seed_villages),
    Step("自然人", seed_persons),
    Step("法定工作日历", seed_workcalendar),
    Step("政务服务事项与办事指南", _seed_catalog),
    Step("行政许可监督检查", _seed_inspections),
]


def summary_counts() -> dict[str, int]:
    """Return what the demo holds now (for the closing line of the command)."""
    from zhengwu.catalog.models import Item
    from zhengwu.inspections.models import Finding

    county = data.COUNTY_CODE
    return {
        "乡级区划": Region.objects.filter(level=RegionLevel.TOWN, prefix__startswith=county).count(),
        "村(居)": Region.objects.filter(level=RegionLevel.VILLAGE, prefix__startswith=county).count(),
        "单位": Organisation.objects.filter(region__prefix__startswith=county).count(),
        "账号": User.objects.count(),
        "自然人": Person.objects.count(),
        "工作日历天数": WorkCalendarDay.objects.count(),
        "政务服务事项": Item.objects.count(),
        "已发布办事指南": Item.objects.published().count(),
        "监督检查问题": Finding.objects.count(),
    }
