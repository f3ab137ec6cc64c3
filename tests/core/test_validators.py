"""Tests for 居民身份证号、统一社会信用代码 and phone-number validation (no database needed)."""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable

import pytest
import time_machine
from django.core.exceptions import ValidationError
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from zhengwu.core.validators import (
    SERVICE_NUMBERS,
    ResidentId,
    normalize_mobile,
    normalize_resident_id,
    normalize_uscc,
    parse_resident_id,
    resident_id_check_char,
    uscc_check_digit,
    validate_landline,
    validate_mobile,
    validate_phone,
    validate_resident_id,
    validate_uscc,
)

TODAY = datetime.date(2025, 6, 1)
CJK = re.compile(r"[\u4e00-\u9fff]")

# --- independent reference implementations, so the module is not tested against itself -----------------

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def make_id(first17: str) -> str:
    """Append the GB 11643 check character computed straight from the standard's table."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def wrong_last(number: str, alphabet: str = "0123456789X") -> str:
    """Return ``number`` with a different (hence wrong) last character."""
    return number[:-1] + next(c for c in alphabet if c != number[-1])


def make_uscc(first17: str) -> str:
    """Append the GB 32100 check character computed straight from the standard's formula."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return first17 + _USCC_ALPHABET[(31 - total % 31) % 31]


def assert_rejected(validator: Callable[[str], object], value: str, code: str) -> ValidationError:
    """Assert that ``validator`` rejects ``value`` with ``code`` and a Chinese message; return the error."""
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    exc = excinfo.value
    assert exc.code == code
    assert len(exc.messages) == 1
    assert CJK.search(exc.messages[0]), exc.messages[0]
    return exc


def parse_on_reference_day(value: str) -> ResidentId:
    return parse_resident_id(value, today=TODAY)


LECHANG_1980_MALE = make_id("44028119800101001")


# --- 居民身份证号码 -------------------------------------------------------------------------------------


def test_published_example_is_parsed() -> None:
    parsed = parse_on_reference_day("11010519491231002X")
    assert parsed == ResidentId(
        number="11010519491231002X",
        birth_date=datetime.date(1949, 12, 31),
        gender="F",
        region_code="110105",
        warnings=(),
    )


@pytest.mark.parametrize(
    "first17",
    ["11010519491231002", "44028119800101001", "44028120000229002", "36042619910101007", "81000019990909123"],
)
def test_check_char_matches_standard_table_and_stdnum(first17: str) -> None:
    expected = make_id(first17)[-1]
    assert resident_id_check_char(first17) == expected
    # stdnum uses an algebraically different formulation, which makes it a real cross-check.
    assert stdnum_ric.calc_check_digit(first17 + "0") == expected


@pytest.mark.parametrize("bad", ["1101051949123100", "110105194912310021", "1101051949123100X"])
def test_check_char_helper_rejects_malformed_input(bad: str) -> None:
    with pytest.raises(ValueError, match="17 ASCII digits"):
        resident_id_check_char(bad)


def test_lechang_number_issued_to_someone_born_before_1994_is_valid() -> None:
    # 440281 乐昌市 only exists since 1994, but numbers carry the code of the county at assignment.
    parsed = parse_on_reference_day(LECHANG_1980_MALE)
    assert parsed.region_code == "440281"
    assert parsed.birth_date == datetime.date(1980, 1, 1)
    assert parsed.warnings == ()
    # Guard the reason this module exists: stdnum rejects the very same number.
    assert not stdnum_ric.is_valid(LECHANG_1980_MALE)


def test_validate_resident_id_accepts_valid_number() -> None:
    assert validate_resident_id(LECHANG_1980_MALE) is None


def test_validate_resident_id_raises_on_invalid_number() -> None:
    assert_rejected(validate_resident_id, wrong_last(LECHANG_1980_MALE), "id_checksum")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002x", "11010519491231002X"),
        (" 110105 19491231 002x\n", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        ("110105\u300019491231002X", "11010519491231002X"),
    ],
)
def test_resident_id_is_normalised(raw: str, expected: str) -> None:
    assert normalize_resident_id(raw) == expected
    assert parse_on_reference_day(raw).number == expected


@pytest.mark.parametrize(("sequence", "gender"), [("001", "M"), ("002", "F"), ("119", "M"), ("990", "F")])
def test_gender_follows_parity_of_sequence_code(sequence: str, gender: str) -> None:
    assert parse_on_reference_day(make_id("44028119800101" + sequence)).gender == gender


def test_fifteen_digit_legacy_number_is_rejected_with_specific_message() -> None:
    exc = assert_rejected(parse_on_reference_day, "440281800101001", "id_length")
    assert exc.messages == ["15位旧号码已停用，请使用18位居民身份证号码"]


@pytest.mark.parametrize("value", ["", "44028119800101001", "4402811980010100141", "1234567890"])
def test_wrong_length_is_rejected(value: str) -> None:
    exc = assert_rejected(parse_on_reference_day, value, "id_length")
    assert "18位" in exc.messages[0]
    assert f"当前为{len(value)}位" in exc.messages[0]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("44028119800101001A", "A"),
        ("440281-19800101-0014", "-"),
        ("4402811980O1010014", "O"),
        ("44028119800101001Y", "Y"),
    ],
)
def test_illegal_characters_are_rejected_and_named(value: str, shown: str) -> None:
    exc = assert_rejected(parse_on_reference_day, value, "id_chars")
    assert shown in exc.messages[0]


@pytest.mark.parametrize("value", ["X40281198001010014", "4402811980010100X4", "44028119800101X01X"])
def test_x_is_only_allowed_as_last_character(value: str) -> None:
    exc = assert_rejected(parse_on_reference_day, value, "id_chars")
    assert "最后一位" in exc.messages[0]


def test_arabic_indic_digits_are_not_mistaken_for_digits() -> None:
    # str.isdigit() accepts these; an ID number must not.
    assert_rejected(parse_on_reference_day, "\u0664" * 17 + "1", "id_chars")


@pytest.mark.parametrize(
    "province", ["00", "10", "16", "24", "30", "38", "47", "55", "60", "66", "72", "84", "99"]
)
def test_invalid_province_code_is_an_error(province: str) -> None:
    exc = assert_rejected(parse_on_reference_day, make_id(province + "028119800101001"), "id_province")
    assert exc.messages[0].startswith(f"地址码的省级部分 {province} 无效")


@pytest.mark.parametrize("region", ["810000", "820000", "830000"])
def test_residence_permit_region_codes_are_accepted_without_warning(region: str) -> None:
    parsed = parse_on_reference_day(make_id(region + "19900101002"))
    assert parsed.region_code == region
    assert parsed.warnings == ()


@pytest.mark.parametrize("region", ["110105", "440281", "440200", "440000"])
def test_current_address_code_has_no_warning(region: str) -> None:
    assert parse_on_reference_day(make_id(region + "19900101002")).warnings == ()


def test_unknown_address_code_is_only_a_warning() -> None:
    parsed = parse_on_reference_day(make_id("44029919800101002"))
    assert parsed.warnings == ("地址码 440299 不在 GB/T 2260 行政区划代码中，请核对",)


@pytest.mark.parametrize(("region", "name", "year"), [("440225", "乐昌县", 1994), ("110103", "崇文区", 2010)])
def test_abolished_address_code_is_only_a_warning(region: str, name: str, year: int) -> None:
    parsed = parse_on_reference_day(make_id(region + "19800101002"))
    assert len(parsed.warnings) == 1
    assert region in parsed.warnings[0]
    assert name in parsed.warnings[0]
    assert f"{year}年" in parsed.warnings[0]


@pytest.mark.parametrize("birth", ["19800230", "19810229", "19801301", "19800001", "19800100", "19000229"])
def test_impossible_birth_date_is_rejected(birth: str) -> None:
    exc = assert_rejected(parse_on_reference_day, make_id("440281" + birth + "001"), "id_birth_date")
    assert "不是有效日期" in exc.messages[0]


def test_leap_day_birth_date_is_accepted() -> None:
    assert parse_on_reference_day(make_id("44028120000229002")).birth_date == datetime.date(2000, 2, 29)


def test_birth_date_before_1900_is_rejected() -> None:
    exc = assert_rejected(parse_on_reference_day, make_id("44028118991231001"), "id_birth_date")
    assert "1900" in exc.messages[0]


def test_birth_date_of_1900_01_01_is_accepted() -> None:
    assert parse_on_reference_day(make_id("44028119000101001")).birth_date == datetime.date(1900, 1, 1)


def test_future_birth_date_is_rejected() -> None:
    exc = assert_rejected(parse_on_reference_day, make_id("44028120250602001"), "id_birth_date")
    assert "晚于今天" in exc.messages[0]


def test_birth_date_of_today_is_accepted() -> None:
    assert parse_on_reference_day(make_id("44028120250601001")).birth_date == TODAY


@time_machine.travel(datetime.datetime(2025, 6, 1, 16, 30, tzinfo=datetime.UTC), tick=False)
def test_default_today_is_the_local_date_in_china() -> None:
    # 16:30 UTC is already 00:30 on 2 June in Asia/Shanghai: a baby born that night must be accepted.
    assert parse_resident_id(make_id("44028120250602001")).birth_date == datetime.date(2025, 6, 2)
    assert_rejected(parse_resident_id, make_id("44028120250603001"), "id_birth_date")


@pytest.mark.parametrize("number", ["11010519491231002X", LECHANG_1980_MALE, make_id("44028120000229002")])
def test_wrong_check_character_is_rejected(number: str) -> None:
    exc = assert_rejected(parse_on_reference_day, wrong_last(number), "id_checksum")
    assert exc.messages == ["校验码错误，请核对号码"]


def test_transposed_digits_fail_the_checksum() -> None:
    # Swap the last two 顺序码 digits (positions 16 and 17): the commonest typing slip.
    swapped = LECHANG_1980_MALE[:15] + LECHANG_1980_MALE[16] + LECHANG_1980_MALE[15] + LECHANG_1980_MALE[17:]
    assert swapped != LECHANG_1980_MALE
    assert_rejected(parse_on_reference_day, swapped, "id_checksum")


def test_resident_id_is_immutable() -> None:
    parsed = parse_on_reference_day(LECHANG_1980_MALE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.number = "x"  # type: ignore[misc]


# --- 统一社会信用代码 -----------------------------------------------------------------------------------

VILLAGE_COLLECTIVE = make_uscc("N2440281MA4W0XY21")


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_published_uscc_examples_are_valid(code: str) -> None:
    assert validate_uscc(code) is None


@pytest.mark.parametrize(
    "first17",
    ["91350100M000100Y4", "91110000600037341", "12440281007045682", "52440281MJ0000001", "93440281MA4UAB12C"],
)
def test_uscc_check_digit_matches_standard_formula_and_stdnum(first17: str) -> None:
    expected = make_uscc(first17)[-1]
    assert uscc_check_digit(first17) == expected
    assert stdnum_uscc.calc_check_digit(first17) == expected


@pytest.mark.parametrize("bad", ["9135010", "91350100M000100Y43", "91350100M000100I4", "91350100m000100y4"])
def test_uscc_check_digit_rejects_malformed_input(bad: str) -> None:
    with pytest.raises(ValueError, match="expected 17 characters"):
        uscc_check_digit(bad)


def test_village_collective_code_is_valid_although_stdnum_rejects_it() -> None:
    assert VILLAGE_COLLECTIVE.startswith("N2440281")
    assert validate_uscc(VILLAGE_COLLECTIVE) is None
    assert not stdnum_uscc.is_valid(VILLAGE_COLLECTIVE)


@pytest.mark.parametrize(
    "prefix",
    [
        "11",
        "19",
        "21",
        "35",
        "39",
        "41",
        "53",
        "61",
        "72",
        "81",
        "91",
        "92",
        "93",
        "A1",
        "A9",
        "N1",
        "N3",
        "N9",
        "Y1",
    ],
)
def test_every_department_accepts_its_own_categories(prefix: str) -> None:
    assert validate_uscc(make_uscc(prefix + "440281MA4W0X1Y2")) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91350100m000100y43", "91350100M000100Y43"),
        (" 9135 0100 M000 100Y 43 ", "91350100M000100Y43"),
        ("９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"),
    ],
)
def test_uscc_is_normalised_before_validation(raw: str, expected: str) -> None:
    assert normalize_uscc(raw) == expected
    assert validate_uscc(raw) is None


@pytest.mark.parametrize("value", ["", "9135010", "91350100M000100Y4", "91350100M000100Y431"])
def test_uscc_wrong_length_is_rejected(value: str) -> None:
    exc = assert_rejected(validate_uscc, value, "uscc_length")
    assert f"当前为{len(value)}位" in exc.messages[0]


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_uscc_forbidden_letters_are_rejected(letter: str) -> None:
    code = "91350100M000100" + letter + "43"
    exc = assert_rejected(validate_uscc, code, "uscc_chars")
    assert letter in exc.messages[0].rsplit("：", 1)[1]


def test_uscc_punctuation_is_rejected() -> None:
    assert_rejected(validate_uscc, "91350100-M000100Y4", "uscc_chars")


@pytest.mark.parametrize("department", ["0", "B", "C", "M", "X"])
def test_uscc_unknown_department_is_rejected(department: str) -> None:
    exc = assert_rejected(validate_uscc, make_uscc(department + "1440281MA4W0X1Y2"), "uscc_department")
    assert "第1位" in exc.messages[0]


@pytest.mark.parametrize(
    "prefix", ["10", "14", "22", "36", "42", "54", "62", "73", "82", "94", "99", "A2", "N4", "Y2", "Y9", "1A"]
)
def test_uscc_category_not_valid_for_department_is_rejected(prefix: str) -> None:
    exc = assert_rejected(validate_uscc, make_uscc(prefix + "440281MA4W0X1Y2"), "uscc_category")
    assert "第2位" in exc.messages[0]


@pytest.mark.parametrize("region", ["A40281", "44028M", "NNNNNN"])
def test_uscc_region_must_be_six_digits(region: str) -> None:
    exc = assert_rejected(validate_uscc, make_uscc("91" + region + "MA4W0X1Y2"), "uscc_region")
    assert region in exc.messages[0]


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", VILLAGE_COLLECTIVE])
def test_uscc_wrong_check_character_is_rejected(code: str) -> None:
    assert_rejected(validate_uscc, wrong_last(code, _USCC_ALPHABET), "uscc_checksum")


# --- phone numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("+86-13800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("86123", "86123"),
        ("0751-5572990", "07515572990"),
    ],
)
def test_normalize_mobile(raw: str, expected: str) -> None:
    assert normalize_mobile(raw) == expected


@pytest.mark.parametrize(
    "value",
    ["13800138000", "19912345678", "16612345678", "+86 138 0013 8000", "0086-199-1234-5678", "8615012345678"],
)
def test_valid_mobile_is_accepted(value: str) -> None:
    assert validate_mobile(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12800138000",
        "10800138000",
        "1380013800",
        "138001380001",
        "23800138000",
        "1380013800a",
        "\u0661\u0663\u0668\u0660\u0660\u0661\u0663\u0668\u0660\u0660\u0660",
        "0751-5572990",
        "12345",
        "+1 138 0013 8000",
    ],
)
def test_invalid_mobile_is_rejected(value: str) -> None:
    exc = assert_rejected(validate_mobile, value, "mobile")
    assert "11位" in exc.messages[0]


@pytest.mark.parametrize(
    "value", ["0751-5572990", "07515572990", "0751-5572990-123", "010-12345678", "01012345678", "020-8765432"]
)
def test_valid_landline_is_accepted(value: str) -> None:
    assert validate_landline(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "5572990",
        "751-5572990",
        "0751-557299",
        "0751-557299012",
        "0751 5572990",
        "0751-5572990-",
        "0751-5572990-1234567",
        "(0751)5572990",
        "13800138000",
        "12345",
    ],
)
def test_invalid_landline_is_rejected(value: str) -> None:
    exc = assert_rejected(validate_landline, value, "landline")
    assert "区号" in exc.messages[0]


@pytest.mark.parametrize(
    "value",
    ["13800138000", "+86 138 0013 8000", "0751-5572990", "0751-5572990-123", "12345", " 12345 ", "110"],
)
def test_phone_accepts_mobile_landline_or_service_number(value: str) -> None:
    assert validate_phone(value) is None


@pytest.mark.parametrize("number", sorted(SERVICE_NUMBERS))
def test_every_service_number_is_accepted_only_as_phone(number: str) -> None:
    assert validate_phone(number) is None
    assert_rejected(validate_mobile, number, "mobile")
    assert_rejected(validate_landline, number, "landline")


@pytest.mark.parametrize("value", ["", "12346", "114", "1380013800", "5572990", "abc", "12800138000"])
def test_phone_rejects_anything_else(value: str) -> None:
    exc = assert_rejected(validate_phone, value, "phone")
    assert "手机号码" in exc.messages[0]
    assert "固定电话" in exc.messages[0]
