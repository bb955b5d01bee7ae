"""Staff pages of the funeral fee exemption: services recorded (list, record, detail) and
monthly settlements (overview, statement with downloads, settle, reverse). Thin: parse,
call a selector or a service, render. Every read goes through the scoped selectors."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core import audit
from minzheng.core.forms_util import add_service_errors
from minzheng.core.validators import EARLIEST_EVENT_DATE, as_id, validate_event_date
from minzheng.core.views import staff_required
from minzheng.programs import selectors as programs_q

from . import selectors, services, statements
from .forms import ReverseForm, ServiceForm, VoidForm
from .rules import ITEMS


def _month(value: str | None) -> dt.date | None:
    try:
        return validate_event_date(dt.datetime.strptime(value or "", "%Y-%m").date())
    except (ValueError, ValidationError):  # 9999-12 has no next month to count up to
        return None


@staff_required
@permission_required("funeral.view_servicerecord", raise_exception=True)
def service_list(request):
    homes = selectors.homes_for(request.user)
    home_id = request.GET.get("home") or ""
    month = _month(request.GET.get("month"))
    status = request.GET.get("status", selectors.STATUS_LIVE)
    qs = selectors.service_list(
        user=request.user,
        home_id=as_id(home_id),
        month=month,
        status=status,
    )
    # Totals count live records only, whatever the filter shows.
    count, total = services.month_totals(qs.live())
    return render(
        request,
        "funeral/service_list.html",
        {
            "page": Paginator(qs, 50).get_page(request.GET.get("page")),
            "homes": homes,
            "home_id": home_id,
            "month": request.GET.get("month", ""),
            "status": status,
            "statuses": (
                (selectors.STATUS_LIVE, _("有效记录")),
                (selectors.STATUS_VOIDED, _("已作废")),
                (selectors.STATUS_ALL, _("全部")),
            ),
            "count": count,
            "total": total,
            "own_home": selectors.home_of(request.user),
        },
    )


def _service_input(form: ServiceForm) -> services.ServiceInput:
    d = form.cleaned_data
    return services.ServiceInput(
        home_id=int(d["home"]),
        deceased_name=d["deceased_name"],
        deceased_id_number=d["deceased_id_number"],
        death_date=d["death_date"],
        service_date=d["service_date"],
        quantities=form.quantities(),
        hukou_division_code=d.get("hukou_division") or "",
        family_contact=d.get("family_contact") or "",
        idempotency_key=d.get("idempotency_key") or "",
    )


@staff_required
@permission_required("funeral.add_servicerecord", raise_exception=True)
def service_new(request):
    """Record at the funeral home: find the deceased, choose items, see the waived total, save."""
    homes = list(selectors.homes_for(request.user).filter(is_active=True))
    quote = None
    if request.method == "POST":
        form = ServiceForm(request.POST, homes=homes)
        if form.is_valid():
            data = _service_input(form)
            try:
                if request.POST.get("action") == "save":
                    record = services.service_record(actor=request.user, data=data)
                    messages.success(
                        request,
                        _("已登记并免除 %(a)s 元（%(n)s）。")
                        % {"a": record.amount, "n": record.application.number},
                    )
                    return redirect("funeral:service", pk=record.pk)
                quote = services.service_prepare(actor=request.user, data=data)
            except ValidationError as exc:
                add_service_errors(form, exc)
    else:
        today = timezone.localdate()
        form = ServiceForm(
            homes=homes,
            initial={
                "idempotency_key": uuid.uuid4().hex,
                "service_date": today,
                "home": homes[0].pk if homes else "",
            },
        )
    return render(
        request, "funeral/service_new.html", {"form": form, "quote": quote, "items": ITEMS}
    )


@staff_required
@permission_required("funeral.view_servicerecord", raise_exception=True)
def service_detail(request, pk: int):
    record = selectors.service_detail(user=request.user, pk=pk)
    return _render_detail(request, record, VoidForm())


def _render_detail(request, record, void_form: VoidForm, status: int = 200):
    may_void = request.user.has_perm("funeral.void_servicerecord") and not record.is_voided
    return render(
        request,
        "funeral/service_detail.html",
        {
            "record": record,
            "decision": programs_q.current_decision(application=record.application),
            "void_form": void_form,
            "can_void": may_void and record.settlement_id is None,
            # Allowed to void, but settled: the page says to reverse the settlement first.
            "void_needs_reversal": may_void and record.settlement_id is not None,
        },
        status=status,
    )


@require_POST
@staff_required
@permission_required("funeral.void_servicerecord", raise_exception=True)
def service_void(request, pk: int):
    """Void (作废) an unsettled record, from the confirmation form on its detail page."""
    record = selectors.service_detail(user=request.user, pk=pk)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            services.service_void(
                actor=request.user, record=record, reason=form.cleaned_data["reason"]
            )
        except services.ServiceVoidConflict as exc:  # settled or voided meanwhile
            messages.error(request, "；".join(exc.messages))
            return redirect("funeral:service", pk=record.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已作废 %(n)s，该记录不再计入结算和统计。") % {"n": record.application.number},
            )
            return redirect("funeral:service", pk=record.pk)
    return _render_detail(request, record, form, status=400)


@staff_required
@permission_required("funeral.view_settlement", raise_exception=True)
def settlement_list(request):
    year = timezone.localdate().year
    asked = as_id(request.GET.get("year"))
    if asked:
        # Years of the platform's date window only (core.validators): year 99999 is no date.
        year = min(max(asked, EARLIEST_EVENT_DATE.year), year + 5)
    rows = selectors.month_overview(user=request.user, year=year)
    reversed_ = selectors.settlements_for(request.user).filter(month__year=year, status="reversed")
    return render(
        request,
        "funeral/settlement_list.html",
        {
            "rows": rows,
            "year": year,
            "reversed_settlements": reversed_,
            "years": range(timezone.localdate().year, 2019, -1),
        },
    )


def _statement(request, home_id: int, month: str):
    home = selectors.home_detail(user=request.user, pk=home_id)
    first = _month(month)
    if first is None:
        raise Http404
    return statements.statement_for(home=home, month=first)


@staff_required
@permission_required("funeral.view_settlement", raise_exception=True)
def statement(request, home_id: int, month: str):
    st = _statement(request, home_id, month)
    can_settle = (
        request.user.has_perm("funeral.add_settlement")
        and st.settlement is None
        and st.count
        and services.next_month(st.month) <= timezone.localdate()
        and any(s.settlement_id is None for s in st.services)
    )
    return render(
        request,
        "funeral/statement.html",
        {
            "st": st,
            "items": ITEMS,
            "month": month,
            "can_settle": can_settle,
            "reverse_form": ReverseForm(),
            "can_reverse": st.settlement is not None
            and request.user.has_perm("funeral.reverse_settlement"),
            "history": st.home.settlements.filter(month=st.month).order_by("revision"),
        },
    )


def _download(request, home_id: int, month: str, kind: str):
    st = _statement(request, home_id, month)
    audit.record(
        actor=request.user,
        action=audit.Action.EXPORT,
        target=st.home,
        summary=f"导出结算单 {st.home.name} {month} {kind}",
    )
    if kind == "xlsx":
        content, ctype = (
            statements.statement_xlsx(st),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        content, ctype = statements.statement_pdf(st), "application/pdf"
    response = HttpResponse(content, content_type=ctype)
    response["Content-Disposition"] = (
        f'attachment; filename="funeral-settlement-{home_id}-{month}.{kind}"'
    )
    return response


@staff_required
@permission_required("funeral.view_settlement", raise_exception=True)
def statement_xlsx(request, home_id: int, month: str):
    return _download(request, home_id, month, "xlsx")


@staff_required
@permission_required("funeral.view_settlement", raise_exception=True)
def statement_pdf(request, home_id: int, month: str):
    return _download(request, home_id, month, "pdf")


@require_POST
@staff_required
@permission_required("funeral.add_settlement", raise_exception=True)
def statement_settle(request, home_id: int, month: str):
    st = _statement(request, home_id, month)
    try:
        settlement = services.settlement_post(actor=request.user, home=st.home, month=st.month)
        messages.success(
            request,
            _("已结算入账：%(n)s 人，%(t)s 元。")
            % {"n": settlement.service_count, "t": settlement.total},
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    return redirect("funeral:statement", home_id=home_id, month=month)


@require_POST
@staff_required
@permission_required("funeral.reverse_settlement", raise_exception=True)
def statement_reverse(request, home_id: int, month: str):
    st = _statement(request, home_id, month)
    form = ReverseForm(request.POST)
    if st.settlement is None:
        messages.error(request, _("该月尚未结算。"))
    elif form.is_valid():
        try:
            services.settlement_reverse(
                actor=request.user, settlement=st.settlement, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("已冲销该月结算，可更正后重新结算。"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, _("请填写冲销原因。"))
    return redirect("funeral:statement", home_id=home_id, month=month)
