"""Importers of the core app: villages (村/居) and people. Both run on core.imports."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Model
from django.utils import timezone

from zhengwu.core.choices import IdType, RegionKind, RegionLevel
from zhengwu.core.imports import Field, Importer, RowError, RowErrors, register, upsert_rows
from zhengwu.core.models import PREFIX_LENGTH, Person, Region
from zhengwu.core.pii import encrypt, mask_id_number, mask_phone, pii_hash

URBAN_RURAL_CODES = {"111", "112", "121", "122", "123", "210", "220"}
VILLAGE_KINDS = {
    "村": RegionKind.VILLAGERS,
    "村委会": RegionKind.VILLAGERS,
    "村民委员会": RegionKind.VILLAGERS,
    "居": RegionKind.RESIDENTS,
    "居委会": RegionKind.RESIDENTS,
    "社区": RegionKind.RESIDENTS,
    "居民委员会": RegionKind.RESIDENTS,
}


def _rows_by_key(model: type[Model], key: str, keys: list[str], *columns: str) -> list[tuple[Any, ...]]:
    """Return (key, *columns) of the stored rows whose text ``key`` is in ``keys`` (one batch).

    Plain SQL: the ORM spends ~5 ms a batch compiling ``key__in`` for a thousand values. The columns
    read here are text and integer ids, which both backends return as str/int without converting.
    """
    if not keys:
        return []
    connection = connections[router.db_for_read(model)]
    qn, opts = connection.ops.quote_name, model._meta
    names = ", ".join(qn(opts.get_field(c).column) for c in (key, *columns))
    marks = ", ".join(["%s"] * len(keys))
    column = qn(opts.get_field(key).column)
    sql = f"SELECT {names} FROM {qn(opts.db_table)} WHERE {column} IN ({marks})"  # noqa: S608 (quoted names)
    with connection.cursor() as cursor:
        cursor.execute(sql, keys)
        return cursor.fetchall()


def _existing_keys(model: type[Model], field: str, keys: list[str]) -> set[str]:
    return {row[0] for row in _rows_by_key(model, field, keys)}


@register
class VillageImporter(Importer):
    """村(居)委会 rows: 12-digit code, name, parent town code, 村/居 type, optional 城乡分类代码."""

    kind = "villages"
    label = "村(居)导入"
    permission = "core.add_region"
    description = "按国家统计局12位统计用区划代码导入村委会、居委会；已存在的代码更新名称和类型。"
    natural_key = "code"
    fields = [  # noqa: RUF012
        Field(
            "code",
            "村(居)代码",
            aliases=("代码", "统计用区划代码", "区划代码"),
            help="12位数字，如 440281111201",
        ),
        Field("name", "名称", aliases=("村(居)名称", "村居名称"), help="如 青岭村"),
        Field(
            "parent",
            "所属镇(街)代码",
            required=False,
            aliases=("上级代码", "乡级代码"),
            help="9位数字；留空时取代码前9位",
        ),
        Field("type", "类型", aliases=("村/居", "村居类型"), help="村 或 居"),
        Field(
            "urban_rural",
            "城乡分类代码",
            required=False,
            aliases=("城乡分类",),
            help="111/112/121/122/123/210/220",
        ),
    ]

    def prepare(self) -> None:
        self.towns = dict(Region.objects.filter(level=RegionLevel.TOWN).values_list("prefix", "id"))

    def clean(self, row: dict[str, str]) -> dict[str, Any]:
        errors: list[RowError] = []
        code = row["code"].strip()
        if len(code) != 12 or not code.isdigit():
            errors.append(RowError("code", "村(居)代码应为12位数字", code))
        elif code.endswith("000"):
            # xxxxxxxxx000 is the town's own code: upserting it would turn the town into its own child.
            errors.append(RowError("code", "村(居)代码后三位不能为000(这是乡级区划的代码)", code))
        name = row["name"].strip()
        if not name:
            errors.append(RowError("name", "名称不能为空"))
        elif len(name) > 100:
            errors.append(RowError("name", "名称不能超过100个字", name[:20]))
        parent = (row.get("parent") or "").strip() or code[:9]
        if len(parent) != 9 or not parent.isdigit():
            errors.append(RowError("parent", "所属镇(街)代码应为9位数字", parent))
        elif code[:9] != parent and len(code) == 12:
            errors.append(
                RowError("parent", f"代码前9位 {code[:9]} 与所属镇(街)代码 {parent} 不一致", parent)
            )
        elif parent not in self.towns:
            errors.append(
                RowError("parent", f"所属镇(街) {parent} 不存在，请先初始化区划或添加该乡级单位", parent)
            )
        kind = VILLAGE_KINDS.get(row["type"].strip())
        if kind is None:
            errors.append(RowError("type", "类型应为“村”或“居”", row["type"]))
        urban = (row.get("urban_rural") or "").strip()
        if urban and urban not in URBAN_RURAL_CODES:
            errors.append(
                RowError("urban_rural", "城乡分类代码应为 111、112、121、122、123、210、220 之一", urban)
            )
        if errors:
            raise RowErrors(errors)
        return {
            "code": code,
            "name": name,
            "parent_id": self.towns[parent],
            "kind": kind,
            "urban_rural": urban,
        }

    def write(self, rows: list[dict[str, Any]]) -> tuple[int, int]:
        existing = _existing_keys(Region, "code", [r["code"] for r in rows])
        # Codes are 12 digits and village prefixes are 12 long: the prefix is the code itself.
        level, length, now = int(RegionLevel.VILLAGE), PREFIX_LENGTH[RegionLevel.VILLAGE], timezone.now()
        upsert_rows(
            Region,
            [
                (
                    r["code"],
                    r["code"][:length],
                    r["name"],
                    level,
                    str(r["kind"]),
                    r["parent_id"],
                    r["urban_rural"],
                    "导入",
                    now,
                )
                for r in rows
            ],
            columns=[
                "code",
                "prefix",
                "name",
                "level",
                "kind",
                "parent_id",
                "urban_rural_code",
                "source",
                "updated_at",
            ],
            conflict=["code"],
            update=["name", "kind", "parent_id", "urban_rural_code", "source", "updated_at"],
        )
        return len(rows) - len(existing), len(existing)


@register
class PersonImporter(Importer):
    """People: name, 身份证号, optional mobile and 村(居)/镇 code. 证件号 and phone are stored encrypted."""

    kind = "persons"
    label = "自然人导入"
    permission = "core.add_importjob"
    description = "按身份证号识别同一人：已存在则更新姓名、手机号和所在区划。身份证号、手机号加密存储。"
    natural_key = "id_number"  # matched by its keyed hash (see key_of), so duplicates are named 身份证号
    fields = [  # noqa: RUF012
        Field("name", "姓名", help="如 张三"),
        Field(
            "id_number",
            "身份证号",
            aliases=("公民身份号码", "身份证号码", "证件号码"),
            help="18位居民身份证号码",
        ),
        Field("phone", "手机号", required=False, aliases=("手机号码", "联系电话"), help="11位手机号码"),
        Field(
            "region",
            "所在区划代码",
            required=False,
            aliases=("村(居)代码", "区划代码"),
            help="12位村(居)或9位镇(街)代码",
        ),
    ]

    def prepare(self) -> None:
        from zhengwu.core.validators import normalize_mobile, parse_resident_id, validate_mobile

        self._parse_id, self._norm_mobile, self._validate_mobile = (
            parse_resident_id,
            normalize_mobile,
            validate_mobile,
        )
        self.regions = dict(Region.objects.values_list("code", "id"))
        self.today = timezone.localdate()  # once per import, not per row

    def clean(self, row: dict[str, str]) -> dict[str, Any]:
        errors: list[RowError] = []
        name = row["name"].strip()
        if not name:
            errors.append(RowError("name", "姓名不能为空"))
        elif len(name) > 50:
            errors.append(RowError("name", "姓名不能超过50个字", name[:20]))
        rid = None
        try:
            rid = self._parse_id(row["id_number"], today=self.today)
        except ValidationError as exc:
            # The offending number itself is personal data: report it masked.
            message = "；".join(exc.messages) + _excel_number_hint(row["id_number"])
            errors.append(RowError("id_number", message, mask_id_number(row["id_number"])))
        phone = ""
        if row.get("phone", "").strip():
            phone = self._norm_mobile(row["phone"])
            try:
                self._validate_mobile(phone)
            except ValidationError as exc:
                errors.append(RowError("phone", "；".join(exc.messages), mask_phone(row["phone"])))
        region_id = None
        region_code = (row.get("region") or "").strip()
        if region_code:
            region_id = self.regions.get(region_code.ljust(12, "0"))
            if region_id is None:
                errors.append(RowError("region", f"区划代码 {region_code} 不存在", region_code))
        if errors or rid is None:  # rid is None only with an id_number error recorded
            raise RowErrors(errors)
        return {
            "name": name,
            "rid": rid,
            "phone": phone,
            "region_id": region_id,
            "id_hash": pii_hash(rid.number),
        }

    def key_of(self, cleaned: dict[str, Any]) -> str:
        return str(cleaned["id_hash"])

    def write(self, rows: list[dict[str, Any]]) -> tuple[int, int]:
        # A blank phone or region cell keeps what is stored (as person_upsert does) rather than wiping it.
        current = {
            row[0]: row[1:]
            for row in _rows_by_key(
                Person,
                "id_hash",
                [r["id_hash"] for r in rows],
                "phone_enc",
                "phone_hash",
                "phone_masked",
                "region_id",
            )
        }
        existing = set(current)
        now = timezone.now()
        resident_id = str(IdType.RESIDENT_ID)
        values = []
        for r in rows:
            rid, phone = r["rid"], r["phone"]
            kept = current.get(r["id_hash"], ("", "", "", None))
            phone_enc, phone_hash, phone_masked = (
                (encrypt(phone), pii_hash(phone), mask_phone(phone)) if phone else kept[:3]
            )
            values.append(
                (
                    r["name"],
                    resident_id,
                    encrypt(rid.number),
                    r["id_hash"],
                    mask_id_number(rid.number),
                    str(rid.gender),
                    rid.birth_date,
                    phone_enc,
                    phone_hash,
                    phone_masked,
                    r["region_id"] if r["region_id"] is not None else kept[3],
                    now,
                    now,
                )
            )
        upsert_rows(
            Person,
            values,
            columns=[
                "name",
                "id_type",
                "id_number_enc",
                "id_hash",
                "id_masked",
                "gender",
                "birth_date",
                "phone_enc",
                "phone_hash",
                "phone_masked",
                "region_id",
                "created_at",  # insert only: an update keeps the first import's time
                "updated_at",
            ],
            conflict=["id_hash"],
            update=[
                "name",
                "id_number_enc",
                "id_masked",
                "gender",
                "birth_date",
                "phone_enc",
                "phone_hash",
                "phone_masked",
                "region_id",
                "updated_at",
            ],
        )
        return len(rows) - len(existing), len(existing)


_MANGLED = re.compile(r"^\d(\.\d+)?E\+\d+$|^\d{12,}0{3}$", re.IGNORECASE)


def _excel_number_hint(text: str) -> str:
    """A long number Excel stored as a number comes back rounded (…000) or as 4.40281E+17: say so."""
    if _MANGLED.match(text.strip()):
        return "（可能被 Excel 转成了数字，请将该列设为“文本”格式后重新填写）"
    return ""
