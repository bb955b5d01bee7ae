"""Look up effective-dated policy parameters.

`parameter_value("dibao_standard", on=date, division_code="440605011001")` returns the
row in force on that date for the most specific division that has one: the community,
then its town, then the district, then the district-wide row (no division).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import LEVEL_DIGITS, PolicyParameter


class ParameterMissing(LookupError):
    pass


@dataclass(frozen=True)
class ParameterValue:
    key: str
    value: Decimal | int | str | bool
    unit: str
    source_document: str
    parameter_id: int
    division_code: str | None
    valid_from: dt.date

    def as_record(self) -> dict:
        """What a decision stores, so "why this amount" can be answered later."""
        return {
            "key": self.key,
            "value": str(self.value),
            "unit": self.unit,
            "source": self.source_document,
            "parameter_id": self.parameter_id,
            "division": self.division_code,
            "valid_from": self.valid_from.isoformat(),
        }


def parse_value(raw: str, value_type: str):
    if value_type == PolicyParameter.ValueType.DECIMAL:
        return Decimal(raw)
    if value_type == PolicyParameter.ValueType.INTEGER:
        return int(raw)
    if value_type == PolicyParameter.ValueType.BOOLEAN:
        return raw.strip().lower() in {"1", "true", "yes", "是"}
    return raw


def ancestor_codes(division_code: str | None) -> list[str]:
    """The division itself and the divisions above it within the district, nearest first."""
    if not division_code:
        return []
    codes = []
    for digits in sorted(LEVEL_DIGITS.values(), reverse=True):
        if digits < LEVEL_DIGITS["district"]:
            break
        code = division_code[:digits].ljust(12, "0")
        if code not in codes:
            codes.append(code)
    return codes


def _in_force(key: str, on: dt.date):
    return PolicyParameter.objects.filter(key=key, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=on)
    )


def resolve(rows, key: str, *, on: dt.date, division_code: str | None = None) -> ParameterValue:
    """The row that governs `division_code` on `on` among `rows` (rows of any keys, dates
    and divisions): the most specific division that has one, then the latest valid_from.
    The one rule behind parameter_value and ParameterSet."""
    candidates = ancestor_codes(division_code)
    order = {code: i for i, code in enumerate(candidates)}
    eligible = [
        r
        for r in rows
        if r.key == key
        and r.valid_from <= on
        and (r.valid_to is None or r.valid_to > on)
        and (r.division_id is None or r.division_id in order)
    ]
    if not eligible:
        raise ParameterMissing(
            _("政策参数“%(key)s”在 %(date)s 没有生效的取值。") % {"key": key, "date": on}
        )
    best = min(
        eligible, key=lambda r: (order.get(r.division_id, len(order)), -r.valid_from.toordinal())
    )
    return ParameterValue(
        key=key,
        value=parse_value(best.value, best.value_type),
        unit=best.unit,
        source_document=best.source_document,
        parameter_id=best.pk,
        division_code=best.division_id,
        valid_from=best.valid_from,
    )


def parameter_value(key: str, *, on: dt.date, division_code: str | None = None) -> ParameterValue:
    rows = _in_force(key, on).filter(
        Q(division__isnull=True) | Q(division_id__in=ancestor_codes(division_code))
    )
    return resolve(list(rows), key, on=on, division_code=division_code)


class ParameterSet:
    """Every row of some keys (all keys when `keys` is None; all dates, all divisions),
    loaded in one query and resolved in memory with the same rule as parameter_value
    (`resolve`), each (key, date, division) once. For hot paths and batches that read many
    parameters and can keep a snapshot for a few seconds or one run. A key with no row in
    force raises ParameterMissing, as parameter_value does."""

    def __init__(self, keys=None):
        rows = PolicyParameter.objects.all()
        if keys is not None:
            rows = rows.filter(key__in=list(keys))
        self.by_key: dict[str, list] = {}
        for row in rows:
            self.by_key.setdefault(row.key, []).append(row)
        self._memo: dict[tuple, ParameterValue] = {}

    def value(self, key: str, *, on: dt.date, division_code: str | None = None) -> ParameterValue:
        memo_key = (key, on, division_code)
        found = self._memo.get(memo_key)
        if found is None:
            found = self._memo[memo_key] = resolve(
                self.by_key.get(key, ()), key, on=on, division_code=division_code
            )
        return found
