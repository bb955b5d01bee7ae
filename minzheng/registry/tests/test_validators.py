"""Tests of registry.validators.

Most tests assert on ValidationError.code, which needs no Django settings, so this file
also runs with ``pytest -p no:django``. Tests that render a Chinese message use the
``rendered`` fixture, which skips them when settings are not available.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from minzheng.registry.validators import (
    NANHAI_PREFIXES,
    check_character,
    mask_id_number,
    mask_name,
    mask_phone,
    normalise_id_number,
    normalise_phone,
    parse_id_number,
    upgrade_15_to_18,
    uscc_check_character,
    uscc_kind,
    validate_mobile,
    validate_phone,
    validate_uscc,
)

TODAY = dt.date(2025, 6, 1)
PREFIXES = ["440605", "440682", "440622", "440604", "110101", "310115", "460200", "650102"]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_id(prefix: str, birth: dt.date, seq: int) -> str:
    first17 = f"{prefix}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def make_uscc(first17: str) -> str:
    return first17 + uscc_check_character(first17)


def code_of(func, *args, **kwargs) -> str:
    with pytest.raises(ValidationError) as excinfo:
        func(*args, **kwargs)
    return excinfo.value.code


@pytest.fixture
def rendered():
    """Render a ValidationError's message in Simplified Chinese (needs settings)."""
    from django.conf import settings
    from django.utils import translation

    try:
        settings.USE_I18N  # noqa: B018 - touching it is the check
    except ImproperlyConfigured:
        pytest.skip("Django settings are not configured")

    def render(func, *args, **kwargs) -> str:
        with pytest.raises(ValidationError) as excinfo:
            func(*args, **kwargs)
        with translation.override("zh-hans"):
            return excinfo.value.messages[0]

    return render


# --- ID numbers: valid --------------------------------------------------------------------


def test_real_number_with_post_2002_prefix_born_before_2002_is_valid():
    info = parse_id_number("440605199001011236", today=TODAY)
    assert info.number == "440605199001011236"
    assert info.birth_date == dt.date(1990, 1, 1)
    assert info.sex == "M"
    assert info.address_code == "440605"


@pytest.mark.parametrize(
    ("prefix", "birth", "seq", "sex"),
    [
        ("440605", dt.date(2005, 3, 15), 2, "F"),  # 南海区, since 2002
        ("440682", dt.date(1995, 7, 20), 11, "M"),  # 南海市 1992-2002
        ("440622", dt.date(1985, 11, 30), 24, "F"),  # 南海县 1983-1992
        ("440622", dt.date(1950, 2, 28), 999, "M"),  # older resident, old code
    ],
)
def test_each_nanhai_era_is_valid(prefix, birth, seq, sex):
    number = make_id(prefix, birth, seq)
    info = parse_id_number(number, today=TODAY)
    assert info == (number, birth, sex, prefix)
    assert prefix in NANHAI_PREFIXES


def test_nanhai_prefixes_table():
    assert set(NANHAI_PREFIXES) == {"440605", "440682", "440622"}
    assert NANHAI_PREFIXES["440605"] == "南海区"


def _number_with_check_x() -> str:
    for seq in range(1000):
        number = make_id("440605", dt.date(1988, 8, 8), seq)
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence gives check X")  # pragma: no cover


def test_lower_case_x_and_spaces_are_normalised():
    number = _number_with_check_x()
    messy = f" {number[:6]} {number[6:14]}\u3000{number[14:-1]}x "
    assert parse_id_number(messy, today=TODAY).number == number
    assert normalise_id_number(messy) == number


def test_full_width_digits_are_accepted():
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "440605199001011236")
    assert parse_id_number(full_width, today=TODAY).number == "440605199001011236"


def test_born_today_is_valid_and_default_today_works():
    assert parse_id_number(make_id("440605", TODAY, 1), today=TODAY).birth_date == TODAY
    assert parse_id_number("440605199001011236").sex == "M"


# --- ID numbers: invalid ------------------------------------------------------------------


def test_wrong_check_digit():
    assert code_of(parse_id_number, "440605199001011237", today=TODAY) == "checksum"


@pytest.mark.parametrize("date_digits", ["19900230", "19901301", "19900000", "19900431"])
def test_impossible_birth_dates(date_digits):
    first17 = f"440605{date_digits}123"
    number = first17 + check_character(first17)
    assert code_of(parse_id_number, number, today=TODAY) == "invalid_birth_date"


def test_birth_before_1900():
    number = make_id("440605", dt.date(1899, 12, 31), 123)
    assert code_of(parse_id_number, number, today=TODAY) == "birth_date_too_early"


def test_future_birth_date():
    number = make_id("440605", TODAY + dt.timedelta(days=1), 123)
    assert code_of(parse_id_number, number, today=TODAY) == "future_birth_date"


@pytest.mark.parametrize("prefix", ["990101", "000000", "440000", "100101", "910101"])
def test_unknown_address_code(prefix):
    number = make_id(prefix, dt.date(1990, 1, 1), 123)
    assert code_of(parse_id_number, number, today=TODAY) == "address_code"


@pytest.mark.parametrize("value", ["44060519900101123", "4406051990010112366", "4406"])
def test_wrong_length(value):
    with pytest.raises(ValidationError) as excinfo:
        parse_id_number(value, today=TODAY)
    assert excinfo.value.code == "length"
    assert excinfo.value.params == {"length": len(value)}


@pytest.mark.parametrize(
    "value", ["44060519900101123A", "4406051990O1011236", "X40605199001011236"]
)
def test_letters_are_refused(value):
    assert code_of(parse_id_number, value, today=TODAY) == "characters"


@pytest.mark.parametrize("value", ["", "   ", "\u3000"])
def test_empty_is_refused(value):
    assert code_of(parse_id_number, value) == "required"


def test_15_digit_number_is_refused_and_can_be_upgraded():
    legacy = "440605900101123"
    assert code_of(parse_id_number, legacy) == "legacy_15"
    upgraded = upgrade_15_to_18(legacy)
    assert upgraded == "440605199001011236"
    assert parse_id_number(upgraded, today=TODAY).birth_date == dt.date(1990, 1, 1)


def test_upgrade_refuses_anything_but_15_digits():
    assert code_of(upgrade_15_to_18, "440605199001011236") == "invalid_legacy"
    assert code_of(upgrade_15_to_18, "44060590010112X") == "invalid_legacy"


def test_check_character_needs_17_digits():
    with pytest.raises(ValueError):
        check_character("4406051990010112")
    with pytest.raises(ValueError):
        check_character("4406051990010112X")


def test_id_messages(rendered):
    assert (
        rendered(parse_id_number, "440605900101123")
        == "15 位旧身份证号码已停止使用，请填写 18 位号码"
    )
    assert rendered(parse_id_number, "44060519900101123") == "身份证号码应为 18 位，当前为 17 位"
    assert (
        rendered(parse_id_number, "440605199001011237")
        == "身份证号码校验位不正确，请核对后重新输入"
    )
    messages = {
        rendered(parse_id_number, value, today=TODAY)
        for value in [
            "",
            "440605900101123",
            "4406",
            "44060519900101123A",
            make_id("990101", dt.date(1990, 1, 1), 1),
            "440605199002301230",
            make_id("440605", dt.date(1899, 1, 1), 1),
            make_id("440605", TODAY + dt.timedelta(days=1), 1),
            "440605199001011237",
        ]
    }
    assert len(messages) == 9  # every failure has its own wording


# --- ID numbers: properties ---------------------------------------------------------------

valid_ids = st.builds(
    make_id,
    st.sampled_from(PREFIXES),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
)


@hsettings(database=None, max_examples=300)
@given(
    prefix=st.sampled_from(PREFIXES),
    birth=st.dates(dt.date(1900, 1, 1), TODAY),
    seq=st.integers(0, 999),
)
def test_generated_numbers_are_accepted(prefix, birth, seq):
    info = parse_id_number(make_id(prefix, birth, seq), today=TODAY)
    assert info.birth_date == birth
    assert info.sex == ("M" if seq % 2 else "F")
    assert info.address_code == prefix


@hsettings(database=None, max_examples=300)
@given(number=valid_ids, position=st.integers(0, 16), shift=st.integers(1, 9))
def test_any_single_digit_change_is_refused(number, position, shift):
    digit = str((int(number[position]) + shift) % 10)
    mutated = number[:position] + digit + number[position + 1 :]
    # Usually the check character catches it; a change in the prefix or the date may be
    # reported as such instead. Either way the number is refused.
    with pytest.raises(ValidationError):
        parse_id_number(mutated, today=TODAY)


@hsettings(database=None, max_examples=100)
@given(number=valid_ids)
def test_normalising_is_idempotent_and_case_insensitive(number):
    assert normalise_id_number(number.lower()) == number
    assert normalise_id_number(normalise_id_number(number)) == number


# --- phones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("0086-138-1234-5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("19912345678", "19912345678"),
        ("0757-86282222", "0757-86282222"),
        ("075786282222", "0757-86282222"),
        ("0757 8628 2222", "0757-86282222"),
        ("(0757)86282222", "0757-86282222"),
        ("0757–86282222", "0757-86282222"),
        ("+86 757 8628 2222", "0757-86282222"),
        ("020-12345678", "020-12345678"),
        ("02012345678", "020-12345678"),
        ("010-87654321", "010-87654321"),
        ("0757-8628222", "0757-8628222"),
        ("07578628222", "0757-8628222"),
        ("0757-86282222-123", "0757-86282222-123"),
        ("0757-86282222转123", "0757-86282222-123"),
        ("0757 86282222 ext. 8", "0757-86282222-8"),
    ],
)
def test_valid_phones(value, expected):
    assert validate_phone(value) == expected
    assert normalise_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "required"),
        ("138123456789", "invalid_mobile"),  # 12 digits
        ("1381234567", "invalid_mobile"),  # 10 digits
        ("12812345678", "invalid_mobile"),  # starts with 12
        ("1381234567a", "characters"),
        ("tel", "characters"),
        ("86282222", "missing_area_code"),
        ("0757-862822", "invalid_landline"),  # 6-digit subscriber
        ("0757-862822222", "invalid_landline"),  # 9-digit subscriber
        ("0157-86282222", "invalid_landline"),  # no such area code
        ("0757-06282222", "invalid_landline"),
        ("+852 9123 4567", "foreign"),
        ("13812345678转12", "invalid_mobile"),
        ("0", "invalid_landline"),  # shorter than any area code
        ("075", "invalid_landline"),
    ],
)
def test_invalid_phones(value, code):
    assert code_of(validate_phone, value) == code


def test_an_integer_phone_from_json_is_coerced():
    assert validate_phone(13812345678) == "13812345678"
    assert code_of(validate_phone, 0) == "invalid_landline"


@pytest.mark.parametrize("value", [1.5, 1e20, True, ["13812345678"], {"n": 1}])
def test_a_phone_that_is_neither_text_nor_integer_is_refused(value):
    assert code_of(validate_phone, value) == "not_text"
    assert code_of(validate_mobile, value) == "not_text"


def test_validate_mobile_refuses_landlines():
    assert validate_mobile("+86 138 1234 5678") == "13812345678"
    assert code_of(validate_mobile, "0757-86282222") == "not_mobile"


def test_normalise_phone_never_raises():
    assert normalise_phone(" 8628 2222 ") == "86282222"
    assert normalise_phone("") == ""


def test_phone_message(rendered):
    assert "0757-86282222" in rendered(validate_phone, "86282222")
    assert rendered(validate_phone, "") == "请填写电话号码"


# --- unified social credit codes ----------------------------------------------------------


def test_valid_civil_affairs_codes():
    for first17 in ["51440605MJL123456", "52440605MJ0000001", "53440000507023812"]:
        code = make_uscc(first17)
        assert validate_uscc(code) == code
        assert validate_uscc(f" {code.lower()} ") == code


def test_known_sample_code():
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"


def test_letter_led_codes_are_valid():
    for first17 in ["Y1440605MA4UABCD1", "N2440605MA4UABCD1", "A1100000MB0000000"]:
        code = make_uscc(first17)
        assert validate_uscc(code) == code


def test_wrong_uscc_check_character():
    code = make_uscc("51440605MJL123456")
    wrong = code[:17] + next(c for c in USCC_ALPHABET if c != code[17])
    assert code_of(validate_uscc, wrong) == "checksum"


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "-", "中"])
def test_uscc_bad_characters(bad):
    code = make_uscc("51440605MJL123456")
    assert code_of(validate_uscc, code[:10] + bad + code[11:]) == "characters"


@pytest.mark.parametrize(
    ("value", "code"), [("", "required"), ("51440605MJL12345", "length"), ("5" * 19, "length")]
)
def test_uscc_empty_and_length(value, code):
    assert code_of(validate_uscc, value) == code


@hsettings(database=None, max_examples=300)
@given(
    first17=st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17),
    position=st.integers(0, 17),
    shift=st.integers(1, 30),
)
def test_uscc_any_single_character_change_is_refused(first17, position, shift):
    code = make_uscc(first17)
    assert validate_uscc(code) == code
    replacement = USCC_ALPHABET[(USCC_ALPHABET.index(code[position]) + shift) % 31]
    with pytest.raises(ValidationError):
        validate_uscc(code[:position] + replacement + code[position + 1 :])


def test_uscc_kind(rendered):
    assert uscc_kind(make_uscc("51440605MJL123456")) == "社会团体"
    assert uscc_kind(make_uscc("52440605MJ0000001")).startswith("民办非企业单位")
    assert uscc_kind("53440000507023812X") == "基金会"
    assert uscc_kind("59440605MJL1234560") == "其他民政登记组织"


def test_uscc_kind_of_other_organisations_is_none():
    assert uscc_kind("91350100M000100Y43") is None
    assert uscc_kind("Y1440605MA4UABCD1X") is None
    assert uscc_kind("") is None


def test_uscc_check_character_needs_17_alphabet_characters():
    with pytest.raises(ValueError):
        uscc_check_character("51440605MJL12345")
    with pytest.raises(ValueError):
        uscc_check_character("51440605MJL12345I")


# --- masking ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("440605199001011236", "4406**********1236"),
        ("44060519880808123x", "4406**********123X"),
        ("440605900101123", "4406*******1123"),
        ("4406051990", "4406**1990"),  # 10 characters: only the middle two hidden
        ("E1234567", "******67"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_id_number(value, expected):
    assert mask_id_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("0757-86282222", "0757-****2222"),
        ("075786282222", "0757-****2222"),
        ("0757-8628222", "0757-***8222"),
        ("020-12345678", "020-****5678"),
        ("0757-86282222-123", "0757-****2222-123"),
        ("86282222", "****2222"),
        ("", ""),
    ],
)
def test_mask_phone(value, expected):
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三丰", "张*丰"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧**娜"),
        ("诸葛孔明", "诸**明"),
        ("张", "*"),
        ("阿依古丽·买买提", "阿***·**提"),
        (" 张三丰 ", "张*丰"),
        ("", ""),
    ],
)
def test_mask_name(value, expected):
    assert mask_name(value) == expected


@hsettings(database=None, max_examples=100)
@given(number=valid_ids)
def test_masked_id_never_shows_the_county_or_the_birth_date(number):
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked[4:14] == "**********"
