"""Pages: the staff workbench (activities, dispatch, attendance, ranking, certificates),
the site leader's check-in page, and the resident side (sign-up, my shifts, check-in,
certificate). Thin: parse, call a selector or service, render."""

from __future__ import annotations

import datetime as dt

import segno
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core import audit
from minzheng.core.district import bureau_name
from minzheng.core.forms_util import add_service_errors
from minzheng.core.scope import get_in_scope_or_404
from minzheng.core.selectors import division_choices
from minzheng.core.views import staff_required
from minzheng.portal.decorators import resident_required
from minzheng.registry import selectors as registry_q

from . import documents, selectors, services
from .forms import (
    ActivityForm,
    CertificateForm,
    CorrectionForm,
    ExceptionForm,
    PostForm,
    RegisterForm,
    ShiftForm,
    SiteForm,
    VolunteerForm,
)
from .models import (
    Activity,
    Attendance,
    DispatchPlan,
    PartyBranch,
    PlanAssignment,
    ServiceCertificate,
    Shift,
    SignUp,
    Site,
    Volunteer,
)


def _errors_to_messages(request, exc: ValidationError) -> None:
    for msgs in exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]:
        for m in msgs:
            messages.error(request, m)


def _form_errors_to_messages(request, form) -> None:
    for errs in form.errors.values():
        for e in errs:
            messages.error(request, e)


def _run_form(request, form, action, success: str) -> None:
    """A small POST-only form: validate, run the service with the cleaned data, and report
    the outcome as messages on the page the view redirects to."""
    if not form.is_valid():
        _form_errors_to_messages(request, form)
        return
    try:
        action(form.cleaned_data)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, success)


def _qr_svg(data: str, scale: int = 6) -> str:
    return segno.make(data, error="m").svg_inline(
        scale=scale, dark="#000", light="#fff", omitsize=True
    )


# ------------------------------------------------------------------ staff: activities


@staff_required
@permission_required("volunteers.view_activity", raise_exception=True)
def board(request):
    activities = selectors.activity_list(user=request.user, status=request.GET.get("status", ""))[
        :100
    ]
    return render(
        request,
        "volunteers/board.html",
        {"activities": activities, "statuses": Activity.Status.choices},
    )


@staff_required
@permission_required("volunteers.add_activity", raise_exception=True)
def activity_create(request):
    form = ActivityForm(
        request.POST or None,
        divisions=division_choices(user=request.user, levels=("district", "town", "community")),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            activity = services.activity_create(
                actor=request.user,
                title=d["title"],
                division_code=d["division"],
                organiser=d["organiser"],
                description=d["description"],
                contact_name=d["contact_name"],
                contact_phone=d["contact_phone"],
                auto_approve=d["auto_approve"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("volunteers:activity", activity_id=activity.pk)
    return render(request, "volunteers/form.html", {"form": form, "title": _("新建志愿服务活动")})


def _activity_forms(activity, data=None):
    sites = [(s.pk, s.name) for s in activity.sites.all()]
    posts = [(p.pk, str(p)) for p in activity.posts.select_related("site")]
    return (
        SiteForm(data, prefix="site"),
        PostForm(data, prefix="post", sites=sites),
        ShiftForm(data, prefix="shift", posts=posts),
    )


@staff_required
@permission_required("volunteers.view_activity", raise_exception=True)
def activity_detail(request, activity_id: int):
    activity = selectors.activity_detail(user=request.user, activity_id=activity_id)
    site_form, post_form, shift_form = _activity_forms(activity)
    pending = SignUp.objects.filter(
        shift__post__activity=activity, status=SignUp.Status.PENDING
    ).select_related("volunteer__person", "shift__post__site")
    return render(
        request,
        "volunteers/activity.html",
        {
            "activity": activity,
            "rows": selectors.activity_board(activity),
            "site_form": site_form,
            "post_form": post_form,
            "shift_form": shift_form,
            "pending": pending,
            "sites": activity.sites.all(),
        },
    )


@staff_required
@permission_required("volunteers.change_activity", raise_exception=True)
@require_POST
def activity_add(request, activity_id: int, what: str):
    """One endpoint for the three small forms of the activity page (site, post, shift)."""
    activity = selectors.activity_detail(user=request.user, activity_id=activity_id)
    site_form, post_form, shift_form = _activity_forms(activity, request.POST)
    form = {"site": site_form, "post": post_form, "shift": shift_form}.get(what)
    if form is None:
        raise Http404
    user = request.user
    actions = {
        "site": lambda d: services.site_add(
            actor=user,
            activity=activity,
            name=d["name"],
            address=d["address"],
            lat=d["lat"],
            lon=d["lon"],
        ),
        "post": lambda d: services.post_add(
            actor=user,
            site=activity.sites.get(pk=d["site"]),
            role=d["role"],
            required_skill=d["required_skill"],
            required_certificate=d["required_certificate"],
            party_only=d["party_only"],
        ),
        "shift": lambda d: services.shift_add(
            actor=user,
            post=activity.posts.get(pk=d["post"]),
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            needed=d["needed"],
        ),
    }
    _run_form(request, form, actions[what], _("已保存。"))
    return redirect("volunteers:activity", activity_id=activity.pk)


@staff_required
@permission_required("volunteers.change_activity", raise_exception=True)
@require_POST
def activity_publish(request, activity_id: int):
    activity = selectors.activity_detail(user=request.user, activity_id=activity_id)
    try:
        services.activity_publish(actor=request.user, activity=activity)
        messages.success(request, _("已发布到群众服务“志愿服务”，并短信通知符合条件的志愿者。"))
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    return redirect("volunteers:activity", activity_id=activity.pk)


@staff_required
@permission_required("volunteers.change_activity", raise_exception=True)
@require_POST
def activity_close(request, activity_id: int):
    activity = selectors.activity_detail(user=request.user, activity_id=activity_id)
    try:
        services.activity_close(actor=request.user, activity=activity)
        messages.success(request, _("活动已结束，各班次不再接受报名。"))
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    return redirect("volunteers:activity", activity_id=activity.pk)


@staff_required
@permission_required("volunteers.change_signup", raise_exception=True)
@require_POST
def signup_decide(request, signup_id: int):
    signup = get_in_scope_or_404(
        SignUp.objects.select_related("shift__post__activity"), request.user, pk=signup_id
    )
    try:
        services.signup_decide(
            actor=request.user, signup=signup, approve=request.POST.get("approve") == "1"
        )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    return redirect("volunteers:activity", activity_id=signup.shift.post.activity_id)


# ------------------------------------------------------------------ staff: dispatch


@staff_required
@permission_required("volunteers.dispatch_activity", raise_exception=True)
def dispatch(request, activity_id: int):
    activity = selectors.activity_detail(user=request.user, activity_id=activity_id)
    if request.method == "POST":
        try:
            services.dispatch_start(actor=request.user, activity=activity, time_limit=10.0)
            messages.info(request, _("正在后台求解调度方案，完成后刷新本页查看。"))
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        return redirect("volunteers:dispatch", activity_id=activity.pk)
    plan = activity.plans.exclude(status=DispatchPlan.Status.DISCARDED).first()
    assignments = (
        plan.assignments.select_related("volunteer__person", "shift__post__site").order_by(
            "shift__starts_at", "shift_id"
        )
        if plan
        else []
    )
    shifts = {
        s.pk: s for s in Shift.objects.filter(post__activity=activity).select_related("post__site")
    }
    unfilled = [{**u, "shift_obj": shifts.get(u["shift"])} for u in (plan.unfilled if plan else [])]
    return render(
        request,
        "volunteers/dispatch.html",
        {
            "activity": activity,
            "plan": plan,
            "assignments": assignments,
            "unfilled": unfilled,
            "shifts": shifts.values(),
            "job": selectors.dispatch_job_latest(user=request.user, activity=activity),
        },
    )


@staff_required
@permission_required("volunteers.dispatch_activity", raise_exception=True)
@require_POST
def plan_edit(request, plan_id: int):
    plan = get_in_scope_or_404(
        DispatchPlan.objects.select_related("activity"), request.user, pk=plan_id
    )
    try:
        if "remove" in request.POST:
            assignment = get_object_or_404(PlanAssignment, plan=plan, pk=request.POST["remove"])
            services.plan_assignment_remove(actor=request.user, assignment=assignment)
        elif "publish" in request.POST:
            services.plan_publish(actor=request.user, plan=plan)
            messages.success(request, _("方案已发布，已短信通知被安排的志愿者。"))
        else:
            shift = get_object_or_404(
                Shift, pk=request.POST.get("shift") or 0, post__activity=plan.activity
            )
            volunteer = get_in_scope_or_404(
                Volunteer.objects.all(), request.user, pk=request.POST.get("volunteer") or 0
            )
            services.plan_assignment_add(
                actor=request.user, plan=plan, shift=shift, volunteer=volunteer
            )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    return redirect("volunteers:dispatch", activity_id=plan.activity_id)


# ------------------------------------------------------------------ staff: attendance


@staff_required
@permission_required("volunteers.view_attendance", raise_exception=True)
def attendance_sheet(request, activity_id: int):
    activity = selectors.activity_detail(user=request.user, activity_id=activity_id)
    if request.method == "POST" and request.user.has_perm("volunteers.record_attendance"):
        n = services.attendance_close_missing()
        messages.success(
            request, _("已结算 %(n)s 条未签退记录（按班次结束计，已标记）。") % {"n": n}
        )
        return redirect("volunteers:attendance", activity_id=activity.pk)
    return render(
        request,
        "volunteers/attendance.html",
        {
            "activity": activity,
            "rows": selectors.attendance_sheet(activity),
            "form": CorrectionForm(prefix="c"),
        },
    )


@staff_required
@permission_required("volunteers.record_attendance", raise_exception=True)
@require_POST
def attendance_correct(request, attendance_id: int):
    att = get_in_scope_or_404(
        Attendance.objects.select_related("signup__shift__post"), request.user, pk=attendance_id
    )
    _run_form(
        request,
        CorrectionForm(request.POST, prefix="c"),
        lambda d: services.attendance_correct(
            actor=request.user,
            attendance=att,
            checked_in_at=d["checked_in_at"],
            checked_out_at=d["checked_out_at"],
            reason=d["reason"],
        ),
        _("考勤已更正。"),
    )
    return redirect("volunteers:attendance", activity_id=att.signup.shift.post.activity_id)


@staff_required
@permission_required("volunteers.record_attendance", raise_exception=True)
def site_leader(request, site_id: int):
    """The site leader's phone: the site's check-in QR for volunteers to scan, and a camera
    scanner (jsQR) for volunteers' own codes."""
    site = get_in_scope_or_404(Site.objects.select_related("activity"), request.user, pk=site_id)
    if request.method == "POST":
        try:
            volunteer = services.volunteer_from_token(request.POST.get("code", "").strip())
            if request.POST.get("action") == "out":
                att = services.attendance_check_out(
                    actor=request.user, volunteer=volunteer, site=site
                )
                messages.success(
                    request,
                    _("%(n)s 已签退，服务 %(m)s 分钟。")
                    % {"n": volunteer.person.name, "m": att.service_minutes},
                )
            else:
                services.attendance_check_in(
                    actor=request.user, volunteer=volunteer, site=site, method="leader_scan"
                )
                messages.success(request, _("%(n)s 已签到。") % {"n": volunteer.person.name})
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        return redirect("volunteers:site_leader", site_id=site.pk)
    url = request.build_absolute_uri(
        reverse("volunteers:portal_checkin", args=[services.site_token(site)])
    )
    return render(
        request, "volunteers/site_leader.html", {"site": site, "qr": _qr_svg(url), "url": url}
    )


@staff_required
@permission_required("volunteers.export_volunteers", raise_exception=True)
def activity_export(request, activity_id: int):
    activity = selectors.activity_detail(user=request.user, activity_id=activity_id)
    year = activity.created_at.year
    content = documents.activity_xlsx(
        board=selectors.activity_board(activity),
        sheet=selectors.attendance_sheet(activity),
        ranking=selectors.branch_ranking(user=request.user, year=year),
    )
    audit.record(
        actor=request.user,
        action=audit.Action.EXPORT,
        target=activity,
        summary="导出活动满岗、考勤与排行",
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="volunteers-activity-{activity.pk}.xlsx"'
    )
    return response


@staff_required
@permission_required("volunteers.view_volunteer", raise_exception=True)
def ranking(request):
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return render(
        request,
        "volunteers/ranking.html",
        {
            "year": year,
            "branches": selectors.branch_ranking(user=request.user, year=year),
            "volunteers": selectors.volunteer_ranking(user=request.user, year=year),
        },
    )


@staff_required
@permission_required("volunteers.view_volunteer", raise_exception=True)
def volunteer_list(request):
    from django.core.paginator import Paginator

    page = Paginator(
        selectors.volunteer_list(user=request.user, q=request.GET.get("q", "").strip()), 50
    ).get_page(request.GET.get("page"))
    return render(
        request, "volunteers/volunteer_list.html", {"page": page, "q": request.GET.get("q", "")}
    )


@staff_required
@permission_required("volunteers.view_volunteer", raise_exception=True)
def volunteer_detail(request, volunteer_id: int):
    volunteer = get_in_scope_or_404(
        Volunteer.objects.select_related("person", "branch", "home_division"),
        request.user,
        pk=volunteer_id,
    )
    form = CertificateForm(
        request.POST or None,
        initial={
            "period_from": dt.date(timezone.localdate().year, 1, 1),
            "period_to": timezone.localdate(),
        },
    )
    if request.method == "POST":
        if not request.user.has_perm("volunteers.issue_certificate"):
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                cert = services.certificate_issue(
                    actor=request.user,
                    volunteer=volunteer,
                    period_from=d["period_from"],
                    period_to=d["period_to"],
                    issuer=d["issuer"],
                )
                messages.success(request, _("已开具证明 %(n)s。") % {"n": cert.number})
                return redirect("volunteers:volunteer", volunteer_id=volunteer.pk)
            except ValidationError as exc:
                add_service_errors(form, exc)
    return render(
        request,
        "volunteers/volunteer.html",
        {
            "volunteer": volunteer,
            "form": form,
            "signups": selectors.my_signups(volunteer)[:50],
            "minutes_total": selectors.volunteer_minutes(volunteer),
            "minutes_year": selectors.volunteer_minutes(volunteer, year=timezone.localdate().year),
            "certificates": volunteer.service_certificates.all(),
            "exception_form": ExceptionForm(prefix="x"),
            "weekly": volunteer.weekly.all(),
            "exceptions": volunteer.exceptions.order_by("-date")[:20],
            "qualifications": volunteer.certificates.all(),
        },
    )


@staff_required
@permission_required("volunteers.add_volunteer", raise_exception=True)
def volunteer_create(request):
    """Register a registry person (found by the exact ID number, within scope) as a volunteer."""
    from minzheng.core.scope import scope_queryset
    from minzheng.registry import validators

    branches = [(b.pk, b.name) for b in scope_queryset(PartyBranch.objects.all(), request.user)]
    form = VolunteerForm(request.POST or None, branches=branches)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            number = validators.parse_id_number(d["id_number"]).number
        except ValidationError as exc:
            form.add_error("id_number", exc.messages[0])
        else:
            person = registry_q.person_by_id_number(number, user=request.user)
            if person is None:
                form.add_error("id_number", _("本辖区人员中没有该身份证号码，请先在“人员”中登记。"))
            else:
                try:
                    volunteer = services.volunteer_register(
                        actor=request.user,
                        person=person,
                        data=services.VolunteerInput(
                            is_party_member=d["is_party_member"],
                            branch_id=int(d["branch"]) if d["branch"] else None,
                            skills=tuple(d["skills"]),
                            lat=d["lat"],
                            lon=d["lon"],
                        ),
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    return redirect("volunteers:volunteer", volunteer_id=volunteer.pk)
    return render(request, "volunteers/form.html", {"form": form, "title": _("登记志愿者")})


@staff_required
@permission_required("volunteers.change_volunteer", raise_exception=True)
@require_POST
def volunteer_exception(request, volunteer_id: int):
    volunteer = get_in_scope_or_404(Volunteer.objects.all(), request.user, pk=volunteer_id)
    _run_form(
        request,
        ExceptionForm(request.POST, prefix="x"),
        lambda d: services.availability_exception_add(
            actor=request.user,
            volunteer=volunteer,
            date=d["date"],
            available=d["available"],
            start=d["start"],
            end=d["end"],
        ),
        _("已保存。"),
    )
    return redirect("volunteers:volunteer", volunteer_id=volunteer.pk)


def _certificate_response(request, cert: ServiceCertificate) -> HttpResponse:
    url = request.build_absolute_uri(reverse("volunteers:verify", args=[cert.token]))
    response = HttpResponse(
        documents.certificate_pdf(cert, verify_url=url), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{cert.number}.pdf"'
    return response


@staff_required
@permission_required("volunteers.view_servicecertificate", raise_exception=True)
def certificate_pdf(request, certificate_id: int):
    cert = get_in_scope_or_404(
        ServiceCertificate.objects.select_related("volunteer__person"),
        request.user,
        pk=certificate_id,
    )
    return _certificate_response(request, cert)


# ------------------------------------------------------------------ public verification


def verify(request, token: str):
    """Public: only what a reader of the certificate needs to check it."""
    cert = (
        ServiceCertificate.objects.select_related("volunteer__person").filter(token=token).first()
    )
    from minzheng.registry.validators import mask_name

    return render(
        request,
        "volunteers/verify.html",
        {
            "cert": cert,
            "name": mask_name(cert.volunteer.person.name) if cert else "",
            "hours": f"{cert.total_minutes / 60:.1f}" if cert else "",
        },
        status=200 if cert else 404,
    )


# ------------------------------------------------------------------ resident portal


def portal_home(request):
    volunteer = (
        selectors.volunteer_for_user(request.user) if request.user.is_authenticated else None
    )
    return render(
        request,
        "volunteers/portal_home.html",
        {"activities": selectors.portal_activities()[:30], "volunteer": volunteer},
    )


@resident_required
def portal_register(request):
    if selectors.volunteer_for_user(request.user):
        return redirect("volunteers:portal_mine")
    profile = getattr(request.user, "resident_profile", None)
    needs_home = bool(profile and profile.is_bound and not profile.person_id)
    form = RegisterForm(request.POST or None, needs_home=needs_home)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.volunteer_self_register(
                user=request.user,
                skills=tuple(d["skills"]),
                weekly=[(int(w), d["start"], d["end"]) for w in d["weekdays"]],
                home_division_code=d.get("home_division", ""),
            )
            messages.success(request, _("已注册为志愿者。"))
            return redirect("volunteers:portal_home")
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(
        request,
        "volunteers/portal_register.html",
        {"form": form, "bound": bool(profile and profile.is_bound), "needs_home": needs_home},
    )


def portal_activity(request, activity_id: int):
    activity = get_object_or_404(Activity, pk=activity_id, status=Activity.Status.PUBLISHED)
    volunteer = (
        selectors.volunteer_for_user(request.user) if request.user.is_authenticated else None
    )
    mine = set()
    if volunteer:
        mine = set(
            SignUp.objects.filter(
                volunteer=volunteer, shift__post__activity=activity, status__in=SignUp.ACTIVE
            ).values_list("shift_id", flat=True)
        )
    rows = [r for r in selectors.activity_board(activity) if r.shift.starts_at > timezone.now()]
    return render(
        request,
        "volunteers/portal_activity.html",
        {"activity": activity, "rows": rows, "volunteer": volunteer, "mine": mine},
    )


@resident_required
@require_POST
def portal_signup(request, shift_id: int):
    volunteer = selectors.volunteer_for_user(request.user)
    shift = get_object_or_404(
        Shift.objects.select_related("post__activity", "post__site"), pk=shift_id
    )
    if volunteer is None:
        return redirect("volunteers:portal_register")
    try:
        signup = services.signup_create(
            actor=request.user,
            volunteer=volunteer,
            shift=shift,
            waitlist=request.POST.get("waitlist") == "1",
        )
        messages.success(request, _("报名成功：%(s)s。") % {"s": signup.get_status_display()})
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    return redirect("volunteers:portal_activity", activity_id=shift.post.activity_id)


@resident_required
def portal_mine(request):
    volunteer = selectors.volunteer_for_user(request.user)
    if volunteer is None:
        return redirect("volunteers:portal_register")
    if request.method == "POST":
        today = timezone.localdate()
        try:
            year = int(request.POST.get("year") or today.year)
        except ValueError:
            year = today.year
        try:
            cert = services.certificate_issue(
                actor=request.user,
                volunteer=volunteer,
                period_from=dt.date(year, 1, 1),
                period_to=min(today, dt.date(year, 12, 31)),
                issuer=bureau_name(),
            )
            messages.success(request, _("已生成证明 %(n)s。") % {"n": cert.number})
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        return redirect("volunteers:portal_mine")
    return render(
        request,
        "volunteers/portal_mine.html",
        {
            "volunteer": volunteer,
            "signups": selectors.my_signups(volunteer)[:30],
            "code": _qr_svg(services.volunteer_token(volunteer), 5),
            "minutes_total": selectors.volunteer_minutes(volunteer),
            "minutes_year": selectors.volunteer_minutes(volunteer, year=timezone.localdate().year),
            "certificates": volunteer.service_certificates.all()[:10],
            "years": selectors.service_years(volunteer),
            "now": timezone.now(),
        },
    )


@resident_required
@require_POST
def portal_withdraw(request, signup_id: int):
    volunteer = selectors.volunteer_for_user(request.user)
    signup = get_object_or_404(
        SignUp.objects.select_related("shift__post__activity"), pk=signup_id, volunteer=volunteer
    )
    try:
        services.signup_withdraw(actor=request.user, signup=signup)
        messages.success(request, _("已退出该班次。"))
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    return redirect("volunteers:portal_mine")


@resident_required
def portal_checkin(request, token: str):
    """Opened by scanning the site's QR code with the volunteer's phone."""
    try:
        site = services.site_from_token(token)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
        return redirect("volunteers:portal_home")
    volunteer = selectors.volunteer_for_user(request.user)
    if volunteer is None:
        return redirect("volunteers:portal_register")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "out":
                att = services.attendance_check_out(
                    actor=request.user, volunteer=volunteer, site=site
                )
                messages.success(
                    request, _("签退成功，本次服务 %(m)s 分钟。") % {"m": att.service_minutes}
                )
            else:
                services.attendance_check_in(actor=request.user, volunteer=volunteer, site=site)
                messages.success(request, _("签到成功。"))
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        return redirect("volunteers:portal_checkin", token=token)
    open_att = Attendance.objects.filter(
        signup__volunteer=volunteer, signup__shift__post__site=site, checked_out_at__isnull=True
    ).first()
    return render(request, "volunteers/portal_checkin.html", {"site": site, "open_att": open_att})


@resident_required
def portal_certificate(request, certificate_id: int):
    volunteer = selectors.volunteer_for_user(request.user)
    cert = get_object_or_404(
        ServiceCertificate.objects.select_related("volunteer__person"),
        pk=certificate_id,
        volunteer=volunteer,
    )
    return _certificate_response(request, cert)
