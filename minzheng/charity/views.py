"""Charity pages: the organisation's workbench, the officers' supervision, and the public
and founders' pages on the portal. Thin: parse, call a service or selector, render."""

from __future__ import annotations

import io
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core import audit
from minzheng.core.forms_util import add_service_errors
from minzheng.core.views import staff_required
from minzheng.portal.decorators import resident_required

from . import imports, selectors, services
from .forms import (
    CampaignForm,
    DisclosureForm,
    DonationForm,
    FundForm,
    ImportForm,
    ReasonForm,
    SpendingForm,
    designation_choices,
    split_designation,
)
from .workflows import CAMPAIGN


def _own_or_refuse(request):
    """The organisation of the signed-in staff, or None with a message (officers)."""
    charity = selectors.charity_of(request.user)
    if charity is None:
        messages.error(request, _("只有慈善组织的工作人员可以办理此项业务。"))
    return charity


def _choices(user):
    return designation_choices(
        selectors.campaigns_for(user).filter(state__in=["open", "closed"]),
        selectors.funds_for(user),
    )


# ---------------------------------------------------------------- workbench


@staff_required
@permission_required("charity.view_campaign", raise_exception=True)
def workbench(request):
    user = request.user
    today = timezone.localdate()
    dues = [d for d in selectors.dues_for(user, today=today) if d.status != "done"]
    return render(
        request,
        "charity/workbench.html",
        {
            "charity": selectors.charity_of(user),
            "charities": selectors.charities_for(user)[:50],
            "campaigns": selectors.campaigns_for(user)[:100],
            "funds": selectors.funds_for(user)[:100],
            "dues": dues[:50],
            "balances": selectors.fund_balances(user),
        },
    )


@staff_required
@permission_required("charity.add_campaign", raise_exception=True)
def campaign_new(request):
    charity = _own_or_refuse(request)
    if charity is None:
        return redirect("charity:workbench")
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            campaign = services.campaign_create(
                actor=request.user, charity=charity, data=services.CampaignInput(**d)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("charity:campaign_detail", campaign.pk)
    return render(request, "charity/form.html", {"form": form, "title": _("新建募捐活动/慈善项目")})


@staff_required
@permission_required("charity.view_campaign", raise_exception=True)
def campaign_detail(request, campaign_id: int):
    campaign = selectors.campaign_detail(user=request.user, pk=campaign_id)
    own = selectors.charity_of(request.user)
    return render(
        request,
        "charity/campaign_detail.html",
        {
            "campaign": campaign,
            "figures": selectors.campaign_figures(campaign),
            "moves": [m for m in CAMPAIGN.allowed(campaign.state) if m.name != "report"]
            if own == campaign.charity
            else [],
            "can_act": own == campaign.charity,
            "donations": selectors.donations_for(request.user).filter(campaign=campaign)[:50],
            "spendings": selectors.spendings_for(request.user).filter(campaign=campaign)[:50],
            "disclosures": selectors.latest_disclosures(campaign),
            "disclosure_form": DisclosureForm(),
            "transitions": campaign.transitions.select_related("actor"),
        },
    )


@require_POST
@staff_required
@permission_required("charity.change_campaign", raise_exception=True)
def campaign_move(request, campaign_id: int):
    campaign = selectors.campaign_detail(user=request.user, pk=campaign_id)
    try:
        services.campaign_move(
            actor=request.user,
            campaign=campaign,
            name=request.POST.get("name", ""),
            filing_number=request.POST.get("filing_number", "")[:40],
            reason=request.POST.get("reason", "")[:200],
        )
        messages.success(request, _("已办理。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("charity:campaign_detail", campaign.pk)


@require_POST
@staff_required
@permission_required("charity.add_disclosure", raise_exception=True)
def disclosure_publish(request, campaign_id: int):
    campaign = selectors.campaign_detail(user=request.user, pk=campaign_id)
    form = DisclosureForm(request.POST)
    if form.is_valid():
        try:
            services.disclosure_publish(
                actor=request.user,
                campaign=campaign,
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("信息公开已发布。"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, _("请选择公开类型。"))
    return redirect("charity:campaign_detail", campaign.pk)


# ---------------------------------------------------------------- donations and receipts


@staff_required
@permission_required("charity.view_donation", raise_exception=True)
def donation_list(request):
    qs = selectors.donations_for(request.user)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(donor_name__contains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "charity/donation_list.html", {"page": page, "q": q})


@staff_required
@permission_required("charity.add_donation", raise_exception=True)
def donation_new(request):
    charity = _own_or_refuse(request)
    if charity is None:
        return redirect("charity:workbench")
    choices = _choices(request.user)
    form = DonationForm(
        request.POST or None,
        choices=choices,
        initial={"idempotency_key": secrets.token_urlsafe(16), "received_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        campaign_id, fund_id = split_designation(d["designation"])
        try:
            donation, _created = services.donation_record(
                actor=request.user,
                data=services.DonationInput(
                    amount=d["amount"],
                    method=d["method"],
                    donor_name=d["donor_name"],
                    donor_kind=d["donor_kind"],
                    received_on=d["received_on"],
                    campaign_id=campaign_id,
                    fund_id=fund_id,
                    charity_id=None if campaign_id or fund_id else charity.pk,
                    anonymous=d["anonymous"],
                    donor_id_number=d["donor_id_number"],
                    donor_credit_code=d["donor_credit_code"],
                    item=d["item"],
                    quantity=d["quantity"] or None,
                    unit=d["unit"],
                    valuation_basis=d["valuation_basis"],
                ),
                idempotency_key=d["idempotency_key"] or None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            receipt = donation.receipts.filter(voided_at__isnull=True).first()
            messages.success(
                request,
                _("已登记捐赠 %(a)s 元。") % {"a": donation.amount}
                + (_("票据号码 %(n)s。") % {"n": receipt.number} if receipt else ""),
            )
            return redirect("charity:donations")
    return render(request, "charity/form.html", {"form": form, "title": _("登记捐赠")})


@staff_required
@permission_required("charity.import_donations", raise_exception=True)
def donation_import(request):
    charity = _own_or_refuse(request)
    if charity is None:
        return redirect("charity:workbench")
    form = ImportForm(request.POST or None, request.FILES or None, choices=_choices(request.user))
    if request.method == "POST" and form.is_valid():
        campaign_id, fund_id = split_designation(form.cleaned_data["designation"])
        upload = form.cleaned_data["file"]
        try:
            job = imports.statement_import_start(
                actor=request.user,
                charity=charity,
                filename=upload.name,
                content=upload.read(),
                campaign_id=campaign_id,
                fund_id=fund_id,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("core:job", job.pk)
    return render(
        request,
        "charity/form.html",
        {
            "form": form,
            "title": _("导入银行流水"),
            "multipart": True,
            "help": _(
                "第一行为表头：交易日期*、付款人*、金额*、交易流水号*，可选：付款人类型、证件号码、"
                "统一社会信用代码、指定项目、匿名。任何一行有错，整个文件都不导入。"
            ),
        },
    )


@staff_required
@permission_required("charity.import_donations", raise_exception=True)
def import_template(request):
    response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="charity-statement-template.csv"'
    return response


@staff_required
@permission_required("charity.view_receipt", raise_exception=True)
def receipt_list(request):
    page = Paginator(selectors.receipts_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "charity/receipt_list.html", {"page": page})


@staff_required
@permission_required("charity.view_receipt", raise_exception=True)
def receipt_pdf(request, receipt_id: int):
    receipt = selectors.receipt_detail(user=request.user, pk=receipt_id)
    response = HttpResponse(services.receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{receipt.number}.pdf"'
    return response


@staff_required
@permission_required("charity.void_receipt", raise_exception=True)
def receipt_void(request, receipt_id: int):
    receipt = selectors.receipt_detail(user=request.user, pk=receipt_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.receipt_void_and_reissue(
                actor=request.user,
                receipt=receipt,
                reason=form.cleaned_data["reason"],
                donor_name=form.cleaned_data["donor_name"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("票据 %(o)s 已作废，重开 %(n)s。") % {"o": receipt.number, "n": new.number},
            )
            return redirect("charity:receipts")
    return render(
        request,
        "charity/form.html",
        {"form": form, "title": _("作废并重开票据 %(n)s") % {"n": receipt.number}},
    )


# ---------------------------------------------------------------- spending


@staff_required
@permission_required("charity.view_spending", raise_exception=True)
def spending_list(request):
    page = Paginator(selectors.spendings_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "charity/spending_list.html", {"page": page})


@staff_required
@permission_required("charity.add_spending", raise_exception=True)
def spending_new(request):
    charity = _own_or_refuse(request)
    if charity is None:
        return redirect("charity:workbench")
    form = SpendingForm(
        request.POST or None,
        request.FILES or None,
        choices=_choices(request.user),
        initial={"idempotency_key": secrets.token_urlsafe(16), "spent_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        campaign_id, fund_id = split_designation(d["designation"])
        try:
            spending = services.spending_request(
                actor=request.user,
                data=services.SpendingInput(
                    purpose=d["purpose"],
                    description=d["description"],
                    amount=d["amount"],
                    payee_name=d["payee_name"],
                    spent_on=d["spent_on"],
                    campaign_id=campaign_id,
                    fund_id=fund_id,
                    charity_id=None if campaign_id or fund_id else charity.pk,
                    beneficiary_count=d["beneficiary_count"] or 0,
                    beneficiary_note=d["beneficiary_note"],
                ),
                idempotency_key=d["idempotency_key"] or None,
                documents=[d["document"]] if d.get("document") else [],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("charity:spending_detail", spending.pk)
    return render(
        request, "charity/form.html", {"form": form, "title": _("支出申请"), "multipart": True}
    )


@staff_required
@permission_required("charity.view_spending", raise_exception=True)
def spending_detail(request, spending_id: int):
    from minzheng.core.models import Attachment

    spending = selectors.spending_detail(user=request.user, pk=spending_id)
    own = selectors.charity_of(request.user)
    return render(
        request,
        "charity/spending_detail.html",
        {
            "s": spending,
            "can_decide": own == spending.charity
            and spending.state == "requested"
            and spending.requested_by_id != request.user.pk
            and request.user.has_perm("charity.approve_spending"),
            "documents": Attachment.objects.filter(
                content_type__app_label="charity",
                content_type__model="spending",
                object_id=str(spending.pk),
            ),
            "transitions": spending.transitions.select_related("actor"),
        },
    )


@require_POST
@staff_required
@permission_required("charity.approve_spending", raise_exception=True)
def spending_decide(request, spending_id: int):
    spending = selectors.spending_detail(user=request.user, pk=spending_id)
    try:
        if request.POST.get("decision") == "reject":
            services.spending_reject(
                actor=request.user, spending=spending, reason=request.POST.get("reason", "")[:200]
            )
            messages.success(request, _("已退回。"))
        else:
            services.spending_approve(actor=request.user, spending=spending)
            messages.success(request, _("已批准支出并记账。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("charity:spending_detail", spending.pk)


# ---------------------------------------------------------------- named funds


@staff_required
@permission_required("charity.add_namedfund", raise_exception=True)
def fund_new(request):
    charity = _own_or_refuse(request)
    if charity is None:
        return redirect("charity:workbench")
    form = FundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fund = services.fund_create(
                actor=request.user, charity=charity, data=services.FundInput(**form.cleaned_data)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("charity:fund_detail", fund.pk)
    return render(request, "charity/form.html", {"form": form, "title": _("设立冠名基金")})


@staff_required
@permission_required("charity.view_namedfund", raise_exception=True)
def fund_detail(request, fund_id: int):
    fund = selectors.fund_detail(user=request.user, pk=fund_id)
    return render(
        request,
        "charity/fund_statement.html",
        {"st": selectors.fund_statement(fund), "base": "core/base.html"},
    )


# ---------------------------------------------------------------- officers' views


@staff_required
@permission_required("charity.view_donation", raise_exception=True)
def stats(request):
    user = request.user
    by_month = selectors.raised_by_month(user)
    by_kind = selectors.raised_by_donor_kind(user)
    by_purpose = selectors.spending_by_purpose(user)
    chart = {
        "months": [r["month"] for r in by_month],
        "raised": [str(r["amount"]) for r in by_month],
        "kinds": [{"name": r["label"], "value": str(r["amount"])} for r in by_kind],
        "purposes": [{"name": r["label"], "value": str(r["amount"])} for r in by_purpose],
        "campaigns": selectors.raised_by_campaign_month(user),
    }
    return render(
        request,
        "charity/stats.html",
        {
            "by_month": by_month,
            "by_kind": by_kind,
            "by_purpose": by_purpose,
            "balances": selectors.fund_balances(user),
            "chart": chart,
        },
    )


EXPORTS = {
    "donations": (
        ["收到日期", "捐赠人", "类型", "匿名", "方式", "金额", "募捐活动", "冠名基金", "流水号"],
        lambda user: (
            [
                d.received_on.isoformat(),
                d.donor_name,
                d.get_donor_kind_display(),
                "是" if d.anonymous else "否",
                d.get_method_display(),
                d.amount,
                d.campaign.title if d.campaign else "",
                d.fund.name if d.fund else "",
                d.reference,
            ]
            for d in selectors.donations_for(user).iterator(chunk_size=2000)
        ),
    ),
    "spendings": (
        ["支出日期", "用途", "说明", "金额", "收款方", "受益人数", "状态", "募捐活动", "冠名基金"],
        lambda user: (
            [
                s.spent_on.isoformat(),
                s.get_purpose_display(),
                s.description,
                s.amount,
                s.payee_name,
                s.beneficiary_count,
                s.get_state_display(),
                s.campaign.title if s.campaign else "",
                s.fund.name if s.fund else "",
            ]
            for s in selectors.spendings_for(user)
        ),
    ),
    "receipts": (
        ["票据号码", "开票日期", "捐赠人", "项目", "金额", "金额大写", "状态"],
        lambda user: (
            [
                r.number,
                r.issued_on.isoformat(),
                r.donor_name,
                r.project,
                r.amount,
                r.amount_in_words,
                "已作废" if r.voided_at else "有效",
            ]
            for r in selectors.receipts_for(user).iterator(chunk_size=2000)
        ),
    ),
    "campaigns": (
        ["名称", "组织", "类型", "备案编号", "开始", "结束", "目标", "状态"],
        lambda user: (
            [
                c.title,
                c.charity.name,
                c.get_kind_display(),
                c.filing_number,
                c.starts_on.isoformat(),
                c.ends_on.isoformat(),
                c.target,
                c.get_state_display(),
            ]
            for c in selectors.campaigns_for(user)
        ),
    ),
}


@staff_required
@permission_required("charity.export_charity", raise_exception=True)
def export(request, what: str):
    from openpyxl import Workbook

    if what not in EXPORTS:
        raise Http404
    header, rows = EXPORTS[what]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(what)
    ws.append(header)
    for row in rows(request.user):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    audit.record(actor=request.user, action=audit.Action.EXPORT, summary=f"导出慈善 {what}")
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="charity-{what}.xlsx"'
    return response


# ---------------------------------------------------------------- portal (public)


def portal_home(request):
    campaigns = list(selectors.public_campaigns()[:50])
    return render(
        request,
        "charity/portal_home.html",
        {
            "campaigns": campaigns,
            "is_founder": request.user.is_authenticated
            and selectors.funds_of_founder(request.user).exists(),
        },
    )


def portal_campaign(request, campaign_id: int):
    campaign = selectors.public_campaign(campaign_id)
    return render(
        request,
        "charity/portal_campaign.html",
        {
            "campaign": campaign,
            "f": selectors.campaign_figures(campaign),
            "donors": selectors.public_donors(campaign),
            "spendings": selectors.public_spendings(campaign),
            "disclosures": selectors.latest_disclosures(campaign)[:10],
        },
    )


@resident_required
def portal_funds(request):
    return render(
        request, "charity/portal_funds.html", {"funds": selectors.funds_of_founder(request.user)}
    )


@resident_required
def portal_fund(request, fund_id: int):
    fund = selectors.funds_of_founder(request.user).filter(pk=fund_id).first()
    if fund is None:
        raise Http404
    return render(
        request,
        "charity/fund_statement.html",
        {"st": selectors.fund_statement(fund), "base": "portal/base.html"},
    )
