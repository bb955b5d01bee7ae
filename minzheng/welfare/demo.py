"""Demo data (manage.py demo): the bureau's 2021 child-welfare and disability-employment
work, made through the services so every figure is computed from records.

- the 「为了孩子的一切」 visit to the district children's welfare home (party-member volunteers,
  the home's children as named beneficiaries; their hours counted in the volunteers app);
- the Mother's Day 2021 (9 May) respite session: 52 children with intellectual disabilities
  from 52 families, cared for 8 hours by the volunteer team;
- the stall at the district human-resources market: consultations, job-seeker and training
  registrations (some people served twice, some anonymous);
- counter services during 2021, so that "people aided" in 2021 computes to 100 (the
  definition counts a person once, anonymous consultations not at all);
- the themed day at the Danzao 康园中心;
- employers, vacancies with the accommodation offered, referrals, placements with their
  3- and 6-month follow-ups, a training course with attendance;
- children in care with guardians, plans, visits and six months of the basic living
  allowance on the programmes engine (standards illustrative).

Dates not given by the report are demo choices (stated in README.md). Seeded, idempotent: a
second run only refreshes the two demo accounts."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from minzheng.core.demo_accounts import ensure_account
from minzheng.core.models import User
from minzheng.registry import pii
from minzheng.registry.models import Person
from minzheng.registry.names import random_name
from minzheng.registry.validators import check_character

from . import services
from .apps import WELFARE_HOME_STAFF, WELFARE_OFFICER
from .models import Stall

SEED = 440605 + 12
DISTRICT = "440605000000"
GUICHENG = "440605011000"
DANZAO = "440605123000"
MARKET = "南海区人力资源市场助残服务摊位"
TZ = timezone.get_current_timezone()
CATEGORIES = ["intellectual", "physical", "hearing", "visual", "mental", "speech", "multiple"]


class Demo:
    def __init__(self, officer, admin):
        self.officer, self.admin = officer, admin
        self.rng = random.Random(SEED)
        self.communities = {}
        self.seq = 0

    def community(self, town: str) -> str:
        from minzheng.core.models import Division

        if town not in self.communities:
            self.communities[town] = list(
                Division.objects.filter(parent_id=town)
                .order_by("code")
                .values_list("code", flat=True)
            ) or [town]
        return self.rng.choice(self.communities[town])

    def id_number(self, birth: dt.date) -> str:
        while True:
            self.seq += 1
            first17 = f"440605{birth:%Y%m%d}{(700 + self.seq) % 1000:03d}"
            number = first17 + check_character(first17)
            if not Person.objects.filter(
                id_number_hash=pii.blind_index(number, kind="id")
            ).exists():
                return number

    def person(self, *, birth_from: int, birth_to: int, town: str, community: str | None = None):
        from minzheng.registry.services import PersonInput, person_register

        start = dt.date(birth_from, 1, 1)
        birth = start + dt.timedelta(
            days=self.rng.randrange((dt.date(birth_to, 12, 31) - start).days)
        )
        number = self.id_number(birth)
        sex = "M" if int(number[16]) % 2 else "F"
        return person_register(
            actor=self.admin,
            data=PersonInput(
                name=random_name(self.rng, sex),
                residence_division_code=community or self.community(town),
                id_number=number,
                birth_date=birth,
            ),
        )

    def disabled(self, person, category: str, level: int):
        from minzheng.registry.services import person_tag_add

        person_tag_add(
            actor=self.admin,
            person=person,
            tag="disabled",
            valid_from=dt.date(2018, 1, 1),
            certificate_no=f"{person.id_number[:17]}{'1234567'[CATEGORIES.index(category)]}{level}",
            disability_category=category,
            disability_level=level,
        )
        return person

    # ------------------------------------------------------------ volunteers

    def volunteers(self, n: int):
        """Party-member volunteers of the volunteers app (its demo's, or new ones)."""
        from minzheng.volunteers.selectors import volunteer_list
        from minzheng.volunteers.services import VolunteerInput, volunteer_register

        found = list(volunteer_list(user=self.officer).filter(is_party_member=True)[:n])
        while len(found) < n:
            person = self.person(birth_from=1970, birth_to=1995, town=GUICHENG)
            found.append(
                volunteer_register(
                    actor=self.admin, person=person, data=VolunteerInput(is_party_member=True)
                )
            )
        return found

    # ------------------------------------------------------------ children

    def children(self):
        home = services.home_create(
            actor=self.officer,
            name="南海区儿童福利院",
            division_code=GUICHENG,
            bank_name="广东南海农村商业银行",
            bank_account=f"6229{self.rng.randrange(10**12):012d}",
        )
        kids = []
        for i in range(8):
            person = self.person(birth_from=2008, birth_to=2017, town=GUICHENG)
            category = "orphan" if i < 5 else "disabled"
            if category == "disabled":
                self.disabled(person, "intellectual", 2)
            kids.append(
                services.child_register(
                    actor=self.officer,
                    person=person,
                    category=category,
                    placement="institution",
                    home=home,
                    division_code=GUICHENG,
                    admitted_on=dt.date(2019, 3, 1),
                )
            )
        for town in ("440605121000", "440605122000", DANZAO, "440605124000", "440605125000"):
            for category in ("unsupported", "orphan"):
                community = self.community(town)
                person = self.person(birth_from=2007, birth_to=2016, town=town, community=community)
                child = services.child_register(
                    actor=self.officer,
                    person=person,
                    category=category,
                    placement="community",
                    division_code=community,
                    admitted_on=dt.date(2020, 9, 1),
                )
                services.guardian_add(
                    actor=self.officer,
                    child=child,
                    name=random_name(self.rng, "F"),
                    relation="祖母" if category == "orphan" else "姑姑",
                    phone=f"139{self.rng.randrange(10**8):08d}",
                    bank_name="广东南海农村商业银行",
                    bank_account=f"6229{self.rng.randrange(10**12):012d}",
                    is_payee=True,
                )
                services.care_plan_add(
                    actor=self.officer,
                    child=child,
                    valid_from=dt.date(2021, 1, 4),
                    goals="保障基本生活，按时入学，身心健康。",
                    measures="每月发放基本生活费；每季度入户探访；联系学校老师了解学习情况。",
                    review_on=dt.date(2021, 12, 31),
                )
                services.child_visit_add(
                    actor=self.officer,
                    child=child,
                    visited_on=dt.date(2021, 3, 15),
                    findings="入户探访：儿童按时上学，监护人照料到位，住房安全。",
                    next_visit_on=dt.date(2021, 6, 15),
                )
                kids.append(child)
        return home, kids

    def allowances(self) -> tuple[int, Decimal]:
        from minzheng.programs import postings
        from minzheng.programs.models import Programme

        programme = Programme.objects.get(code="child_basic_allowance")
        for year in sorted({2021, timezone.localdate().year}):
            postings.fund_budget(
                actor=User.objects.get(username="district_officer"),
                programme=programme,
                year=year,
                amount=Decimal("500000"),
                on=dt.date(year, 1, 4),
            )
        n, total = 0, Decimal("0.00")
        for month in range(1, 7):
            run = services.allowance_grant_month(actor=self.officer, month=dt.date(2021, month, 1))
            n, total = n + len(run.granted), total + run.total
        return n, total

    # ------------------------------------------------------------ activities and respite

    def visit(self, home, kids, volunteers):
        start = dt.datetime(2021, 6, 1, 9, 0, tzinfo=TZ)
        return services.activity_create(
            actor=self.officer,
            data=services.ActivityInput(
                kind="home_visit",
                title="“为了孩子的一切”关爱孤残儿童活动",
                organiser="南海区民政局机关党委",
                place=home.name,
                division_code=home.division_id,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=3),
                staff_ids=[self.officer.pk],
                volunteer_ids=[v.pk for v in volunteers],
                beneficiary_ids=[k.person_id for k in kids if k.home_id == home.pk],
                report="局党员志愿者到区儿童福利院，陪伴孤儿和残疾儿童做游戏、读绘本、过集体生日。",
            ),
        )

    def mothers_day(self, volunteers):
        from minzheng.registry.services import household_add_member, household_create

        start = dt.datetime(2021, 5, 9, 9, 0, tzinfo=TZ)
        session = services.session_create(
            actor=self.officer,
            title="母亲节“喘息服务”：照料智力残疾儿童，让妈妈歇一歇",
            organiser="南海区民政局党员志愿服务队",
            place="南海区儿童福利院",
            division_code=GUICHENG,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=8),
            capacity=52,
            portal_open=False,
        )
        towns = [
            "440605011000",
            "440605121000",
            "440605122000",
            DANZAO,
            "440605124000",
            "440605125000",
            "440605126000",
        ]
        for i in range(52):
            town = towns[i % len(towns)]
            community = self.community(town)
            mother = self.person(birth_from=1975, birth_to=1992, town=town, community=community)
            household = household_create(
                actor=self.admin,
                number=f"DEMO-RESPITE-{i + 1:03d}",
                division_code=community,
                head=mother,
            )
            child = self.person(birth_from=2006, birth_to=2016, town=town, community=community)
            self.disabled(child, "intellectual", self.rng.choice([2, 3, 4]))
            household_add_member(
                actor=self.admin, household=household, person=child, relation="child"
            )
            services.enrolment_create(
                actor=self.officer, session=session, household_id=household.pk, child_id=child.pk
            )
        services.session_deliver(
            actor=self.officer,
            session=session,
            staff_ids=[self.officer.pk],
            volunteer_ids=[v.pk for v in volunteers],
        )
        # An upcoming session residents can sign up for on the portal.
        later = timezone.localdate() + dt.timedelta(days=14)
        upcoming = dt.datetime.combine(later, dt.time(9, 0), TZ)
        services.session_create(
            actor=self.officer,
            title="周末喘息服务",
            organiser="南海区民政局党员志愿服务队",
            place="南海区儿童福利院",
            division_code=GUICHENG,
            starts_at=upcoming,
            ends_at=upcoming + dt.timedelta(hours=4),
            capacity=20,
        )
        return session

    def themed_day(self, volunteers):
        start = dt.datetime(2021, 6, 25, 14, 30, tzinfo=TZ)
        return services.activity_create(
            actor=self.officer,
            data=services.ActivityInput(
                kind="themed_day",
                title="丹灶镇康园中心“党史进康园”主题活动",
                organiser="南海区民政局机关党委",
                place="丹灶镇康园中心",
                division_code=DANZAO,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=2, minutes=30),
                staff_ids=[self.officer.pk],
                volunteer_ids=[v.pk for v in volunteers],
                beneficiary_count=30,
                report="为智力、精神残疾学员开展主题游园、手工和合唱活动（服务对象人数为演示值，未登记姓名）。",
            ),
        )

    # ------------------------------------------------------------ employment

    def employment(self):
        """2021: 100 distinct people aided (60 at the stall, 40 at counters); several served
        more than once and 12 anonymous consultations, which count as services only."""
        stall = services.stall_create(
            actor=self.officer,
            title=MARKET,
            place="南海区人力资源市场",
            division_code=DISTRICT,
            held_on=dt.date(2021, 3, 12),
        )
        people = []
        for i in range(100):
            person = self.person(
                birth_from=1966,
                birth_to=2003,
                town=self.rng.choice(
                    [
                        "440605011000",
                        "440605121000",
                        "440605122000",
                        DANZAO,
                        "440605124000",
                        "440605125000",
                        "440605126000",
                    ]
                ),
            )
            self.disabled(person, CATEGORIES[i % len(CATEGORIES)], self.rng.choice([2, 3, 4]))
            people.append(person)

        def record(kind, person, *, channel="stall", on=None, name=""):
            return services.employment_service_record(
                actor=self.officer,
                data=services.ServiceInput(
                    kind=kind,
                    channel=channel,
                    stall_id=stall.pk if channel == "stall" else None,
                    division_code=DISTRICT if channel == "counter" else "",
                    served_on=on,
                    id_number=person.id_number if person else "",
                    name=name,
                ),
            )

        for n, person in enumerate(people[:60]):
            record("consultation", person)
            if n < 35:
                record("jobseeker_registration", person)
            if 25 <= n < 45:
                record("training_registration", person)
        for _i in range(12):
            record("consultation", None)
        for n, person in enumerate(people[60:]):
            on = dt.date(2021, 4 + n % 8, 3 + n % 20)
            record("jobseeker_registration", person, channel="counter", on=on)
            if n % 4 == 0:
                record("consultation", person, channel="counter", on=on + dt.timedelta(days=3))

        employers = [
            services.employer_add(
                actor=self.officer,
                name=name,
                division_code=town,
                contact_name="人事部",
                staff_count=staff,
            )
            for name, town, staff in (
                ("南海某电子科技有限公司", "440605124000", 420),
                ("桂城某物业服务有限公司", "440605011000", 260),
                ("九江某食品有限公司", "440605121000", 180),
            )
        ]
        vacancies = [
            services.vacancy_add(
                actor=self.officer,
                employer=employers[0],
                title="电子元件质检员",
                positions=4,
                skills=["质检", "电脑操作"],
                suitable_categories=["hearing", "speech", "physical"],
                accommodation="手语培训的班组长、视觉提示的报警灯",
                posted_on=dt.date(2021, 3, 1),
            ),
            services.vacancy_add(
                actor=self.officer,
                employer=employers[1],
                title="客服专员",
                positions=2,
                skills=["客服", "电脑操作"],
                suitable_categories=["physical", "visual"],
                accommodation="无障碍通道和卫生间、读屏软件",
                posted_on=dt.date(2021, 3, 1),
            ),
            services.vacancy_add(
                actor=self.officer,
                employer=employers[2],
                title="包装工",
                positions=5,
                skills=["包装"],
                suitable_categories=["intellectual", "hearing"],
                accommodation="固定工位、带班师傅一对一指导、弹性上下班",
                posted_on=dt.date(2021, 3, 10),
            ),
        ]
        from .models import JobSeeker

        seekers = list(JobSeeker.objects.filter(person__in=people).order_by("id"))
        skill_sets = [["质检", "电脑操作"], ["客服", "电脑操作"], ["包装"]]
        for i, seeker in enumerate(seekers[:12]):
            services.jobseeker_update(
                actor=self.officer,
                jobseeker=seeker,
                skills=skill_sets[i % 3],
                wishes=vacancies[i % 3].title,
                restrictions="不宜长时间站立" if i % 4 == 0 else "",
            )
        placements = []
        for i, seeker in enumerate(seekers[:6]):
            vacancy = vacancies[i % 3]
            referral = services.referral_create(
                actor=self.officer, jobseeker=seeker, vacancy=vacancy, on=dt.date(2021, 3, 20 + i)
            )
            if i < 4:
                placements.append(
                    services.placement_record(
                        actor=self.officer,
                        jobseeker=seeker,
                        employer=vacancy.employer,
                        job_title=vacancy.title,
                        started_on=dt.date(2021, 4, 6 + i),
                        referral=referral,
                    )
                )
            else:
                services.referral_decline(
                    actor=self.officer, referral=referral, reason="面试未通过"
                )
        for p in placements:
            services.followup_record(
                actor=self.officer,
                placement=p,
                months=3,
                done_on=p.started_on + dt.timedelta(days=92),
                still_employed=True,
                note="电话回访：适应良好。",
            )
            if p != placements[-1]:
                services.followup_record(
                    actor=self.officer,
                    placement=p,
                    months=6,
                    done_on=p.started_on + dt.timedelta(days=184),
                    still_employed=True,
                    note="上门回访：在岗稳定。",
                )
        course = services.course_add(
            actor=self.officer,
            title="残疾人电商客服技能培训班",
            provider="南海区职业技能培训机构（演示）",
            division_code=DISTRICT,
            starts_on=dt.date(2021, 5, 10),
            ends_on=dt.date(2021, 5, 14),
        )
        trainees = [s for s in seekers if s.person_id in {p.pk for p in people[25:45]}]
        for seeker in trainees:
            for d in range(5):
                services.training_attendance_record(
                    actor=self.officer,
                    course=course,
                    jobseeker=seeker,
                    day=course.starts_on + dt.timedelta(days=d),
                    present=self.rng.random() > 0.1,
                )
        return stall


def _accounts(password: str):
    officer = ensure_account(
        username="welfare_officer",
        display_name="儿童福利与残疾人就业经办（演示）",
        division=DISTRICT,
        role=WELFARE_OFFICER,
        password=password,
    )
    ensure_account(
        username="welfare_home_staff",
        display_name="区儿童福利院工作人员（演示）",
        division=DISTRICT,
        role=WELFARE_HOME_STAFF,
        password=password,
    )
    return User.objects.get(pk=officer.pk)


def run(*, stdout, password: str) -> str:
    from . import selectors

    services.ensure_defaults()
    officer = _accounts(password)
    if Stall.objects.filter(title=MARKET).exists():
        aided = selectors.people_aided(user=officer, year=2021)
        return f"welfare already loaded; 2021 people aided {aided.people}."
    demo = Demo(officer, User.objects.get(username="admin"))
    with transaction.atomic():
        team = demo.volunteers(12)
        home, kids = demo.children()
        months, total = demo.allowances()
        demo.visit(home, kids, team[:10])
        demo.mothers_day(team)
        demo.themed_day(team[:6])
        demo.employment()
    aided = selectors.people_aided(user=officer, year=2021)
    return (
        f"{len(kids)} children in care, {months} allowance months ({total} 元, illustrative standards); "
        f"Mother's Day respite: 52 children × 8 h; 2021 people aided {aided.people} "
        f"({aided.services} services, {aided.anonymous} anonymous); accounts welfare_officer, welfare_home_staff."
    )
