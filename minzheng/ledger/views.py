"""Ledger pages: accounts with balances, statements, entries, funding and reversal."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from minzheng.core.forms_util import add_service_errors
from minzheng.core.scope import get_in_scope_or_404
from minzheng.core.views import staff_required

from . import selectors, services
from .forms import FundBudgetForm, ReverseForm
from .models import Account, JournalEntry


@staff_required
@permission_required("ledger.view_account", raise_exception=True)
def account_list(request):
    accounts = selectors.accounts_for(request.user).select_related("division")
    problems = (
        selectors.trial_balance_problems()
        if request.user.has_perm("ledger.view_journalentry")
        else []
    )
    return render(request, "ledger/account_list.html", {"accounts": accounts, "problems": problems})


@staff_required
@permission_required("ledger.view_account", raise_exception=True)
def account_detail(request, account_id: int):
    account = get_in_scope_or_404(Account.objects.all(), request.user, pk=account_id)
    page = Paginator(selectors.account_statement(account=account), 100).get_page(
        request.GET.get("page")
    )
    labels = selectors.party_labels(line.party for line in page)
    for line in page:
        line.party_label = labels.get(line.party, "")
    return render(request, "ledger/account_detail.html", {"account": account, "page": page})


@staff_required
@permission_required("ledger.view_journalentry", raise_exception=True)
def entry_list(request):
    page = Paginator(selectors.entries_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "ledger/entry_list.html", {"page": page})


@staff_required
@permission_required("ledger.view_journalentry", raise_exception=True)
def entry_detail(request, entry_id: int):
    entry = get_in_scope_or_404(
        JournalEntry.objects.select_related("reverses", "created_by"), request.user, pk=entry_id
    )
    form = ReverseForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("ledger.reverse_journalentry"):
            messages.error(request, _("您的角色没有冲销权限。"))
        elif form.is_valid():
            try:
                reversal = services.entry_reverse(
                    actor=request.user, entry=entry, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已生成冲销凭证 %(n)s。") % {"n": reversal.number})
                return redirect("ledger:entry_detail", entry_id=reversal.pk)
    lines = list(entry.lines.select_related("account"))
    labels = selectors.party_labels(line.party for line in lines)
    for line in lines:
        line.party_label = labels.get(line.party, "")
    return render(
        request,
        "ledger/entry_detail.html",
        {
            "entry": entry,
            "lines": lines,
            "form": form,
            "reversed_by": JournalEntry.objects.filter(reverses=entry).first(),
        },
    )


@staff_required
@permission_required("ledger.add_journalentry", raise_exception=True)
def fund(request):
    accounts = selectors.accounts_for(request.user).filter(kind__in=Account.NON_NEGATIVE)
    form = FundBudgetForm(
        request.POST or None, accounts=accounts, initial={"key": uuid.uuid4().hex}
    )
    if request.method == "POST" and form.is_valid():
        account = get_in_scope_or_404(
            Account.objects.all(), request.user, code=form.cleaned_data["account"]
        )
        try:
            entry = services.budget_fund(
                actor=request.user,
                account=account,
                amount=form.cleaned_data["amount"],
                memo=form.cleaned_data["memo"],
                idempotency_key=request.POST.get("key") or uuid.uuid4().hex,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已拨款，凭证 %(n)s。") % {"n": entry.number})
            return redirect("ledger:account_detail", account_id=account.pk)
    return render(request, "ledger/fund.html", {"form": form, "key": uuid.uuid4().hex})
