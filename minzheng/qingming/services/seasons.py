"""Seasons, slot templates and slots: opening a season, generating its slots, walk-in days."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm

from .. import params as qparams
from .. import rules
from ..models import (
    Season,
    Slot,
    SlotTemplate,
    WalkInDay,
)


def season_create(*, actor, year: int, name: str = "", is_illustrative: bool = False) -> Season:
    """A season whose dates default from the Qingming solar term of `year` and the
    season parameters. Idempotent per year (returns the existing season)."""
    require_perm(actor, "qingming.add_season")
    existing = Season.objects.filter(year=year).first()
    if existing:
        return existing
    on = dt.date(year, 4, 1)
    defaults = rules.season_defaults(
        year,
        days_before=int(qparams.value("qingming_season_days_before", on=on)),
        days_after=int(qparams.value("qingming_season_days_after", on=on)),
        open_days_ahead=int(qparams.value("qingming_booking_open_days_ahead", on=on)),
    )
    with transaction.atomic():
        season = Season.objects.create(
            year=year,
            name=name or _("%(year)d年清明祭扫季") % {"year": year},
            qingming_at=defaults.qingming_at,
            starts_on=defaults.starts_on,
            ends_on=defaults.ends_on,
            booking_opens_at=defaults.booking_opens_at,
            is_illustrative=is_illustrative,
        )
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=season, summary=f"创建{season.name}"
        )
    return season


def slots_generate(*, actor, season: Season, cemetery_ids: list[int] | None = None) -> int:
    """Create each cemetery's template slots for every season day that needs booking.
    Existing slots are kept as edited; returns how many were created."""
    require_perm(actor, "qingming.add_slot")
    walk_in = set(WalkInDay.objects.filter(season=season).values_list("cemetery_id", "date"))
    templates = SlotTemplate.objects.all()
    if cemetery_ids is not None:
        templates = templates.filter(cemetery_id__in=cemetery_ids)
    days = [
        season.starts_on + dt.timedelta(days=n)
        for n in range((season.ends_on - season.starts_on).days + 1)
    ]
    new = [
        Slot(
            season=season,
            cemetery_id=t.cemetery_id,
            date=day,
            starts_at=t.starts_at,
            ends_at=t.ends_at,
            capacity=t.capacity,
            car_capacity=t.car_capacity,
        )
        for t in templates
        for day in days
        if (None, day) not in walk_in and (t.cemetery_id, day) not in walk_in
    ]
    with transaction.atomic():
        before = Slot.objects.filter(season=season).count()
        Slot.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        created = Slot.objects.filter(season=season).count() - before
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=season, summary=f"生成时段 {created} 个"
        )
    return created


def is_walk_in_day(*, cemetery_id: int, day: dt.date) -> bool:
    return WalkInDay.objects.filter(
        Q(cemetery_id=cemetery_id) | Q(cemetery__isnull=True), date=day
    ).exists()
