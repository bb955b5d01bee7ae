"""Helpers for the Qingming tests."""

from __future__ import annotations

import datetime as dt
import itertools

from minzheng.qingming import params as qparams
from minzheng.qingming import rules
from minzheng.registry import validators

GUICHENG = "440605011000"
JIUJIANG = "440605121000"
_seq = itertools.count(1)


def id_number(n: int | None = None, prefix: str = "440605", birth: str = "19600101") -> str:
    """A valid ID number (own check character); distinct per n."""
    n = next(_seq) if n is None else n
    first17 = f"{prefix}{birth}{n % 1000:03d}"
    return first17 + validators.check_character(first17)


def set_param(key: str, value: str, value_type: str = "integer") -> None:
    """Give a parameter a new value from 2000-01-01 (tests: overrides the migration's row)."""
    from minzheng.core.models import PolicyParameter

    PolicyParameter.objects.filter(key=key).delete()
    PolicyParameter.objects.create(
        key=key,
        name=key,
        value=value,
        value_type=value_type,
        valid_from=dt.date(2000, 1, 1),
        source_document="test",
    )
    qparams.clear_cache()


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=rules.CHINA)
