"""The bulk path for historical or imported services (the demo's 3,216 rows).

One at a time, `service_record` grants each service on the engine with its own ledger
entry (about 70 queries and 150 ms on SQLite). For thousands of past services this module
prepares every row through the same path (`services._evaluate`: the engine's
`application_prepare` and the priced lines), then asks the engine to grant them in bulk
(`programs.services.applications_bulk_grant`: one approval entry per home and service day)
and writes this app's ServiceRecords in bulk. One refused row refuses the whole batch
(nothing written).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from minzheng.core import audit
from minzheng.core.permissions import require_perm
from minzheng.programs.rules import ParamSource
from minzheng.programs.services import applications_bulk_grant
from minzheng.registry import validators
from minzheng.registry.pii import blind_index

from .models import FuneralHome, ServiceRecord
from .rules import ITEMS
from .services import _evaluate


@dataclass(frozen=True)
class PastService:
    home: FuneralHome
    deceased_name: str
    deceased_id_number: str
    death_date: dt.date
    service_date: dt.date
    quantities: dict[str, int]
    division_code: str  # the deceased's hukou town
    key: str  # idempotency key (unique)


def services_bulk_grant(*, actor, rows: list[PastService], batch_size: int = 1000) -> int:
    """Grant and record past services in bulk (see the module docstring). Returns the count."""
    require_perm(actor, "funeral.add_servicerecord")
    params = ParamSource()
    prepared = []
    seen: set[str] = set()
    for row in rows:
        info = validators.parse_id_number(row.deceased_id_number)
        id_hash = blind_index(info.number, kind="id")
        if id_hash in seen:
            raise ValidationError({"deceased_id_number": f"{row.key}: 同一逝者重复"})
        seen.add(id_hash)
        try:
            p = _evaluate(
                actor=actor,
                home=row.home,
                person=None,
                id_number=info.number,
                id_hash=id_hash,
                name=row.deceased_name,
                death_date=row.death_date,
                service_date=row.service_date,
                quantities={i.code: row.quantities.get(i.code, 0) for i in ITEMS},
                chosen_division=row.division_code,
                key=f"funeral:{row.key}",
                params=params,
                check_limit=False,  # the batch is checked at once below
            )
        except ValidationError as exc:
            raise ValidationError(
                {k: f"{row.key}: {'；'.join(v)}" for k, v in exc.message_dict.items()}
            ) from None
        if not all(c.ok for c in p.checks):
            raise ValidationError(
                {"facts": f"{row.key}: " + "；".join(c.message for c in p.checks if not c.ok)}
            )
        prepared.append((row, p))
    if ServiceRecord.objects.live().filter(deceased_id_hash__in=seen).exists():
        raise ValidationError({"deceased_id_number": "部分逝者已登记过免除"})

    with transaction.atomic():
        apps = applications_bulk_grant(
            actor=actor,
            permission="funeral.add_servicerecord",
            grants=[(p.engine, row.service_date) for row, p in prepared],
            reason="殡仪馆现场核验并免除（批量导入）",
            batch_size=batch_size,
        )
        ServiceRecord.objects.bulk_create(
            [
                ServiceRecord(
                    home=row.home,
                    application=a,
                    division_id=a.division_id,
                    deceased_name=a.applicant_name,
                    deceased_id_number=p.id_number,
                    deceased_id_hash=p.id_hash,
                    deceased_id_masked=a.applicant_id_masked,
                    death_date=row.death_date,
                    service_date=row.service_date,
                    items=p.lines,
                    amount=a.amount,
                    recorded_by=actor,
                )
                for a, (row, p) in zip(apps, prepared, strict=True)
            ],
            batch_size=batch_size,
        )
        audit.record(
            actor=actor,
            action=audit.Action.IMPORT,
            target=None,
            target_type="funeral.servicerecord",
            summary=f"批量登记殡葬费用免除 {len(apps)} 人",
        )
    return len(apps)
