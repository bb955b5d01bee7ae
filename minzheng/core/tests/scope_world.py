"""Two towns' worth of records for the every-URL scope test (test_scope_every_url.py).

One record (at least) of every model that has a `scope_field`, in town A (桂城街道,
440605011xxx) and in town B (九江镇, 440605121xxx), made through each app's services the
way production makes them. Every town-B record carries a marker text ("越界…") in a field
that pages show; the town-A twin carries "本镇…", so the test can tell that pages do show
records at all. Town-B ID numbers, phones and attachment bytes are kept too: none of them
may reach a town-A user either, not even masked.

The accounts the test signs in with are the demo roles placed in town A (the demo puts
the module staff at district level, where both towns are in scope and nothing could be
told apart); the funeral home staff stays as the demo makes it: district division, linked
to one home (in town A).
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minzheng.core.services import parameters_ensure_defaults
from minzheng.registry.validators import check_character, mask_id_number, mask_phone
from minzheng.volunteers import rules as volunteer_rules

DISTRICT = "440605000000"
TOWN_A, COMMUNITY_A = "440605011000", "440605011008"  # 桂城街道, 桂园社区
TOWN_B, COMMUNITY_B = "440605121000", "440605121201"  # 九江镇, 新龙村
PREFIX_A, PREFIX_B = TOWN_A[:9], TOWN_B[:9]
PASSWORD = "Test-Password-123"
D1 = dt.date(2021, 3, 2)  # the business day of the settled and paid records

# Scoped models that are reference data, public by nature: no marker of theirs is checked.
REFERENCE_MODELS = {
    "core.division": "reference data: every town's name is public (hukou and cemetery lists)",
}

_seq = itertools.count(801)


def id_number(birth: str) -> str:
    """A valid ID number of Nanhai with a sequence number used once per world, so that
    every masked form (4406**********123X) is distinct too."""
    first17 = f"440605{birth}{next(_seq) % 1000:03d}"
    return first17 + check_character(first17)


def png(tag: str) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + f"scope-world {tag} {secrets.token_hex(8)}".encode()


def jpeg(tag: str) -> bytes:
    return b"\xff\xd8\xff\xe0" + f"scope-world {tag} {secrets.token_hex(8)}".encode()


@dataclass
class Town:
    """What one town's records look like from outside: their markers and secrets."""

    key: str  # "A" or "B"
    prefix: str
    community: str
    markers: dict[str, str] = field(default_factory=dict)  # what → marker text
    secrets: dict[str, str] = field(default_factory=dict)  # what → ID number / phone / mask
    files: dict[str, bytes] = field(default_factory=dict)  # what → an attachment's content
    tokens: set[str] = field(default_factory=set)  # capability tokens not stored in a column

    def mark(self, what: str) -> str:
        text = ("越界" if self.key == "B" else "本镇") + what
        self.markers[what] = text
        return text

    def phone(self, n: int) -> str:
        # Town B's numbers end in …77, town A's in …11: their masks (139****0177) differ.
        phone = f"1398{n:05d}77" if self.key == "B" else f"1391{n:05d}11"
        self.secrets[f"phone {n}"] = phone
        self.secrets[f"phone {n} masked"] = mask_phone(phone)
        return phone

    def id_number(self, what: str, birth: str = "19500101") -> str:
        number = id_number(birth)
        self.secrets[f"{what} ID"] = number
        self.secrets[f"{what} ID masked"] = mask_id_number(number)
        return number


@dataclass
class World:
    a: Town
    b: Town
    viewers: dict[str, object]  # role label → user (None for anonymous)
    today: dt.date
    pools: object = None  # url_walk.Pools of the town-B records, set by the test


def _account(username, role, division, *, display=None, more=()):
    from django.contrib.auth.models import Group

    from minzheng.core.demo_accounts import ensure_account
    from minzheng.core.models import User

    user = ensure_account(
        username=username,
        display_name=display or username,
        division=division,
        role=role,
        password=PASSWORD,
    )
    for extra in more:  # the demo gives some accounts a module role besides their own
        user.groups.add(Group.objects.get(name=extra))
    return User.objects.get(pk=user.pk)  # a fresh permission cache


def _resident(town: Town, n: int, person):
    from minzheng.core.models import User
    from minzheng.portal.models import ResidentProfile
    from minzheng.registry import pii

    phone = town.phone(n)
    user = User.objects.create(
        username=f"r-{town.key}-{n}", kind=User.Kind.RESIDENT, display_name=town.mark("居民账号")
    )
    ResidentProfile.objects.create(
        user=user,
        phone=phone,
        phone_hash=pii.blind_index(phone, kind="phone"),
        phone_masked=mask_phone(phone),
        real_name=person.name,
        id_number=person.id_number,
        id_number_hash=person.id_number_hash,
        id_number_masked=person.id_number_masked,
        bound_at=timezone.now(),
        person=person,
    )
    return User.objects.get(pk=user.pk)


def build() -> World:
    """Every scoped model in both towns. Runs inside the caller's transaction."""
    from minzheng.core import roles
    from minzheng.eldercare.roles import ELDERCARE_OFFICER
    from minzheng.funeral import roles as funeral_roles
    from minzheng.programs.roles import PROGRAMS_DISTRICT, PROGRAMS_TOWN
    from minzheng.qingming.roles import CEMETERY_STAFF
    from minzheng.rescue.apps import RESCUE_STAFF
    from minzheng.volunteers.apps import ORGANISER
    from minzheng.welfare.apps import WELFARE_OFFICER

    roles.sync_roles()
    today = timezone.localdate()
    a = Town("A", PREFIX_A, COMMUNITY_A)
    b = Town("B", PREFIX_B, COMMUNITY_B)
    # Town B is made first in every table, so its records have the smallest keys and few
    # distinct numbers fill a path parameter (the walk requests every pattern with each).
    towns = (b, a)

    # District accounts do the district's part of the work (funding, approvals, batches).
    officer = _account(
        "scope_officer",
        roles.DISTRICT_OFFICER,
        DISTRICT,
        more=(PROGRAMS_DISTRICT, funeral_roles.FUNERAL_OFFICER),
    )
    cemetery_district = _account("scope_cemetery_district", CEMETERY_STAFF, DISTRICT)
    rescue_district = _account("scope_rescue_district", RESCUE_STAFF, DISTRICT)
    # Town-B staff: their names are town-B records too (core.User is scoped by division).
    workers = {}
    for town in towns:
        name = town.mark("经办人")
        code = town.prefix + "000"
        workers[town.key] = (
            _account(
                f"scope_worker_{town.key}",
                roles.TOWN_CASEWORKER,
                code,
                display=name,
                more=(PROGRAMS_TOWN,),
            ),
            _account(f"scope_worker2_{town.key}", PROGRAMS_TOWN, code, display=name + "二"),
        )

    people = _registry(towns, workers)
    # Each town's resident account is bound to a person of that town.
    residents = {t.key: _resident(t, 90, people[t.key]["resident"]) for t in towns}
    _core_files(towns, workers, people)
    _ledger(towns, officer)
    _programs(towns, officer, workers, residents, today)
    homes = _funeral(towns, officer)
    _qingming(towns, cemetery_district, residents, today)
    _rescue(towns, rescue_district, residents)
    _volunteers(towns, officer, people, residents, today)
    secretaries = _learning(towns, officer, residents)
    welfare_officer = _account("scope_welfare_district", WELFARE_OFFICER, DISTRICT)
    _welfare(towns, welfare_officer, people, workers)
    charities = _charity(towns, officer, residents)
    eldercare_homes = _eldercare(towns, residents)

    viewers = {
        "town caseworker": workers["A"][0],
        "community worker": _account("scope_guiyuan", roles.COMMUNITY_WORKER, COMMUNITY_A),
        "cemetery staff": _account("scope_cemetery", CEMETERY_STAFF, TOWN_A),
        "volunteer organiser": _account("scope_organiser", ORGANISER, TOWN_A),
        "rescue staff": _account("scope_rescue", RESCUE_STAFF, TOWN_A),
        "welfare officer": _account("scope_welfare", WELFARE_OFFICER, TOWN_A),
        "funeral officer": _account("scope_funeral", funeral_roles.FUNERAL_OFFICER, TOWN_A),
        "funeral home staff": _home_staff(officer, homes["A"], funeral_roles),
        "party secretary": secretaries["A"],
        "charity staff": charities["A"],
        "eldercare officer": _account("scope_eldercare_town", ELDERCARE_OFFICER, TOWN_A),
        "institution staff": _institution_staff(eldercare_homes["A"]),
        "resident": residents["A"],
        "anonymous": None,
        # District-wide readers see both towns by right: not in the scope walk, but in the
        # walk of the links each role is offered.
        "leader": _account("scope_leader", roles.LEADER, DISTRICT),
        "district officer": officer,
    }
    return World(a=a, b=b, viewers=viewers, today=today)


def _home_staff(officer, home, funeral_roles):
    from minzheng.funeral.services import home_staff_link

    # As the demo makes it: a district account that the link narrows to its home.
    user = _account("scope_home_staff", funeral_roles.FUNERAL_HOME_STAFF, DISTRICT)
    home_staff_link(actor=officer, home=home, user=user)
    return user


# ---------------------------------------------------------------- registry and core


def _registry(towns: tuple[Town, ...], workers) -> dict[str, dict]:
    from minzheng.registry import services as reg

    out = {}
    for town in towns:
        actor = workers[town.key][0]
        person = reg.person_register(
            actor=actor,
            data=reg.PersonInput(
                name=town.mark("人员"),
                residence_division_code=town.community,
                id_number=town.id_number("person"),
                phone=town.phone(1),
                address=town.mark("人员住址"),
            ),
        )
        member = reg.person_register(
            actor=actor,
            data=reg.PersonInput(
                name=town.mark("家庭成员"),
                residence_division_code=town.community,
                id_number=town.id_number("member", "19800101"),
            ),
        )
        resident_person = reg.person_register(
            actor=actor,
            data=reg.PersonInput(
                name=town.mark("居民"),
                residence_division_code=town.community,
                id_number=town.id_number("resident", "19700101"),
                phone=town.phone(2),
            ),
        )
        reg.person_tag_add(
            actor=actor,
            person=person,
            tag="dibao",
            valid_from=dt.date(2021, 1, 1),
            note=town.mark("标签备注"),
        )
        household = reg.household_create(
            actor=actor,
            number=f"HH-{town.key}-SCOPE",
            division_code=town.community,
            address=town.mark("家庭户地址"),
            head=person,
        )
        town.markers["household number"] = household.number
        reg.household_add_member(actor=actor, household=household, person=member, relation="child")
        reg.organisation_register(
            actor=actor,
            name=town.mark("社会组织"),
            kind="social_org",
            division_code=town.community,
            contact_name=town.mark("组织联系人"),
            contact_phone=town.phone(3),
        )
        out[town.key] = {"person": person, "member": member, "resident": resident_person}
    return out


def _core_files(towns: tuple[Town, ...], workers, people) -> None:
    from minzheng.core.services import attachment_add, job_create, job_finish

    for town in towns:
        actor = workers[town.key][0]
        content = png(f"person {town.key}")
        attachment_add(
            actor=actor,
            owner=people[town.key]["person"],
            upload=SimpleUploadedFile(town.mark("人员附件") + ".png", content),
            kind="证明",
        )
        town.files["人员附件"] = content
        # A background job belongs to the account that started it.
        job = job_create(actor=actor, kind="registry.import", params={"file": town.mark("任务")})
        job_finish(job=job, ok=True, result={"note": town.mark("任务结果")})


# ---------------------------------------------------------------- ledger and programmes


def _ledger(towns: tuple[Town, ...], officer) -> None:
    from minzheng.ledger.models import Account
    from minzheng.ledger.services import account_open, budget_fund

    for town in towns:
        account = account_open(
            code=f"RESERVE:SCOPE-{town.key}",
            name=town.mark("备用金科目"),
            kind=Account.Kind.RESERVE,
            division_code=town.prefix + "000",
        )
        budget_fund(
            actor=officer,
            account=account,
            amount=Decimal("500"),
            memo=town.mark("拨款凭证"),
            idempotency_key=f"scope-world-fund-{town.key}",
        )


def _programs(towns: tuple[Town, ...], officer, workers, residents, today) -> None:
    from minzheng.programs import postings
    from minzheng.programs import services as svc
    from minzheng.programs.setup import ensure_defaults

    programmes = ensure_defaults()
    for p in programmes.values():
        for year in {2021, today.year}:
            postings.fund_budget(
                actor=officer,
                programme=p,
                year=year,
                amount=Decimal("100000"),
                on=dt.date(year, 1, 4),
            )
    for town in towns:
        worker, worker2 = workers[town.key]
        # A case taken at the counter, visited by two staff, publicised and approved.
        app = svc.application_submit(
            actor=worker,
            data=svc.ApplicationInput(
                programme_code="temporary_assistance",
                division_code=town.community,
                applicant_name=town.mark("申请人"),
                applicant_id_number=town.id_number("applicant", "19600101"),
                phone=town.phone(4),
                facts={
                    "category": "emergency",
                    "cause": "fire",
                    "event_date": "2021-03-01",
                    "household_size": 3,
                    "monthly_income_per_person": "800",
                    "description": town.mark("申请事由"),
                },
                bank_name="南海农商银行",
                bank_account="6229000012345678",
                idempotency_key=f"scope-world-ta-{town.key}",
            ),
            on=D1,
        )
        for doc in app.programme.documents_required:
            svc.document_add(
                actor=worker,
                application=app,
                upload=SimpleUploadedFile("doc.png", png(f"doc {town.key}")),
                kind=doc["kind"],
            )
        svc.application_accept(actor=worker, application=app, on=D1)
        svc.investigation_record(
            actor=worker,
            application=app,
            staff_2=worker2,
            visited_on=D1,
            household_check=town.mark("家庭经济核对"),
            findings=town.mark("入户调查"),
        )
        svc.application_publicise(actor=worker, application=app, on=D1)
        svc.publicity_end(
            actor=worker, application=app, on=app.publicity_end + dt.timedelta(days=1)
        )
        svc.application_approve(actor=officer, application=app, on=app.publicity_end)
        batch = svc.disbursement_batch_create(
            actor=officer, division_code=town.prefix + "000", on=app.publicity_end
        )
        town.markers["batch number"] = batch.number
        town.markers["application number"] = app.number
        # A resident's own application on the portal, still in publicity today (the public
        # publicity page shows it with the name masked).
        own = svc.application_submit(
            actor=residents[town.key],
            resident=residents[town.key],
            data=svc.ApplicationInput(
                programme_code="temporary_assistance",
                division_code=town.community,
                applicant_name=town.mark("网上申请人"),
                applicant_id_number=residents[town.key].resident_profile.id_number,
                phone=residents[town.key].resident_profile.phone,
                facts={
                    "category": "emergency",
                    "cause": "fire",
                    "event_date": (today - dt.timedelta(days=3)).isoformat(),
                    "household_size": 2,
                    "monthly_income_per_person": "700",
                    "description": town.mark("网上申请事由"),
                },
                bank_name="南海农商银行",
                bank_account="6229000055556666",
                idempotency_key=f"scope-world-portal-{town.key}",
            ),
        )
        town.markers["portal application number"] = own.number


# ---------------------------------------------------------------- funeral


def _funeral(towns: tuple[Town, ...], officer) -> dict:
    from minzheng.funeral import roles as funeral_roles
    from minzheng.funeral import services as fs
    from minzheng.funeral.setup import ensure_defaults
    from minzheng.programs import postings

    programme = ensure_defaults()
    postings.fund_budget(
        actor=officer, programme=programme, year=2021, amount=Decimal("10000"), on=D1
    )
    homes = {}
    for town in towns:
        home = fs.home_register(
            actor=officer,
            name=town.mark("殡仪馆"),
            division_code=town.prefix + "000",
            contact_name=town.mark("殡仪馆联系人"),
            contact_phone=town.phone(5),
        )
        homes[town.key] = home
        if town.key == "B":  # town A's home staff is a viewer (build); B's has a name to hide
            staff = _account(
                "scope_home_staff_b",
                funeral_roles.FUNERAL_HOME_STAFF,
                DISTRICT,
                display=town.mark("殡仪馆员工"),
            )
            fs.home_staff_link(actor=officer, home=home, user=staff)
        record = fs.service_record(
            actor=officer,
            data=fs.ServiceInput(
                home_id=home.pk,
                deceased_name=town.mark("逝者"),
                deceased_id_number=town.id_number("deceased", "19400101"),
                death_date=D1 - dt.timedelta(days=1),
                service_date=D1,
                quantities={
                    "transport": 1,
                    "disinfection": 1,
                    "storage": 1,
                    "cremation": 1,
                    "ash_storage": 1,
                    "urn": 1,
                },
                hukou_division_code=town.prefix + "000",
                family_contact=town.mark("逝者家属"),
                idempotency_key=f"scope-world-funeral-{town.key}",
            ),
        )
        assert record.division_id.startswith(town.prefix)
        fs.settlement_post(actor=officer, home=home, month=D1, on=dt.date(2021, 4, 6))
    return homes


# ---------------------------------------------------------------- Qingming


def _qingming(towns: tuple[Town, ...], staff, residents, today) -> None:
    from minzheng.core.models import Attachment
    from minzheng.qingming import rules
    from minzheng.qingming import services as qs
    from minzheng.qingming.models import CarPark, Cemetery, Gate, Season, Slot

    season = Season.objects.filter(year=2090).first() or Season.objects.create(
        year=2090,
        name="测试祭扫季",
        qingming_at=timezone.now(),
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=7),
        booking_opens_at=timezone.now() - dt.timedelta(days=3),
    )
    for town in towns:
        cemetery = Cemetery.objects.create(
            name=town.mark("公墓"), division_id=town.prefix + "000", max_inside=100
        )
        gate = Gate.objects.create(cemetery=cemetery, name=town.mark("东门"))
        CarPark.objects.create(cemetery=cemetery, name=town.mark("停车场"), capacity=10)
        slot = Slot.objects.create(
            season=season,
            cemetery=cemetery,
            date=today + dt.timedelta(days=1),
            starts_at=dt.time(10),
            ends_at=dt.time(12),
            capacity=10,
            car_capacity=3,
        )
        resident = residents[town.key]
        reservation, _created = qs.reservation_create(
            actor=resident,
            slot_id=slot.pk,
            visitor=qs.VisitorInput(
                name=town.mark("祭扫人"),
                id_number=town.id_number("visitor", "19550101"),
                party_size=2,
            ),
            notify=False,
        )
        town.markers["reservation code"] = reservation.code
        # Entry at the gate the day of the visit (the scan is recorded with its time).
        visit = dt.datetime.combine(slot.date, dt.time(10, 5), tzinfo=rules.CHINA)
        qs.checkin_scan(
            actor=staff,
            code=reservation.code,
            gate_id=gate.pk,
            direction="in",
            nonce=f"scope-world-{town.key}",
            now=visit,
        )
        sweep = qs.proxy_sweep_request(
            actor=resident,
            data=qs.ProxySweepInput(
                cemetery_id=cemetery.pk,
                contact_name=town.mark("代祭扫联系人"),
                deceased_name=town.mark("代祭扫逝者"),
                grave_location=town.mark("墓位"),
                wish_date=today + dt.timedelta(days=2),
            ),
        )
        qs.proxy_sweep_update(actor=staff, sweep=sweep, to="accepted", note=town.mark("代祭扫说明"))
        type(sweep).objects.filter(pk=sweep.pk).update(wish_date=today)  # the day has come
        sweep.wish_date = today
        content = jpeg(f"sweep {town.key}")
        qs.proxy_sweep_update(
            actor=staff,
            sweep=sweep,
            to="done",
            note=town.mark("代祭扫完成"),
            paid=True,
            photo=SimpleUploadedFile("photo.jpg", content),
        )
        photo = Attachment.objects.get(object_id=str(sweep.pk), content_type__model="proxysweep")
        town.files["代祭扫照片"] = photo.file.open("rb").read()
        photo.file.close()


# ---------------------------------------------------------------- rescue


def _rescue(towns: tuple[Town, ...], staff, residents) -> None:
    from minzheng.rescue import services as rs
    from minzheng.rescue.models import Station

    for town in towns:
        station = Station.objects.create(
            name=town.mark("救助站"), division_id=town.prefix + "000", phone="0757-1234567"
        )
        photo = jpeg(f"case {town.key}")
        case = rs.case_intake(
            actor=staff,
            station=station,
            data=rs.IntakeInput(
                found_date=D1,
                found_place="灯湖东路" if town.key == "A" else "九江大道",
                brought_by="police",
                sex="M" if town.key == "A" else "F",
                age_min=65,
                age_max=75,
                dialect="粤语",
                health_state=town.mark("健康状况"),
                mental_state=town.mark("精神状况"),
                belongings=town.mark("随身物品"),
                fingerprint_done=True,
                fingerprint_ref=f"ZW-SCOPE-{town.key}",
            ),
            photo=SimpleUploadedFile("photo.jpg", photo),
        )
        town.markers["case number"] = case.number
        town.markers["fingerprint"] = f"ZW-SCOPE-{town.key}"
        town.files["救助照片"] = photo
        rs.notice_update(
            actor=staff, notice=case.notice, title=town.mark("寻亲公告"), appearance="中等身材"
        )
        rs.notice_publish(actor=staff, notice=case.notice)
        rs.daily_record_add(actor=staff, case=case, day=D1, note=town.mark("在站记录"))
        report = rs.report_create(
            actor=residents[town.key],
            data=rs.ReportInput(
                name=town.mark("走失者"),
                sex=case.sex,
                missing_date=D1 - dt.timedelta(days=2),
                missing_place=town.mark("走失地点"),
                birth_year=1950,
                division_code=town.community,
                description=town.mark("走失者特征"),
                contact_name=town.mark("寻亲联系人"),
                contact_phone=town.phone(6),
            ),
            source="portal",
        )
        town.markers["report external id"] = report.external_id
        rs.case_rematch(case_id=case.pk)
        candidate = case.candidates.get(report=report)
        rs.candidate_decide(
            actor=staff, candidate=candidate, decision="confirmed", reason=town.mark("核实说明")
        )
        case.refresh_from_db()
        rs.return_record(
            actor=staff,
            case=case,
            data=rs.ReturnInput(
                destination=town.mark("送返地"),
                escort=town.mark("护送人"),
                transport="火车",
                handover_to="family",
                handover_name=town.mark("接收人"),
                return_date=D1 + dt.timedelta(days=3),
                note=town.mark("送返备注"),
            ),
        )
        # A second case stays open with its notice on the portal.
        rs.case_intake(
            actor=staff,
            station=station,
            data=rs.IntakeInput(
                found_date=D1,
                found_place="桂澜路" if town.key == "A" else "沙口",
                brought_by="self",
                sex="M",
                age_min=30,
                age_max=40,
                health_state=town.mark("健康状况二"),
            ),
        )


# ---------------------------------------------------------------- volunteers


def _volunteers(towns: tuple[Town, ...], officer, people, residents, today) -> None:
    from minzheng.volunteers import services as vs
    from minzheng.volunteers.models import PartyBranch

    parameters_ensure_defaults(volunteer_rules.PARAMETER_DEFAULTS)
    now = timezone.now()
    for town in towns:
        branch = PartyBranch.objects.create(
            name=town.mark("党支部"), division_id=town.prefix + "000"
        )
        volunteer = vs.volunteer_register(
            actor=officer,
            person=people[town.key]["resident"],
            data=vs.VolunteerInput(
                is_party_member=True, branch_id=branch.pk, skills=("测温", "引导")
            ),
        )
        town.tokens.add(vs.volunteer_token(volunteer))
        activity = vs.activity_create(
            actor=officer,
            title=town.mark("志愿活动"),
            division_code=town.community,
            organiser=town.mark("组织单位"),
            description=town.mark("服务内容"),
        )
        site = vs.site_add(
            actor=officer, activity=activity, name=town.mark("服务点"), lat=23.03, lon=113.1
        )
        town.tokens.add(vs.site_token(site))
        post = vs.post_add(actor=officer, site=site, role="测温", required_skill="测温")
        start = now - dt.timedelta(days=2)
        shift = vs.shift_add(
            actor=officer,
            post=post,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=4),
            needed=2,
        )
        vs.activity_publish(actor=officer, activity=activity)
        vs.signup_create(
            actor=residents[town.key],
            volunteer=volunteer,
            shift=shift,
            now=start - dt.timedelta(days=1),
        )
        vs.attendance_check_in(actor=officer, volunteer=volunteer, site=site, now=start)
        vs.attendance_check_out(
            actor=officer, volunteer=volunteer, site=site, now=start + dt.timedelta(hours=3)
        )
        cert = vs.certificate_issue(
            actor=officer,
            volunteer=volunteer,
            period_from=start.date() - dt.timedelta(days=1),
            period_to=today,
            issuer=town.mark("出具单位"),
        )
        town.markers["certificate number"] = cert.number
        # A future shift and a draft plan for it.
        later = now + dt.timedelta(days=5)
        vs.shift_add(
            actor=officer,
            post=post,
            starts_at=later,
            ends_at=later + dt.timedelta(hours=4),
            needed=1,
        )
        vs.dispatch_solve(actor=officer, activity=activity, time_limit=2)


# ---------------------------------------------------------------- learning


def _learning(towns: tuple[Town, ...], officer, residents) -> dict:
    """Each town's branch (made by _volunteers, its resident a party member) gets a
    secretary, a published study issue with a file, a monthly test sat by the member, a
    check-in, a lecture with the member's QR check-in and reflection."""
    import io

    from openpyxl import Workbook

    from minzheng.learning import rules as learning_rules
    from minzheng.learning import services as ls
    from minzheng.learning.apps import PARTY_SECRETARY
    from minzheng.learning.models import Question, SecretaryBranch
    from minzheng.volunteers.models import PartyBranch

    parameters_ensure_defaults(learning_rules.PARAMETER_DEFAULTS)
    wb = Workbook()
    wb.active.append(list(ls.COLUMNS))
    wb.active.append(
        ["党史", 1, "中共一大于哪一年召开？", "单选", "A.1919年|B.1921年", "B", "易", ""]
    )
    out = io.BytesIO()
    wb.save(out)
    ls.question_import(actor=officer, content=out.getvalue(), filename="bank.xlsx")
    question = Question.objects.get(category="党史", seq=1)
    now = timezone.now()
    secretaries = {}
    for town in towns:
        branch = PartyBranch.objects.get(name=town.markers["党支部"])
        sec = _account(
            f"scope_secretary_{town.key}",
            PARTY_SECRETARY,
            town.prefix + "000",
            display=town.mark("支部书记"),
        )
        SecretaryBranch.objects.create(user=sec, branch=branch)
        secretaries[town.key] = sec
        member = residents[town.key]
        content = b"%PDF-1.4 " + f"scope-world learning {town.key}".encode()
        issue = ls.issue_create(
            actor=sec,
            data=ls.IssueInput(
                2021, 1, town.mark("学习资料"), town.mark("学习资料正文"), 20, [branch.pk]
            ),
            files=[SimpleUploadedFile(town.mark("学习资料附件") + ".pdf", content)],
        )
        town.files["学习资料附件"] = content
        ls.issue_publish(actor=sec, issue=issue)
        ls.reading_record(actor=member, issue=issue, seconds=120, finished=True)
        ls.checkin_create(actor=member, minutes=30, book="中国共产党简史")
        test = ls.test_create(
            actor=sec,
            data=ls.TestInput(
                title=town.mark("每月一测"),
                month=now.date(),
                mode="fixed",
                branch_ids=[branch.pk],
                time_limit_minutes=20,
                opens_at=now - dt.timedelta(hours=1),
                closes_at=now + dt.timedelta(days=3),
                question_ids=[question.pk],
            ),
        )
        sitting, _created = ls.sitting_start(actor=member, test=test)
        ls.answer_save(actor=member, sitting_id=sitting.pk, question_id=question.pk, answer="B")
        ls.sitting_submit(actor=member, sitting_id=sitting.pk)
        event = ls.event_create(
            actor=sec,
            data=ls.EventInput(
                kind="lecture",
                title=town.mark("党史讲座"),
                site=town.mark("讲座地点"),
                speaker=town.mark("主讲人"),
                starts_at=now - dt.timedelta(minutes=30),
                ends_at=now + dt.timedelta(hours=2),
                branch_ids=[branch.pk],
            ),
        )
        town.tokens.add(ls.event_token(event))
        ls.attendance_check_in(actor=member, event=event)
        ls.reflection_submit(
            actor=member,
            event=event,
            title=town.mark("心得标题"),
            body=town.mark("心得体会") + "，铭记历史、缅怀先烈、珍爱和平、开创未来。" * 4,
        )
    return secretaries


# ---------------------------------------------------------------- welfare


def _welfare(towns: tuple[Town, ...], officer, people, workers) -> None:
    from minzheng.programs import postings
    from minzheng.programs.models import Programme
    from minzheng.registry import services as reg
    from minzheng.registry.models import Household
    from minzheng.volunteers.models import Volunteer
    from minzheng.welfare import services as ws
    from minzheng.welfare.models import JobSeeker

    ws.ensure_defaults()
    postings.fund_budget(
        actor=officer,
        programme=Programme.objects.get(code="child_basic_allowance"),
        year=2021,
        amount=Decimal("100000"),
        on=dt.date(2021, 1, 4),
    )
    tz = timezone.get_current_timezone()
    start = dt.datetime(2021, 5, 9, 9, 0, tzinfo=tz)
    for town in towns:
        town_code = town.prefix + "000"
        home = ws.home_create(
            actor=officer,
            name=town.mark("福利院"),
            division_code=town_code,
            bank_account="6229000000000001",
        )
        child_person = reg.person_register(
            actor=workers[town.key][0],
            data=reg.PersonInput(
                name=town.mark("儿童"),
                residence_division_code=town.community,
                id_number=town.id_number("child", "20150101"),
            ),
        )
        child = ws.child_register(
            actor=officer,
            person=child_person,
            category="orphan",
            placement="institution",
            home=home,
            division_code=town_code,
            admitted_on=dt.date(2020, 1, 1),
            note=town.mark("儿童情况"),
        )
        ws.guardian_add(
            actor=officer,
            child=child,
            name=town.mark("监护人"),
            relation="祖母",
            phone=town.phone(20),
        )
        ws.care_plan_add(
            actor=officer,
            child=child,
            valid_from=D1,
            goals=town.mark("照料目标"),
            measures=town.mark("照料措施"),
            review_on=D1 + dt.timedelta(days=200),
        )
        ws.child_visit_add(
            actor=officer, child=child, visited_on=D1, findings=town.mark("探访情况")
        )
        ws.allowance_grant_month(actor=officer, month=dt.date(2021, 3, 1), division_code=town_code)
        volunteer = Volunteer.objects.get(person=people[town.key]["resident"])
        ws.activity_create(
            actor=officer,
            data=ws.ActivityInput(
                kind="home_visit",
                title=town.mark("关爱活动"),
                organiser=town.mark("活动组织单位"),
                place=town.mark("活动地点"),
                division_code=town_code,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=3),
                volunteer_ids=[volunteer.pk],
                beneficiary_ids=[child_person.pk],
                report=town.mark("活动简报"),
            ),
        )
        session = ws.session_create(
            actor=officer,
            title=town.mark("喘息服务"),
            organiser=town.mark("喘息组织单位"),
            place=town.mark("喘息地点"),
            division_code=town_code,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=8),
            capacity=5,
        )
        household = Household.objects.get(number=f"HH-{town.key}-SCOPE")
        ws.enrolment_create(
            actor=officer,
            session=session,
            household_id=household.pk,
            child_id=people[town.key]["member"].pk,
        )
        ws.session_deliver(actor=officer, session=session, volunteer_ids=[volunteer.pk])
        stall = ws.stall_create(
            actor=officer,
            title=town.mark("服务摊位"),
            place=town.mark("摊位地点"),
            division_code=town_code,
            held_on=D1,
        )
        ws.employment_service_record(
            actor=officer,
            data=ws.ServiceInput(
                kind="jobseeker_registration",
                stall_id=stall.pk,
                id_number=people[town.key]["person"].id_number,
                name=town.mark("求职者"),
                phone=town.phone(21),
                note=town.mark("服务备注"),
            ),
        )
        seeker = ws.jobseeker_update(
            actor=officer,
            jobseeker=JobSeeker.objects.get(person=people[town.key]["person"]),
            skills=["客服"],
            wishes=town.mark("求职意向"),
            restrictions="",
        )
        employer = ws.employer_add(
            actor=officer, name=town.mark("用人单位"), division_code=town_code
        )
        vacancy = ws.vacancy_add(
            actor=officer,
            employer=employer,
            title=town.mark("岗位"),
            accommodation=town.mark("合理便利"),
        )
        referral = ws.referral_create(actor=officer, jobseeker=seeker, vacancy=vacancy, on=D1)
        placement = ws.placement_record(
            actor=officer,
            jobseeker=seeker,
            employer=employer,
            job_title=town.mark("安置岗位"),
            started_on=D1,
            referral=referral,
        )
        ws.followup_record(
            actor=officer,
            placement=placement,
            months=3,
            done_on=D1 + dt.timedelta(days=92),
            still_employed=True,
            note=town.mark("回访情况"),
        )
        course = ws.course_add(
            actor=officer,
            title=town.mark("培训课程"),
            provider=town.mark("培训机构"),
            division_code=town_code,
            starts_on=D1,
            ends_on=D1 + dt.timedelta(days=4),
        )
        ws.training_attendance_record(
            actor=officer, course=course, jobseeker=seeker, day=D1, present=True
        )


# ---------------------------------------------------------------- charity


def _charity(towns: tuple[Town, ...], officer, residents) -> dict:
    """Per town: a charity with a staff account (district division, narrowed by the link,
    as the demo makes it), an open campaign with a gift, its receipt, a spending, a final
    disclosure of a closed project, a named fund founded by the town's resident, an online
    payment order and an annual report. Returns each town's staff account."""
    from minzheng.charity import roles as charity_roles
    from minzheng.charity import services as cs
    from minzheng.registry.services import organisation_register
    from minzheng.registry.validators import uscc_check_character

    staff = {}
    for n, town in enumerate(towns):
        first17 = f"51440605MJ{town.key}{n:06d}"[:17]
        org = organisation_register(
            actor=officer,
            name=town.mark("慈善组织"),
            kind="social_org",
            division_code=town.prefix + "000",
            credit_code=first17 + uscc_check_character(first17),
        )
        charity = cs.charity_register(
            actor=officer,
            organisation=org,
            status="recognised",
            recognised_on=dt.date(2018, 1, 1),
            receipt_prefix=f"SW{town.key}",
            public_fundraising=True,
            fundraising_certificate_no="SCOPE-1",
            fundraising_valid_from=dt.date(2018, 1, 1),
        )
        maker = _account(
            f"scope_charity_{town.key}",
            charity_roles.CHARITY_STAFF,
            DISTRICT,
            display=town.mark("慈善工作人员"),
        )
        checker = _account(f"scope_charity2_{town.key}", charity_roles.CHARITY_STAFF, DISTRICT)
        for user in (maker, checker):
            cs.charity_staff_link(actor=officer, charity=charity, user=user)
        maker = type(maker).objects.get(pk=maker.pk)
        checker = type(checker).objects.get(pk=checker.pk)
        staff[town.key] = maker

        def campaign(title, kind="fundraising", *, actor=maker, charity=charity, town=town):
            c = cs.campaign_create(
                actor=actor,
                charity=charity,
                data=cs.CampaignInput(
                    kind=kind,
                    title=title,
                    purpose=town.mark("募捐目的"),
                    starts_on=D1,
                    ends_on=D1 + dt.timedelta(days=300),
                    filing_number=f"SCOPE-{town.key}",
                ),
            )
            cs.campaign_move(actor=actor, campaign=c, name="file")
            cs.campaign_move(actor=actor, campaign=c, name="open", on=D1)
            return c

        open_campaign = campaign(town.mark("募捐活动"))
        fund = cs.fund_create(
            actor=maker,
            charity=charity,
            data=cs.FundInput(
                name=town.mark("冠名基金"),
                founder_name=town.mark("基金设立人"),
                agreement_signed_on=D1,
                purposes=town.mark("基金用途"),
                founder_user_id=residents[town.key].pk,
            ),
        )
        cs.donation_record(
            actor=maker,
            data=cs.DonationInput(
                amount="1000",
                method="bank_transfer",
                donor_name=town.mark("捐赠人"),
                donor_kind="person",
                received_on=D1,
                campaign_id=open_campaign.pk,
                donor_id_number=town.id_number("donor", "19600101"),
            ),
        )
        cs.donation_record(
            actor=maker,
            data=cs.DonationInput(
                amount="500",
                method="cash",
                donor_name=town.mark("基金捐赠人"),
                donor_kind="person",
                received_on=D1,
                fund_id=fund.pk,
            ),
        )
        spending = cs.spending_request(
            actor=maker,
            data=cs.SpendingInput(
                purpose="hardship_aid",
                description=town.mark("支出说明"),
                amount="300",
                payee_name=town.mark("收款方"),
                spent_on=D1,
                campaign_id=open_campaign.pk,
                beneficiary_count=3,
            ),
        )
        cs.spending_approve(actor=checker, spending=spending)
        cs.spending_request(
            actor=maker,
            data=cs.SpendingInput(
                purpose="supplies",
                description=town.mark("待审支出"),
                amount="100",
                payee_name=town.mark("待审收款方"),
                spent_on=D1,
                fund_id=fund.pk,
            ),
        )
        cs.campaign_move(actor=maker, campaign=open_campaign, name="close", on=D1)
        cs.disclosure_publish(
            actor=maker, campaign=open_campaign, kind="final", note=town.mark("结项说明")
        )
        campaign(town.mark("在募活动"))
        cs.payment_order_create(
            fund_id=fund.pk,
            amount="10",
            donor_name=town.mark("网上捐赠人"),
        )
        cs.annual_report_publish(
            actor=maker, charity=charity, year=2021, summary=town.mark("年度报告")
        )
    return staff


# ---------------------------------------------------------------- elderly care


def _institution_staff(institution):
    from minzheng.eldercare.roles import ELDERCARE_OFFICER, INSTITUTION_STAFF
    from minzheng.eldercare.services import institution_staff_link

    officer = _account("scope_eldercare", ELDERCARE_OFFICER, DISTRICT)
    # As the demo makes it: a district account that the link narrows to its institution.
    user = _account("scope_institution_staff", INSTITUTION_STAFF, DISTRICT)
    institution_staff_link(actor=officer, institution=institution, user=user)
    return user


def _eldercare(towns: tuple[Town, ...], residents) -> dict:
    from minzheng.eldercare import rules
    from minzheng.eldercare import services as es
    from minzheng.eldercare.models import ChecklistItem
    from minzheng.eldercare.roles import ELDERCARE_OFFICER, INSTITUTION_STAFF
    from minzheng.registry import services as reg
    from minzheng.registry.validators import uscc_check_character

    officer = _account("scope_eldercare", ELDERCARE_OFFICER, DISTRICT)
    es.budget_fund(
        actor=officer,
        programme_code=rules.OPERATING_PROGRAMME,
        year=2021,
        amount=Decimal("100000"),
        on=D1,
    )
    item = ChecklistItem.objects.filter(inspection_type__code="epidemic").order_by("order")[0]
    homes = {}
    for n, town in enumerate(towns):
        code = town.prefix + "000"
        first17 = f"52440605MJ{90 + n:07d}"
        home = es.institution_register(
            actor=officer,
            data=es.InstitutionInput(
                name=town.mark("养老机构"),
                division_code=code,
                ownership="private",
                beds_total=20,
                beds_nursing=5,
                credit_code=first17 + uscc_check_character(first17),
                contact_name=town.mark("机构联系人"),
                contact_phone=town.phone(21),
                bank_name="农商银行",
                bank_account="62280000" + ("7777" if town.key == "B" else "1111"),
            ),
        )
        homes[town.key] = home
        if town.key == "B":
            staff = _account(
                "scope_institution_staff_b",
                INSTITUTION_STAFF,
                DISTRICT,
                display=town.mark("机构员工"),
            )
            es.institution_staff_link(actor=officer, institution=home, user=staff)
        elder = reg.person_register(
            actor=officer,
            data=reg.PersonInput(
                name=town.mark("入住老人"),
                residence_division_code=town.community,
                id_number=town.id_number("elder", "19380101"),
            ),
        )
        stay = es.admission_create(
            actor=officer,
            data=es.AdmissionInput(
                institution_id=home.pk,
                person_id=elder.pk,
                admitted_on=dt.date(2021, 3, 1),
                level=3,
                assessed_on=dt.date(2021, 2, 26),
                assessment_body=town.mark("评估机构"),
            ),
        )
        es.absence_record(
            actor=officer,
            residency=stay,
            kind="hospital",
            start=dt.date(2021, 3, 10),
            end=dt.date(2021, 3, 12),
            note=town.mark("离院说明"),
        )
        operator = reg.organisation_register(
            actor=officer,
            name=town.mark("运营机构"),
            kind="non_enterprise",
            division_code=code,
        )
        house = es.house_register(
            actor=officer,
            data=es.HouseInput(
                name=town.mark("幸福院"),
                division_code=town.community,
                opening_hours="8:30–17:30",
                services=["meals"],
                operator_id=operator.pk,
                contract_start=dt.date(2021, 1, 1),
                contract_end=dt.date(2023, 12, 31),
                bank_account="62280001" + ("7777" if town.key == "B" else "1111"),
            ),
        )
        photo = jpeg(f"house {town.key}")
        town.files["幸福院照片"] = photo
        es.house_report_record(
            actor=officer,
            house=house,
            month=dt.date(2021, 3, 1),
            visits=321 if town.key == "B" else 123,
            meals=100,
            activities=4,
            note=town.mark("运营报告"),
            photos=[SimpleUploadedFile("house.jpg", photo)],
        )
        es.house_rating_record(actor=officer, house=house, year=2021, score=Decimal("88"), on=D1)
        finding_photo = jpeg(f"finding {town.key}")
        town.files["检查照片"] = finding_photo
        inspection = es.inspection_create(
            actor=officer,
            place_id=home.organisation_id,
            inspection_type_code="epidemic",
            inspected_on=D1,
            inspectors=town.mark("检查人员"),
            summary=town.mark("检查情况"),
            findings=[
                es.FindingInput(
                    item.pk,
                    town.mark("检查问题"),
                    D1 + dt.timedelta(days=10),
                    photos=[SimpleUploadedFile("finding.jpg", finding_photo)],
                )
            ],
            on=D1,
        )
        es.followup_record(
            actor=officer,
            finding=inspection.findings.get(),
            visited_on=D1,
            note=town.mark("复查情况"),
            rectified=False,
            on=D1,
        )
        es.service_request_submit(
            resident=residents[town.key],
            kind="admission",
            institution_id=home.pk,
            elder_name=town.mark("申请老人"),
            contact_name=town.mark("申请联系人"),
            phone=town.phone(22),
        )
    es.claim_run(actor=officer, month=dt.date(2021, 3, 1), on=dt.date(2021, 4, 6))
    return homes
