"""Public disclosure: the due dates of 民政部令第81号 and the published entries computed from the
records.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.permissions import require_perm

from ..models import (
    AnnualReport,
    Campaign,
    CampaignState,
    Charity,
    Disclosure,
)
from ..workflows import CAMPAIGN
from .funds import _require_own


def disclosure_publish(
    *,
    actor,
    campaign: Campaign,
    kind: str,
    as_of: dt.date | None = None,
    note: str = "",
    on: dt.date | None = None,
) -> Disclosure:
    """Publish the campaign's figures as computed from the records now. A final disclosure
    needs the campaign closed and says what was done with the money left over; it moves
    the campaign to 已公开结项报告."""
    from .. import selectors

    require_perm(actor, "charity.add_disclosure")
    _require_own(actor, campaign.charity, "campaign")
    today = timezone.localdate()
    on = on or today  # the day it was published (earlier only when loading past records)
    as_of = as_of or on
    errors = {}
    if on > today:
        errors["on"] = _("公开日期不能晚于今天。")
    if kind not in Disclosure.Kind.values:
        errors["kind"] = _("请选择公开类型。")
    if campaign.state in (CampaignState.DRAFT, CampaignState.FILED):
        errors["campaign"] = _("募捐活动尚未开始，无需公开。")
    if kind == Disclosure.Kind.FINAL:
        if campaign.state != CampaignState.CLOSED:
            errors["kind"] = _("结项公开须在募捐活动结束后发布。")
        if not (note or "").strip():
            errors["note"] = _("结项公开须说明剩余财产的处理情况。")
    if as_of > on:
        errors["as_of"] = _("截至日期不能晚于公开日期。")
    if errors:
        raise ValidationError(errors)
    figures = selectors.campaign_figures(campaign, as_of=as_of).as_json()
    with transaction.atomic():
        disclosure = Disclosure.objects.create(
            campaign=campaign,
            division_id=campaign.division_id,
            kind=kind,
            as_of=as_of,
            published_on=on,
            figures=figures,
            note=(note or "").strip(),
            published_by=actor,
        )
        if kind == Disclosure.Kind.FINAL:
            Campaign.objects.filter(pk=campaign.pk).update(leftover_plan=note.strip())
            workflow.move(
                workflow=CAMPAIGN,
                obj=campaign,
                name="report",
                actor=actor,
                reason=_("发布结项公开"),
            )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=disclosure,
            summary=f"信息公开 {campaign.title}",
        )
    return disclosure


def annual_report_publish(
    *, actor, charity: Charity, year: int, summary: str = "", on: dt.date | None = None
) -> AnnualReport:
    require_perm(actor, "charity.add_disclosure")
    _require_own(actor, charity)
    today = timezone.localdate()
    on = min(on or today, today)
    if not 2000 <= year < today.year:
        raise ValidationError({"year": _("年度报告只能公开已经结束的年度。")})
    if AnnualReport.objects.filter(charity=charity, year=year).exists():
        raise ValidationError({"year": _("该年度报告已公开。")})
    with transaction.atomic():
        report = AnnualReport.objects.create(
            charity=charity,
            division_id=charity.division_id,
            year=year,
            published_on=on,
            summary=summary.strip(),
            published_by=actor,
        )
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=report, summary=f"公开 {year} 年度报告"
        )
    return report
