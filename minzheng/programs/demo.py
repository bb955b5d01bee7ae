"""Demo data (manage.py demo): every programme configured, budgets funded, the 2021 cases
of the bureau's report (23 temporary-assistance cases — all paid), and this year's cases in
every state of the life cycle. The 113 pupils of the paired-assistance school are the charity
demo's school-aid project (not grants to residents); the 100 people of the 2021 disability
employment aid are the welfare demo's services (no policy with a public source names a grant
amount). Seeded, idempotent (a second run adds
nothing)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minzheng.core.demo_accounts import ensure_account
from minzheng.core.models import Division, User
from minzheng.registry.validators import check_character, uscc_check_character

from . import postings, services
from .bankfiles import return_file_xlsx
from .models import Application, DisbursementLine
from .roles import PROGRAMS_DISTRICT, PROGRAMS_TOWN, PROGRAMS_VIEWER
from .setup import ensure_defaults

MARKER = "demo:temporary_assistance:2021:0"
GUICHENG, JIUJIANG, DISTRICT = "440605011000", "440605121000", "440605000000"
SURNAMES = "陈李黄梁何张罗冯邓谭吴周林潘麦区关余"
GIVEN = [
    "伟明",
    "淑贞",
    "志强",
    "丽华",
    "建国",
    "美玲",
    "国荣",
    "秀英",
    "家豪",
    "嘉欣",
    "子轩",
    "婉婷",
    "锦全",
    "少芬",
    "永康",
    "晓琳",
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class Demo:
    def __init__(self, *, password: str):
        self.rng = random.Random(440605)
        self.today = timezone.localdate()
        self.seq = 0
        self.officer = self._with_group("district_officer", PROGRAMS_DISTRICT)
        self._with_group("leader", PROGRAMS_VIEWER)
        self.workers = {
            GUICHENG: (
                self._with_group("guicheng_worker", PROGRAMS_TOWN),
                ensure_account(
                    username="guicheng_worker2",
                    display_name="桂城街道救助专干（演示）",
                    division=GUICHENG,
                    role=PROGRAMS_TOWN,
                    password=password,
                ),
            ),
            JIUJIANG: (
                self._with_group("jiujiang_worker", PROGRAMS_TOWN),
                ensure_account(
                    username="jiujiang_worker2",
                    display_name="九江镇救助专干（演示）",
                    division=JIUJIANG,
                    role=PROGRAMS_TOWN,
                    password=password,
                ),
            ),
        }
        self.communities = {
            town: list(Division.objects.filter(parent_id=town).values_list("code", flat=True)[:6])
            or [town]
            for town in (GUICHENG, JIUJIANG)
        }
        self.programmes = ensure_defaults()

    @staticmethod
    def _with_group(username: str, role: str) -> User:
        user = User.objects.get(username=username)
        user.groups.add(Group.objects.get(name=role))
        return User.objects.get(pk=user.pk)  # fresh permission cache

    def person(self) -> tuple[str, str]:
        self.seq += 1
        name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=self.rng.randrange(365 * 55))
        first17 = f"440605{birth:%Y%m%d}{self.seq % 1000:03d}"
        return name, first17 + check_character(first17)

    def submit(
        self,
        code: str,
        facts: dict,
        *,
        on: dt.date,
        key: str,
        town: str = GUICHENG,
        org: tuple[str, str] | None = None,
    ) -> Application:
        name, number = org or self.person()
        data = services.ApplicationInput(
            programme_code=code,
            division_code=self.rng.choice(self.communities[town]),
            applicant_name=name,
            applicant_id_number=number,
            phone=f"139{self.rng.randrange(10**8):08d}",
            facts=facts,
            idempotency_key=key,
            bank_name="广东南海农村商业银行",
            bank_account=f"6229{self.rng.randrange(10**12):012d}",
            staff_related=key.endswith(":staff"),
            staff_related_note="申请人为村委会工作人员配偶" if key.endswith(":staff") else "",
        )
        return services.application_submit(actor=self.workers[town][0], data=data, on=on)

    def attach(self, app: Application, town: str) -> None:
        for doc in app.programme.documents_required:
            services.document_add(
                actor=self.workers[town][0],
                application=app,
                kind=doc["kind"],
                upload=SimpleUploadedFile(f"{doc['kind']}.png", PNG, content_type="image/png"),
            )

    def advance_to(
        self, app: Application, target: str, *, on: dt.date, town: str = GUICHENG
    ) -> Application:
        """Walk a submitted case through the life cycle up to `target`, a few days per step."""
        worker, colleague = self.workers[town]
        day = on
        steps = ["accept", "visit", "publicise", "end_publicity", "approve"]
        stop = {
            "submitted": 0,
            "investigation": 1,
            "publicity": 3,
            "review": 4,
            "approved": 5,
            "paid": 5,
            "closed": 5,
        }[target]
        for step in steps[:stop]:
            day = min(day + dt.timedelta(days=2), self.today)
            if step == "accept":
                self.attach(app, town)
                services.application_accept(actor=worker, application=app, on=day)
            elif step == "visit":
                services.investigation_record(
                    actor=worker,
                    application=app,
                    staff_2=colleague,
                    visited_on=day,
                    household_check="经家庭经济状况核对，无车辆、无商业保险，存款低于规定标准。",
                    findings="入户核实，情况属实。",
                )
            elif step == "publicise":
                services.application_publicise(actor=worker, application=app, on=day)
            elif step == "end_publicity":
                day = min(app.publicity_end + dt.timedelta(days=1), self.today)
                if day <= app.publicity_end:
                    return app
                services.publicity_end(actor=worker, application=app, on=day)
            elif step == "approve":
                approver = worker if services.approval_level(app, day) == "town" else self.officer
                services.application_approve(actor=approver, application=app, on=day)
        return app

    def pay(self, apps: list[Application], *, on: dt.date, fail: int = 0) -> None:
        if not apps:
            return
        batch = services.disbursement_batch_create(
            actor=self.officer, division_code=DISTRICT, application_ids=[a.pk for a in apps], on=on
        )
        services.disbursement_export_xlsx(actor=self.officer, batch=batch)
        lines = list(batch.lines.order_by("id").values_list("id", flat=True))
        rows = [
            (i, "失败", "户名与账号不符") if n < fail else (i, "成功", "")
            for n, i in enumerate(lines)
        ]
        services.disbursement_return_import(
            actor=self.officer, batch=batch, content=return_file_xlsx(rows), on=on
        )

    # ------------------------------------------------------------ facts per programme

    def ta_facts(self, *, category: str | None = None) -> dict:
        category = category or self.rng.choice(["emergency", "emergency", "expense"])
        cause = self.rng.choice(
            ["fire", "traffic", "illness", "injury", "drowning", "other_emergency"]
            if category == "emergency"
            else ["medical", "education", "other_expense"]
        )
        facts = {
            "category": category,
            "cause": cause,
            "event_date": "",
            "household_size": self.rng.randint(1, 5),
            "monthly_income_per_person": str(self.rng.randrange(300, 1500)),
            "description": "因突发事件导致基本生活暂时困难",
        }
        if category == "expense":
            facts["expense"] = str(self.rng.randrange(2000, 9000))
        return facts

    def edu_facts(self) -> dict:
        return {
            "student_name": self.rng.choice(SURNAMES) + self.rng.choice(GIVEN),
            "school": "罗定市围底镇中心小学",
            "stage": "primary",
            "basis": "paired_school",
            "enrolled": True,
        }

    def dea_facts(self) -> dict:
        return {
            "certificate_no": f"DIS{self.rng.randrange(10**8):08d}",
            "disability_level": self.rng.randint(2, 4),
            "age": self.rng.randint(20, 55),
            "mode": self.rng.choice(["employed", "self_employed", "training"]),
        }

    def sw_facts(self) -> dict:
        level = self.rng.choice(["assistant", "assistant", "social_worker", "senior"])
        return {
            "level": level,
            "certificate_no": f"SW{self.rng.randrange(10**6):06d}",
            "certified_on": f"{self.today.year - 1}-06-20",
            "employer": "南海区启创社会工作服务中心",
            "works_in_district": True,
        }

    def ec_facts(self, n: int) -> dict:
        return {
            "period": f"{self.today.year}-Q{n % 4 + 1}",
            "new_beds": self.rng.randint(0, 20),
            "bed_months_self_care": self.rng.randint(10, 90),
            "bed_months_partial": self.rng.randint(10, 60),
            "bed_months_full": self.rng.randint(5, 40),
            "licensed": True,
        }

    def facts(self, code: str, n: int) -> dict:
        return {
            "temporary_assistance": self.ta_facts,
            "education_aid": self.edu_facts,
            "disability_employment": self.dea_facts,
            "social_worker_grant": self.sw_facts,
            "eldercare_subsidy": lambda: self.ec_facts(n),
        }[code]()

    def org(self, n: int) -> tuple[str, str]:
        first17 = f"5244060{n:02d}MJ{self.rng.randrange(10**6):06d}"[:17]
        first17 = first17.replace("I", "1").replace("O", "0")
        return (
            ["桂城颐年养老院", "九江敬老服务中心", "南海康乐护养院", "桂园长者之家"][n % 4],
            first17 + uscc_check_character(first17),
        )

    # ------------------------------------------------------------ the runs

    def run_2021(self) -> int:
        """The bureau's 2021 figures, every case through the whole life cycle and paid."""
        year_cases = [
            ("temporary_assistance", 23),
        ]
        count = 0
        for code, n in year_cases:
            paid = []
            for i in range(n):
                town = GUICHENG if i % 3 else JIUJIANG
                on = dt.date(2021, 1 + (i * 11) // n, 4 + i % 20)
                facts = self.facts(code, i)
                if code == "temporary_assistance":
                    facts["event_date"] = (on - dt.timedelta(days=3)).isoformat()
                app = self.submit(code, facts, on=on, key=f"demo:{code}:2021:{i}", town=town)
                if (
                    code == "temporary_assistance"
                    and facts["category"] == "emergency"
                    and i % 4 == 0
                ):
                    services.fast_path_advance(
                        actor=self.workers[town][0],
                        application=app,
                        amount=min(Decimal("2000"), app.decisions.first().amount),
                        on=on,
                    )
                self.advance_to(app, "approved", on=on, town=town)
                app.refresh_from_db()
                if app.state == "approved":
                    paid.append(app)
                count += 1
            for chunk_start in range(0, len(paid), 60):
                chunk = paid[chunk_start : chunk_start + 60]
                self.pay(
                    chunk,
                    on=min(dt.date(2021, 12, 20), chunk[-1].state_since + dt.timedelta(days=5)),
                )
            for app in Application.objects.filter(programme__code=code, year=2021, state="paid"):
                services.application_close(
                    actor=self.workers[
                        GUICHENG if app.division_id.startswith(GUICHENG[:9]) else JIUJIANG
                    ][0],
                    application=app,
                    on=dt.date(2021, 12, 28),
                )
        return count

    def run_current(self) -> int:
        """This year: each programme with cases in every state (and a late fast path)."""
        today = self.today
        states = [
            "submitted",
            "returned",
            "investigation",
            "publicity",
            "review",
            "approved",
            "refused",
            "paid",
            "closed",
            "withdrawn",
        ]
        count = 0
        to_pay, to_close = [], []
        for code in self.programmes:
            for n, state in enumerate(states):
                town = GUICHENG if n % 2 else JIUJIANG
                start = today - dt.timedelta(
                    days={"publicity": 4, "submitted": 6, "investigation": 12}.get(state, 40)
                )
                key = f"demo:{code}:{today.year}:{state}" + (
                    ":staff" if state == "review" and code == "temporary_assistance" else ""
                )
                facts = self.facts(code, n)
                if code == "temporary_assistance":
                    facts["event_date"] = (start - dt.timedelta(days=2)).isoformat()
                org = self.org(n) if code == "eldercare_subsidy" else None
                app = self.submit(code, facts, on=start, key=key, town=town, org=org)
                if state == "returned":
                    services.application_return(
                        actor=self.workers[town][0],
                        application=app,
                        missing_kinds=[app.programme.documents_required[1]["kind"]],
                        note="请补充近三个月收入证明",
                        on=start + dt.timedelta(days=1),
                    )
                elif state == "withdrawn":
                    services.application_withdraw(
                        actor=self.workers[town][0],
                        application=app,
                        reason="申请人已获其他救助",
                        on=start + dt.timedelta(days=1),
                    )
                elif state == "refused":
                    self.advance_to(app, "investigation", on=start, town=town)
                    services.application_refuse(
                        actor=self.officer,
                        application=app,
                        reasons="经入户调查，家庭人均收入高于规定标准。",
                        on=start + dt.timedelta(days=8),
                    )
                else:
                    self.advance_to(app, state, on=start, town=town)
                    if state == "paid":
                        to_pay.append(app)
                    if state == "closed":
                        to_close.append(app)
                count += 1
        # A fast-path case whose paperwork is late (flagged on the workbench).
        late = self.submit(
            "temporary_assistance",
            {
                **self.ta_facts(category="emergency"),
                "event_date": (today - dt.timedelta(days=20)).isoformat(),
            },
            on=today - dt.timedelta(days=15),
            key=f"demo:temporary_assistance:{today.year}:fast-late",
        )
        services.fast_path_advance(
            actor=self.workers[GUICHENG][0],
            application=late,
            amount=Decimal("1500"),
            on=today - dt.timedelta(days=15),
        )
        self.pay(to_pay + to_close, on=today, fail=1)
        for app in to_close:
            app.refresh_from_db()
            if app.state == "paid":
                services.application_close(
                    actor=self.workers[GUICHENG][0]
                    if app.division_id.startswith("440605011")
                    else self.workers[JIUJIANG][0],
                    application=app,
                    on=today,
                )
        return count + 1


def run(*, stdout, password: str) -> str:
    # Always: the accounts step resets the demo users' groups, so give back the programme roles.
    demo = Demo(password=password)
    if Application.objects.filter(idempotency_key=MARKER).exists():
        return f"programmes already loaded: {Application.objects.count()} applications."
    today = demo.today
    for p in demo.programmes.values():
        for year in sorted({2021, today.year}):
            postings.fund_budget(
                actor=demo.officer,
                programme=p,
                year=year,
                amount=Decimal("3000000"),
                on=dt.date(year, 1, 4),
            )
    for town, name in ((GUICHENG, "桂城街道"), (JIUJIANG, "九江镇")):
        postings.fund_reserve(
            actor=demo.officer,
            town_code=town,
            town_name=name,
            amount=Decimal("50000"),
            on=dt.date(2021, 1, 4),
        )
    n2021 = demo.run_2021()
    ncur = demo.run_current()
    failed = DisbursementLine.objects.filter(status="failed").count()
    return (
        f"{len(demo.programmes)} programmes; {n2021} cases in 2021 (23 temporary assistance); "
        f"{ncur} cases this year in every state; {failed} failed bank line to re-run."
    )
