"""Data of the burst benchmark, in the bench database (run with DJANGO_SETTINGS_MODULE and
DATABASE_URL set by bench/qingming_burst.py): one season whose booking is open, three sets
of 500 slots on 10 cemeteries, and N resident accounts with API tokens.

Prints one JSON line: {"burst": [slot ids], "rate": [...], "raw": [...], "tokens": [...],
"season": id, "day": "YYYY-MM-DD"}."""

from __future__ import annotations

import datetime as dt
import json
import sys

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from minzheng.core.models import User  # noqa: E402
from minzheng.portal.models import ResidentProfile  # noqa: E402
from minzheng.qingming.models import Cemetery, Season, Slot  # noqa: E402
from minzheng.registry import pii, validators  # noqa: E402


def main(users: int, burst_capacity: int) -> None:
    today = timezone.localdate()
    day = today + dt.timedelta(days=2)
    towns = [
        "440605011000",
        "440605121000",
        "440605122000",
        "440605123000",
        "440605124000",
        "440605125000",
        "440605126000",
    ]
    with transaction.atomic():
        season = Season.objects.create(
            year=2099,
            name="压测祭扫季",
            qingming_at=timezone.now(),
            starts_on=today,
            ends_on=today + dt.timedelta(days=20),
            booking_opens_at=timezone.now() - dt.timedelta(hours=1),
        )
        cems = [
            Cemetery.objects.create(
                name=f"压测墓园{n:02d}", division_id=towns[n % len(towns)], max_inside=100000
            )
            for n in range(10)
        ]
        sets: dict[str, list[int]] = {}
        # burst: 500 slots of `burst_capacity` places (demand is 5x); rate and raw: large slots
        for label, offset, capacity in (
            ("burst", 0, burst_capacity),
            ("rate", 1, 1_000_000),
            ("raw", 2, 1_000_000),
        ):
            slots = [
                Slot(
                    season=season,
                    cemetery=cems[n % 10],
                    date=day + dt.timedelta(days=offset * 5 + (n // 10) % 5),
                    starts_at=dt.time(6 + (n // 50)),
                    ends_at=dt.time(7 + (n // 50)),
                    capacity=capacity,
                    car_capacity=capacity,
                )
                for n in range(500)
            ]
            Slot.objects.bulk_create(slots)
            sets[label] = [s.pk for s in slots]
        tokens = []
        for n in range(users):
            phone = f"137{n:08d}"
            user = User.objects.create(username=f"bench-{n}", kind=User.Kind.RESIDENT)
            ResidentProfile.objects.create(
                user=user,
                phone=phone,
                phone_hash=pii.blind_index(phone, kind="phone"),
                phone_masked=validators.mask_phone(phone),
            )
            tokens.append(Token.objects.create(user=user).key)
    print(
        json.dumps(
            {**sets, "tokens": tokens, "season": season.pk, "cemeteries": [c.pk for c in cems]}
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
