"""Demo data of the Qingming module (`manage.py demo`): illustrative cemeteries, the 2027
season (dates computed from the solar term) with bookings in every state and a simulated
Qingming day, and the 2021 season whose totals are the bureau's reported figures,
summed from per-gate 15-minute records. Idempotent and seeded."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from minzheng.core.demo_accounts import ensure_account
from minzheng.registry import pii, validators

from . import rules, services
from .models import (
    CarPark,
    Cemetery,
    CheckIn,
    Gate,
    GateBucket,
    Memorial,
    ProxySweep,
    Reservation,
    Season,
    Slot,
    SlotTemplate,
    Tribute,
    WalkInDay,
)
from .roles import CEMETERY_STAFF

# 2021: 珠江时报 (June 2021) on the bureau's practical matters — shared/data/figures_2021.md.
VISITS_2021 = 1_268_641
# "about 300,000 vehicles": the demo uses this exact total (documented in the README).
VEHICLES_2021 = 300_112

# Illustrative cemeteries, one per town: names made up for the demo ("示例"), not a list
# of Nanhai's real public cemeteries. (name, town code, max inside, car spaces, weight)
CEMETERIES = [
    ("桂城公益性公墓（示例）", "440605011000", 6000, 800, 16),
    ("九江公益性公墓（示例）", "440605121000", 4000, 500, 12),
    ("西樵公益性公墓（示例）", "440605122000", 5000, 600, 15),
    ("丹灶公益性公墓（示例）", "440605123000", 3000, 400, 10),
    ("狮山公益性公墓（示例）", "440605124000", 7000, 900, 20),
    ("大沥公益性公墓（示例）", "440605125000", 4500, 500, 15),
    ("里水公益性公墓（示例）", "440605126000", 3500, 450, 12),
]
GATES = ("东门", "西门")
SLOT_TIMES = [(7, 9), (9, 11), (11, 13), (13, 15), (15, 17)]
DEMO_RESIDENT_PHONE = "13900001111"


def _id_number(rng: random.Random) -> str:
    prefix = rng.choice(["440605", "440682", "440622"])
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 60))
    first17 = f"{prefix}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + validators.check_character(first17)


def _demo_resident():
    """A resident account for the portal demo (sign in with DEMO_RESIDENT_PHONE; the SMS
    code is printed in the console)."""
    from minzheng.core.models import User
    from minzheng.portal.models import ResidentProfile

    phone_hash = pii.blind_index(DEMO_RESIDENT_PHONE, kind="phone")
    profile = ResidentProfile.objects.filter(phone_hash=phone_hash).select_related("user").first()
    if profile:
        return profile.user
    user = User.objects.create(
        username="r-demo-qingming", kind=User.Kind.RESIDENT, display_name="陈*（演示居民）"
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    ResidentProfile.objects.create(
        user=user,
        phone=DEMO_RESIDENT_PHONE,
        phone_hash=phone_hash,
        phone_masked=validators.mask_phone(DEMO_RESIDENT_PHONE),
        real_name="陈秀英",
    )
    return user


def _cemeteries() -> list[Cemetery]:
    out = []
    for name, town, max_inside, cars, _weight in CEMETERIES:
        c, _ = Cemetery.objects.get_or_create(
            name=name,
            defaults={
                "division_id": town,
                "max_inside": max_inside,
                "is_illustrative": True,
                "address": "演示地址",
            },
        )
        for gate in GATES:
            Gate.objects.get_or_create(cemetery=c, name=gate)
        if not c.car_parks.exists():
            CarPark.objects.create(cemetery=c, name="停车场", capacity=cars)
        for start, end in SLOT_TIMES:
            SlotTemplate.objects.get_or_create(
                cemetery=c,
                starts_at=dt.time(start),
                defaults={
                    "ends_at": dt.time(end),
                    "capacity": max_inside // 4,
                    "car_capacity": cars // 3,
                },
            )
        out.append(c)
    return out


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=rules.CHINA)


def _season_2027(admin, staff, resident, cems: list[Cemetery], rng: random.Random) -> str:
    # The district configures the season (admin); bookings and scans are the staff's.
    season = services.season_create(actor=admin, year=2027, is_illustrative=True)
    for day in (season.starts_on, season.starts_on + dt.timedelta(days=1)):  # walk-in days
        WalkInDay.objects.get_or_create(season=season, cemetery=None, date=day)
    services.slots_generate(actor=admin, season=season)
    if Reservation.objects.filter(season=season).exists():
        return f"{season.name} 已有演示数据（{Reservation.objects.filter(season=season).count()} 笔预约）"
    qingming = season.qingming_at.date()
    eve = qingming - dt.timedelta(days=1)
    booking_time = season.booking_opens_at + dt.timedelta(hours=1)
    made: list[Reservation] = []
    names = "陈李黄梁何张吴罗冯邓"
    given = ["秀英", "志强", "伟明", "丽华", "国良", "少芬", "家豪", "美玲", "锦华", "惠珍"]
    for n in range(360):
        cem = cems[n % len(cems)]
        day = qingming if n % 3 else eve
        slot = Slot.objects.get(
            cemetery=cem, date=day, starts_at=dt.time(*((SLOT_TIMES[n % 4][0], 0)))
        )
        online = n % 4 == 0
        visitor = services.VisitorInput(
            name=rng.choice(names) + rng.choice(given),
            id_number=_id_number(rng),
            party_size=1 + n % 4,
            plate=f"粤{rng.choice('ABEXY')}{rng.randrange(10000, 99999)}"
            if n % 3 == 0
            else ("粤AD" + f"{rng.randrange(10000, 99999)}" if n % 7 == 0 else ""),
            phone=f"139{rng.randrange(10**7, 10**8)}",
        )
        r, _ = services.reservation_create(
            actor=resident if online else staff,
            slot_id=slot.pk,
            visitor=visitor,
            channel=Reservation.Channel.ONLINE if online else Reservation.Channel.COUNTER,
            now=booking_time,
            notify=False,
        )
        made.append(r)
    # Cancelled: one in ten, before the deadline.
    for r in made[5::10]:
        services.reservation_cancel(
            actor=r.booked_by, reservation=r, reason="行程有变（演示）", now=booking_time
        )
    # The eve: most came and left, the rest did not come (no-shows, counted on the ID).
    gates = {c.pk: list(c.gates.all()) for c in cems}
    eve_booked = [x for x in made if x.visit_date == eve and x.status == services.Status.BOOKED]
    for i, r in enumerate(eve_booked):
        if i % 5 != 4:
            _visit(
                staff,
                r,
                gates[r.cemetery_id][i % 2],
                _at(eve, r.slot.starts_at.hour, (i * 7) % 60),
                stay=75,
            )
    services.reservations_mark_no_show(day=eve)
    # The Qingming day, simulated as under way at about 11:00: early slots came in, some left,
    # some elderly came through the green channel.
    day_booked = [
        x for x in made if x.visit_date == qingming and x.status == services.Status.BOOKED
    ]
    for i, r in enumerate(day_booked):
        if r.slot.starts_at.hour >= 11 or i % 6 == 5:
            continue
        gate = gates[r.cemetery_id][i % 2]
        t = _at(qingming, r.slot.starts_at.hour, (i * 11) % 60)
        _visit(staff, r, gate, t, stay=80 if i % 3 == 0 else None)
        if i % 4 == 0:
            services.checkin_count(
                actor=staff,
                gate_id=gate.pk,
                direction="in",
                people=1 + i % 3,
                kind="green",
                nonce=f"demo-green-{r.pk}",
                now=t + dt.timedelta(minutes=5),
            )
    # Turnstile counts of the simulated morning (counted records), so the live view shows a
    # busy day; the first cemetery is pushed over its warning threshold.
    rows = []
    for k, cem in enumerate(cems):
        for gate in gates[cem.pk]:
            for b in range(16):  # 07:00-10:45
                start = _at(qingming, 7 + b // 4, 15 * (b % 4))
                busy = k == 0  # the first cemetery passes its people and car-park warnings
                arrivals = (cem.max_inside // 28 if busy else cem.max_inside // 90) + rng.randrange(
                    0, 20
                )
                rows.append(
                    GateBucket(
                        cemetery=cem,
                        gate=gate,
                        season=season,
                        starts_at=start,
                        counted_arrivals=arrivals,
                        counted_departures=arrivals // 4,
                        counted_cars_in=arrivals // (8 if busy else 6),
                        counted_cars_out=arrivals // (40 if busy else 24),
                    )
                )
    _merge_counted(rows)
    by_status = dict(
        Reservation.objects.filter(season=season)
        .values_list("status")
        .annotate(n=Sum("party_size"))
        .values_list("status", "n")
    )
    return f"{season.name}（清明 {timezone.localtime(season.qingming_at, rules.CHINA):%Y-%m-%d %H:%M}）{len(made)} 笔预约，各状态人数 {by_status}"


PRACTICE_NAME = "预约体验时段（演示）"
PRACTICE_DAYS = 7


def _practice_season(admin) -> str:
    """Practice slots a newcomer can book on the day the demo is loaded: an illustrative
    season of PRACTICE_DAYS days from today, open for booking since today 00:00 (computed
    from the date, so every load has them), unless a real season is open now anyway.
    Reused while it lasts; `year` is unique, so it takes the first year no season holds."""
    now = timezone.now()
    today = timezone.localdate(now)
    if Season.objects.filter(booking_opens_at__lte=now, ends_on__gte=today).exists():
        return "已有开放预约的祭扫季，无需体验时段"
    season = Season.objects.filter(name=PRACTICE_NAME).first()
    if season is None:
        taken = set(Season.objects.values_list("year", flat=True))
        year = next((y for y in range(today.year, today.year + 10) if y not in taken), None)
        if year is None:
            return "无可用年份，未建体验时段"
        season = services.season_create(
            actor=admin, year=year, name=PRACTICE_NAME, is_illustrative=True
        )
    Season.objects.filter(pk=season.pk).update(
        starts_on=today,
        ends_on=today + dt.timedelta(days=PRACTICE_DAYS - 1),
        qingming_at=_at(today, 12),
        booking_opens_at=_at(today, 0),
    )
    season.refresh_from_db()
    created = services.slots_generate(actor=admin, season=season)
    return f"{PRACTICE_NAME} {season.starts_on:%Y-%m-%d} 至 {season.ends_on:%Y-%m-%d}，新建 {created} 个时段"


def _visit(staff, r: Reservation, gate: Gate, at: dt.datetime, *, stay: int | None) -> None:
    """Scan a booking in at `at` (its QR) and, when `stay` is given, out that many minutes
    later (its short code), with the demo's simulated clock."""
    services.checkin_scan(
        actor=staff,
        code=services.qr_payload(r),
        gate_id=gate.pk,
        direction="in",
        nonce=f"demo-in-{r.pk}",
        now=at,
    )
    if stay is not None:
        services.checkin_scan(
            actor=staff,
            code=r.short_code,
            gate_id=gate.pk,
            direction="out",
            nonce=f"demo-out-{r.pk}",
            now=at + dt.timedelta(minutes=stay),
        )


def _merge_counted(rows: list[GateBucket]) -> None:
    """Add counted records to buckets that scans may already have created."""
    for row in rows:
        GateBucket.objects.bulk_create(
            [
                GateBucket(
                    cemetery=row.cemetery, gate=row.gate, season=row.season, starts_at=row.starts_at
                )
            ],
            ignore_conflicts=True,
        )
        GateBucket.objects.filter(gate=row.gate, starts_at=row.starts_at).update(
            counted_arrivals=F("counted_arrivals") + row.counted_arrivals,
            counted_departures=F("counted_departures") + row.counted_departures,
            counted_cars_in=F("counted_cars_in") + row.counted_cars_in,
            counted_cars_out=F("counted_cars_out") + row.counted_cars_out,
        )


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` exactly (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    parts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[
        : total - sum(parts)
    ]:
        parts[i] += 1
    return parts


def _season_2021(staff, cems: list[Cemetery], rng: random.Random) -> str:
    season = services.season_create(actor=staff, year=2021, is_illustrative=True)
    if not GateBucket.objects.filter(season=season).exists():
        qingming = season.qingming_at.date()
        days = [
            season.starts_on + dt.timedelta(days=n)
            for n in range((season.ends_on - season.starts_on).days + 1)
        ]
        # Busiest on the Qingming day and the weekend before it; 06:00-18:00, peak mid-morning.
        day_w = [
            max(1.0, 10 - 1.6 * abs((d - qingming).days)) * (1.4 if d.weekday() >= 5 else 1.0)
            for d in days
        ]
        hour_w = [max(0.2, 6 - abs(b / 4 - 3.5)) for b in range(48)]
        keys, weights = [], []
        for cem, (*_rest, weight) in zip(cems, CEMETERIES, strict=True):
            for gate in cem.gates.order_by("pk"):
                for d, dw in zip(days, day_w, strict=True):
                    for b, hw in enumerate(hour_w):
                        keys.append((cem, gate, _at(d, 6 + b // 4, 15 * (b % 4))))
                        weights.append(weight * dw * hw * rng.uniform(0.9, 1.1))
        visits = _apportion(VISITS_2021, weights)
        cars = _apportion(VEHICLES_2021, weights)
        rows = [
            GateBucket(
                cemetery=c,
                gate=g,
                season=season,
                starts_at=t,
                counted_arrivals=v,
                counted_departures=v,
                counted_cars_in=n,
                counted_cars_out=n,
            )
            for (c, g, t), v, n in zip(keys, visits, cars, strict=True)
        ]
        GateBucket.objects.bulk_create(rows, batch_size=1000)
    totals = GateBucket.objects.filter(season=season).aggregate(
        v=Sum("counted_arrivals"), c=Sum("counted_cars_in")
    )
    return f"{season.name}（清明 {timezone.localtime(season.qingming_at, rules.CHINA):%Y-%m-%d %H:%M}）{totals['v']:,} 人次、{totals['c']:,} 辆次"


def _proxy_and_memorial(staff, resident) -> None:
    if ProxySweep.objects.exists():
        return
    cem = Cemetery.objects.order_by("pk").first()
    for n, deceased in enumerate(("陈伯（演示）", "李婆婆（演示）")):
        sweep = services.proxy_sweep_request(
            actor=resident,
            data=services.ProxySweepInput(
                cemetery_id=cem.pk,
                contact_name="陈秀英",
                deceased_name=deceased,
                grave_location=f"福区 {3 + n} 排 {12 + n} 号",
                wish_date=dt.date(2027, 4, 2),
            ),
            today=dt.date(2027, 3, 20),
        )
        if n == 0:
            services.proxy_sweep_update(
                actor=staff, sweep=sweep, to=ProxySweep.Status.ACCEPTED, note="已安排（演示）"
            )
    memorial = services.memorial_create(
        actor=resident,
        deceased_name="陈公伯涛（演示）",
        years="1931—2019",
        epitaph="勤俭一生，泽被后人",
    )
    services.moderate(actor=staff, item=memorial, approve=True)
    memorial.refresh_from_db()
    for _ in range(3):
        services.tribute_add(actor=resident, memorial=memorial, kind=Tribute.Kind.FLOWER)
    ok = services.tribute_add(
        actor=resident, memorial=memorial, kind=Tribute.Kind.MESSAGE, text="清明时节，思念绵长。"
    )
    services.moderate(actor=staff, item=ok, approve=True)
    services.tribute_add(
        actor=resident, memorial=memorial, kind=Tribute.Kind.MESSAGE, text="爷爷，我们都很好。"
    )
    Memorial.objects.get_or_create(
        deceased_name="梁婆婆（演示，待审核）", defaults={"created_by": resident}
    )


def run(*, stdout, password: str) -> str:
    from minzheng.core import roles

    roles.sync_roles()
    staff = ensure_account(
        username="cemetery_staff",
        display_name="墓园工作人员（演示）",
        division="440605000000",
        role=CEMETERY_STAFF,
        password=password,
    )
    # Seasons and slots are configured by the district; the demo does it as the admin would.
    admin = ensure_account(
        username="admin",
        display_name="系统管理员",
        division="440605000000",
        role=roles.SYSTEM_ADMIN,
        password=password,
        superuser=True,
    )
    rng = random.Random(20210404)
    with transaction.atomic():
        cems = _cemeteries()
        resident = _demo_resident()
    summary_2021 = _season_2021(admin, cems, rng)
    summary_2027 = _season_2027(admin, staff, resident, cems, rng)
    _proxy_and_memorial(staff, resident)
    practice = _practice_season(admin)
    scans = CheckIn.objects.count()
    return f"{len(cems)} 个示例墓园；{summary_2021}；{summary_2027}；{practice}；{scans} 条核验；账号 cemetery_staff，演示居民 {DEMO_RESIDENT_PHONE}"
