"""The inspection part of the Lechang demo: the 行政许可监督检查 checklist and its 2026 round.

``seed_inspections(ctx)`` is a seed_demo step (it needs the departments, the demo accounts and the work
calendar). Everything goes through the services, so the demo carries the same audit entries and timelines as
real use; dates are fixed in 2026 and the choices (which departments, which criteria fail, how each finding
ends) come from ``topic_rng(ctx.seed, "inspections")``. A second run finds the round and writes nothing.

The 2026 round inspects eight departments between September and November: seven inspections submitted, the
last still being recorded (with one finding already raised). Findings are rectified by the two departments with demo handler accounts
(自然资源局, 市场监管局) and verified by the supervisor; for the other departments the supervisor records the
paper rectification reports on their behalf (代为登记), which nobody may then verify themselves, so those stay
待验收. Findings of the September inspections still open are overdue.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from zhengwu.core import workcalendar
from zhengwu.core.choices import OrgKind, Role
from zhengwu.core.exceptions import InvalidInput
from zhengwu.core.models import Organisation, User
from zhengwu.inspections import services
from zhengwu.inspections.choices import FindingStatus, InspectionStatus, Outcome, Scoring, Severity
from zhengwu.inspections.models import Finding, Inspection, InspectionRound

if TYPE_CHECKING:
    from zhengwu.demo.seed import SeedContext, StepResult

TEMPLATE_CODE = "licensing-supervision"
TEMPLATE_NAME = "行政许可监督检查"
ROUND_YEAR = 2026
ROUND_NAME = "2026年度行政许可监督检查"
ROUND_START, ROUND_END = date(2026, 9, 1), date(2026, 12, 18)

CRITERIA: list[dict[str, str]] = [
    {
        "code": "XK01",
        "section": "办事指南",
        "text": "办事指南在广东政务服务网公开，事项名称、依据、条件、材料、时限、收费、地点等要素完整准确",
        "guidance": "抽查3–5个许可事项，对照政务服务网指南与窗口实际要求逐项核对。",
    },
    {
        "code": "XK02",
        "section": "受理条件",
        "text": "受理条件明确具体，无“其他”“有关部门要求的”等兜底条款",
        "guidance": "审阅办事指南受理条件，依据《行政许可法》第十二、十六条。",
    },
    {
        "code": "XK03",
        "section": "申请材料",
        "text": "未要求申请人提交办事指南材料清单以外的材料",
        "guidance": "抽查办件档案与窗口一次性告知书，核对是否存在清单外材料。",
    },
    {
        "code": "XK04",
        "section": "申请材料",
        "text": "可通过数据共享获取的证照和材料不再要求申请人提交",
        "guidance": "对照电子证照共享目录，抽查办件中的身份证、营业执照等复印件。",
    },
    {
        "code": "XK05",
        "section": "办理时限",
        "text": "按承诺时限办结，无超期办件",
        "guidance": "抽查近三个月办件，按法定工作日比对受理与办结时间。",
    },
    {
        "code": "XK06",
        "section": "收费",
        "text": "不收取清单以外的费用，收费项目、标准和依据公示",
        "guidance": "核对收费清单、票据和公示内容；不收费事项可标注不适用。",
    },
    {
        "code": "XK07",
        "section": "一次性告知",
        "text": "材料不全时一次性告知需补正的全部内容，并出具书面告知书",
        "guidance": "抽查补正件的一次性告知书和补正次数。",
    },
    {
        "code": "XK08",
        "section": "监督投诉",
        "text": "投诉电话在办事指南和窗口公开，且能正常接通",
        "guidance": "现场拨打指南公布的投诉电话并记录接通情况。",
    },
    {
        "code": "XK09",
        "section": "办件管理",
        "text": "办件信息及时、完整录入政务服务平台，纸质与系统记录一致",
        "guidance": "比对纸质办件登记与系统办件记录的数量和日期。",
    },
    {
        "code": "XK10",
        "section": "结果公开",
        "text": "许可决定及时送达，并按规定在七个工作日内公示",
        "guidance": "抽查许可决定的送达回证和“双公示”记录。",
    },
]

# What an inspector writes when a criterion fails ({item} is the item concerned).
PROBLEMS: dict[str, str] = {
    "XK01": "“{item}”办事指南的申请材料与窗口实际收取不一致，办理地点未更新。",
    "XK02": "“{item}”受理条件含“其他相关部门要求的条件”兜底表述。",
    "XK03": "办理“{item}”时窗口要求申请人另行提供清单外的情况说明。",
    "XK04": "“{item}”仍要求申请人提交营业执照复印件，该证照可通过共享获取。",
    "XK05": "“{item}”抽查办件中有 2 件超过承诺时限办结，未办理延期手续。",
    "XK06": "“{item}”收费标准未在窗口公示。",
    "XK07": "“{item}”一件补正件分两次告知申请人补正内容。",
    "XK08": "办事指南公布的投诉电话无人接听(检查时连续拨打 3 次)。",
    "XK09": "“{item}”9 月纸质登记办件 12 件，系统仅录入 9 件。",
    "XK10": "“{item}”许可决定未在七个工作日内公示。",
}

# Typical licensing items of the departments (the subject of a finding).
ITEMS: dict[str, list[str]] = {
    "ZRZYJ": ["建设用地规划许可证核发", "乡村建设规划许可证核发", "建设工程规划许可证核发"],
    "SCJGJ": ["食品经营许可", "特种设备使用登记", "药品零售企业许可"],
    "JYJ": ["民办学校办学许可", "教师资格认定"],
    "GAJ": ["爆破作业单位许可", "大型群众性活动安全许可"],
    "MZJ": ["社会团体成立登记", "民办非企业单位成立登记"],
    "RSJ": ["人力资源服务许可", "劳务派遣经营许可"],
    "ZJJ": ["建筑工程施工许可证核发", "商品房预售许可"],
    "JTJ": ["道路旅客运输经营许可", "公路超限运输许可"],
    "SWJ": ["取水许可", "河道管理范围内建设项目工程建设方案审批"],
    "NYNCJ": ["农药经营许可", "兽药经营许可证核发"],
    "SWJ2": ["成品油零售经营资格审核", "酒类经营许可"],
    "WGLTJ": ["娱乐场所从事娱乐场所经营活动审批", "互联网上网服务营业场所经营单位设立审批"],
    "WJJ": ["医疗机构执业登记", "公共场所卫生许可"],
    "YJJ": ["危险化学品经营许可", "烟花爆竹经营(零售)许可"],
    "LYJ": ["林木采伐许可证核发", "使用林地审核"],
    "CGJ": ["城市建筑垃圾处置核准", "设置大型户外广告审批"],
    "FGJ": ["企业投资项目核准"],
}
ALWAYS = ["ZRZYJ", "SCJGJ"]  # the departments of the demo handler accounts
OTHERS = 6
# Fixed inspection days (Tuesdays); the last inspection is still being recorded.
DAYS = [
    date(2026, 9, 8),
    date(2026, 9, 15),
    date(2026, 9, 22),
    date(2026, 10, 13),
    date(2026, 10, 20),
    date(2026, 10, 27),
    date(2026, 11, 10),
    date(2026, 11, 24),
]


def _at(day: date, hour: int) -> datetime:
    """A moment on a local day, never later than now (the services refuse future events)."""
    return min(timezone.make_aware(datetime.combine(day, time(hour))), timezone.now())


def _accounts() -> tuple[User, dict[str, User]]:
    from zhengwu.demo import data

    supervisor_name = next(p.username for p in data.PERSONAS if p.role == Role.SUPERVISOR)
    supervisor = User.objects.filter(username=supervisor_name, is_active=True).first()
    if supervisor is None or not services.can_manage(supervisor):
        raise InvalidInput(f"演示账号 {supervisor_name} 不存在或没有监督检查权限，请先生成演示账号。")
    handlers = {p.org_code: p.username for p in data.PERSONAS if p.role == Role.HANDLER}
    users = {u.username: u for u in User.objects.filter(username__in=handlers.values(), is_active=True)}
    return supervisor, {code: users[name] for code, name in handlers.items() if name in users}


def _departments(rng: random.Random) -> list[Organisation]:
    """The eight inspected departments, in inspection order (handler departments among the first six)."""
    orgs = {
        o.code: o
        for o in Organisation.objects.filter(code__in=list(ITEMS), kind=OrgKind.DEPARTMENT, is_active=True)
    }
    missing = [code for code in ALWAYS if code not in orgs]
    if missing:
        raise InvalidInput(f"部门 {'、'.join(missing)} 不存在，请先生成组织机构。")
    others = sorted(code for code in orgs if code not in ALWAYS)
    chosen = iter(rng.sample(others, min(OTHERS, len(others))))
    total = min(len(DAYS), len(ALWAYS) + min(OTHERS, len(others)))
    # Handler departments take two of the slots before the last one (which is still a draft).
    slots = dict(zip(sorted(rng.sample(range(total - 1), len(ALWAYS))), ALWAYS, strict=True))
    order = [slots[i] if i in slots else next(chosen) for i in range(total)]
    return [orgs[code] for code in order]


def seed_inspections(ctx: SeedContext) -> StepResult:
    """The 行政许可监督检查 checklist and the 2026 round with results and findings in every state (once)."""
    from zhengwu.demo.seed import StepResult

    template = services.template_upsert(
        code=TEMPLATE_CODE,
        name=TEMPLATE_NAME,
        domain="licensing",
        scoring=Scoring.PASS_FAIL,
        description="对各部门实施行政许可情况的监督检查：指南公开、受理条件、申请材料、办理时限、收费、一次性告知、投诉渠道、办件录入和结果公开。",
        criteria=CRITERIA,
        actor=None,
    )
    existing = InspectionRound.objects.filter(
        template__code=TEMPLATE_CODE, year=ROUND_YEAR, name=ROUND_NAME
    ).first()
    if existing is not None:
        inspections = existing.inspections.count()
        findings = Finding.objects.filter(inspection__round=existing).count()
        return StepResult(existing=1 + inspections + findings, notes=[_summary(existing)])
    with transaction.atomic():
        created = _seed_round(ctx, template)
    return StepResult(created=created[0], notes=[_summary(created[1])])


def _seed_round(ctx: SeedContext, template: object) -> tuple[int, InspectionRound]:
    from zhengwu.demo.seed import topic_rng

    rng = topic_rng(ctx.seed, "inspections")
    supervisor, handlers = _accounts()
    inspection_round = services.round_create(
        template=template,  # type: ignore[arg-type]
        name=ROUND_NAME,
        year=ROUND_YEAR,
        planned_start=ROUND_START,
        planned_end=ROUND_END,
        actor=supervisor,
        notes="按《行政许可法》和省政务服务事项管理要求，对部门行政许可实施情况开展年度监督检查。",
    )
    inspection_round = services.round_start(round=inspection_round, actor=supervisor)
    criteria = list(inspection_round.template.criteria.order_by("order"))
    today = timezone.localdate()
    created = 1
    first_finding = True
    for index, (org, day) in enumerate(zip(_departments(rng), DAYS, strict=False)):
        day = min(day, today)
        last = index == len(DAYS) - 1
        inspection = services.inspection_create(
            round=inspection_round, target=org, inspector=supervisor, actor=supervisor, inspected_on=day
        )
        created += 1
        n_fail = rng.choice([0, 1, 1, 2, 2, 3])
        if org.code in handlers:
            n_fail = max(n_fail, 3)
        fails = set(rng.sample([c.code for c in criteria], n_fail))
        if last and not fails & {c.code for c in criteria[:6]}:  # its one finding needs a recorded failure
            fails.add(rng.choice([c.code for c in criteria[:6]]))
        results = {}
        for c in criteria:
            if c.code in fails:
                results[c.code] = {"outcome": Outcome.FAIL, "note": "见问题清单"}
            elif c.code == "XK06" and rng.random() < 0.4:
                results[c.code] = {"outcome": Outcome.NA, "note": "抽查事项均不收费"}
            else:
                results[c.code] = {"outcome": Outcome.PASS, "note": ""}
        if last:  # still being recorded: the first six criteria only
            results = dict(list(results.items())[:6])
        summary = "未发现问题。" if not fails else f"发现问题 {len(fails)} 个，已下达整改通知。"
        inspection = services.inspection_record(
            inspection=inspection, actor=supervisor, results=results, summary="" if last else summary
        )
        if not last:
            inspection = services.inspection_submit(inspection=inspection, actor=supervisor)
        items = ITEMS.get(org.code, ["本单位行政许可事项"])
        handler = handlers.get(org.code)
        failed = [c for c in criteria if c.code in fails and c.code in results]
        for number, c in enumerate(failed[:1] if last else failed):
            finding = services.finding_create(
                inspection=inspection,
                actor=supervisor,
                criterion=c,
                subject=(item := rng.choice(items)),
                description=PROBLEMS[c.code].format(item=item),
                severity=rng.choices(Severity.values, weights=[6, 3, 1])[0],
                issued_on=day,
                at=_at(day, 16),
            )
            created += 1
            if first_finding or last:  # the earliest finding stays open (overdue), as does the newest
                first_finding = False
                continue
            fate = _fate(rng, handler is not None, number)
            _play(finding, fate, rng, supervisor, handler, today)
    return created, inspection_round


def _fate(rng: random.Random, has_handler: bool, number: int) -> str:
    if has_handler:
        return ["verified", "verified", "rejected", "submitted"][number % 4]
    return rng.choice(["open", "open", "submitted"])


def _play(
    finding: Finding, fate: str, rng: random.Random, supervisor: User, handler: User | None, today: date
) -> None:
    """Move a finding along its planned path, on working days after its issue, as far as today allows."""
    if fate == "open":
        return
    submitted_day = workcalendar.add_workdays(finding.issued_on, rng.randint(4, 13))
    if submitted_day > today:
        return
    by = handler or supervisor
    note = "" if handler else "(纸质整改报告，由管理局代为登记)"
    services.finding_submit_rectification(
        finding=finding,
        actor=by,
        text=f"已对照问题逐项整改：修订办事指南和窗口告知单，组织窗口人员专题学习。{note}",
        at=_at(submitted_day, 10),
    )
    if fate == "submitted" or handler is None:
        return
    verify_day = workcalendar.add_workdays(submitted_day, 2)
    if verify_day > today:
        return
    finding.refresh_from_db()
    if fate == "verified":
        services.finding_verify(
            finding=finding,
            actor=supervisor,
            accepted=True,
            comment="整改到位，予以销号。",
            at=_at(verify_day, 15),
        )
    else:
        services.finding_verify(
            finding=finding,
            actor=supervisor,
            accepted=False,
            comment="窗口告知单已修订，但政务服务网办事指南尚未同步更新，请继续整改。",
            rectify_workdays=5,
            at=_at(verify_day, 15),
        )


def _summary(inspection_round: InspectionRound) -> str:
    inspections = Inspection.objects.filter(round=inspection_round)
    findings = Finding.objects.filter(inspection__round=inspection_round)
    submitted = inspections.filter(status=InspectionStatus.SUBMITTED).count()
    return (
        f"{inspection_round.name}({inspection_round.get_status_display()})："
        f"检查 {inspections.count()} 个部门(已提交 {submitted})，问题 {findings.count()} 个"
        f"(待整改 {findings.filter(status=FindingStatus.OPEN).count()}，"
        f"待验收 {findings.filter(status=FindingStatus.SUBMITTED).count()}，"
        f"已销号 {findings.filter(status=FindingStatus.VERIFIED).count()}，"
        f"逾期 {findings.overdue().count()})"
    )
