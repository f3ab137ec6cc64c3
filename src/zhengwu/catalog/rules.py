"""Completeness audit of 办事指南 ("全公开、全覆盖"): a registry of checks, each switchable by the bureau.

A rule looks at one item and its published guide and returns the problems it finds (empty: the item passes).
Rules are code (they need logic) but which apply is data (CompletenessRule), so the bureau can follow a new
provincial requirement without a release. Rates: an item is complete when no enabled rule finds a problem;
department rate = complete items / audited items of that department; county rate the same over all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch

from zhengwu.catalog.choices import FeeMode, HandlingKind, Visits
from zhengwu.catalog.models import CompletenessRule, GuideMaterial, GuideStep, GuideVersion, Item

# 区号-号码: 0 + 2–3 digit area code, a hyphen, 7–8 digits (or the 12345 hotline, "0751-12345"); several
# numbers separated by 、，; or spaces.
PHONE_RE = re.compile(r"0\d{2,3}-(\d{7,8}|12345)")
_PHONE_SPLIT = re.compile(r"[、，,；;/\s]+")
CATCH_ALL_RE = re.compile(r"其他(法律法规|规定|条件|材料)|等其他|规定的其他")


@dataclass(frozen=True)
class Rule:
    code: str
    label: str  # the element checked, as the report shows it
    description: str
    check: Callable[[Item, GuideVersion | None], list[str]]
    default: bool = True


RULES: dict[str, Rule] = {}


def rule(code: str, label: str, description: str, *, default: bool = True) -> Callable[..., object]:
    def wrap(
        func: Callable[[Item, GuideVersion | None], list[str]],
    ) -> Callable[[Item, GuideVersion | None], list[str]]:
        RULES[code] = Rule(code, label, description, func, default)
        return func

    return wrap


@rule("published", "办事指南", "事项须有已发布的办事指南。")
def _published(item: Item, guide: GuideVersion | None) -> list[str]:
    return [] if guide is not None else ["未发布办事指南"]


@rule("codes", "事项编码", "基本编码、实施编码均须填写。")
def _codes(item: Item, guide: GuideVersion | None) -> list[str]:
    return [] if item.base_code.strip() else ["缺少基本编码"]


@rule("legal_basis", "设定依据", "须写明设定依据(法律法规名称及条款)。")
def _legal_basis(item: Item, guide: GuideVersion | None) -> list[str]:
    if guide is None:
        return []
    return [] if guide.legal_basis.strip() else ["设定依据为空"]


@rule("conditions", "受理条件", "须写明受理条件，且不得出现“其他……”兜底条款。")
def _conditions(item: Item, guide: GuideVersion | None) -> list[str]:
    if guide is None:
        return []
    text = guide.conditions.strip()
    if not text:
        return ["受理条件为空"]
    if CATCH_ALL_RE.search(text):
        return ["受理条件含兜底条款(“其他……”)"]
    return []


@rule("materials", "申请材料", "须列明申请材料；每项材料须有名称和份数。")
def _materials(item: Item, guide: GuideVersion | None) -> list[str]:
    if guide is None:
        return []
    materials = list(guide.materials.all())
    if not materials:
        return ["未列申请材料"]
    problems = [f"材料“{m.name}”份数为0" for m in materials if m.copies == 0]
    if any(CATCH_ALL_RE.search(m.name) for m in materials):
        problems.append("申请材料含兜底表述(“其他……材料”)")
    return problems


@rule("time_limits", "办结时限", "承诺件须有法定和承诺时限，承诺时限不得超过法定时限。")
def _time_limits(item: Item, guide: GuideVersion | None) -> list[str]:
    if guide is None or guide.handling_kind == HandlingKind.IMMEDIATE:
        return []
    problems = []
    if guide.statutory_days is None:
        problems.append("法定办结时限未填写")
    if guide.promised_days is None:
        problems.append("承诺办结时限未填写")
    if (
        guide.statutory_days is not None
        and guide.promised_days is not None
        and guide.promised_days > guide.statutory_days
    ):
        problems.append(f"承诺时限({guide.promised_days})超过法定时限({guide.statutory_days})")
    return problems


@rule("fee", "收费", "须明确“不收费”；收费事项须写明项目、标准及依据。")
def _fee(item: Item, guide: GuideVersion | None) -> list[str]:
    if guide is None:
        return []
    if guide.fee_mode == FeeMode.UNSET:
        return ["收费信息为空(不收费须写明“不收费”)"]
    if guide.fee_mode == FeeMode.CHARGED and not guide.fee_detail.strip():
        return ["收费事项未写明收费标准及依据"]
    return []


@rule("location", "办理地点和时间", "须写明办理地点和办理时间。")
def _location(item: Item, guide: GuideVersion | None) -> list[str]:
    if guide is None:
        return []
    problems = []
    if not guide.location.strip():
        problems.append("办理地点为空")
    if not guide.hours.strip():
        problems.append("办理时间为空")
    return problems


def phone_problems(label: str, value: str) -> list[str]:
    text = value.strip()
    if not text:
        return [f"{label}为空"]
    bad = [p for p in _PHONE_SPLIT.split(text) if p and not (PHONE_RE.fullmatch(p) or p == "12345")]
    return [f"{label}“{p}”不是“区号-号码”格式" for p in bad]


@rule("consult_phone", "咨询电话", "须公布咨询电话，格式为“区号-号码”。")
def _consult_phone(item: Item, guide: GuideVersion | None) -> list[str]:
    return [] if guide is None else phone_problems("咨询电话", guide.consult_phone)


@rule("complaint_phone", "监督投诉电话", "须公布监督投诉电话，格式为“区号-号码”。")
def _complaint_phone(item: Item, guide: GuideVersion | None) -> list[str]:
    return [] if guide is None else phone_problems("监督投诉电话", guide.complaint_phone)


@rule("process", "办理流程", "须列明办理流程；特殊环节须说明是否计入办结时限。")
def _process(item: Item, guide: GuideVersion | None) -> list[str]:
    if guide is None:
        return []
    return [] if list(guide.steps.all()) else ["未列办理流程"]


@rule("online", "网上办理", "四级(全程网办)事项须提供网上办理入口，且跑动次数应为0。")
def _online(item: Item, guide: GuideVersion | None) -> list[str]:
    if guide is None or guide.online_depth != 4:
        return []
    problems = []
    if not guide.online_url and not any(c.url for c in item.channels.all()):
        problems.append("全程网办事项缺少网上办理入口")
    if guide.visits != Visits.ZERO:
        problems.append("全程网办事项跑动次数应为0")
    return problems


# --- Running the audit --------------------------------------------------------------------------------------


def enabled_rules() -> list[Rule]:
    settings = dict(CompletenessRule.objects.values_list("code", "enabled"))
    return [r for r in RULES.values() if settings.get(r.code, r.default)]


@dataclass
class ItemAudit:
    item: Item
    problems: list[tuple[Rule, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.problems


def audit_queryset(items: Iterable[Item] | None = None):  # noqa: ANN201 - QuerySet[Item]
    """The items to audit with everything the rules read, in a fixed number of queries."""
    qs = items if items is not None else Item.objects.active().filter(on_application=True)
    return qs.select_related("department", "current_guide").prefetch_related(
        "channels",
        Prefetch("current_guide__materials", queryset=GuideMaterial.objects.order_by("order", "id")),
        Prefetch("current_guide__steps", queryset=GuideStep.objects.order_by("order", "id")),
    )


def audit_items(items: Iterable[Item], rules: list[Rule] | None = None) -> list[ItemAudit]:
    rules = enabled_rules() if rules is None else rules
    out = []
    for item in items:
        result = ItemAudit(item)
        for r in rules:
            result.problems.extend((r, p) for p in r.check(item, item.current_guide))
        out.append(result)
    return out
