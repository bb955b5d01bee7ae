"""Volunteers demo step: 300 volunteers in party branches across the 7 towns; the weekend
test-site activity of 5-6 June 2021 at 罗村, 官窑, 松岗 (狮山镇) and 桂园 (桂城街道) with
52 party members dispatched and their attendance; the Qingming 2021 cemetery guiding
activity (about 100 volunteers); an open activity for sign-up; demo accounts
`volunteer_organiser` (staff) and `volunteer_demo` (resident, signs in by SMS).

Past activities are history: their rows are written directly (the services refuse
sign-ups to shifts in the past), with attendance computed by the same rules.
Idempotent: a second run only refreshes the accounts. Coordinates are approximate.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from minzheng.core import roles
from minzheng.core.demo_accounts import ensure_account
from minzheng.core.models import Division, User
from minzheng.registry import pii
from minzheng.registry.demo import make_id_number, make_phone
from minzheng.registry.models import Person
from minzheng.registry.names import random_name
from minzheng.registry.services import PersonInput, person_build
from minzheng.registry.validators import mask_id_number, mask_phone

from . import rules, solver
from .apps import ORGANISER
from .models import (
    Activity,
    Attendance,
    Certificate,
    DispatchPlan,
    PartyBranch,
    PlanAssignment,
    Post,
    Shift,
    SignUp,
    Site,
    Volunteer,
    WeeklyAvailability,
)

SEED = 20210605
DISTRICT = "440605000000"
TOWNS = {  # code: (lat, lon) of the town centre, approximate
    "440605011000": (23.035, 113.155),
    "440605121000": (22.835, 113.030),
    "440605122000": (22.935, 112.965),
    "440605123000": (23.045, 112.915),
    "440605124000": (23.135, 113.000),
    "440605125000": (23.105, 113.105),
    "440605126000": (23.195, 113.125),
}
TEST_SITES = [  # community code, site, lat, lon
    ("440605124073", "罗村社区核酸检测点", 23.0860, 113.0420),
    ("440605124110", "官窑社区核酸检测点", 23.1930, 113.0350),
    ("440605124007", "松岗社区核酸检测点", 23.1300, 113.0700),
    ("440605011008", "桂园社区核酸检测点", 23.0380, 113.1470),
]
# role → shifts (day, start hour, end hour); 13 places per site, 52 in all.
TEST_SHIFTS = {
    "测温": [(5, 8, 12), (5, 14, 18), (6, 8, 12), (6, 14, 18)],
    "扫码": [(5, 8, 12), (5, 14, 18), (6, 8, 12), (6, 14, 18)],
    "引导": [(5, 8, 12), (5, 14, 18), (6, 8, 12)],
    "维持秩序": [(5, 8, 12), (6, 8, 12)],
}
DEMO_PHONE = "13700000521"


def _tz(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def _accounts(password: str) -> None:
    roles.sync_roles()
    ensure_account(
        username="volunteer_organiser",
        display_name="志愿服务组织者（演示）",
        division=DISTRICT,
        role=ORGANISER,
        password=password,
    )


def _resident_demo(volunteer: Volunteer) -> None:
    from minzheng.portal.models import ResidentProfile

    user, _created = User.objects.get_or_create(
        username="volunteer_demo",
        defaults={"display_name": "志愿者（演示）", "kind": User.Kind.RESIDENT},
    )
    user.kind, user.is_staff = User.Kind.RESIDENT, False
    user.set_unusable_password()
    user.save()
    person = volunteer.person
    ResidentProfile.objects.update_or_create(
        user=user,
        defaults={
            "phone": DEMO_PHONE,
            "phone_hash": pii.blind_index(DEMO_PHONE, kind="phone"),
            "phone_masked": mask_phone(DEMO_PHONE),
            "id_number": person.id_number,
            "id_number_hash": person.id_number_hash,
            "id_number_masked": mask_id_number(person.id_number),
            "real_name": person.name,
            "bound_at": timezone.now(),
            "person": person,
        },
    )


def _person(rng: random.Random, community: str, codes: set[str], actor: User) -> Person:
    for _attempt in range(20):  # an ID number already in the registry: draw another
        person = _try_person(rng, community, codes, actor)
        if person is not None:
            return person
    raise RuntimeError("could not draw a free ID number")


def _try_person(rng: random.Random, community: str, codes: set[str], actor: User) -> Person | None:
    sex = rng.choice("MF")
    birth = dt.date(2026, 6, 1) - dt.timedelta(days=rng.randint(23 * 365, 66 * 365))
    person, errors = person_build(
        PersonInput(
            name=random_name(rng, sex),
            id_number=make_id_number(rng, birth, sex),
            phone=make_phone(rng),
            residence_division_code=community,
            address=f"{rng.randint(1, 200)}号",
        ),
        division_codes=codes,
    )
    if (
        errors
        or Person.objects.filter(
            id_number_hash=pii.blind_index(person.id_number, kind="id")
        ).exists()
    ):
        return None
    person.created_by = actor
    person.save()
    return person


def _near(rng: random.Random, point: tuple[float, float], km: float) -> tuple[Decimal, Decimal]:
    return (
        Decimal(str(round(point[0] + rng.gauss(0, km / 111), 5))),
        Decimal(str(round(point[1] + rng.gauss(0, km / 102), 5))),
    )


def _volunteers(
    rng: random.Random, actor: User
) -> tuple[list[Volunteer], dict[str, list[Volunteer]]]:
    """300 volunteers over the towns; 13 party members living in each test-site community."""
    codes = set(Division.objects.values_list("code", flat=True))
    communities: dict[str, list[str]] = {}
    for code, parent in Division.objects.filter(level="community").values_list("code", "parent_id"):
        communities.setdefault(parent, []).append(code)
    bureau = PartyBranch.objects.create(name="南海区民政局机关党支部", division_id=DISTRICT)
    branches = {
        t: [
            PartyBranch.objects.create(
                name=f"{Division.objects.get(code=t).name}{n}党支部", division_id=t
            )
            for n in ("第一", "第二")
        ]
        for t in TOWNS
    }
    volunteers: list[Volunteer] = []
    site_members: dict[str, list[Volunteer]] = {c: [] for c, *_ in TEST_SITES}
    plan = [(c, True) for c, *_ in TEST_SITES for _ in range(13)]
    towns = list(TOWNS)
    while len(plan) < 300:
        town = towns[len(plan) % len(towns)]
        plan.append((rng.choice(sorted(communities[town])), rng.random() < 0.55))
    for community, party in plan:
        person = _person(rng, community, codes, actor)
        town = community[:9] + "000"
        skills = sorted(rng.sample(rules.SKILLS[:6], rng.randint(1, 3)))
        v = Volunteer.objects.create(
            person=person,
            is_party_member=party,
            branch=(rng.choice([*branches[town], bureau]) if party else None),
            skills=skills,
            home_division_id=community,
            joined_on=dt.date(2020, 3, 1),
            **dict(zip(("lat", "lon"), _near(rng, TOWNS[town], 3.0), strict=True)),
        )
        WeeklyAvailability.objects.bulk_create(
            [
                WeeklyAvailability(volunteer=v, weekday=d, start=dt.time(8), end=dt.time(18))
                for d in sorted(rng.sample(range(7), rng.randint(1, 4)))
            ]
            + [WeeklyAvailability(volunteer=v, weekday=5, start=dt.time(7), end=dt.time(19))]
        )
        if rng.random() < 0.3:
            Certificate.objects.create(
                volunteer=v, name="急救证", expires_on=dt.date(2027, rng.randint(1, 12), 1)
            )
        volunteers.append(v)
        if party and community in site_members and len(site_members[community]) < 13:
            site_members[community].append(v)
    return volunteers, site_members


def _attend(signup: SignUp, shift: Shift, rng: random.Random, missing: bool = False) -> Attendance:
    check_in = shift.starts_at - dt.timedelta(minutes=rng.randint(0, 25))
    check_out = (
        shift.ends_at if missing else shift.ends_at + dt.timedelta(minutes=rng.randint(-10, 15))
    )
    return Attendance(
        signup=signup,
        checked_in_at=check_in,
        checked_out_at=check_out,
        checkout_missing=missing,
        service_minutes=rules.service_minutes(check_in, check_out, shift.starts_at, shift.ends_at),
    )


def _test_sites(rng: random.Random, actor: User, members: dict[str, list[Volunteer]]) -> int:
    activity = Activity.objects.create(
        title="周末核酸检测点党员志愿服务",
        division_id=DISTRICT,
        organiser="南海区民政局机关党委",
        status=Activity.Status.CLOSED,
        description="周五接到区指挥部通知后发起：周六、周日在罗村、官窑、松岗、桂园四个社区核酸检测点测温、查验健康码、引导长者、维持秩序。",
        contact_name="区民政局机关党委",
        contact_phone="0757-86398000",
        published_at=_tz(dt.date(2021, 6, 4), 18),
        created_by=actor,
    )
    instance_vols, instance_posts, shift_rows, wanted = [], [], {}, []
    for community, name, lat, lon in TEST_SITES:
        site = Site.objects.create(
            activity=activity,
            name=name,
            address=f"{Division.objects.get(code=community).name}党群服务中心",
            lat=Decimal(str(lat)),
            lon=Decimal(str(lon)),
        )
        people = iter(members[community])
        for role, times in TEST_SHIFTS.items():
            post = Post.objects.create(activity=activity, site=site, role=role, party_only=True)
            for day, start, end in times:
                d = dt.date(2021, 6, day)
                shift = Shift.objects.create(
                    post=post,
                    starts_at=_tz(d, start),
                    ends_at=_tz(d, end),
                    needed=1,
                    taken=1,
                    is_closed=True,
                )
                v = next(people)
                shift_rows[str(shift.pk)] = shift
                wanted.append((v, shift))
                instance_posts.append(
                    solver.Post(
                        id=str(shift.pk),
                        role=role,
                        site=(lat, lon),
                        start=int(shift.starts_at.timestamp() // 60),
                        end=int(shift.ends_at.timestamp() // 60),
                        needed=1,
                        party_only=True,
                    )
                )
                instance_vols.append(
                    solver.Volunteer(
                        id=str(v.pk),
                        available=(
                            (
                                int(shift.starts_at.timestamp() // 60) - 60,
                                int(shift.ends_at.timestamp() // 60) + 60,
                            ),
                        ),
                        home=v.home,
                        party_member=True,
                        max_minutes_per_day=480,
                    )
                )
    # The dispatch as the optimiser made it: each member was free for one half-day.
    result = solver.solve(
        solver.Instance(volunteers=instance_vols, posts=instance_posts), time_limit=10
    )
    vols = {str(v.pk): v for v, _s in wanted}
    plan = DispatchPlan.objects.create(
        activity=activity,
        status=DispatchPlan.Status.PUBLISHED,
        solver_status=result.status,
        objective={**result.objective, "bound": result.bound, "gap": result.gap},
        unfilled=[],
        created_by=actor,
        published_at=_tz(dt.date(2021, 6, 4), 20),
    )
    signups, attendance = [], []
    for vid, sid in result.assignments:
        shift = shift_rows[sid]
        PlanAssignment.objects.create(
            plan=plan,
            shift=shift,
            volunteer=vols[vid],
            travel_km=Decimal(
                str(round(solver.haversine_km(vols[vid].home, shift.post.site.point), 2))
            ),
        )
        signups.append(
            SignUp(
                volunteer=vols[vid],
                shift=shift,
                status=SignUp.Status.CONFIRMED,
                source=SignUp.Source.DISPATCH,
            )
        )
    SignUp.objects.bulk_create(signups)
    for i, s in enumerate(
        SignUp.objects.filter(shift__post__activity=activity).select_related("shift")
    ):
        attendance.append(_attend(s, s.shift, rng, missing=i % 17 == 5))
    Attendance.objects.bulk_create(attendance)
    return len({vid for vid, _p in result.assignments})


def _qingming(rng: random.Random, actor: User, volunteers: list[Volunteer]) -> int:
    activity = Activity.objects.create(
        title="2021年清明祭扫文明引导志愿服务",
        division_id=DISTRICT,
        organiser="南海区民政局",
        status=Activity.Status.CLOSED,
        description="清明期间在公墓引导祭扫群众、疏导车辆、倡导文明低碳祭扫。",
        published_at=_tz(dt.date(2021, 3, 20), 9),
        created_by=actor,
    )
    sites = [
        Site.objects.create(activity=activity, name=n, lat=Decimal(str(a)), lon=Decimal(str(b)))
        for n, a, b in (
            ("狮山镇公墓（示例）", 23.150, 112.985),
            ("九江镇公墓（示例）", 22.850, 113.010),
        )
    ]
    pool = rng.sample(volunteers, 100)
    signups, k = [], 0
    for site in sites:
        for role in ("引导", "维持秩序"):
            post = Post.objects.create(activity=activity, site=site, role=role)
            for day in (3, 4, 5):
                for start, end in ((7, 12), (12, 17)):
                    needed = 6 if role == "引导" else 3
                    d = dt.date(2021, 4, day)
                    shift = Shift.objects.create(
                        post=post,
                        starts_at=_tz(d, start),
                        ends_at=_tz(d, end),
                        needed=needed,
                        taken=needed,
                        is_closed=True,
                    )
                    for _ in range(needed):
                        signups.append(
                            SignUp(
                                volunteer=pool[k % 100], shift=shift, status=SignUp.Status.CONFIRMED
                            )
                        )
                        k += 1
    SignUp.objects.bulk_create(signups)
    Attendance.objects.bulk_create(
        _attend(s, s.shift, rng)
        for s in SignUp.objects.filter(shift__post__activity=activity).select_related("shift")
    )
    return len({s.volunteer_id for s in signups})


def _upcoming(actor: User) -> None:
    """An open activity for the sign-up journey: the next two Saturdays at the children's
    welfare home."""
    today = timezone.localdate()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    activity = Activity.objects.create(
        title="儿童福利院周末陪伴志愿服务",
        division_id=DISTRICT,
        organiser="南海区民政局",
        status=Activity.Status.PUBLISHED,
        description="陪伴院内儿童阅读、游戏，协助开展康复活动。",
        contact_name="区儿童福利院",
        published_at=timezone.now(),
        created_by=actor,
    )
    site = Site.objects.create(
        activity=activity,
        name="南海区儿童福利院（示例）",
        lat=Decimal("23.040"),
        lon=Decimal("113.140"),
    )
    for role, needed in (("陪伴", 6), ("后勤", 2)):
        post = Post.objects.create(
            activity=activity, site=site, role=role, required_skill="陪伴" if role == "陪伴" else ""
        )
        for week in (0, 7):
            d = saturday + dt.timedelta(days=week)
            Shift.objects.create(post=post, starts_at=_tz(d, 9), ends_at=_tz(d, 12), needed=needed)


def run(*, stdout, password: str) -> str:
    _accounts(password)
    if PartyBranch.objects.filter(name="南海区民政局机关党支部").exists():
        demo_volunteer = Volunteer.objects.filter(
            person__resident_profiles__user__username="volunteer_demo"
        ).first()
        if demo_volunteer:
            _resident_demo(demo_volunteer)
        return f"already loaded ({Volunteer.objects.count()} volunteers)."
    rng = random.Random(SEED)
    actor = User.objects.get(username="volunteer_organiser")
    with transaction.atomic():
        volunteers, members = _volunteers(rng, actor)
        dispatched = _test_sites(rng, actor, members)
        qingming = _qingming(rng, actor, volunteers)
        _upcoming(actor)
        demo = members["440605124073"][0]
        demo.skills = sorted(set(demo.skills) | {"陪伴", "测温"})
        demo.save(update_fields=["skills"])
        _resident_demo(demo)
    return (
        f"{len(volunteers)} volunteers, {PartyBranch.objects.count()} branches; test sites: {dispatched} party members dispatched; "
        f"Qingming: {qingming} volunteers; accounts volunteer_organiser, volunteer_demo (phone {DEMO_PHONE})."
    )
