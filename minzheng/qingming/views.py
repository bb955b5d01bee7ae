"""Qingming pages: the resident's booking journey on the portal, and the staff pages (live
view, season report, bookings, counter booking, gate scanning, 代客祭扫, moderation).
Thin: parse, call a service or selector, render."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict

import segno
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core.context import client_ip
from minzheng.core.forms_util import add_service_errors
from minzheng.core.models import Attachment
from minzheng.core.scope import get_in_scope_or_404, scope_queryset
from minzheng.core.validators import as_id, parse_event_date
from minzheng.core.views import staff_required
from minzheng.portal.decorators import resident_required

from . import params as qparams
from . import ratelimit, rules, selectors, services
from .forms import (
    BookingForm,
    CounterBookingForm,
    MemorialForm,
    MessageForm,
    ProxySweepForm,
    ProxyUpdateForm,
)
from .models import Cemetery, Gate, Memorial, ProxySweep, Reservation, Season, Slot, Tribute


def _qr_svg(reservation: Reservation) -> str:
    return segno.make(services.qr_payload(reservation), error="m").svg_inline(
        scale=5, border=2, omitsize=True
    )


def _days_with_slots(
    *, cemetery: Cemetery, season: Season, now: dt.datetime
) -> list[tuple[dt.date, list[Slot]]]:
    """Bookable slots of the season from today, grouped by day (one page: day and slot)."""
    p = qparams.booking_params(division_code=cemetery.division_id, on=season.starts_on)
    days: dict[dt.date, list[Slot]] = defaultdict(list)
    for slot in Slot.objects.filter(
        cemetery=cemetery, season=season, is_open=True, date__gte=timezone.localdate(now)
    ).order_by("date", "starts_at"):
        start = dt.datetime.combine(slot.date, slot.starts_at, tzinfo=rules.CHINA)
        if start - dt.timedelta(minutes=p.close_minutes) > now:
            days[slot.date].append(slot)
    return list(days.items())


def _book_from_form(request, form, *, slot: Slot, **kwargs) -> Reservation | None:
    """Call the booking service with a valid form's data; service errors go onto the form."""
    d = form.cleaned_data
    visitor = services.VisitorInput(
        name=d["name"],
        id_number=d["id_number"],
        party_size=d["party_size"],
        plate=d["plate"],
        phone=d.get("phone", ""),
    )
    try:
        return services.reservation_create(
            actor=request.user, slot_id=slot.pk, visitor=visitor, **kwargs
        )[0]
    except ValidationError as exc:
        add_service_errors(form, exc)
    except services.BookingConflict as exc:
        form.add_error(None, exc.message)
    return None


# ---------------------------------------------------------------- resident portal


def _season_states(seasons: list[Season], now: dt.datetime) -> list[dict]:
    """Each season with what a visitor may do now: book (open), wait for the opening
    (not yet open: the opening time is shown, no slot buttons, no form) or nothing (ended)."""
    today = timezone.localdate(now)
    return [
        {
            "season": s,
            "ended": s.ends_on < today,
            "open": s.booking_opens_at <= now and s.ends_on >= today,
            "opens_at": timezone.localtime(s.booking_opens_at, rules.CHINA),
        }
        for s in seasons
    ]


def portal_home(request):
    """Open to everyone: the seasons' dates and opening times; a resident also sees
    their bookings."""
    from minzheng.core.context_processors import ELDER_COOKIE

    resident = request.user.is_authenticated and request.user.kind == "resident"
    elder = request.COOKIES.get(ELDER_COOKIE) == "1"
    return render(
        request,
        "qingming/portal_home.html",
        {
            "bookings": selectors.my_reservations(request.user)[:20] if resident else [],
            "resident": resident,
            "seasons": _season_states(selectors.portal_seasons(), timezone.now()),
            # Elder mode: the cemeteries on this page, one step fewer than standard mode.
            "cemeteries": selectors.cemeteries().select_related("division") if elder else [],
        },
    )


def book_cemetery(request):
    """Open to everyone (a visitor sees where and when before signing in)."""
    return render(
        request,
        "qingming/book_cemetery.html",
        {
            "cemeteries": selectors.cemeteries().select_related("division"),
            "seasons": _season_states(selectors.portal_seasons(), timezone.now()),
        },
    )


def book_slot(request, cemetery_id: int):
    """Open to everyone: an open season's slots as buttons (the form itself needs a
    sign-in), a season not yet open as its dates and opening time only."""
    cemetery = get_object_or_404(Cemetery, pk=cemetery_id, is_active=True)
    now = timezone.now()
    seasons = _season_states(selectors.portal_seasons(), now)
    if not seasons:
        raise Http404
    for state in seasons:
        state["days"] = (
            _days_with_slots(cemetery=cemetery, season=state["season"], now=now)
            if state["open"]
            else []
        )
    return render(
        request,
        "qingming/book_slot.html",
        {"cemetery": cemetery, "seasons": seasons},
    )


@resident_required
def book_form(request, slot_id: int):
    slot = get_object_or_404(Slot.objects.select_related("cemetery", "season"), pk=slot_id)
    state = _season_states([slot.season], timezone.now())[0]
    if not state["open"]:  # a closed season shows as closed: no form to fill in vain
        return render(request, "qingming/book_closed.html", {"slot": slot, "state": state})
    p = qparams.booking_params(division_code=slot.cemetery.division_id, on=slot.date)
    profile = request.user.resident_profile
    initial = {
        "name": profile.real_name,
        "id_number": profile.id_number if profile.is_bound else "",
        "party_size": 1,
    }
    form = BookingForm(request.POST or None, initial=initial, party_max=p.party_max)
    if request.method == "POST" and form.is_valid():
        limited = ratelimit.BOOKING.hit(client_ip(request))
        if not limited.allowed:
            wait = limited.retry_after
            messages.error(request, ratelimit.message(wait))
            return render(
                request,
                "qingming/book_form.html",
                {"form": form, "slot": slot, "profile": profile},
                status=429,
            )
        r = _book_from_form(
            request, form, slot=slot, idempotency_key=request.POST.get("idempotency_key")
        )
        if r is not None:
            messages.success(request, _("预约成功！请截图保存二维码，入园时出示。"))
            return redirect("qingming:portal_booking", code=r.code)
    return render(
        request,
        "qingming/book_form.html",
        {
            "form": form,
            "slot": slot,
            "profile": profile,
            "idempotency_key": request.POST.get("idempotency_key") or secrets.token_urlsafe(16),
        },
    )


@resident_required
def portal_booking(request, code: str):
    r = get_object_or_404(
        Reservation.objects.select_related("slot", "cemetery"), code=code, booked_by=request.user
    )
    p = qparams.booking_params(division_code=r.cemetery.division_id, on=r.visit_date)
    deadline = dt.datetime.combine(
        r.visit_date, r.slot.starts_at, tzinfo=rules.CHINA
    ) - dt.timedelta(hours=p.cancel_hours)
    return render(
        request,
        "qingming/portal_booking.html",
        {
            "r": r,
            "qr": _qr_svg(r) if r.status == Reservation.Status.BOOKED else "",
            "short": rules.format_short_code(r.short_code),
            "deadline": deadline,
            "can_cancel": r.status == Reservation.Status.BOOKED and timezone.now() <= deadline,
        },
    )


@resident_required
@require_POST
def portal_cancel(request, code: str):
    r = get_object_or_404(
        Reservation.objects.select_related("slot", "cemetery"), code=code, booked_by=request.user
    )
    try:
        services.reservation_cancel(actor=request.user, reservation=r, reason=_("本人取消"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已取消预约，名额已释放。"))
    return redirect("qingming:portal_booking", code=r.code)


@resident_required
def proxy_new(request):
    cems = selectors.cemeteries()
    form = ProxySweepForm(request.POST or None, cemeteries=cems)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            sweep = services.proxy_sweep_request(
                actor=request.user,
                data=services.ProxySweepInput(
                    cemetery_id=d["cemetery"],
                    contact_name=d["contact_name"],
                    deceased_name=d["deceased_name"],
                    grave_location=d["grave_location"],
                    wish_date=d["wish_date"],
                ),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已提交代客祭扫申请。"))
            return redirect("qingming:proxy_detail", sweep_id=sweep.pk)
    mine = ProxySweep.objects.filter(requested_by=request.user).select_related("cemetery")[:20]
    return render(request, "qingming/proxy_new.html", {"form": form, "mine": mine})


def _sweep_photos(sweep: ProxySweep):
    return Attachment.objects.filter(
        content_type__app_label="qingming",
        content_type__model="proxysweep",
        object_id=str(sweep.pk),
        is_void=False,
    )


@resident_required
def proxy_detail(request, sweep_id: int):
    sweep = get_object_or_404(
        ProxySweep.objects.select_related("cemetery"), pk=sweep_id, requested_by=request.user
    )
    return render(
        request, "qingming/proxy_detail.html", {"sweep": sweep, "photos": _sweep_photos(sweep)}
    )


@resident_required
def proxy_photo(request, sweep_id: int, token: str):
    """The photo sent back to the family: only the requester's account may fetch it."""
    sweep = get_object_or_404(ProxySweep, pk=sweep_id, requested_by=request.user)
    photo = get_object_or_404(_sweep_photos(sweep), token=token)
    return FileResponse(photo.file.open("rb"), content_type=photo.content_type_header)


def memorial_list(request):
    return render(
        request,
        "qingming/memorial_list.html",
        {
            "memorials": Memorial.objects.filter(status=Memorial.Status.APPROVED)[:50],
            "form": MemorialForm() if getattr(request.user, "kind", "") == "resident" else None,
        },
    )


@resident_required
@require_POST
def memorial_new(request):
    form = MemorialForm(request.POST)
    if form.is_valid():
        try:
            services.memorial_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("纪念馆已提交，工作人员审核后公开。"))
    return redirect("qingming:memorial_list")


def memorial_detail(request, memorial_id: int):
    memorial = get_object_or_404(Memorial, pk=memorial_id, status=Memorial.Status.APPROVED)
    if request.method == "POST":
        if getattr(request.user, "kind", "") != "resident":
            return redirect(f"/portal/login/?next={request.path}")
        try:
            services.tribute_add(
                actor=request.user,
                memorial=memorial,
                kind=request.POST.get("kind", ""),
                text=request.POST.get("text", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(
                request,
                _("已献花。")
                if request.POST.get("kind") == "flower"
                else _("留言已提交，审核后公开。"),
            )
        return redirect("qingming:memorial_detail", memorial_id=memorial.pk)
    tributes = memorial.tributes.filter(status=Memorial.Status.APPROVED)
    return render(
        request,
        "qingming/memorial_detail.html",
        {
            "memorial": memorial,
            "flowers": tributes.filter(kind=Tribute.Kind.FLOWER).count(),
            "messages_list": tributes.filter(kind=Tribute.Kind.MESSAGE)[:50],
            "form": MessageForm(),
        },
    )


# ---------------------------------------------------------------- staff


@staff_required
@permission_required("qingming.view_reservation", raise_exception=True)
def staff_home(request):
    season = selectors.current_season()
    return render(
        request,
        "qingming/staff_home.html",
        {
            "season": season,
            "seasons": Season.objects.all(),
            "cemeteries": selectors.cemeteries(request.user).select_related("division"),
            "today_count": selectors.today_reservation_count(request.user),
        },
    )


def _live_day(request) -> tuple[dt.date, str]:
    """The day shown: ?date=, else today when a season covers it, else the current season's
    Qingming day (so the demo's simulated day shows outside the season)."""
    if request.GET.get("date"):
        try:
            return parse_event_date(request.GET["date"]), ""
        except ValidationError:
            pass
    today = timezone.localdate()
    season = selectors.current_season(today)
    if season is None or season.starts_on <= today <= season.ends_on:
        return today, ""
    day = timezone.localtime(season.qingming_at, rules.CHINA).date()
    return day, _("今天不在祭扫季内，显示%(season)s清明当天。") % {"season": season.name}


@staff_required
@permission_required("qingming.view_gatebucket", raise_exception=True)
def live(request):
    day, note = _live_day(request)
    rows, ratio = selectors.live_overview(user=request.user, day=day)
    ctx = {"rows": rows, "day": day, "note": note, "ratio_percent": int(ratio * 100)}
    if request.htmx:
        return render(request, "qingming/_live_table.html", ctx)
    return render(request, "qingming/live.html", ctx)


@staff_required
@permission_required("qingming.view_gatebucket", raise_exception=True)
def season_report(request, year: int):
    season = get_object_or_404(Season, year=year)
    rows, total = selectors.season_totals(user=request.user, season=season)
    return render(
        request,
        "qingming/season_report.html",
        {"season": season, "rows": rows, "total": total, "seasons": Season.objects.all()},
    )


@staff_required
@permission_required("qingming.export_season_report", raise_exception=True)
def season_report_xlsx(request, year: int):
    from minzheng.core import audit

    season = get_object_or_404(Season, year=year)
    data = selectors.season_totals_xlsx(user=request.user, season=season)
    audit.record(
        actor=request.user,
        action=audit.Action.EXPORT,
        target=season,
        summary=f"导出{season.name}统计",
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="qingming-{season.year}.xlsx"'
    return response


@staff_required
@permission_required("qingming.view_reservation", raise_exception=True)
def reservation_list(request):
    day = None
    if request.GET.get("date"):
        try:
            day = parse_event_date(request.GET["date"])
        except ValidationError:
            day = None
    qs = selectors.reservation_list(
        user=request.user, q=request.GET.get("q", ""), day=day, status=request.GET.get("status", "")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "qingming/reservation_list.html",
        {"page": page, "statuses": Reservation.Status.choices},
    )


@staff_required
@permission_required("qingming.view_reservation", raise_exception=True)
def reservation_detail(request, reservation_id: int):
    r = get_in_scope_or_404(
        Reservation.objects.select_related("slot", "cemetery", "booked_by"),
        request.user,
        pk=reservation_id,
    )
    if request.method == "POST":
        try:
            services.reservation_cancel(
                actor=request.user,
                reservation=r,
                reason=request.POST.get("reason", "") or _("工作人员取消"),
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("已取消预约。"))
        return redirect("qingming:reservation_detail", reservation_id=r.pk)
    return render(
        request,
        "qingming/reservation_detail.html",
        {
            "r": r,
            "logs": r.logs.select_related("actor"),
            "checkins": r.checkins.select_related("gate"),
            "qr": _qr_svg(r) if r.status == Reservation.Status.BOOKED else "",
            "short": rules.format_short_code(r.short_code),
        },
    )


@staff_required
@permission_required("qingming.add_reservation", raise_exception=True)
def counter_book(request):
    """Booking on a resident's behalf at the counter or by phone (recorded as such)."""
    cems = list(selectors.cemeteries().select_related("division"))
    cemetery = next((c for c in cems if str(c.pk) == request.GET.get("cemetery")), None)
    season = selectors.current_season()
    days = (
        _days_with_slots(cemetery=cemetery, season=season, now=timezone.now())
        if cemetery and season
        else []
    )
    slot = (
        Slot.objects.select_related("cemetery").filter(pk=as_id(request.GET.get("slot"))).first()
        if as_id(request.GET.get("slot"))
        else None
    )
    form = CounterBookingForm(
        request.POST or None,
        party_max=qparams.booking_params(
            division_code=slot.cemetery.division_id, on=slot.date
        ).party_max
        if slot
        else 5,
    )
    if slot and request.method == "POST" and form.is_valid():
        r = _book_from_form(request, form, slot=slot, channel=form.cleaned_data["channel"])
        if r is not None:
            messages.success(
                request,
                _("已代为预约，核验码 %(c)s，短信已发送。")
                % {"c": rules.format_short_code(r.short_code)},
            )
            return redirect("qingming:reservation_detail", reservation_id=r.pk)
    return render(
        request,
        "qingming/counter_book.html",
        {"cemeteries": cems, "cemetery": cemetery, "days": days, "slot": slot, "form": form},
    )


@staff_required
@permission_required("qingming.add_checkin", raise_exception=True)
def gate(request):
    """The gate page for a phone: camera scan (jsQR) or typed code, entry/exit, walk-in and
    green-channel counts, with an offline queue kept in localStorage."""
    gates = scope_queryset(
        Gate.objects.filter(is_active=True).select_related("cemetery"), request.user
    )
    return render(request, "qingming/gate.html", {"gates": gates})


@staff_required
@permission_required("qingming.view_proxysweep", raise_exception=True)
def proxy_list(request):
    qs = scope_queryset(ProxySweep.objects.select_related("cemetery"), request.user)
    if request.GET.get("status"):
        qs = qs.filter(status=request.GET["status"])
    return render(
        request,
        "qingming/proxy_list.html",
        {
            "page": Paginator(qs, 50).get_page(request.GET.get("page")),
            "statuses": ProxySweep.Status.choices,
        },
    )


@staff_required
@permission_required("qingming.view_proxysweep", raise_exception=True)
def proxy_manage(request, sweep_id: int):
    sweep = get_in_scope_or_404(
        ProxySweep.objects.select_related("cemetery"), request.user, pk=sweep_id
    )
    moves = services.proxy_sweep_next_moves(sweep)
    form = ProxyUpdateForm(
        request.POST or None, request.FILES or None, initial={"paid": sweep.is_paid}, moves=moves
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.proxy_sweep_update(
                actor=request.user,
                sweep=sweep,
                to=d["to"],
                note=d["note"],
                paid=d["paid"],
                photo=d["photo"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已更新。"))
            return redirect("qingming:proxy_manage", sweep_id=sweep.pk)
    return render(
        request,
        "qingming/proxy_manage.html",
        {
            "sweep": sweep,
            "form": form,
            "photos": _sweep_photos(sweep),
            "next_states": [m.target for m in moves],
        },
    )


@staff_required
@permission_required("qingming.change_tribute", raise_exception=True)
def moderation(request):
    if request.method == "POST":
        model = Memorial if request.POST.get("type") == "memorial" else Tribute
        item = get_object_or_404(model, pk=request.POST.get("id") or 0)
        try:
            services.moderate(
                actor=request.user, item=item, approve=request.POST.get("approve") == "1"
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("qingming:moderation")
    return render(
        request,
        "qingming/moderation.html",
        {
            "memorials": Memorial.objects.filter(status=Memorial.Status.PENDING)[:100],
            "tributes": Tribute.objects.filter(
                status=Memorial.Status.PENDING, kind=Tribute.Kind.MESSAGE
            ).select_related("memorial")[:100],
        },
    )
