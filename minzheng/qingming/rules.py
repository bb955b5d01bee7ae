"""Qingming policy logic as plain functions of data: season dates from the solar term,
plate validation, booking codes, 15-minute buckets, the 代客祭扫 fee rule."""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHINA = ZoneInfo("Asia/Shanghai")
BUCKET_MINUTES = 15

# ---------------------------------------------------------------- the solar term


def qingming_moment(year: int) -> dt.datetime:
    """The moment the sun reaches 15° apparent longitude (清明) in `year`, Beijing time.

    lunar-python's table of a lunar year holds the terms around it; asking from a solar
    date in April gives the lunar year whose 清明 falls in that same solar year (checked)."""
    from lunar_python import Solar

    term = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
    if term.getYear() != year:  # never seen, but the table spans two solar years
        raise ValueError(f"solar term table gave {term.getYear()} for {year}")
    return dt.datetime(
        term.getYear(),
        term.getMonth(),
        term.getDay(),
        term.getHour(),
        term.getMinute(),
        term.getSecond(),
        tzinfo=CHINA,
    )


@dataclass(frozen=True)
class SeasonDefaults:
    qingming_at: dt.datetime
    starts_on: dt.date
    ends_on: dt.date
    booking_opens_at: dt.datetime


def season_defaults(
    year: int, *, days_before: int, days_after: int, open_days_ahead: int
) -> SeasonDefaults:
    """The season runs from `days_before` days before the Qingming day to `days_after`
    after it; booking opens at 09:00, `open_days_ahead` days before the first day."""
    moment = qingming_moment(year)
    day = moment.date()
    starts = day - dt.timedelta(days=days_before)
    opens = dt.datetime.combine(
        starts - dt.timedelta(days=open_days_ahead), dt.time(9, 0), tzinfo=CHINA
    )
    return SeasonDefaults(moment, starts, day + dt.timedelta(days=days_after), opens)


# ---------------------------------------------------------------- plates

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"  # I and O are not used on plates
_ORDINARY = re.compile(rf"^[{PROVINCES}][{_LETTER}][{_LETTER}0-9]{{4}}[{_LETTER}0-9挂学警港澳]$")
# New-energy plates (GA 36-2018 and its 2021 extension), 8 characters:
# small cars: the 3rd character is an energy letter (D A B C E pure electric; F G H J K others);
# large vehicles: five digits then D or F.
_NEW_ENERGY_SMALL = re.compile(rf"^[{PROVINCES}][{_LETTER}][ABCDEFGHJK][{_LETTER}0-9][0-9]{{4}}$")
_NEW_ENERGY_LARGE = re.compile(rf"^[{PROVINCES}][{_LETTER}][0-9]{{5}}[DF]$")


def normalise_plate(value: str) -> str:
    return re.sub(r"[\s·•.\-]", "", value or "").upper()


def validate_plate(value: str) -> str:
    """A Chinese civil plate (7 characters, or 8 for new-energy vehicles), normalised.
    Raises ValidationError with a message a resident can act on."""
    plate = normalise_plate(value)
    if _ORDINARY.match(plate) or _NEW_ENERGY_SMALL.match(plate) or _NEW_ENERGY_LARGE.match(plate):
        return plate
    raise ValidationError(
        _("车牌号“%(plate)s”格式不正确，例如 粤A12345，新能源车如 粤AD12345、粤A12345D。")
        % {"plate": value}
    )


# ---------------------------------------------------------------- codes

SHORT_CODE_DIGITS = 8


def new_booking_code() -> str:
    """16 base32 characters from the OS's CSPRNG: 80 bits, not guessable."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii")


def new_short_code() -> str:
    """8 digits to read aloud at the gate; unique per cemetery and day (constraint)."""
    return f"{secrets.randbelow(10**SHORT_CODE_DIGITS):0{SHORT_CODE_DIGITS}d}"


def format_short_code(code: str) -> str:
    return f"{code[:4]} {code[4:]}"


# ---------------------------------------------------------------- buckets


def bucket_start(moment: dt.datetime) -> dt.datetime:
    """The start of the 15-minute bucket (Beijing time) that holds `moment`."""
    local = moment.astimezone(CHINA)
    return local.replace(
        minute=local.minute - local.minute % BUCKET_MINUTES, second=0, microsecond=0
    )


def china_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CHINA).date()


# ---------------------------------------------------------------- 代客祭扫 fee


@dataclass(frozen=True)
class FeeDecision:
    fee: Decimal
    reason: str


def proxy_sweep_fee(
    *, standard_fee: Decimal, free_age: int, age: int | None, tags: set[str]
) -> FeeDecision:
    """Free for 低保, 特困 and 低保边缘 families and for requesters aged `free_age` or more
    (by the bound ID number); otherwise the standard fee."""
    for tag, label in (("tekun", "特困"), ("dibao", "低保"), ("dibian", "低保边缘")):
        if tag in tags:
            return FeeDecision(Decimal("0.00"), _("%(label)s对象免费") % {"label": label})
    if age is not None and age >= free_age:
        return FeeDecision(Decimal("0.00"), _("%(age)d 周岁以上老人免费") % {"age": free_age})
    return FeeDecision(standard_fee.quantize(Decimal("0.01")), _("按标准收费"))
