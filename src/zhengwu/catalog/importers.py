"""The catalogue import (政务服务事项导入): one row per item, Chinese headers, idempotent by 实施编码.

Each row is an item of the 实施清单 with its 办事指南. ``clean`` reads and checks every cell (a bad cell is a
RowError naming its column, in Chinese); ``write`` hands a batch to ``services.items_import_batch``, which
upserts the items and publishes each changed guide as a new version ("批量导入"); an unchanged row writes
nothing, so importing the same file twice — or an export of the catalogue (catalog.exporting) — changes nothing.

Optional columns left out of the file keep what is stored (as ``item_upsert`` changes only the given fields);
a column that is there but empty clears the value. 申请材料 and 办理流程 use a small text syntax, documented in
docs/catalog-import.md and in the help row of the template; ``parse_materials``/``parse_steps`` read it and
``format_materials``/``format_steps`` (the export) write it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import translation

from zhengwu.catalog import services
from zhengwu.catalog.choices import (
    Channel,
    FeeMode,
    GuideStatus,
    HandlingKind,
    ItemLevel,
    ItemType,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    ServiceObject,
    TongbanMode,
    TongbanScope,
    Visits,
)
from zhengwu.catalog.models import GuideMaterial, GuideStep, GuideVersion, Item, Topic
from zhengwu.core.exceptions import InvalidInput
from zhengwu.core.imports import Field, Importer, RowError, RowErrors, register
from zhengwu.core.models import Organisation

IMPORT_NOTE = "批量导入"
MAX_DAYS = 3650

# --- Text normalisation and value tables --------------------------------------------------------------------

_FULL_TO_HALF = str.maketrans("（）：，；　", "():,; ")


def _norm(text: str) -> str:
    """Compare values loosely: half-width brackets and punctuation, no spaces, lower case."""
    return "".join(str(text).translate(_FULL_TO_HALF).split()).lower()


def _table(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    return {_norm(name): value for name, value in pairs}


def zh_choices(cls: Any) -> list[tuple[Any, str]]:
    """(value, Chinese label) of a choices class whatever language is active: files are always in Chinese."""
    with translation.override(None):  # no active catalogue: the msgids, which are the Chinese labels
        return [(value, str(label)) for value, label in cls.choices]


def zh_label(cls: Any, value: Any) -> str:
    return _LABELS[cls][value]


def _choices(cls: Any, *extra: tuple[str, Any]) -> dict[str, Any]:
    """Label and code of every choice (plain values, not enum members), plus aliases."""
    pairs = [(label, value) for value, label in zh_choices(cls)]
    pairs += [(str(value), value) for value, _label in zh_choices(cls) if str(value)]
    return _table([*pairs, *extra])


_LABELS = {
    cls: dict(zh_choices(cls))
    for cls in (
        ItemType,
        ItemLevel,
        ServiceObject,
        HandlingKind,
        FeeMode,
        Visits,
        OnlineDepth,
        Channel,
        TongbanScope,
        TongbanMode,
        MaterialForm,
        MaterialSource,
    )
}


def _words(value: Any, words: str) -> list[tuple[str, Any]]:
    """Aliases written as one space-separated string."""
    return [(w, value) for w in words.split()]


ITEM_TYPES = _choices(
    ItemType,
    *[(label.removeprefix("行政"), value) for value, label in zh_choices(ItemType)],
    *_words("QT", "其他权力 其他"),
)
LEVELS = _choices(
    ItemLevel,
    *_words("county", "县 县级 县(市、区)级 县(市)级"),
    *_words("town", "镇 镇级 街道级 镇街级 乡镇级 镇(街) 镇(街道)级"),
    *_words("village", "村 村级 社区级 村居级 村(居) 村(社区)级"),
)
SERVICE_OBJECT_WORDS = _table(
    [
        *_words("person", "自然人 个人 公民 person"),
        *_words("legal", "法人 企业 法人及其他组织 法人或其他组织 其他组织 legal"),
        *_words("both", "both"),
    ]
)
HANDLING_KINDS = _choices(HandlingKind, ("即办", "immediate"), ("承诺", "promised"))
FEE_MODES = _choices(FeeMode, *_words("free", "免费 否 无 不收取"), *_words("charged", "是 收取"))
VISITS = _choices(
    Visits,
    *_words(0, "零次 零跑 0次 不用跑 一次不用跑 最多跑零次"),
    *_words(1, "一次 1次 最多跑1次 跑一次"),
    *_words(2, "两次 二次 2次 最多跑2次 最多跑二次"),
    *_words(3, "多次 多 n 3次及以上 跑多次"),
)
DEPTHS = _choices(
    OnlineDepth,
    *[(f"{d}级", d) for d in range(1, 5)],
    *[(f"{c}级", d) for d, c in enumerate("一二三四", start=1)],
    *[(c, d) for d, c in enumerate("一二三四", start=1)],
    ("全程网办", 4),
)
CHANNELS = _choices(
    Channel,
    *_words("web", "网上办事大厅 广东政务服务网 政务服务网 网厅"),
    *_words("kiosk", "自助终端 粤智助"),
)
TONGBAN_SCOPES = _choices(
    TongbanScope,
    *_words("", "无 否"),
    ("", ""),
    *_words("city", "市内"),
    *_words("province", "省内"),
    *_words("national", "跨省 全国通办"),
)
TONGBAN_MODES = _table(
    [
        *[(label, value) for value, label in zh_choices(TongbanMode) if value],
        *[(value, value) for value, _label in zh_choices(TongbanMode) if value],
        *_words("", "— 无"),
        ("", ""),
        *_words("online", "网办"),
        *_words("proxy", "代收代办"),
        *_words("joint", "联办"),
    ]
)
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "有", "依申请"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "无", "依职权"}
_LIST_SPLIT = re.compile(r"[,，、;；/\s]+")


ITEM_TYPE_MESSAGE = "事项类型无法识别，应为{}之一".format(
    "、".join(label for _v, label in zh_choices(ItemType))
)


# --- The mini-syntax of 申请材料 and 办理流程 ----------------------------------------------------------------


class SyntaxProblem(ValueError):
    """A material or step entry that cannot be read; the message is Chinese and names the entry."""


_OPEN, _CLOSE = "(（[【", ")）]】"
_ENTRY_SEPARATORS = "\n；;→"
_NUMBERING = re.compile(r"^\s*(?:\d{1,3}\s*[.、．)）]|[（(]\d{1,3}[)）]|[①-⑳])\s*")
_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def _number(text: str) -> int | None:
    """Return 12 for "12", "十二"; None when ``text`` is not a small number."""
    if text.isdigit():
        return int(text)
    if text and all(c in _CN_DIGITS or c == "十" for c in text) and text.count("十") <= 1:
        if "十" not in text:
            return _CN_DIGITS[text] if len(text) == 1 else None
        tens, _sep, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return None


_SPECIAL = re.compile(r"[(（\[【)）\]】\n；;→]")


def split_entries(text: str) -> list[str]:
    """Split a cell into entries at line breaks, "；" and "→" outside brackets; drop "1." style numbering."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("->", "→")
    entries, start, depth = [], 0, 0
    for match in _SPECIAL.finditer(text):
        ch = match.group()
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0:
            entries.append(text[start : match.start()])
            start = match.end()
    entries.append(text[start:])
    return [e for e in (_NUMBERING.sub("", x).strip() for x in entries) if e]


def _trailing_group(entry: str) -> tuple[str, str | None]:
    """Split "name（inner）" into (name, inner); (entry, None) when it does not end with a bracket."""
    if not entry or entry[-1] not in _CLOSE:
        return entry, None
    depth = 0
    for i in range(len(entry) - 1, -1, -1):
        if entry[i] in _CLOSE:
            depth += 1
        elif entry[i] in _OPEN:
            depth -= 1
            if depth == 0:
                return entry[:i].rstrip(), entry[i + 1 : -1]
    raise SyntaxProblem("括号不配对")


def _split_attributes(inner: str, note_words: tuple[str, ...]) -> tuple[list[str], str | None]:
    """Split "必要，复印件1份，备注：…" into tokens and the free text after the first note word."""
    note = None
    match = re.search(r"(?:^|[,，;；])\s*(" + "|".join(note_words) + r")\s*[:：]", inner)
    if match:
        note = inner[match.end() :].strip()
        inner = inner[: match.start()]
    tokens = [t.strip() for t in re.split(r"[,，;；]", inner) if t.strip()]
    return tokens, note


_REQUIRED = _table(
    [
        *_words(True, "必要 必需 必须 必交 必备 必须提交 必提交"),
        *_words(False, "非必要 非必需 非必须 非必交 可选 选交 选填 选择提交 如有"),
    ]
)
_FORMS = _table(
    [
        *[(label, value) for value, label in zh_choices(MaterialForm)],
        *_words("both", "原件及复印件 原件与复印件 原件、复印件 原件+复印件 原件和复印件各 原件及复印件各"),
        *_words("electronic", "电子 电子版 电子文件 电子证照"),
    ]
)
_SOURCES = _table(
    [
        *[(label, value) for value, label in zh_choices(MaterialSource)],
        *_words("applicant", "自备 申请人提供"),
        *_words("government", "部门核发 政府核发"),
        *_words("shared", "免提交 数据共享 共享免提交 免于提交"),
        *_words("form", "窗口领取 网上下载 窗口领取或网上下载 窗口领取/网上下载 表格下载"),
    ]
)
_FORM_COPIES = re.compile(r"^(?P<form>\D*?)(?:各)?(?P<n>\d+|[零一二两三四五六七八九十]+)?份?$")
MATERIAL_NOTE_WORDS = ("备注", "说明", "须知", "填报须知")
STEP_NOTE_WORDS = ("说明", "内容", "办理内容")

MATERIAL_SYNTAX = (
    "每项材料一行(或用“；”分隔)，写作 名称（属性，属性，…）。属性任意顺序、均可省略："
    "必要/非必要(默认必要)；原件/复印件/原件和复印件/电子材料 加份数，如“复印件1份”(默认原件1份)；"
    "来源 申请人自备/政府部门核发/数据共享免提交/窗口领取(默认申请人自备)；最后可写“备注：…”。"
    "例：营业执照（必要，复印件1份，数据共享免提交）"
)
STEP_SYNTAX = (
    "每个环节一行(或用“；”“→”分隔)，写作 名称（属性，…）：时限如“5个工作日”；“特殊环节”；"
    "“不计时限”(不计入办结时限)；最后可写“说明：…”。"
    "例：受理（1个工作日）；审查（5个工作日）；现场勘验（特殊环节，不计时限）"
)


def _material_attribute(token: str, material: dict[str, Any]) -> bool:
    """Apply one attribute token to ``material``; False when the token is not an attribute."""
    key = _norm(token)
    if key in _REQUIRED:
        return _set_once(material, "required", _REQUIRED[key], token)
    if key in _SOURCES:
        return _set_once(material, "source", _SOURCES[key], token)
    match = _FORM_COPIES.match(key)
    if match is None:
        return False
    form_text, n_text = match.group("form"), match.group("n")
    if form_text and form_text not in _FORMS:
        return False
    if not form_text and not (n_text and key.endswith("份")):
        return False
    if form_text:
        _set_once(material, "form", _FORMS[form_text], token)
    if n_text:
        copies = _number(n_text)
        if copies is None or not 0 < copies <= 999:
            raise SyntaxProblem(f"份数“{token}”应为1到999")
        _set_once(material, "copies", copies, token)
    return True


def _set_once(target: dict[str, Any], key: str, value: Any, token: str) -> bool:
    if key in target and target[key] != value:
        raise SyntaxProblem(f"“{token}”与前面的属性矛盾")
    target[key] = value
    return True


def _entry(entry: str, note_words: tuple[str, ...], apply: Any) -> tuple[str, dict[str, Any]]:
    """Read "name（attributes）": the last bracket group holds attributes when it has any (see module doc)."""
    if sum(entry.count(c) for c in _OPEN) != sum(entry.count(c) for c in _CLOSE):
        raise SyntaxProblem("括号不配对")
    name, inner = _trailing_group(entry)
    if inner is None:
        return entry, {}
    tokens, note = _split_attributes(inner, note_words)
    values: dict[str, Any] = {}
    unknown = [t for t in tokens if not apply(t, values)]
    if note is None and not values:
        return entry, {}  # "营业执照（副本）": the brackets belong to the name
    if unknown:
        raise SyntaxProblem(f"无法识别“{'”“'.join(unknown)}”")
    if note is not None:
        values["_note"] = note
    return name, values


def parse_materials(text: str) -> list[dict[str, Any]]:
    """Read the 申请材料 cell into material dicts (name, required, copies, form, source, note)."""
    materials = []
    for index, entry in enumerate(split_entries(text), start=1):
        try:
            materials.append(dict(_material(entry)))
        except SyntaxProblem as exc:
            raise SyntaxProblem(f"第{index}项“{entry[:30]}”：{exc}") from None
    return materials


@functools.lru_cache(maxsize=8192)  # a catalogue repeats its materials (身份证、营业执照…) thousands of times
def _material(entry: str) -> tuple[tuple[str, Any], ...]:
    name, values = _entry(entry, MATERIAL_NOTE_WORDS, _material_attribute)
    if not name:
        raise SyntaxProblem("缺少材料名称")
    material = {
        "name": name,
        "required": values.get("required", True),
        "copies": values.get("copies", 1),
        "form": values.get("form", MaterialForm.ORIGINAL.value),
        "source": values.get("source", MaterialSource.APPLICANT.value),
        "note": values.get("_note", ""),
    }
    _check_lengths(GuideMaterial, material, ("name", "note"))
    return tuple(material.items())


_STEP_DAYS = re.compile(r"^(?P<n>\d+|[零一二两三四五六七八九十]+)(?:个)?(?:工作日|日|天|个工作天)$")
_STEP_WORDS = _table(
    [
        ("特殊环节", ("is_special", True)),
        ("特殊程序", ("is_special", True)),
        ("不计时限", ("counts_in_limit", False)),
        ("不计入时限", ("counts_in_limit", False)),
        ("不计入办结时限", ("counts_in_limit", False)),
        ("不计入法定时限", ("counts_in_limit", False)),
        ("不计时", ("counts_in_limit", False)),
        ("计入时限", ("counts_in_limit", True)),
        ("计入办结时限", ("counts_in_limit", True)),
        ("即时", ("days", 0)),
        ("即办", ("days", 0)),
        ("当场", ("days", 0)),
        ("当场办结", ("days", 0)),
    ]
)


def _step_attribute(token: str, step: dict[str, Any]) -> bool:
    key = _norm(token)
    if key in _STEP_WORDS:
        field, value = _STEP_WORDS[key]
        return _set_once(step, field, value, token)
    match = _STEP_DAYS.match(key)
    if match is None:
        return False
    days = _number(match.group("n"))
    if days is None or days > MAX_DAYS:
        raise SyntaxProblem(f"时限“{token}”应为0到{MAX_DAYS}个工作日")
    return _set_once(step, "days", days, token)


def parse_steps(text: str) -> list[dict[str, Any]]:
    """Read the 办理流程 cell into step dicts (name, description, days, is_special, counts_in_limit)."""
    steps = []
    for index, entry in enumerate(split_entries(text), start=1):
        try:
            steps.append(dict(_step(entry)))
        except SyntaxProblem as exc:
            raise SyntaxProblem(f"第{index}个环节“{entry[:30]}”：{exc}") from None
    return steps


@functools.lru_cache(maxsize=8192)
def _step(entry: str) -> tuple[tuple[str, Any], ...]:
    name, values = _entry(entry, STEP_NOTE_WORDS, _step_attribute)
    if not name:
        raise SyntaxProblem("缺少环节名称")
    step = {
        "name": name,
        "description": values.get("_note", ""),
        "days": values.get("days"),
        "is_special": values.get("is_special", False),
        "counts_in_limit": values.get("counts_in_limit", True),
    }
    _check_lengths(GuideStep, step, ("name", "description"))
    return tuple(step.items())


def _check_lengths(model: Any, values: dict[str, Any], fields: tuple[str, ...]) -> None:
    for name in fields:
        limit = model._meta.get_field(name).max_length
        if len(values[name]) > limit:
            raise SyntaxProblem(f"{model._meta.get_field(name).verbose_name}超过{limit}个字")


def format_materials(materials: Iterable[GuideMaterial]) -> str:
    """Write materials in the import syntax, one a line, every attribute spelled out (round-trips exactly)."""
    lines = []
    for m in materials:
        parts = [
            "必要" if m.required else "非必要",
            f"{zh_label(MaterialForm, m.form)}{m.copies}份",
            zh_label(MaterialSource, m.source),
        ]
        if m.note:
            parts.append(f"备注：{m.note}")
        lines.append(f"{m.name}（{'，'.join(parts)}）")
    return "\n".join(lines)


def format_steps(steps: Iterable[GuideStep]) -> str:
    lines = []
    for s in steps:
        parts = []
        if s.days is not None:
            parts.append(f"{s.days}个工作日")
        if s.is_special:
            parts.append("特殊环节")
        if not s.counts_in_limit:
            parts.append("不计时限")
        elif not parts and not s.description and s.name[-1:] in _CLOSE:
            parts.append("计入时限")  # "审查（初审）" must not read its own brackets as attributes
        if s.description:
            parts.append(f"说明：{s.description}")
        lines.append(f"{s.name}（{'，'.join(parts)}）" if parts else s.name)
    return "\n".join(lines)


# --- The importer -------------------------------------------------------------------------------------------


def _f(key: str, label: str, help: str, *aliases: str, required: bool = False) -> Field:
    return Field(key, label, required=required, aliases=aliases, help=help)


FIELDS = [
    _f(
        "impl_code",
        "实施编码",
        "事项的唯一标识，按此更新已有事项；如 11440281MB2C12345X4440281001",
        "事项实施编码",
        required=True,
    ),
    _f("base_code", "基本编码", "如 XK0010100Y；可空", "事项基本编码"),
    _f("handle_code", "业务办理项编码", "可空", "办理项编码"),
    _f("name", "事项名称", "如 社会保障卡申领；200字以内", "事项名", required=True),
    _f(
        "item_type",
        "事项类型",
        "行政许可/行政给付/行政确认/行政裁决/行政奖励/行政备案/其他行政权力/公共服务，或代码 XK/JF/QR/CJ/JL/BA/QT/GG",
        required=True,
    ),
    _f("on_application", "依申请", "是/否，空为是", "是否依申请"),
    _f(
        "department",
        "实施主体",
        "部门全称、简称或内部代码，须已在“组织机构”中",
        "实施机关",
        "实施部门",
        required=True,
    ),
    _f("level", "实施层级", "县级/镇(街)级/村(居)级，空为县级", "层级"),
    _f("service_object", "服务对象", "自然人/法人/自然人、法人(个人、企业亦可)，空为自然人"),
    _f("handling_kind", "办件类型", "即办件/承诺件", required=True),
    _f(
        "statutory_days",
        "法定办结时限(工作日)",
        "整数，如 20；空为无法定时限",
        "法定办结时限（工作日）",
        "法定办结时限",
        "法定时限",
    ),
    _f(
        "promised_days",
        "承诺办结时限(工作日)",
        "整数，不得超过法定时限；承诺件必填，即办件留空或0",
        "承诺办结时限（工作日）",
        "承诺办结时限",
        "承诺时限",
    ),
    _f("fee_mode", "收费", "不收费/收费(须写明“不收费”，不要留空)", "是否收费"),
    _f("fee_detail", "收费标准及依据", "收费时必填：项目、标准、依据", "收费项目、标准及依据", "收费标准"),
    _f("legal_basis", "设定依据", "法律法规名称及条款", "设定依据及实施依据", "实施依据"),
    _f("conditions", "受理条件", "不得出现“其他……”兜底条款", "申请条件"),
    _f("materials", "申请材料", MATERIAL_SYNTAX),
    _f("steps", "办理流程", STEP_SYNTAX, "办理环节"),
    _f("location", "办理地点", "地址写到楼层、窗口"),
    _f("hours", "办理时间", "如 周一至周五 8:30-12:00，14:30-17:30（法定节假日除外）"),
    _f("consult_phone", "咨询电话", "区号-号码，如 0751-5551234", "咨询方式"),
    _f("complaint_phone", "监督投诉电话", "区号-号码，如 0751-12345", "投诉电话", "监督投诉方式"),
    _f(
        "visits",
        "跑动次数",
        "0/1/2/多次，或 零跑动/最多跑一次/最多跑两次/跑动多次；空为最多跑一次",
        "到现场次数",
    ),
    _f("online_depth", "网上办理深度", "一级/二级/三级/四级(或1–4；四级=全程网办)；空为一级", "网办深度"),
    _f("online_url", "网上办理入口", "http(s)://… 网址", "网办地址"),
    _f("channels", "上线渠道", "网上办事大厅、粤省事、粤商通、自助终端，多个用“、”或逗号分隔", "办理渠道"),
    _f("tongban_scope", "通办范围", "不通办(空)/市内通办/省内通办/跨省通办", "通办"),
    _f("tongban_mode", "通办模式", "全程网办/异地代收代办/多地联办；设了通办范围必填"),
    _f("one_window", "一窗受理", "是/否，空为否", "是否一窗受理"),
    _f("topics", "主题", "主题名称或代码(如 出生、准入准营)，多个用“、”分隔", "主题分类"),
    _f("result_name", "审批结果", "证照或批文名称", "审批结果名称", "结果名称"),
    _f("faq", "常见问题", "可空"),
]

ITEM_KEYS = ("name", "base_code", "handle_code", "item_type", "on_application", "level", "service_object")
ITEM_KEYS += ("tongban_scope", "tongban_mode", "one_window")
# The guide values services.validate_guide looks at.
VALIDATED_GUIDE_KEYS = ("handling_kind", "statutory_days", "promised_days", "fee_mode", "fee_detail")
_LABEL_OF = {f.key: f.label for f in FIELDS}
_REQUIRED_CELL = object()
_TEXT_LIMITS = {
    **{k: Item._meta.get_field(k).max_length for k in ("impl_code", "base_code", "handle_code", "name")},
    **{
        k: GuideVersion._meta.get_field(k).max_length
        for k in ("location", "hours", "consult_phone", "complaint_phone", "result_name", "online_url")
    },
}
_URL = URLValidator(schemes=["http", "https"])
_MANGLED_NUMBER = re.compile(r"^\d(\.\d+)?E\+\d+$", re.IGNORECASE)


class CatalogueImporter(Importer):
    """政务服务事项 rows with their guides; see the module docstring and docs/catalog-import.md."""

    kind = "catalog_items"
    label = "政务服务事项导入"
    permission = "catalog.import_item"
    description = (
        "按实施编码识别事项：已存在的更新，新编码新增；办事指南内容有变化的发布为新版本(修订说明“批量导入”)，"
        "没有变化的不产生新版本。文件中没有的可选列保留原值。申请材料、办理流程的写法见模板第二行。"
    )
    natural_key = "impl_code"
    batch_size = 500
    fields = FIELDS  # noqa: RUF012

    def prepare(self) -> None:
        if self.actor is not None and not self.actor.has_perm("catalog.review_guide"):
            raise InvalidInput("导入会直接发布办事指南，需要“审核发布办事指南”的权限。")
        by_code: dict[str, int] = {}
        by_name: dict[str, list[int]] = {}
        self.departments: dict[int, Organisation] = {}
        for org in Organisation.objects.filter(is_active=True).only("id", "code", "name", "short_name"):
            self.departments[org.pk] = org
            by_code[_norm(org.code)] = org.pk
            by_name.setdefault(_norm(org.name), []).append(org.pk)
            if org.short_name:
                by_name.setdefault(_norm(org.short_name), []).append(org.pk)
        self.dept_by_code, self.dept_by_name = by_code, by_name
        self.topic_by_name: dict[str, list[int]] = {}
        self.topic_names: list[str] = []
        for topic in Topic.objects.all():
            self.topic_by_name.setdefault(_norm(topic.code), []).append(topic.pk)
            if _norm(topic.name) != _norm(topic.code):
                self.topic_by_name.setdefault(_norm(topic.name), []).append(topic.pk)
            self.topic_names.append(topic.name)
        # What is stored, for rules that span columns a file may leave out (通办范围/模式, 法定/承诺时限).
        self.items = {
            row["impl_code"]: row
            for row in Item.objects.values("impl_code", "department_id", "tongban_scope", "tongban_mode")
        }
        self.open_drafts = set(
            Item.objects.filter(guides__status__in=[GuideStatus.DRAFT, GuideStatus.REVIEW]).values_list(
                "impl_code", flat=True
            )
        )
        self.can_edit: dict[int, bool] = {}
        self._stored_guides: dict[str, dict[str, Any]] | None = None

    # --- cells ---

    def clean(self, row: dict[str, str]) -> dict[str, Any]:
        errors: list[RowError] = []

        def cell(key: str) -> str:
            return (row.get(key) or "").strip()

        def pick(key: str, table: dict[str, Any], message: str, default: Any = _REQUIRED_CELL) -> Any:
            text = cell(key)
            if not text:
                if default is _REQUIRED_CELL:
                    errors.append(RowError(key, f"{_LABEL_OF[key]}不能为空"))
                    return None
                return default
            value = table.get(_norm(text))
            if value is None:
                errors.append(RowError(key, message, text))
            return value

        impl_code = cell("impl_code")
        if not impl_code:
            errors.append(RowError("impl_code", "实施编码不能为空"))
        elif re.search(r"\s", impl_code):
            errors.append(RowError("impl_code", "实施编码中不能有空格或换行", impl_code))
        elif _MANGLED_NUMBER.match(impl_code):
            errors.append(
                RowError(
                    "impl_code", "实施编码被 Excel 转成了数字，请将该列设为“文本”格式后重新填写", impl_code
                )
            )
        if not cell("name"):
            errors.append(RowError("name", "事项名称不能为空"))
        for key, limit in _TEXT_LIMITS.items():
            if key in row and len(cell(key)) > limit:
                errors.append(RowError(key, f"不能超过{limit}个字", cell(key)[:20] + "…"))

        item: dict[str, Any] = {k: cell(k) for k in ("name", "base_code", "handle_code") if k in row}
        item["item_type"] = pick("item_type", ITEM_TYPES, ITEM_TYPE_MESSAGE)
        if "on_application" in row:
            item["on_application"] = self._bool(cell("on_application"), True, "on_application", errors)
        if "level" in row:
            item["level"] = pick("level", LEVELS, "实施层级应为 县级、镇(街)级 或 村(居)级", "county")
        if "service_object" in row:
            item["service_object"] = self._service_object(cell("service_object"), errors)
        if "tongban_scope" in row:
            item["tongban_scope"] = pick(
                "tongban_scope",
                TONGBAN_SCOPES,
                "通办范围应为 市内通办、省内通办、跨省通办，或留空(不通办)",
                "",
            )
        if "tongban_mode" in row:
            item["tongban_mode"] = pick(
                "tongban_mode", TONGBAN_MODES, "通办模式应为 全程网办、异地代收代办 或 多地联办", ""
            )
        if "one_window" in row:
            item["one_window"] = self._bool(cell("one_window"), False, "one_window", errors)

        department_id = self._department(cell("department"), errors)
        stored = self.items.get(impl_code)
        if department_id is not None and self.actor is not None:
            for dept in {department_id, stored["department_id"] if stored else department_id}:
                if not self._may_edit(dept):
                    errors.append(RowError("department", "您没有维护该部门事项的权限", cell("department")))

        guide = self._guide(row, cell, pick, errors)
        channels = self._list("channels", cell("channels"), CHANNELS, errors) if "channels" in row else None
        topics = self._topics(cell("topics"), errors) if "topics" in row else None
        materials = steps = None
        if "materials" in row:
            try:
                materials = parse_materials(cell("materials"))
            except SyntaxProblem as exc:
                errors.append(RowError("materials", f"{exc}。{MATERIAL_SYNTAX}", cell("materials")[:200]))
        if "steps" in row:
            try:
                steps = parse_steps(cell("steps"))
            except SyntaxProblem as exc:
                errors.append(RowError("steps", f"{exc}。{STEP_SYNTAX}", cell("steps")[:200]))
        if errors:
            raise RowErrors(errors)

        # Rules that span cells: the services' own validators, over the stored values of columns left out.
        if item.get("tongban_mode") and not item.get(
            "tongban_scope", stored["tongban_scope"] if stored else ""
        ):
            errors.append(
                RowError("tongban_scope", "填写了通办模式，须同时填写通办范围", cell("tongban_mode"))
            )
        merged_item = {
            **{k: "" for k in ("tongban_scope", "tongban_mode")},
            **({k: stored[k] for k in ("tongban_scope", "tongban_mode")} if stored else {}),
            **item,
        }
        if not merged_item["tongban_scope"]:
            merged_item["tongban_mode"] = ""
        for key, messages in services.validate_item(merged_item).items():
            errors += [RowError(key, m, cell(key)) for m in messages]
        partial = stored is not None and any(k not in guide for k in VALIDATED_GUIDE_KEYS)
        merged_guide = {**((self._stored_guide(impl_code) or {}) if partial else {}), **guide}
        for key, messages in services.validate_guide(merged_guide).items():
            errors += [RowError(key, m, cell(key)) for m in messages]
        if errors:
            raise RowErrors(errors)

        cleaned = services.ItemImportRow(
            impl_code=impl_code,
            department_id=department_id,  # type: ignore[arg-type]  (None only with an error raised above)
            item=item,
            guide=guide,
            channels=channels,
            topic_ids=topics,
            materials=materials,
            steps=steps,
        )
        if impl_code in self.open_drafts:
            self._check_open_draft(cleaned)
        return {"impl_code": impl_code, "row": cleaned}

    def _bool(self, text: str, default: bool, key: str, errors: list[RowError]) -> bool:
        word = _norm(text)
        if not word:
            return default
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        errors.append(RowError(key, "应填“是”或“否”", text))
        return default

    def _service_object(self, text: str, errors: list[RowError]) -> str:
        if not text:
            return ServiceObject.PERSON.value
        words = {
            SERVICE_OBJECT_WORDS.get(_norm(w)) for w in re.split(r"[,，、;；/和及与+]+", text) if w.strip()
        }
        if not words or None in words:
            if _norm(text) in SERVICE_OBJECT_WORDS:  # "法人及其他组织" is one term, not two
                return SERVICE_OBJECT_WORDS[_norm(text)]
            errors.append(RowError("service_object", "服务对象应为 自然人、法人 或 自然人、法人", text))
            return ""
        return ServiceObject.BOTH.value if len(words) > 1 else words.pop()

    def _department(self, text: str, errors: list[RowError]) -> int | None:
        if not text:
            errors.append(RowError("department", "实施主体不能为空"))
            return None
        key = _norm(text)
        if key in self.dept_by_code:
            return self.dept_by_code[key]
        found = set(self.dept_by_name.get(key, []))
        if len(found) == 1:
            return found.pop()
        if found:
            errors.append(RowError("department", "有多个单位用这个名称或简称，请填写全称或内部代码", text))
        else:
            errors.append(
                RowError(
                    "department", "找不到该实施主体(按全称、简称或内部代码)，请先在“组织机构”中添加", text
                )
            )
        return None

    def _may_edit(self, department_id: int) -> bool:
        if department_id not in self.can_edit:
            org = self.departments.get(department_id) or Organisation(pk=department_id)
            self.can_edit[department_id] = services.can_edit_item(self.actor, department=org)  # type: ignore[arg-type]
        return self.can_edit[department_id]

    def _guide(self, row: dict[str, str], cell: Any, pick: Any, errors: list[RowError]) -> dict[str, Any]:
        guide: dict[str, Any] = {}
        guide["handling_kind"] = pick("handling_kind", HANDLING_KINDS, "办件类型应为“即办件”或“承诺件”")
        for key in ("statutory_days", "promised_days"):
            if key in row:
                guide[key] = self._days(key, cell(key), errors)
        if "fee_mode" in row:
            guide["fee_mode"] = pick("fee_mode", FEE_MODES, "收费应填“不收费”或“收费”", "")
        if "visits" in row:
            guide["visits"] = pick(
                "visits", VISITS, "跑动次数应为 0、1、2、多次(或 零跑动、最多跑一次、最多跑两次、跑动多次)", 1
            )
        if "online_depth" in row:
            guide["online_depth"] = pick(
                "online_depth", DEPTHS, "网上办理深度应为 一级、二级、三级、四级(或1–4)", 1
            )
        for key in ("fee_detail", "legal_basis", "conditions", "location", "hours", "consult_phone"):
            if key in row:
                guide[key] = cell(key)
        for key in ("complaint_phone", "result_name", "faq"):
            if key in row:
                guide[key] = cell(key)
        if "online_url" in row:
            url = cell("online_url")
            if url:
                try:
                    _URL(url)
                except ValidationError:
                    errors.append(
                        RowError("online_url", "网上办理入口应为以 http:// 或 https:// 开头的网址", url)
                    )
            guide["online_url"] = url
        return guide

    def _days(self, key: str, text: str, errors: list[RowError]) -> int | None:
        word = _norm(text)
        if word in {"", "无", "—", "-", "/", "无法定时限"}:
            return None
        if word in {"即办", "当场办结", "即时办结", "当场"}:
            return 0
        match = re.fullmatch(r"(\d+)(?:个)?(?:工作日|日|天)?", word)
        if match is None or int(match.group(1)) > MAX_DAYS:
            errors.append(RowError(key, f"应为0到{MAX_DAYS}的整数(工作日)，如 20", text))
            return None
        return int(match.group(1))

    def _list(self, key: str, text: str, table: dict[str, Any], errors: list[RowError]) -> list[str]:
        values, unknown = [], []
        for word in _LIST_SPLIT.split(text):
            if not word:
                continue
            value = table.get(_norm(word))
            if value is None:
                unknown.append(word)
            elif value not in values:
                values.append(value)
        if unknown:
            errors.append(
                RowError(
                    key,
                    f"无法识别“{'”“'.join(unknown)}”：可填 网上办事大厅、粤省事、粤商通、自助终端",
                    text,
                )
            )
        return values

    def _topics(self, text: str, errors: list[RowError]) -> list[int]:
        ids: list[int] = []
        for word in _LIST_SPLIT.split(text):
            if not word:
                continue
            found = self.topic_by_name.get(_norm(word), [])
            if len(found) == 1:
                if found[0] not in ids:
                    ids.append(found[0])
                continue
            if found:
                errors.append(RowError("topics", f"有多个主题叫“{word}”，请填写主题代码", text))
            else:
                known = "、".join(self.topic_names[:12]) + ("…" if len(self.topic_names) > 12 else "")
                errors.append(RowError("topics", f"没有主题“{word}”(已有：{known or '无'})", text))
        return ids

    def _stored_guide(self, impl_code: str) -> dict[str, Any] | None:
        """The checked values of an item's published guide, loaded for all items once, if a file lacks columns."""
        if self._stored_guides is None:
            self._stored_guides = {
                row.pop("item__impl_code"): row
                for row in GuideVersion.objects.filter(status=GuideStatus.PUBLISHED).values(
                    "item__impl_code", *VALIDATED_GUIDE_KEYS
                )
            }
        return self._stored_guides.get(impl_code)

    def _check_open_draft(self, cleaned: services.ItemImportRow) -> None:
        """An item with a draft under way takes no new version: say so, unless the row changes nothing."""
        guide_id = Item.objects.filter(impl_code=cleaned.impl_code).values_list(
            "current_guide_id", flat=True
        )[0]
        current = services.guide_contents([guide_id]).get(guide_id) if guide_id else None
        if services.guide_import_changes(cleaned, current):
            raise RowError(
                "impl_code",
                "该事项有未完成的草稿或待审核的办事指南版本，请先在事项页发布或放弃后再导入",
                cleaned.impl_code,
            )

    # --- writing ---

    def write(self, rows: list[dict[str, Any]]) -> tuple[int, int]:
        result = services.items_import_batch(
            rows=[r["row"] for r in rows], actor=self.actor, note=IMPORT_NOTE
        )
        return result.created, result.updated


register(CatalogueImporter)
