"""Validation, normalisation and masking of resident ID numbers, phones and credit codes.

Everything here is a pure function: no database, no settings at import time, so the same
rules serve forms, the API and the bulk import (which must check thousands of rows a
second). Errors are ``django.core.exceptions.ValidationError`` with a Chinese message and
a stable ``code`` that callers and tests can rely on.

Resident ID numbers (GB 11643-1999)
    18 characters: 6-digit address code (GB/T 2260), birth date YYYYMMDD, 3-digit
    sequence (odd = male, even = female) and an ISO 7064 MOD 11-2 check character.
    We deliberately do not use python-stdnum's ``cn.ric``: it also requires the address
    code to have existed in the birth year, which rejects real numbers — people keep
    their number when a county is renamed (e.g. 440605199001011236, born in 1990 when
    the code 440605 did not exist yet).

    Address code rule: the first two digits must be a real province-level code and
    digits 3-6 must not all be zero. We do not check against a full GB/T 2260 table:
    codes are renamed and retired over the decades, and a stale table would reject
    valid people. Nanhai's three historic codes (NANHAI_PREFIXES) fall within this rule
    and are always accepted regardless of birth year.

    15-digit numbers (first-generation cards) are NOT accepted as a registration number:
    they stopped being valid on 2013-01-01 and every holder has since been issued an
    18-digit number. ``parse_id_number`` refuses them with a dedicated message;
    ``upgrade_15_to_18`` shows staff what the corresponding 18-digit number is.

Phones
    Mainland mobiles (11 digits, 1[3-9]…) and landlines (area code + 7–8 digits,
    optional extension). Normalised forms: "13812345678", "0757-86282222",
    "0757-86282222-123".

Unified social credit codes (GB 32100-2015)
    18 characters over "0123456789ABCDEFGHJKLMNPQRTUWXY" with a MOD 31 check character.
    python-stdnum's ``cn.uscc`` rejects codes led by a letter (Y, N, …), which are valid,
    hence our own check.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = [
    "NANHAI_PREFIXES",
    "PROVINCE_CODES",
    "IdNumberInfo",
    "check_character",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "normalise_id_number",
    "normalise_phone",
    "normalise_uscc",
    "parse_id_number",
    "upgrade_15_to_18",
    "uscc_check_character",
    "uscc_kind",
    "validate_mobile",
    "validate_phone",
    "validate_uscc",
]

# --- shared input clean-up -------------------------------------------------------------

# Chinese input methods often produce full-width digits/letters (１２３, ｘ) and the
# ideographic space; Excel and web pages add zero-width characters. Map them to ASCII
# before any check so that what looks right on screen is accepted.
_TRANSLATE: dict[int, int | None] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_TRANSLATE.update({0x3000: 0x20})
_TRANSLATE.update(dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None))
# Dash look-alikes, so that "0757–86282222" typed with an en dash still parses.
_TRANSLATE.update(dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), ord("-")))


def _to_ascii_compact(value: str) -> str:
    """Full-width → ASCII and all whitespace removed; the common first step of every
    normaliser here."""
    if value is None:
        return ""
    return "".join(str(value).translate(_TRANSLATE).split())


# China has one time zone; using it (not the server's) keeps a baby born today valid
# between 00:00 and 08:00 Beijing time on a UTC server.
_CHINA_TZ = ZoneInfo("Asia/Shanghai")


def _china_today() -> dt.date:
    return dt.datetime.now(_CHINA_TZ).date()


# --- resident ID numbers ---------------------------------------------------------------

# Real GB/T 2260 province-level codes that appear in resident ID numbers. 71 (Taiwan),
# 81 (Hong Kong) and 82 (Macao) are included because the codes exist in the standard.
# fmt: off
PROVINCE_CODES: frozenset[str] = frozenset([
    "11", "12", "13", "14", "15",
    "21", "22", "23",
    "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46",
    "50", "51", "52", "53", "54",
    "61", "62", "63", "64", "65",
    "71", "81", "82",
])
# fmt: on

# Nanhai carried three codes; residents keep the one current when they were first
# registered, so all three are valid today. Plain strings (not lazy) so that the table
# can be compared and used without Django settings.
NANHAI_PREFIXES: dict[str, str] = {
    "440605": "南海区",
    "440682": "南海市（1992–2002）",
    "440622": "南海县（1983–1992）",
}

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_RE = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS_RE = re.compile(r"[0-9]+")
_EARLIEST_BIRTH = dt.date(1900, 1, 1)


class IdNumberInfo(NamedTuple):
    """What an 18-digit ID number says about its holder."""

    number: str  # normalised: 18 characters, upper-case X
    birth_date: dt.date
    sex: str  # "M" or "F"
    address_code: str  # 6 digits


def normalise_id_number(value: str) -> str:
    """Remove all spaces (including full-width ones) and upper-case the check 'x'.

    Normalising before hashing is what makes the blind index match however the number
    was typed."""
    return _to_ascii_compact(value).upper()


def check_character(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits.

    Raises ValueError (a programming error, not user input) unless given 17 digits."""
    if len(first17) != 17 or not _DIGITS_RE.fullmatch(first17):
        raise ValueError("check_character() needs exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _is_plausible_address_code(code: str) -> bool:
    return code[:2] in PROVINCE_CODES and code[2:] != "0000"


def parse_id_number(value: str, *, today: dt.date | None = None) -> IdNumberInfo:
    """Validate an 18-digit resident ID number and return its normalised form and facts.

    Checks run from the coarsest to the finest so that the message points at what the
    person most likely got wrong; the check character is last and its message never
    reveals the expected character (that would let anyone "fix" a made-up number).
    ``today`` is injectable for tests; it defaults to the current date in China.
    """
    number = normalise_id_number(value)
    if not number:
        raise ValidationError(_("请填写身份证号码"), code="required")
    if len(number) == 15 and _DIGITS_RE.fullmatch(number):
        raise ValidationError(_("15 位旧身份证号码已停止使用，请填写 18 位号码"), code="legacy_15")
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为 18 位，当前为 %(length)d 位"),
            code="length",
            params={"length": len(number)},
        )
    if not _ID_RE.fullmatch(number):
        raise ValidationError(
            _("身份证号码只能包含数字，最后一位可以是数字或 X"), code="characters"
        )
    address_code = number[:6]
    if not _is_plausible_address_code(address_code):
        raise ValidationError(
            _("身份证号码前 6 位地址码无效，请核对后重新输入"), code="address_code"
        )
    try:
        birth_date = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("身份证号码中的出生日期（第 7–14 位）不是有效日期"), code="invalid_birth_date"
        ) from None
    if birth_date < _EARLIEST_BIRTH:
        raise ValidationError(
            _("身份证号码中的出生日期早于 1900 年 1 月 1 日，请核对"), code="birth_date_too_early"
        )
    if birth_date > (today or _china_today()):
        raise ValidationError(_("身份证号码中的出生日期晚于今天，请核对"), code="future_birth_date")
    if check_character(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码校验位不正确，请核对后重新输入"), code="checksum")
    sex = "M" if int(number[16]) % 2 else "F"
    return IdNumberInfo(number=number, birth_date=birth_date, sex=sex, address_code=address_code)


def upgrade_15_to_18(value: str) -> str:
    """The 18-digit number that replaced a 15-digit first-generation number.

    First-generation numbers are 6 address digits + YYMMDD + 3 sequence digits; the
    second-generation number inserts the century "19" and appends the check character.
    The result is only what the new number would be; staff should still confirm it
    with the person's current card. Raises ValidationError for anything but 15 digits.
    """
    number = normalise_id_number(value)
    if len(number) != 15 or not _DIGITS_RE.fullmatch(number):
        raise ValidationError(_("15 位旧身份证号码应为 15 位数字"), code="invalid_legacy")
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_character(first17)


# --- phones ----------------------------------------------------------------------------

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
# An explicit extension marker: 转 / 分机 / ext / x / # / comma, then 1-6 digits
# (full-width marks have already been mapped to ASCII).
_EXTENSION_RE = re.compile(r"(?P<main>.+?)(?:转|分机|ext\.?|x|#|,)(?P<ext>[0-9]{1,6})", re.I)
# Without a marker, only a hyphenated "area-subscriber-extension" is unambiguous.
_HYPHEN_EXTENSION_RE = re.compile(r"(?P<main>\(?0[0-9]{2,3}\)?-[0-9]{7,8})-(?P<ext>[0-9]{1,6})")
_PHONE_CHARS_RE = re.compile(r"\+?[0-9]+")


class _Phone(NamedTuple):
    kind: str  # "mobile" or "landline"
    area: str
    number: str
    extension: str

    def formatted(self) -> str:
        if self.kind == "mobile":
            return self.number
        ext = f"-{self.extension}" if self.extension else ""
        return f"{self.area}-{self.number}{ext}"


def _area_code_length(digits: str) -> int:
    """Beijing (010) and the 02x cities have 3-digit area codes; all others have 4."""
    return 3 if digits.startswith(("010", "02")) else 4


def _parse_phone(value: str) -> _Phone:
    """Parse a mainland phone number or raise ValidationError; shared by the public
    validators so that they can never disagree on what is valid.

    A JSON client may send the number as an integer: that is coerced; any other non-string
    (a float, a boolean, a list) is refused, never turned into text such as "1.5e+20"."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    elif value is not None and not isinstance(value, str):
        raise ValidationError(_("电话号码须为文字，例如 13812345678"), code="not_text")
    text = _to_ascii_compact(value)
    if not text:
        raise ValidationError(_("请填写电话号码"), code="required")
    extension = ""
    match = _EXTENSION_RE.fullmatch(text) or _HYPHEN_EXTENSION_RE.fullmatch(text)
    if match:
        text, extension = match["main"], match["ext"]
    text = re.sub(r"[-().]", "", text)
    if not _PHONE_CHARS_RE.fullmatch(text):
        raise ValidationError(_("电话号码只能包含数字、空格、连字符和开头的“+”"), code="characters")
    # Country prefix. International format drops the trunk 0 of landlines
    # (+86 757 8628 2222), so put it back.
    if text.startswith(("+86", "0086")):
        text = text.removeprefix("+86").removeprefix("0086")
        if not text.startswith(("0", "1")):
            text = "0" + text
    elif text.startswith(("+", "00")):
        raise ValidationError(_("目前只支持中国大陆的手机和固定电话号码"), code="foreign")
    elif len(text) == 13 and text.startswith("86") and _MOBILE_RE.fullmatch(text[2:]):
        text = text[2:]

    if text.startswith("1"):
        if extension or not _MOBILE_RE.fullmatch(text):
            raise ValidationError(
                _("手机号码应为 11 位数字，并以 13–19 开头"), code="invalid_mobile"
            )
        return _Phone("mobile", "", text, "")
    if text.startswith("0"):
        split = _area_code_length(text)
        area, subscriber = text[:split], text[split:]
        area_ok = len(area) == split and (
            area == "010" or area.startswith("02") or area[1] in "3456789"
        )
        if area_ok and 7 <= len(subscriber) <= 8 and subscriber[0] != "0":
            return _Phone("landline", area, subscriber, extension)
        raise ValidationError(
            _("固定电话号码格式不正确，应为区号加 7–8 位号码，例如 0757-86282222"),
            code="invalid_landline",
        )
    if 7 <= len(text) <= 8:
        raise ValidationError(_("固定电话请加上区号，例如 0757-86282222"), code="missing_area_code")
    raise ValidationError(
        _("电话号码格式不正确，请填写 11 位手机号码或带区号的固定电话"), code="invalid"
    )


def validate_phone(value: str) -> str:
    """Validate a mainland mobile or landline number and return its normalised form.

    Usable as a model/form field validator (Django ignores the return value)."""
    return _parse_phone(value).formatted()


def validate_mobile(value: str) -> str:
    """Like validate_phone, but only mobiles: SMS codes and notices need one."""
    phone = _parse_phone(value)
    if phone.kind != "mobile":
        raise ValidationError(_("请填写 11 位手机号码，以便接收短信"), code="not_mobile")
    return phone.formatted()


def normalise_phone(value: str) -> str:
    """The normalised form of a valid phone; for invalid input, the input with spaces
    removed (never raises).

    Callers that hash phones for search should hash this, so that "138 1234 5678" and
    "+86 13812345678" find the same person."""
    try:
        return validate_phone(value)
    except ValidationError:
        return _to_ascii_compact(value)


# --- unified social credit codes ------------------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(f"[{_USCC_ALPHABET}]{{18}}")

# Organisations registered by civil-affairs bureaus (registration authority "5").
_USCC_KINDS = {
    "51": _("社会团体"),
    "52": _("民办非企业单位（社会服务机构）"),
    "53": _("基金会"),
    "59": _("其他民政登记组织"),
}


def normalise_uscc(value: str) -> str:
    """Remove spaces (including full-width) and upper-case."""
    return _to_ascii_compact(value).upper()


def uscc_check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code.

    Raises ValueError (a programming error) unless given 17 characters of the alphabet."""
    if len(first17) != 17 or any(c not in _USCC_VALUES for c in first17):
        raise ValueError("uscc_check_character() needs 17 characters of the USCC alphabet")
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Validate a unified social credit code and return it normalised."""
    code = normalise_uscc(value)
    if not code:
        raise ValidationError(_("请填写统一社会信用代码"), code="required")
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位，当前为 %(length)d 位"),
            code="length",
            params={"length": len(code)},
        )
    if not _USCC_RE.fullmatch(code):
        raise ValidationError(
            _("统一社会信用代码只能包含数字和大写字母（不使用 I、O、S、V、Z）"),
            code="characters",
        )
    if uscc_check_character(code[:17]) != code[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对后重新输入"), code="checksum")
    return code


def uscc_kind(code: str) -> str | None:
    """The Chinese label of a civil-affairs organisation type (51/52/53/59), else None.

    Looks at the first two characters only; validate the code first."""
    label = _USCC_KINDS.get(normalise_uscc(code)[:2])
    return str(label) if label is not None else None


# --- masking ---------------------------------------------------------------------------


ID_MASK_KEEP_HEAD = 4
ID_MASK_KEEP_TAIL = 4


def mask_id_number(value: str) -> str:
    """Hide the county and the birth date: "4406**********1236".

    For 10+ characters the first 4 (province and city) and last 4 stay visible, so staff
    can tell similar people apart without seeing the full number. The county digits are
    hidden too because a screen that shows a masked number never shows the birth date
    (it shows the age): with the county visible, a birth date shown beside the number
    would leave only the check digit to guess (docs/architecture.md, personal data).
    Shorter values (e.g. foreign document numbers) show only their last 2 characters;
    4 or fewer are fully masked.
    """
    number = normalise_id_number(value)
    n = len(number)
    if n >= 10:
        hidden = n - ID_MASK_KEEP_HEAD - ID_MASK_KEEP_TAIL
        return number[:ID_MASK_KEEP_HEAD] + "*" * hidden + number[-ID_MASK_KEEP_TAIL:]
    if n > 4:
        return "*" * (n - 2) + number[-2:]
    return "*" * n


def mask_phone(value: str) -> str:
    """Hide the middle of a phone: "138****5678", "0757-****2222".

    Area codes and extensions stay visible: they identify an office, not a person.
    Unrecognised input keeps only its last 4 digits visible (2 when short)."""
    try:
        phone = _parse_phone(value)
    except ValidationError:
        text = _to_ascii_compact(value)
        keep = 4 if len(text) >= 8 else 2 if len(text) > 4 else 0
        return "*" * (len(text) - keep) + text[len(text) - keep :]
    if phone.kind == "mobile":
        return phone.number[:3] + "****" + phone.number[-4:]
    sub = phone.number
    masked = "*" * (len(sub) - 4) + sub[-4:]
    ext = f"-{phone.extension}" if phone.extension else ""
    return f"{phone.area}-{masked}{ext}"


_NAME_SEPARATORS = frozenset("·•．. ")


def mask_bank_account(value: str) -> str:
    """A bank account as lists show it: every digit but the last four starred."""
    digits = (value or "").replace(" ", "")
    return ("*" * max(len(digits) - 4, 0) + digits[-4:]) if digits else ""


def mask_name(value: str) -> str:
    """Mask a name for public notices: "张*丰", "张*", "欧**娜".

    The first and (for three or more characters) the last character stay visible, the
    usual practice for 公示 lists. Separators inside minority or foreign names
    ("·", spaces) are kept so the shape of the name stays readable."""
    name = " ".join(str(value).split())
    n = len(name)
    if n == 0:
        return ""
    if n == 1:
        return "*"
    if n == 2:
        return name[0] + "*"
    middle = "".join(c if c in _NAME_SEPARATORS else "*" for c in name[1:-1])
    return name[0] + middle + name[-1]
