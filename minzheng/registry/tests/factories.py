"""Test data for the registry: valid ID numbers and persons in a given community."""

from __future__ import annotations

import datetime as dt
import itertools

from minzheng.registry.models import Person
from minzheng.registry.services import PersonInput, person_register
from minzheng.registry.validators import check_character

_seq = itertools.count(1)


def id_number(birth: dt.date = dt.date(1990, 1, 1), prefix: str = "440605", sex: str = "M") -> str:
    n = next(_seq) % 499
    seq = n * 2 + (1 if sex == "M" else 0)
    first17 = f"{prefix}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def person(actor, *, name: str = "陈大文", division: str = "440605011001", **kw) -> Person:
    return person_register(
        actor=actor, data=PersonInput(name=name, residence_division_code=division, **kw)
    )
