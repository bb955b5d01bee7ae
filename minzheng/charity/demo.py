"""Demo step: 南海慈善会 and its 2021 epidemic appeal (倡议书《你我同心齐防疫，携手慈善凝合力》),
donations summing to exactly 530,000.00 元 by 2021-06-16, the 龙大慈善基金 founded with
100,000.00 元 and spent on epidemic supplies and on medical staff, receipts for every money
gift, the campaign's final disclosure; the 2021 school aid at 罗定市围底镇中心小学 (113
pupils) as a spending project; an open 2026 project for the sandbox payer. Accounts
`charity_staff` (maker) and `charity_checker` (checker) of 南海慈善会, and the fund's founder
as the portal resident `charity_founder` (phone 13700000530).

Only the 530,000 元 total, the 100,000 元 first gift, the 113 pupils and the names come
from the source; every individual amount, date inside the period, credit code, filing
number and donor name is illustrative (示例), seeded so that every machine gets the same
records. Idempotent: a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from minzheng.core.demo_accounts import ensure_account
from minzheng.core.models import User
from minzheng.registry import pii
from minzheng.registry.validators import mask_phone, uscc_check_character

from . import imports, roles, selectors, services
from .models import Campaign, Charity

DISTRICT = "440605000000"
APPEAL = "你我同心齐防疫，携手慈善凝合力"
APPEAL_TOTAL = Decimal("530000.00")
APPEAL_BY = dt.date(2021, 6, 16)
FUND_FIRST_GIFT = Decimal("100000.00")
SCHOOL = "罗定市围底镇中心小学"
PUPILS = 113
FOUNDER_PHONE = "13700000530"
SURNAMES = "陈李黄梁何张罗冯潘吴杜邓关区麦谭叶刘"
GIVEN = ["伟强", "淑仪", "志明", "丽萍", "家豪", "秀琼", "国华", "嘉敏", "锦荣", "少玲"]
COMPANIES = [
    "南海示例五金制品有限公司",
    "桂城示例物业管理有限公司",
    "九江示例酒业有限公司",
    "狮山示例电器有限公司",
    "大沥示例铝材有限公司",
    "西樵示例纺织有限公司",
]


def _credit_code(seed: str) -> str:
    first17 = f"51440605{seed}"[:17].ljust(17, "0")
    return first17 + uscc_check_character(first17)


def _accounts(password: str) -> tuple[User, User, User]:
    maker = ensure_account(
        username="charity_staff",
        display_name="南海慈善会工作人员（演示）",
        division=DISTRICT,
        role=roles.CHARITY_STAFF,
        password=password,
    )
    checker = ensure_account(
        username="charity_checker",
        display_name="南海慈善会复核人员（演示）",
        division=DISTRICT,
        role=roles.CHARITY_STAFF,
        password=password,
    )
    founder, _created = User.objects.get_or_create(
        username="charity_founder",
        defaults={"display_name": "龙大慈善基金设立人（演示）", "kind": User.Kind.RESIDENT},
    )
    founder.kind, founder.is_staff = User.Kind.RESIDENT, False
    founder.set_unusable_password()
    founder.save()
    from minzheng.portal.models import ResidentProfile

    ResidentProfile.objects.update_or_create(
        user=founder,
        defaults={
            "phone": FOUNDER_PHONE,
            "phone_hash": pii.blind_index(FOUNDER_PHONE, kind="phone"),
            "phone_masked": mask_phone(FOUNDER_PHONE),
            "real_name": "龙大慈善基金设立人",
        },
    )
    return (
        User.objects.get(pk=maker.pk),
        User.objects.get(pk=checker.pk),
        User.objects.get(pk=founder.pk),
    )


def _appeal_amounts(rng: random.Random) -> list[tuple[str, str, Decimal, bool]]:
    """(donor kind, name, amount, anonymous), summing to exactly APPEAL_TOTAL."""
    gifts: list[tuple[str, str, Decimal, bool]] = []
    for company in COMPANIES:
        gifts.append(("organisation", company, Decimal(rng.choice([20000, 30000, 50000])), False))
    for i in range(60):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        gifts.append(
            ("person", name, Decimal(rng.choice([100, 200, 500, 800, 1000, 2000])), i % 7 == 0)
        )
    rest = APPEAL_TOTAL - sum(g[2] for g in gifts)
    assert rest > 0, "the illustrative gifts must leave a remainder"
    gifts.append(("organisation", "南海示例建材商会", rest, False))
    return gifts


def run(*, stdout, password: str) -> str:
    from django.contrib.auth.models import Group  # noqa: F401 - groups exist after sync

    from minzheng.core import roles as core_roles

    core_roles.sync_roles()
    maker, checker, founder = _accounts(password)
    officer = User.objects.get(username="district_officer")
    existing = Charity.objects.filter(is_demo=True, receipt_prefix="NHCSH").first()
    if existing is not None:
        for user in (maker, checker):
            services.charity_staff_link(actor=officer, charity=existing, user=user)
        return _summary(existing)
    rng = random.Random(440605_2021)
    with transaction.atomic():
        charity = _load(officer, maker, checker, founder, rng)
    return _summary(charity)


def _load(officer, maker, checker, founder, rng) -> Charity:
    from minzheng.registry.services import organisation_register

    org = organisation_register(
        actor=officer,
        name="南海区慈善会",
        kind="social_org",
        division_code=DISTRICT,
        credit_code=_credit_code("MJ0000001"),
        address="佛山市南海区桂城街道（示例地址）",
    )
    charity = services.charity_register(
        actor=officer,
        organisation=org,
        status="recognised",
        recognised_on=dt.date(2017, 6, 1),
        receipt_prefix="NHCSH",
        public_fundraising=True,
        fundraising_certificate_no="示例-粤南民慈公募001",
        fundraising_valid_from=dt.date(2017, 6, 1),
        is_demo=True,
    )
    for user in (maker, checker):
        services.charity_staff_link(actor=officer, charity=charity, user=user)

    # The appeal: open from 2021-06-01 (illustrative), gifts until 16 June, closed at month end.
    appeal = services.campaign_create(
        actor=maker,
        charity=charity,
        data=services.CampaignInput(
            kind="fundraising",
            title=APPEAL,
            purpose="筹集善款用于疫情防控物资采购和慰问一线医护人员",
            starts_on=dt.date(2021, 6, 1),
            ends_on=dt.date(2021, 6, 30),
            channels="银行转账、现场捐赠",
            filing_number="示例-南民慈备2021-006",
        ),
    )
    services.campaign_move(actor=maker, campaign=appeal, name="file")
    services.campaign_move(actor=maker, campaign=appeal, name="open", on=dt.date(2021, 6, 1))
    gifts = _appeal_amounts(rng)
    # The first 20 gifts at the counter and by transfer, one by one; the rest from the bank
    # statement of the period, through the import.
    counter, statement = gifts[:20], gifts[20:]
    for i, (kind, name, amount, anonymous) in enumerate(counter):
        services.donation_record(
            actor=maker,
            data=services.DonationInput(
                amount=amount,
                method="cash" if kind == "person" else "bank_transfer",
                donor_name=name,
                donor_kind=kind,
                anonymous=anonymous,
                received_on=dt.date(2021, 6, 2 + i % 10),
                campaign_id=appeal.pk,
            ),
            idempotency_key=f"demo-appeal-{i}",
        )
    rows = ["交易日期,付款人,金额,交易流水号,付款人类型,匿名"]
    for i, (kind, name, amount, anonymous) in enumerate(statement):
        on = dt.date(2021, 6, 8 + i % 9)  # up to 2021-06-16
        rows.append(
            f"{on.isoformat()},{name},{amount},DEMO2021{i:05d},"
            f"{'单位' if kind == 'organisation' else '个人'},{'是' if anonymous else '否'}"
        )
    imports.statement_import(
        actor=maker,
        charity=charity,
        filename="南海慈善会2021年6月银行流水（示例）.csv",
        content=("\r\n".join(rows) + "\r\n").encode(),
        campaign_id=appeal.pk,
    )

    # 龙大慈善基金: founded with 100,000 元, spent on epidemic supplies and medical staff.
    fund = services.fund_create(
        actor=maker,
        charity=charity,
        data=services.FundInput(
            name="龙大慈善基金",
            founder_name="龙大（建筑企业，全称示例）",
            agreement_signed_on=dt.date(2021, 6, 10),
            purposes="疫情防控物资、慰问一线医护人员",
            founder_user_id=founder.pk,
        ),
    )
    services.donation_record(
        actor=maker,
        data=services.DonationInput(
            amount=FUND_FIRST_GIFT,
            method="bank_transfer",
            donor_name="龙大（建筑企业，全称示例）",
            donor_kind="organisation",
            received_on=dt.date(2021, 6, 10),
            fund_id=fund.pk,
        ),
        idempotency_key="demo-fund-first-gift",
    )
    for purpose, description, amount, payee, count, note in (
        ("supplies", "采购口罩、防护服等防疫物资（示例金额）", "40000", "南海示例医药公司", 0, ""),
        (
            "medical_staff",
            "慰问核酸检测一线医护人员（示例金额）",
            "25000",
            "南海区示例医院工会",
            250,
            "一线医护人员",
        ),
    ):
        _spend(
            maker,
            checker,
            fund=fund,
            purpose=purpose,
            description=description,
            amount=amount,
            payee=payee,
            count=count,
            note=note,
            on=dt.date(2021, 6, 14),
        )

    # The appeal's spending (illustrative amounts), then closing and the final disclosure.
    for purpose, description, amount, payee, count, note in (
        (
            "supplies",
            "采购防疫物资支援各镇街防控点（示例金额）",
            "310000",
            "南海示例医药公司",
            0,
            "",
        ),
        (
            "medical_staff",
            "慰问一线医护人员和防疫志愿者（示例金额）",
            "160000",
            "南海区示例医院工会",
            1600,
            "一线医护人员和志愿者",
        ),
    ):
        _spend(
            maker,
            checker,
            campaign=appeal,
            purpose=purpose,
            description=description,
            amount=amount,
            payee=payee,
            count=count,
            note=note,
            on=dt.date(2021, 6, 20),
        )
    services.campaign_move(actor=maker, campaign=appeal, name="close", on=dt.date(2021, 6, 30))
    figures = selectors.campaign_figures(appeal)
    services.disclosure_publish(
        actor=maker,
        campaign=appeal,
        kind="final",
        on=dt.date(2021, 7, 20),
        note=f"结余 {figures.balance} 元，按捐赠目的继续用于本区疫情防控。",
    )

    # The 2021 school aid in the paired-assistance area: a charity project, 113 pupils counted
    # (they are not registry persons: beneficiaries outside the district).
    school = services.campaign_create(
        actor=maker,
        charity=charity,
        data=services.CampaignInput(
            kind="project",
            title=f"2021 年对口帮扶助学（{SCHOOL}）",
            purpose=f"资助{SCHOOL}家庭困难学生",
            starts_on=dt.date(2021, 8, 1),
            ends_on=dt.date(2021, 12, 31),
            channels="定向捐赠",
        ),
    )
    services.campaign_move(actor=maker, campaign=school, name="file")
    services.campaign_move(actor=maker, campaign=school, name="open", on=dt.date(2021, 8, 1))
    services.donation_record(
        actor=maker,
        data=services.DonationInput(
            amount="120000",
            method="bank_transfer",
            donor_name="南海示例教育基金会",
            donor_kind="organisation",
            received_on=dt.date(2021, 8, 20),
            campaign_id=school.pk,
        ),
        idempotency_key="demo-school-gift",
    )
    _spend(
        maker,
        checker,
        campaign=school,
        purpose="education_aid",
        description=f"{SCHOOL}助学金（每生 1,000 元，示例金额）",
        amount=str(1000 * PUPILS),
        payee=SCHOOL,
        count=PUPILS,
        note=f"{SCHOOL}学生（对口帮扶地区，不登记为本区人员）",
        on=dt.date(2021, 9, 10),
    )
    services.campaign_move(actor=maker, campaign=school, name="close", on=dt.date(2021, 12, 31))
    sf = selectors.campaign_figures(school)
    services.disclosure_publish(
        actor=maker,
        campaign=school,
        kind="final",
        on=dt.date(2022, 1, 20),
        note=f"结余 {sf.balance} 元转入下一年度助学项目（示例）。",
    )
    services.annual_report_publish(
        actor=maker,
        charity=charity,
        year=2021,
        on=dt.date(2022, 5, 20),
        summary="2021 年度工作报告和财务会计报告（示例）",
    )

    # Open now, for the sandbox payer (manage.py charity_sandbox_pay) and the browser test.
    today = timezone.localdate()
    current = services.campaign_create(
        actor=maker,
        charity=charity,
        data=services.CampaignInput(
            kind="fundraising",
            title=f"{today.year} 年困难群众帮扶募捐",
            purpose="帮扶本区困难群众（示例项目）",
            starts_on=today - dt.timedelta(days=30),
            ends_on=today + dt.timedelta(days=150),
            channels="银行转账、网上支付",
            filing_number=f"示例-南民慈备{today.year}-001",
        ),
    )
    services.campaign_move(actor=maker, campaign=current, name="file")
    services.campaign_move(
        actor=maker, campaign=current, name="open", on=today - dt.timedelta(days=30)
    )
    return charity


def _spend(
    maker,
    checker,
    *,
    purpose,
    description,
    amount,
    payee,
    count,
    note,
    on,
    campaign=None,
    fund=None,
):
    s = services.spending_request(
        actor=maker,
        data=services.SpendingInput(
            purpose=purpose,
            description=description,
            amount=amount,
            payee_name=payee,
            spent_on=on,
            campaign_id=campaign.pk if campaign else None,
            fund_id=fund.pk if fund else None,
            beneficiary_count=count,
            beneficiary_note=note,
        ),
    )
    services.spending_approve(actor=checker, spending=s)


def appeal_raised_by(charity: Charity, day: dt.date = APPEAL_BY) -> Decimal:
    """The appeal's gifts up to `day`, from the ledger (the published figure)."""
    appeal = Campaign.objects.get(charity=charity, title=APPEAL)
    return selectors.campaign_figures(appeal, as_of=day).raised


def _summary(charity: Charity) -> str:
    return (
        f"charity: {charity.name}, appeal raised {appeal_raised_by(charity)} 元 by {APPEAL_BY}; "
        f"{charity.donations.count()} donations, {charity.receipts.count()} receipts; "
        "accounts charity_staff, charity_checker; founder resident 13700000530."
    )
