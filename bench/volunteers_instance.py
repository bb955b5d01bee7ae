"""Seeded generator of a weekend dispatch instance for bench/dispatch.py.

Realistic shape for Nanhai: 7 towns (approximate town-centre coordinates), community test
sites weighted by town size, four roles (测温, 扫码, 引导, 维持秩序), 3-hour shifts on
Saturday 2021-06-05 and Sunday 2021-06-06 (Asia/Shanghai), some posts for party members
only or needing a valid training certificate; volunteers live near their town centre, hold
1-3 skills and are available in one or two windows over the weekend.
"""

from __future__ import annotations

import datetime as dt
import random

from minzheng.volunteers.solver import Instance, Post, Volunteer, candidates

TOWNS = [  # name, lat, lon, weight (population share, rounded)
    ("桂城街道", 23.035, 113.155, 0.25),
    ("大沥镇", 23.105, 113.105, 0.22),
    ("狮山镇", 23.135, 113.000, 0.22),
    ("里水镇", 23.195, 113.125, 0.10),
    ("九江镇", 22.835, 113.030, 0.08),
    ("西樵镇", 22.935, 112.965, 0.07),
    ("丹灶镇", 23.045, 112.915, 0.06),
]
ROLES = [("测温", 0.55), ("扫码", 0.55), ("引导", 0.7), ("维持秩序", 0.35)]
CERT = "健康培训"
TZ = dt.timezone(dt.timedelta(hours=8))
DAYS = [dt.date(2021, 6, 5), dt.date(2021, 6, 6)]
SHIFTS = [(7, 10), (10, 13), (13, 16), (16, 19)]


def _minute(day: dt.date, hour: int) -> int:
    return int(dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ).timestamp() // 60)


def _town(rng: random.Random):
    return rng.choices(TOWNS, [t[3] for t in TOWNS])[0]


def _near(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    return round(lat + rng.gauss(0, km / 111), 5), round(lon + rng.gauss(0, km / 102), 5)


def generate(*, volunteers: int = 5000, posts: int = 1000, seed: int = 20210605) -> Instance:
    rng = random.Random(seed)
    last_day = (DAYS[-1] - dt.date(1970, 1, 1)).days
    vols = []
    for i in range(volunteers):
        _name, lat, lon, _w = _town(rng)
        skills = frozenset(r for r, share in ROLES if rng.random() < share) or frozenset({"引导"})
        windows = []
        for day in DAYS:
            roll = rng.random()
            if roll < 0.5:
                continue
            if roll < 0.65:
                windows.append((_minute(day, 7), _minute(day, 13)))
            elif roll < 0.8:
                windows.append((_minute(day, 13), _minute(day, 19)))
            else:
                windows.append((_minute(day, 7), _minute(day, 19)))
        certs = {CERT: last_day + rng.choice([-30, 30, 180])} if rng.random() < 0.4 else {}
        vols.append(
            Volunteer(
                id=f"v{i}",
                skills=skills,
                available=tuple(windows),
                home=_near(rng, lat, lon, 3.5),
                max_minutes_per_day=rng.choice([360, 480, 480, 600]),
                certificates=certs,
                party_member=rng.random() < 0.45,
                prior_minutes=rng.choice([0, 0, 0, 120, 180, 360]),
            )
        )
    sites = []
    n_sites = max(1, posts // 20)
    for s in range(n_sites):
        _name, lat, lon, _w = _town(rng)
        sites.append((f"s{s}", _near(rng, lat, lon, 2.5)))
    out: list[Post] = []
    k = 0
    while len(out) < posts:
        site_id, point = sites[k % n_sites]
        day = DAYS[(k // n_sites) % 2]
        start_h, end_h = SHIFTS[(k // (2 * n_sites)) % len(SHIFTS)]
        for role, _share in ROLES:
            if len(out) >= posts or rng.random() < 0.3:
                continue
            roll = rng.random()
            out.append(
                Post(
                    id=f"p{len(out)}",
                    role=role,
                    site=point,
                    start=_minute(day, start_h),
                    end=_minute(day, end_h),
                    needed=rng.choice([3, 4, 6, 8, 10, 12]),
                    skills=frozenset({role}),
                    certificates=frozenset({CERT}) if roll < 0.1 else frozenset(),
                    party_only=0.1 <= roll < 0.25,
                )
            )
        k += 1
    instance = Instance(volunteers=vols, posts=out, tz_offset_minutes=480)
    # Preferences ("I'd like this site and shift"): one in five volunteers names a post they
    # could take near home (one of its 60 nearest eligible volunteers).
    near = candidates(instance, per_post=60)
    for _ in range(volunteers // 5):
        p = rng.choice(out)
        if near[p.id]:
            instance.preferences.add((rng.choice(near[p.id]), p.id))
    return instance
