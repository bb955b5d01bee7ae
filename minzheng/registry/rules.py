"""Registry rules as plain functions of data."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

DERIVED_TAGS = {"elderly_60": _("60岁以上老年人"), "elderly_80": _("80岁以上高龄老人")}


def age_on(birth_date: dt.date | None, day: dt.date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def derived_tags(birth_date: dt.date | None, day: dt.date) -> list[str]:
    """Tags that follow from the birth date on `day` (not stored, so they are never stale)."""
    age = age_on(birth_date, day)
    if age is None:
        return []
    return [tag for tag, limit in (("elderly_60", 60), ("elderly_80", 80)) if age >= limit]


def birth_date_bounds_for_age(min_age: int, day: dt.date) -> dt.date:
    """Latest birth date of someone at least `min_age` years old on `day` (for queries)."""
    try:
        return day.replace(year=day.year - min_age)
    except ValueError:  # 29 February
        return day.replace(year=day.year - min_age, day=28)
