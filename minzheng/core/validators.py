"""The sane range of every date a person types, and the one check on names.

Every form, serializer and service that accepts a birth date, a date something happened or
will happen, or a person's or organisation's name uses these, so that a date such as
0001-01-01 or 9999-12-31 is refused with a message instead of reaching date arithmetic or
the database, and a name cannot carry text-direction controls.

Dates (choices written down in core/README.md):

- birth dates: from 1900-01-01 (as for ID numbers, registry.validators) to today;
- past dates of record that may be decades old (a death, the day someone went missing):
  from 1900-01-01 to today;
- event dates (a visit, a service, an activity, a date a list is filtered on): from
  2000-01-01 to five years after today. The platform holds nothing before 2000, and
  nothing is planned further ahead than a few seasons.

"Today" is the date in China, whatever the server's time zone.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
EARLIEST_EVENT_DATE = dt.date(2000, 1, 1)
EVENT_YEARS_AHEAD = 5

_CHINA_TZ = ZoneInfo("Asia/Shanghai")


def china_today() -> dt.date:
    return dt.datetime.now(_CHINA_TZ).date()


def latest_event_date(today: dt.date | None = None) -> dt.date:
    today = today or china_today()
    try:
        return today.replace(year=today.year + EVENT_YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + EVENT_YEARS_AHEAD, day=28)


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, dt.date):
        raise ValidationError(_("日期格式须为 YYYY-MM-DD。"), code="invalid_date")
    return value


def validate_birth_date(value, *, today: dt.date | None = None) -> dt.date:
    """A birth date from 1900-01-01 to today. Usable as a form or serializer field validator."""
    value = _as_date(value)
    if value < EARLIEST_BIRTH_DATE:
        raise ValidationError(
            _("出生日期不能早于 1900 年 1 月 1 日。"), code="birth_date_too_early"
        )
    if value > (today or china_today()):
        raise ValidationError(_("出生日期不能晚于今天。"), code="future_birth_date")
    return value


def validate_past_date(value, *, today: dt.date | None = None) -> dt.date:
    """A date that has happened and may be long ago (a death, a disappearance): from
    1900-01-01 to today."""
    value = _as_date(value)
    if value < EARLIEST_BIRTH_DATE or value > (today or china_today()):
        raise ValidationError(_("日期须在 1900-01-01 至今天之间。"), code="past_date_out_of_range")
    return value


def validate_event_date(value, *, today: dt.date | None = None) -> dt.date:
    """A date of the platform's business (a visit, a service, an activity, a filter): from
    2000-01-01 to five years after today."""
    value = _as_date(value)
    latest = latest_event_date(today)
    if not EARLIEST_EVENT_DATE <= value <= latest:
        raise ValidationError(
            _("日期须在 %(earliest)s 至 %(latest)s 之间。"),
            code="event_date_out_of_range",
            params={"earliest": EARLIEST_EVENT_DATE.isoformat(), "latest": latest.isoformat()},
        )
    return value


def date_error(validator, value, **kwargs) -> str | None:
    """The message of a date validator for `value`, or None: for services that collect a
    field → message map before raising once."""
    try:
        validator(value, **kwargs)
    except ValidationError as exc:
        return exc.messages[0]
    return None


def parse_event_date(value: str | None, *, field: str = "date") -> dt.date:
    """A YYYY-MM-DD query parameter that must be an event date; ValidationError({field: …})
    otherwise (the API answers 400, pages show the message)."""
    try:
        day = dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError({field: _("日期格式须为 YYYY-MM-DD。")}) from None
    try:
        return validate_event_date(day)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


# --- ids and whole numbers in query strings ------------------------------------------------

# Primary keys are 64-bit; a longer number is no row (and overflows SQLite's integers).
MAX_ID = 2**63 - 1


def as_int(value) -> int | None:
    """A 64-bit whole number from a query parameter or JSON value (an int, or a string of
    ASCII digits), or None for anything else.

    `str.isdigit()` is not enough: it accepts "²" and "١", which int() then refuses or reads
    as another number; and a number beyond 64 bits overflows SQLite's integers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        digits = text.removeprefix("-")
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 19):
            return None
        value = int(text)
    if isinstance(value, int) and -MAX_ID <= value <= MAX_ID:
        return value
    return None


def as_id(value) -> int | None:
    """A positive 64-bit id (see as_int), or None."""
    number = as_int(value)
    return number if number is not None and number > 0 else None


# --- names -------------------------------------------------------------------------------

# Text-direction controls (LRM/RLM, the embeddings and overrides U+202A–U+202E, the isolates
# U+2066–U+2069) make a name display as something other than what it is ("陈\u202e文大"),
# in lists, notices, certificates and exported files.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def contains_bidi_controls(value) -> bool:
    return isinstance(value, str) and _BIDI_CONTROLS.search(value) is not None


def bidi_message() -> str:
    return _("不能包含文字方向控制符（如 U+202E）：它们会让显示的文字与实际内容不一致。")


def validate_name(value) -> None:
    """Refuse text-direction controls in a name. The one check every place that accepts a
    name (person, household head, organisation, contact, visitor, deceased, applicant,
    rescue case …) applies; usable as a form or serializer field validator."""
    if contains_bidi_controls(value):
        raise ValidationError(bidi_message(), code="bidi_control")


def name_error(value) -> str | None:
    """validate_name's message for `value`, or None (for services' field → message maps)."""
    return bidi_message() if contains_bidi_controls(value) else None
