"""Reads of the charity app. Staff lists go through core.scope and, for an organisation's
own staff, are narrowed to their organisation (object-level restriction); public reads
show only published campaigns, masked donor names and no beneficiary."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from minzheng.core.scope import get_in_scope_or_404, scope_queryset
from minzheng.ledger import selectors as ledger_q
from minzheng.registry import pii

from . import rules
from .models import (
    PUBLIC_STATES,
    ZERO,
    AnnualReport,
    Campaign,
    CampaignState,
    Charity,
    CharityStaff,
    Disclosure,
    Donation,
    DonorKind,
    NamedFund,
    Purpose,
    Receipt,
    Spending,
    SpendingState,
)
from .services import fund_account

Q2 = Decimal("0.01")


def _q(value) -> Decimal:
    return Decimal(value or 0).quantize(Q2)


def charity_of(user) -> Charity | None:
    """The organisation a staff account works for (None for officers and everyone else)."""
    if not getattr(user, "pk", None):
        return None
    link = CharityStaff.objects.filter(user_id=user.pk).select_related("charity").first()
    return link.charity if link else None


def _own(qs: QuerySet, user, field: str = "charity") -> QuerySet:
    qs = scope_queryset(qs, user)
    own = charity_of(user)
    return qs.filter(**{field: own}) if own else qs


def charities_for(user) -> QuerySet[Charity]:
    qs = scope_queryset(Charity.objects.select_related("organisation"), user)
    own = charity_of(user)
    return qs.filter(pk=own.pk) if own else qs


def campaigns_for(user) -> QuerySet[Campaign]:
    return _own(Campaign.objects.select_related("charity"), user)


def funds_for(user) -> QuerySet[NamedFund]:
    return _own(NamedFund.objects.select_related("charity"), user)


def donations_for(user) -> QuerySet[Donation]:
    return pii.without_secrets(
        _own(Donation.objects.select_related("campaign", "fund", "charity"), user)
    )


def receipts_for(user) -> QuerySet[Receipt]:
    return _own(Receipt.objects.select_related("charity", "donation"), user)


def spendings_for(user) -> QuerySet[Spending]:
    return _own(
        Spending.objects.select_related("campaign", "fund", "charity", "requested_by"), user
    )


def disclosures_for(user) -> QuerySet[Disclosure]:
    return _own(Disclosure.objects.select_related("campaign"), user, "campaign__charity")


def charity_count(user) -> int:
    return campaigns_for(user).count()


# ---------------------------------------------------------------- figures


@dataclass
class Figures:
    raised: Decimal
    raised_money: Decimal
    raised_in_kind: Decimal
    spent: Decimal
    balance: Decimal
    donations: int
    donors_person: int
    donors_organisation: int
    donors_anonymous: int
    beneficiaries: int
    by_purpose: list[dict] = field(default_factory=list)
    as_of: str = ""

    def as_json(self) -> dict:
        out = asdict(self)
        for k, v in out.items():
            if isinstance(v, Decimal):
                out[k] = str(v)
        out["by_purpose"] = [{**row, "amount": str(row["amount"])} for row in self.by_purpose]
        return out


def _donation_counts(donations) -> dict:
    return donations.aggregate(
        n=Count("id"),
        in_kind=Sum("amount", filter=Q(method="in_kind")),
        persons=Count("id", filter=Q(donor_kind=DonorKind.PERSON, anonymous=False)),
        orgs=Count("id", filter=Q(donor_kind=DonorKind.ORGANISATION, anonymous=False)),
        anon=Count("id", filter=Q(anonymous=True)),
    )


def _live_donation_counts(campaign: Campaign) -> dict:
    """The donor counts of a campaign, kept in the cache with the id of the newest gift
    they counted. Gifts are only ever added (never edited or deleted) and ids only grow,
    so a later read counts just the gifts with a higher id (a range of the (campaign, id)
    index) and adds them: a million gifts are counted once, then a few at a time."""
    from django.core.cache import cache

    last = campaign.donations.order_by("-id").values_list("id", flat=True).first() or 0
    key = f"charity:donation-counts:{campaign.pk}"
    cached = cache.get(key)
    if cached is not None and cached["last"] == last:
        return cached["counts"]
    if cached is not None and cached["last"] < last:
        new = _donation_counts(campaign.donations.filter(id__gt=cached["last"], id__lte=last))
        old = cached["counts"]
        counts = {k: (old[k] or 0) + (new[k] or 0) for k in old}
    else:
        counts = _donation_counts(campaign.donations.filter(id__lte=last))
    cache.set(key, {"last": last, "counts": counts}, 24 * 3600)
    return counts


def campaign_figures(campaign: Campaign, *, as_of: dt.date | None = None) -> Figures:
    """Raised, spent and balance from the campaign's ledger account; spending by purpose
    and beneficiaries from the approved spendings (each of which posted to that account);
    donor counts from the donations.

    Live (no `as_of`): the balance is the account's, kept by the ledger's postings; spent is
    the sum of the lines the approved spendings' entries posted to it; raised = balance +
    spent (only gifts credit a fund and only spendings debit it). With `as_of` (publishing
    a disclosure), every line of the account up to that date is summed."""
    code = fund_account(campaign=campaign)
    spendings = campaign.spendings.filter(state=SpendingState.APPROVED)
    if as_of:
        debits, credits = ledger_q.account_totals(code, until=as_of)
        spendings = spendings.filter(spent_on__lte=as_of)
        d = _donation_counts(campaign.donations.filter(received_on__lte=as_of))
    else:
        entry_ids = [e for e in spendings.values_list("entry_id", flat=True) if e]
        debits = ledger_q.entries_totals(code, entry_ids)[0] if entry_ids else ZERO
        balance = _q(ledger_q.account_balances([code]).get(code, ZERO))
        credits = balance + debits
        d = _live_donation_counts(campaign)
    labels = dict(Purpose.choices)
    by_purpose = [
        {
            "purpose": row["purpose"],
            "label": str(labels[row["purpose"]]),
            "amount": _q(row["s"]),
            "beneficiaries": row["b"] or 0,
        }
        for row in spendings.values("purpose")
        .annotate(s=Sum("amount"), b=Sum("beneficiary_count"))
        .order_by("purpose")
    ]
    in_kind = _q(d["in_kind"])
    return Figures(
        raised=credits,
        raised_money=credits - in_kind,
        raised_in_kind=in_kind,
        spent=debits,
        balance=credits - debits,
        donations=d["n"],
        donors_person=d["persons"],
        donors_organisation=d["orgs"],
        donors_anonymous=d["anon"],
        beneficiaries=sum(r["beneficiaries"] for r in by_purpose),
        by_purpose=by_purpose,
        as_of=(as_of or timezone.localdate()).isoformat(),
    )


def public_campaigns() -> QuerySet[Campaign]:
    return (
        Campaign.objects.filter(state__in=PUBLIC_STATES)
        .select_related("charity")
        .order_by("-starts_on", "-id")
    )


def public_campaign(pk) -> Campaign:
    from django.http import Http404

    campaign = public_campaigns().filter(pk=pk).first() if str(pk).isdigit() else None
    if campaign is None:
        raise Http404
    return campaign


def public_donors(campaign: Campaign, limit: int = 20) -> list[dict]:
    """The latest gifts for a public list: masked names, 匿名 for anonymous donors."""
    rows = campaign.donations.order_by("-received_on", "-id").values(
        "donor_name", "donor_kind", "anonymous", "amount", "received_on", "method"
    )[:limit]
    out = []
    for r in rows:
        d = Donation(
            donor_name=r["donor_name"], donor_kind=r["donor_kind"], anonymous=r["anonymous"]
        )
        out.append({"name": d.public_name, "amount": r["amount"], "received_on": r["received_on"]})
    return out


def public_spendings(campaign: Campaign) -> QuerySet[Spending]:
    """Approved spendings as the public sees them (never the persons aided)."""
    return (
        campaign.spendings.filter(state=SpendingState.APPROVED)
        .only(
            "id",
            "purpose",
            "description",
            "amount",
            "payee_name",
            "spent_on",
            "beneficiary_count",
            "beneficiary_note",
        )
        .order_by("spent_on", "id")
    )


def latest_disclosures(campaign: Campaign) -> QuerySet[Disclosure]:
    return campaign.disclosures.order_by("-published_on", "-id")


# ---------------------------------------------------------------- named funds


@dataclass
class FundStatement:
    fund: NamedFund
    gifts: list
    spendings: list
    received: Decimal
    spent: Decimal
    balance: Decimal
    yearly_min_spend: Decimal | None
    rule_share: Decimal | None
    rule_illustrative: bool


def fund_statement(fund: NamedFund, *, year: int | None = None) -> FundStatement:
    from minzheng.core.params import ParameterMissing, parameter_value

    code = fund_account(fund=fund)
    debits, credits = ledger_q.account_totals(code)
    gifts = list(
        fund.donations.order_by("received_on", "id").values(
            "id", "received_on", "amount", "method", "item"
        )
    )
    spendings = list(
        fund.spendings.filter(state=SpendingState.APPROVED)
        .order_by("spent_on", "id")
        .values("id", "spent_on", "purpose", "description", "amount", "beneficiary_count")
    )
    labels = dict(Purpose.choices)
    for s in spendings:
        s["purpose_label"] = labels[s["purpose"]]
    share = minimum = None
    illustrative = False
    try:
        p = parameter_value(
            "charity_fund_min_spend_share", on=timezone.localdate(), division_code=fund.division_id
        )
        from minzheng.core.models import PolicyParameter

        share = Decimal(str(p.value))
        illustrative = PolicyParameter.objects.filter(
            pk=p.parameter_id, is_illustrative=True
        ).exists()
        minimum = (credits * share / 100).quantize(Q2)
    except ParameterMissing:
        pass
    return FundStatement(
        fund, gifts, spendings, credits, debits, credits - debits, minimum, share, illustrative
    )


def funds_of_founder(user) -> QuerySet[NamedFund]:
    if not getattr(user, "pk", None):
        return NamedFund.objects.none()
    return NamedFund.objects.filter(founder_user_id=user.pk).select_related("charity")


# ---------------------------------------------------------------- officers' views


@dataclass
class DueRow:
    campaign: Campaign | None
    charity: Charity
    kind: str
    due_on: dt.date
    done_on: dt.date | None
    status: str


def dues_for(user, *, today: dt.date | None = None) -> list[DueRow]:
    """What each campaign and organisation in scope owes the public, due or overdue (and
    what was done), by 民政部令第81号."""
    today = today or timezone.localdate()
    rows: list[DueRow] = []
    campaigns = campaigns_for(user).exclude(state__in=[CampaignState.DRAFT, CampaignState.FILED])
    disclosures: dict[int, list[Disclosure]] = {}
    for d in Disclosure.objects.filter(campaign__in=campaigns).order_by("published_on"):
        disclosures.setdefault(d.campaign_id, []).append(d)
    for c in campaigns:
        made = disclosures.get(c.pk, [])
        for due in rules.campaign_dues(
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            closed_on=c.closed_on,
            periodic_done=[d.published_on for d in made if d.kind == Disclosure.Kind.PERIODIC],
            final_done=next(
                (d.published_on for d in made if d.kind == Disclosure.Kind.FINAL), None
            ),
        ):
            if due.kind == "final" and c.state == CampaignState.OPEN and due.due_on > today:
                continue
            rows.append(DueRow(c, c.charity, due.kind, due.due_on, due.done_on, due.status(today)))
    reports = {(r.charity_id, r.year): r.published_on for r in AnnualReport.objects.all()}
    for charity in charities_for(user):
        for year in range(max(charity.recognised_on.year, today.year - 2), today.year):
            due_on = rules.annual_report_due(year)
            done = reports.get((charity.pk, year))
            rows.append(
                DueRow(
                    None,
                    charity,
                    "annual",
                    due_on,
                    done,
                    rules.Due("annual", due_on, done).status(today),
                )
            )
    rows.sort(key=lambda r: ({"overdue": 0, "due": 1, "done": 2}[r.status], r.due_on))
    return rows


def raised_by_month(user, *, campaign: Campaign | None = None) -> list[dict]:
    qs = donations_for(user)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return [
        {
            "month": r["m"].strftime("%Y-%m") if hasattr(r["m"], "strftime") else str(r["m"])[:7],
            "amount": _q(r["s"]),
        }
        for r in qs.annotate(m=TruncMonth("received_on"))
        .values("m")
        .annotate(s=Sum("amount"))
        .order_by("m")
    ]


def raised_by_campaign_month(user) -> dict:
    """{"months": [...], "series": [{"name": campaign title, "data": [amount per month]}]}:
    what each campaign in scope raised month by month (ECharts lines)."""
    rows = list(
        donations_for(user)
        .filter(campaign__isnull=False)
        .annotate(m=TruncMonth("received_on"))
        .values("m", "campaign__title")
        .annotate(s=Sum("amount"))
        .order_by("m")
    )
    months = sorted({str(r["m"])[:7] for r in rows})
    series: dict[str, dict[str, str]] = {}
    for r in rows:
        series.setdefault(r["campaign__title"], {})[str(r["m"])[:7]] = str(_q(r["s"]))
    return {
        "months": months,
        "series": [
            {"name": name, "data": [by.get(m, "0.00") for m in months]}
            for name, by in sorted(series.items())
        ],
    }


def raised_by_donor_kind(user) -> list[dict]:
    labels = {"person": "个人", "organisation": "单位", "anonymous": "匿名"}
    qs = donations_for(user)
    rows = qs.aggregate(
        person=Sum("amount", filter=Q(donor_kind="person", anonymous=False)),
        organisation=Sum("amount", filter=Q(donor_kind="organisation", anonymous=False)),
        anonymous=Sum("amount", filter=Q(anonymous=True)),
    )
    return [{"kind": k, "label": labels[k], "amount": _q(v)} for k, v in rows.items()]


def spending_by_purpose(user) -> list[dict]:
    labels = dict(Purpose.choices)
    return [
        {"purpose": r["purpose"], "label": str(labels[r["purpose"]]), "amount": _q(r["s"])}
        for r in spendings_for(user)
        .filter(state=SpendingState.APPROVED)
        .values("purpose")
        .annotate(s=Sum("amount"))
        .order_by("purpose")
    ]


def fund_balances(user) -> list[dict]:
    """Every restricted and unrestricted fund in scope with its ledger balance."""
    rows = []
    for c in campaigns_for(user):
        rows.append({"name": c.title, "kind": "campaign", "code": fund_account(campaign=c)})
    for f in funds_for(user):
        rows.append({"name": f.name, "kind": "fund", "code": fund_account(fund=f)})
    for ch in charities_for(user):
        rows.append(
            {
                "name": f"{ch.name} 非限定性资金",
                "kind": "unrestricted",
                "code": fund_account(charity=ch),
            }
        )
    balances = ledger_q.account_balances(r["code"] for r in rows)
    for r in rows:
        r["balance"] = _q(balances.get(r["code"], ZERO))
    return rows


def campaign_detail(*, user, pk) -> Campaign:
    return get_in_scope_or_404(campaigns_for(user), user, pk=pk)


def fund_detail(*, user, pk) -> NamedFund:
    return get_in_scope_or_404(funds_for(user), user, pk=pk)


def spending_detail(*, user, pk) -> Spending:
    return get_in_scope_or_404(spendings_for(user), user, pk=pk)


def receipt_detail(*, user, pk) -> Receipt:
    return get_in_scope_or_404(receipts_for(user), user, pk=pk)
