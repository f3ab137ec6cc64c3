"""Validators for Chinese identity numbers and phone numbers (居民身份证号、统一社会信用代码、电话号码).

- 居民身份证号码 follows GB 11643-1999; ``parse_resident_id`` returns the decoded fields plus soft warnings.
- 统一社会信用代码 follows GB 32100-2015.
- Phone numbers: mainland mobiles, landlines with area code, and a short list of 政务服务 hotlines.

python-stdnum's ``cn.ric.validate`` and ``cn.uscc.validate`` are deliberately not used: the former rejects
numbers whose 地址码 was created after the holder's birth year (every Lechang 440281 number of someone born
before 1994), the latter rejects valid codes registered by 农业 (N), 中央军委 (A) and 其他 (Y) authorities.
Only stdnum's GB/T 2260 code table is reused, and only to produce warnings.

Every error is a ``django.core.exceptions.ValidationError`` with a Chinese message and a stable ``code``.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

__all__ = [
    "SERVICE_NUMBERS",
    "USCC_ALPHABET",
    "ResidentId",
    "normalize_mobile",
    "normalize_resident_id",
    "normalize_uscc",
    "parse_resident_id",
    "resident_id_check_char",
    "uscc_check_digit",
    "validate_landline",
    "validate_mobile",
    "validate_phone",
    "validate_resident_id",
    "validate_uscc",
]

# Chinese input methods often produce full-width digits, letters and spaces (ＩＤ号“４４０２８１…”);
# fold them to ASCII so a correctly typed number is not rejected for its encoding.
_FULLWIDTH_TO_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _to_halfwidth(value: str) -> str:
    """Return ``value`` with full-width ASCII variants and the ideographic space folded to ASCII."""
    return value.translate(_FULLWIDTH_TO_ASCII)


# ---------------------------------------------------------------------------------------------------------
# 居民身份证号码 (GB 11643-1999)
# ---------------------------------------------------------------------------------------------------------

_ID_LENGTH = 18
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Indexed by S mod 11 (ISO 7064 MOD 11-2).
_ID_CHECK_CHARS = "10X98765432"
_ASCII_DIGITS = frozenset("0123456789")
_EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)

# 31 provinces plus 71 台湾 (appears on some mainland numbers) and 81/82/83, which are issued on
# 港澳台居民居住证 numbers.
_PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
    | {"71", "81", "82", "83"}
)
# Residence-permit 地址码 are not all in stdnum's table (830000 is missing) but are perfectly normal.
_RESIDENCE_PERMIT_CODES = frozenset({"810000", "820000", "830000"})
_HISTORIC_ENTRY_RE = re.compile(r"\[(\d*)-(\d*)\](.*)")


@dataclass(frozen=True)
class ResidentId:
    """A 居民身份证号码 that passed validation, with the fields it encodes."""

    number: str
    birth_date: datetime.date
    gender: str
    region_code: str
    warnings: tuple[str, ...] = ()


def normalize_resident_id(value: str) -> str:
    """Return the number without whitespace, full-width characters folded and 'x' upper-cased."""
    return "".join(_to_halfwidth(value).split()).upper()


def resident_id_check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character ('0'–'9' or 'X') for the first 17 digits."""
    if len(first17) != _ID_LENGTH - 1 or not set(first17) <= _ASCII_DIGITS:
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


@functools.lru_cache(maxsize=2048)
def _address_code_history(code: str) -> tuple[bool, str, int | None]:
    """Look ``code`` up in GB/T 2260: return (known, name, end year if the code has been abolished)."""
    # Imported lazily: parsing the 240 KB table is only worth it once a number reaches this check.
    from stdnum import numdb

    props: dict[str, str] = {}
    for _part, part_props in numdb.get("cn/loc").info(code):
        props.update(part_props)
    county = props.get("county")
    if not county:
        return False, "", None
    # Entries look like "乐昌市", "[1994-]乐昌市" or "[1984-1986]汾江区,[1987-2001]城区"; a code is current
    # when any entry has no end year.
    last_name, last_end = county, 0
    for entry in county.split(","):
        match = _HISTORIC_ENTRY_RE.fullmatch(entry)
        if match is None or not match.group(2):
            return True, match.group(3) if match else entry, None
        if int(match.group(2)) >= last_end:
            last_name, last_end = match.group(3), int(match.group(2))
    return True, last_name, last_end


def _address_code_warnings(code: str) -> tuple[str, ...]:
    """Return soft warnings about the 地址码; never raise, since the code only records where it was issued."""
    if code in _RESIDENCE_PERMIT_CODES:
        return ()
    known, name, end_year = _address_code_history(code)
    if not known:
        return (_("地址码 %(code)s 不在 GB/T 2260 行政区划代码中，请核对") % {"code": code},)
    if end_year is not None:
        # Numbers keep the code of the county that issued them, so an abolished code is common on older
        # numbers; flag it for a human glance rather than reject it.
        return (
            _(
                "地址码 %(code)s（%(name)s）为已撤销的行政区划代码（使用至%(year)d年），老号码沿用属正常情况，请核对"
            )
            % {"code": code, "name": name, "year": end_year},
        )
    return ()


def _birth_date(number: str, today: datetime.date) -> datetime.date:
    """Decode positions 7–14 as the birth date or raise ``ValidationError`` (code ``id_birth_date``)."""
    raw = number[6:14]
    shown = f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
    try:
        birth = datetime.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise ValidationError(
            _("出生日期 %(date)s 不是有效日期（第7–14位应为 YYYYMMDD 格式的出生日期）"),
            code="id_birth_date",
            params={"date": shown},
        ) from None
    if birth < _EARLIEST_BIRTH_DATE:
        raise ValidationError(
            _("出生日期 %(date)s 早于1900年1月1日，请核对号码"), code="id_birth_date", params={"date": shown}
        )
    if birth > today:
        raise ValidationError(
            _("出生日期 %(date)s 晚于今天，请核对号码"), code="id_birth_date", params={"date": shown}
        )
    return birth


def parse_resident_id(value: str, *, today: datetime.date | None = None) -> ResidentId:
    """Validate an 18-digit 居民身份证号码 and return its decoded fields.

    Raise ``ValidationError`` with code ``id_chars``, ``id_length``, ``id_province``, ``id_birth_date`` or
    ``id_checksum``. An unknown or abolished 地址码 is reported in ``warnings`` only. ``today`` defaults to
    the current date in the project time zone (Asia/Shanghai), not UTC, so a baby born this morning in
    Lechang is accepted before 08:00.
    """
    number = normalize_resident_id(value)

    illegal = sorted({char for char in number if char not in _ASCII_DIGITS and char != "X"})
    if illegal:
        raise ValidationError(
            _("居民身份证号码只能由数字组成，最后一位可以是X；发现非法字符：%(chars)s"),
            code="id_chars",
            params={"chars": "".join(illegal)},
        )
    if len(number) != _ID_LENGTH:
        if len(number) == 15 and "X" not in number:
            raise ValidationError(_("15位旧号码已停用，请使用18位居民身份证号码"), code="id_length")
        raise ValidationError(
            _("居民身份证号码应为18位，当前为%(length)d位"), code="id_length", params={"length": len(number)}
        )
    if "X" in number[:-1]:
        raise ValidationError(_("字母X只能出现在居民身份证号码的最后一位（校验码）"), code="id_chars")

    province = number[:2]
    if province not in _PROVINCE_CODES:
        raise ValidationError(
            _("地址码的省级部分 %(province)s 无效（前两位应为省、自治区、直辖市代码，如广东省为44）"),
            code="id_province",
            params={"province": province},
        )

    birth = _birth_date(number, today if today is not None else timezone.localdate())

    if number[-1] != resident_id_check_char(number[:-1]):
        raise ValidationError(_("校验码错误，请核对号码"), code="id_checksum")

    region_code = number[:6]
    return ResidentId(
        number=number,
        birth_date=birth,
        # 顺序码 parity: odd for men, even for women.
        gender="M" if int(number[16]) % 2 else "F",
        region_code=region_code,
        warnings=_address_code_warnings(region_code),
    )


def validate_resident_id(value: str) -> None:
    """Raise ``ValidationError`` unless ``value`` is a valid 居民身份证号码 (warnings are ignored)."""
    parse_resident_id(value)


# ---------------------------------------------------------------------------------------------------------
# 统一社会信用代码 (GB 32100-2015)
# ---------------------------------------------------------------------------------------------------------

# I, O, Z, S and V are left out so they cannot be misread as 1, 0, 2, 5 and U.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_INDEX = {char: index for index, char in enumerate(USCC_ALPHABET)}
# 3**i mod 31, as tabulated in the standard.
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_LENGTH = 18

# 登记管理部门代码 → (部门名称, 该部门可用的机构类别代码).
_USCC_CATEGORIES: dict[str, tuple[str, frozenset[str]]] = {
    "1": ("机构编制", frozenset("1239")),
    "2": ("外交", frozenset("19")),
    "3": ("司法行政", frozenset("123459")),
    "4": ("文化", frozenset("19")),
    "5": ("民政", frozenset("1239")),
    "6": ("旅游", frozenset("19")),
    "7": ("宗教", frozenset("129")),
    "8": ("工会", frozenset("19")),
    "9": ("工商", frozenset("123")),
    "A": ("中央军委改革和编制办公室", frozenset("19")),
    "N": ("农业", frozenset("1239")),
    "Y": ("其他", frozenset("1")),
}


def normalize_uscc(value: str) -> str:
    """Return the code without whitespace, full-width characters folded and letters upper-cased."""
    return "".join(_to_halfwidth(value).split()).upper()


def uscc_check_digit(first17: str) -> str:
    """Return the check character (position 18) for the first 17 characters of a 统一社会信用代码."""
    if len(first17) != _USCC_LENGTH - 1 or any(char not in _USCC_INDEX for char in first17):
        raise ValueError(f"expected 17 characters from {USCC_ALPHABET!r}, got {first17!r}")
    total = sum(_USCC_INDEX[char] * weight for char, weight in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    """Raise ``ValidationError`` unless ``value`` is a valid 统一社会信用代码.

    Codes: ``uscc_length``, ``uscc_chars``, ``uscc_department``, ``uscc_category``, ``uscc_region``,
    ``uscc_checksum``. The value is normalised first, so lower case and spaces are tolerated.
    """
    code = normalize_uscc(value)
    if len(code) != _USCC_LENGTH:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(length)d位"),
            code="uscc_length",
            params={"length": len(code)},
        )
    illegal = sorted({char for char in code if char not in _USCC_INDEX})
    if illegal:
        raise ValidationError(
            _("统一社会信用代码只能包含数字和大写字母（不使用I、O、Z、S、V），发现非法字符：%(chars)s"),
            code="uscc_chars",
            params={"chars": "".join(illegal)},
        )
    department = code[0]
    if department not in _USCC_CATEGORIES:
        raise ValidationError(
            _("统一社会信用代码第1位（登记管理部门代码）%(char)s 无效，应为1–9、A、N或Y"),
            code="uscc_department",
            params={"char": department},
        )
    department_name, categories = _USCC_CATEGORIES[department]
    if code[1] not in categories:
        raise ValidationError(
            _(
                "统一社会信用代码第2位（机构类别代码）%(char)s 与第1位的登记管理部门“%(department)s”不匹配，应为%(allowed)s"
            ),
            code="uscc_category",
            params={"char": code[1], "department": department_name, "allowed": "、".join(sorted(categories))},
        )
    region = code[2:8]
    if not set(region) <= _ASCII_DIGITS:
        raise ValidationError(
            _("统一社会信用代码第3–8位（登记管理机关行政区划码）应为6位数字，当前为 %(region)s"),
            code="uscc_region",
            params={"region": region},
        )
    if code[-1] != uscc_check_digit(code[:-1]):
        raise ValidationError(_("统一社会信用代码校验码错误，请核对代码"), code="uscc_checksum")


# ---------------------------------------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------------------------------------

# Short numbers that residents legitimately leave as a contact: 政务服务便民热线 and emergency lines.
SERVICE_NUMBERS: frozenset[str] = frozenset(
    {"12345", "12315", "12329", "12333", "12366", "110", "119", "120", "122"}
)

# [0-9] rather than \d: \d also matches other scripts' digits, which no phone system dials.
_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE_RE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}(?:-[0-9]{1,6})?")
_MOBILE_SEPARATORS_RE = re.compile(r"[\s\-]+")
_MOBILE_LENGTH = 11


def normalize_mobile(value: str) -> str:
    """Return the mobile number without spaces, hyphens or the +86 / 0086 / 86 country prefix.

    Do not validate; ``validate_mobile`` does that on the result.
    """
    number = _MOBILE_SEPARATORS_RE.sub("", _to_halfwidth(value))
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            return number[len(prefix) :]
    # A bare "86" is only a country code when exactly a mobile number follows it.
    if number.startswith("86") and len(number) == 2 + _MOBILE_LENGTH:
        return number[2:]
    return number


def _is_mobile(value: str) -> bool:
    """Return whether ``value`` normalises to a mainland mobile number."""
    return _MOBILE_RE.fullmatch(normalize_mobile(value)) is not None


def _is_landline(value: str) -> bool:
    """Return whether ``value`` is a landline with area code and optional extension."""
    return _LANDLINE_RE.fullmatch(_to_halfwidth(value).strip()) is not None


def validate_mobile(value: str) -> None:
    """Raise ``ValidationError`` (code ``mobile``) unless ``value`` is a mainland mobile number."""
    if not _is_mobile(value):
        raise ValidationError(
            _("手机号码应为11位数字，以1开头，第二位为3-9（可带+86前缀），如 13800138000"), code="mobile"
        )


def validate_landline(value: str) -> None:
    """Raise ``ValidationError`` (code ``landline``) unless ``value`` is a landline with area code."""
    if not _is_landline(value):
        raise ValidationError(
            _("固定电话应为以0开头的区号加7-8位号码，如 0751-5572990，分机号写在最后，如 0751-5572990-123"),
            code="landline",
        )


def validate_phone(value: str) -> None:
    """Raise ``ValidationError`` (code ``phone``) unless ``value`` is a mobile, landline or service number."""
    if _to_halfwidth(value).strip() in SERVICE_NUMBERS or _is_mobile(value) or _is_landline(value):
        return
    raise ValidationError(
        _(
            "联系电话应为11位手机号码（如 13800138000）、带区号的固定电话（如 0751-5572990）或服务热线（如 12345）"
        ),
        code="phone",
    )
