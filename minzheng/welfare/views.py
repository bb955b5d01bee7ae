"""Welfare pages: the staff workbench and the portal's respite sign-up. Thin: parse, call
a service or selector, render."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core import audit
from minzheng.core.forms_util import add_service_errors
from minzheng.core.scope import scope_queryset
from minzheng.core.selectors import division_choices
from minzheng.core.views import staff_required
from minzheng.portal.decorators import resident_required

from . import rules, selectors, services
from .forms import (
    ActivityForm,
    AllowanceForm,
    CarePlanForm,
    ChildForm,
    EnrolForm,
    FollowUpForm,
    GuardianForm,
    PortalEnrolForm,
    SessionForm,
    StallEntryForm,
    StallForm,
    VisitForm,
)
from .models import JobPlacement, RespiteEnrolment, WelfareHome

MONTHS = [f"{m}月" for m in range(1, 13)]
LEVELS = ("district", "town", "community")


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _errors_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# ---------------------------------------------------------------- workbench


@staff_required
@permission_required("welfare.view_careactivity", raise_exception=True)
def workbench(request):
    year = timezone.localdate().year
    return render(
        request,
        "welfare/workbench.html",
        {
            "year": year,
            "aided": selectors.people_aided(user=request.user, year=year),
            "activities": selectors.activity_list(user=request.user)[:10],
            "sessions": selectors.session_list(user=request.user)[:10],
            "due": selectors.followups_due(user=request.user)[:20]
            if request.user.has_perm("welfare.view_jobseeker")
            else [],
            "children": selectors.child_list(user=request.user)
            .filter(left_on__isnull=True)
            .count(),
        },
    )


# ---------------------------------------------------------------- children


@staff_required
@permission_required("welfare.read_child_file", raise_exception=True)
def child_list(request):
    category = request.GET.get("category", "")
    page = Paginator(selectors.child_list(user=request.user, category=category), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "welfare/child_list.html", {"page": page, "category": category})


@staff_required
@permission_required("welfare.add_child", raise_exception=True)
def child_create(request):
    from minzheng.registry.selectors import person_by_id_number
    from minzheng.registry.validators import parse_id_number

    homes = [(h.pk, h.name) for h in scope_queryset(WelfareHome.objects.all(), request.user)]
    form = ChildForm(
        request.POST or None, homes=homes, divisions=division_choices(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        person = None
        try:
            person = person_by_id_number(parse_id_number(d["id_number"]).number, user=request.user)
        except ValidationError as exc:
            form.add_error("id_number", exc.messages[0])
        if person is None and not form.errors:
            form.add_error("id_number", _("人口库中没有该儿童，请先在“人员”中登记。"))
        if not form.errors:
            home = (
                scope_queryset(WelfareHome.objects.all(), request.user).filter(pk=d["home"]).first()
                if d["home"]
                else None
            )
            try:
                child = services.child_register(
                    actor=request.user,
                    person=person,
                    category=d["category"],
                    placement=d["placement"],
                    home=home,
                    division_code=d["division"],
                    admitted_on=d["admitted_on"],
                    note=d["note"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已建档。"))
                return redirect("welfare:child_detail", child_id=child.pk)
    return render(request, "welfare/form.html", {"form": form, "title": _("儿童建档")})


@staff_required
@permission_required("welfare.read_child_file", raise_exception=True)
def child_detail(request, child_id: int):
    child = services.child_file_open(actor=request.user, child_id=child_id)
    forms = {
        "guardian": GuardianForm(prefix="g"),
        "plan": CarePlanForm(prefix="p"),
        "visit": VisitForm(prefix="v", initial={"visited_on": timezone.localdate()}),
    }
    if request.method == "POST":
        kind = request.POST.get("form", "")
        form_class = {"guardian": GuardianForm, "plan": CarePlanForm, "visit": VisitForm}.get(kind)
        if form_class is None:
            raise Http404
        form = form_class(request.POST, prefix=kind[0])
        forms[kind] = form
        if form.is_valid():
            d = form.cleaned_data
            try:
                if kind == "guardian":
                    services.guardian_add(actor=request.user, child=child, **d)
                elif kind == "plan":
                    services.care_plan_add(actor=request.user, child=child, **d)
                else:
                    services.child_visit_add(actor=request.user, child=child, **d)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("welfare:child_detail", child_id=child.pk)
    return render(
        request,
        "welfare/child_detail.html",
        {
            "child": child,
            "age": child.person.age_today,
            "guardians": child.guardians.all(),
            "plans": child.plans.all()[:10],
            "visits": child.visits.select_related("visitor")[:20],
            "allowances": selectors.child_allowances(child)[:24],
            "forms": forms,
        },
    )


@staff_required
@permission_required("welfare.grant_allowance", raise_exception=True)
def allowance(request):
    form = AllowanceForm(request.POST or None)
    run = None
    if request.method == "POST" and form.is_valid():
        try:
            run = services.allowance_grant_month(
                actor=request.user, month=form.cleaned_data["month"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已发放 %(n)d 人，共 %(t)s 元。") % {"n": len(run.granted), "t": run.total},
            )
    return render(request, "welfare/allowance.html", {"form": form, "run": run})


# ---------------------------------------------------------------- care activities


def _volunteer_choices(user):
    from minzheng.volunteers.selectors import volunteer_list

    return [(v.pk, v.person.name) for v in volunteer_list(user=user)[:500]]


@staff_required
@permission_required("welfare.view_careactivity", raise_exception=True)
def activity_list(request):
    page = Paginator(selectors.activity_list(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "welfare/activity_list.html", {"page": page})


@staff_required
@permission_required("welfare.add_careactivity", raise_exception=True)
def activity_create(request):
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        divisions=division_choices(user=request.user),
        volunteers=_volunteer_choices(request.user),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            activity = services.activity_create(
                actor=request.user,
                data=services.ActivityInput(
                    kind=d["kind"],
                    title=d["title"],
                    organiser=d["organiser"],
                    place=d["place"],
                    division_code=d["division"],
                    starts_at=d["starts_at"],
                    ends_at=d["ends_at"],
                    staff_ids=[request.user.pk],
                    volunteer_ids=d["volunteers"],
                    beneficiary_count=d["beneficiary_count"] or 0,
                    report=d["report"],
                ),
                photos=[d["photo"]] if d.get("photo") else [],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记关爱活动。"))
            return redirect("welfare:activity_detail", activity_id=activity.pk)
    return render(
        request, "welfare/form.html", {"form": form, "title": _("登记关爱活动"), "multipart": True}
    )


@staff_required
@permission_required("welfare.view_careactivity", raise_exception=True)
def activity_detail(request, activity_id: int):
    from minzheng.core.models import Attachment

    activity = selectors.activity_detail(user=request.user, activity_id=activity_id)
    photos = Attachment.objects.filter(
        content_type__app_label="welfare",
        content_type__model="careactivity",
        object_id=str(activity.pk),
        is_void=False,
    )
    return render(
        request,
        "welfare/activity_detail.html",
        {
            "activity": activity,
            "staff": activity.staff.all(),
            "volunteers": activity.volunteers.all(),
            "named": activity.beneficiaries.count(),
            "photos": photos,
        },
    )


# ---------------------------------------------------------------- respite


@staff_required
@permission_required("welfare.view_respitesession", raise_exception=True)
def session_list(request):
    page = Paginator(selectors.session_list(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "welfare/session_list.html", {"page": page})


@staff_required
@permission_required("welfare.add_respitesession", raise_exception=True)
def session_create(request):
    form = SessionForm(request.POST or None, divisions=division_choices(user=request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            session = services.session_create(
                actor=request.user,
                title=d["title"],
                organiser=d["organiser"],
                place=d["place"],
                division_code=d["division"],
                starts_at=d["starts_at"],
                ends_at=d["ends_at"],
                capacity=d["capacity"],
                portal_open=d["portal_open"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("welfare:session_detail", session_id=session.pk)
    return render(request, "welfare/form.html", {"form": form, "title": _("新建喘息服务场次")})


@staff_required
@permission_required("welfare.view_respitesession", raise_exception=True)
def session_detail(request, session_id: int):
    from minzheng.registry.models import Household
    from minzheng.registry.selectors import person_by_id_number
    from minzheng.registry.validators import parse_id_number

    session = selectors.session_detail(user=request.user, session_id=session_id)
    form = EnrolForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("welfare.add_respiteenrolment"):
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            household = (
                scope_queryset(Household.objects.all(), request.user)
                .filter(number=d["household_number"].strip())
                .first()
            )
            child = None
            try:
                child = person_by_id_number(parse_id_number(d["child_id_number"]).number)
            except ValidationError as exc:
                form.add_error("child_id_number", exc.messages[0])
            if household is None:
                form.add_error("household_number", _("本辖区没有该户编号。"))
            if not form.errors:
                try:
                    services.enrolment_create(
                        actor=request.user,
                        session=session,
                        household_id=household.pk,
                        child_id=child.pk if child else None,
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _("已报名。"))
                    return redirect("welfare:session_detail", session_id=session.pk)
    return render(
        request,
        "welfare/session_detail.html",
        {
            "session": session,
            "enrolments": selectors.session_enrolments(session),
            "form": form,
            "volunteers": session.volunteers.all(),
            "limit": services.yearly_limit(session),
            "can_deliver": not session.delivered and session.ends_at <= timezone.now(),
        },
    )


@staff_required
@permission_required("welfare.change_respitesession", raise_exception=True)
@require_POST
def session_deliver(request, session_id: int):
    session = selectors.session_detail(user=request.user, session_id=session_id)
    absent = [int(x) for x in request.POST.getlist("absent") if x.isdigit()]
    try:
        services.session_deliver(actor=request.user, session=session, absent_ids=absent)
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已登记服务情况。"))
    return redirect("welfare:session_detail", session_id=session.pk)


# ---------------------------------------------------------------- employment


def _stall_choices(user):
    return [
        (s.pk, f"{s.title}（{s.held_on:%Y-%m-%d}）") for s in selectors.stall_list(user=user)[:50]
    ]


@staff_required
@permission_required("welfare.add_employmentservice", raise_exception=True)
def stall_entry(request):
    """The quick entry at a stall, made for a phone: one screen, three taps without a name."""
    stalls = _stall_choices(request.user)
    form = StallEntryForm(
        request.POST or None,
        stalls=stalls,
        initial={"stall": request.GET.get("stall") or (stalls[0][0] if stalls else None)},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            service = services.employment_service_record(
                actor=request.user,
                data=services.ServiceInput(
                    kind=d["kind"],
                    stall_id=d["stall"],
                    id_number=d["id_number"],
                    name=d["name"],
                    phone=d["phone"],
                    note=d["note"],
                ),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已记录：%(k)s %(who)s")
                % {
                    "k": service.get_kind_display(),
                    "who": service.id_number_masked or _("（未登记身份）"),
                },
            )
            return redirect(f"{request.path}?stall={d['stall']}")
    recent = selectors.service_list(user=request.user).filter(served_on=timezone.localdate())[:10]
    stall_form = StallForm(
        divisions=division_choices(user=request.user, levels=LEVELS),
        initial={"held_on": timezone.localdate()},
    )
    return render(
        request,
        "welfare/stall_entry.html",
        {"form": form, "recent": recent, "stalls": stalls, "stall_form": stall_form},
    )


@staff_required
@permission_required("welfare.add_stall", raise_exception=True)
@require_POST
def stall_create(request):
    form = StallForm(request.POST, divisions=division_choices(user=request.user, levels=LEVELS))
    stall = None
    if form.is_valid():
        d = form.cleaned_data
        try:
            stall = services.stall_create(
                actor=request.user,
                title=d["title"],
                place=d["place"],
                division_code=d["division"],
                held_on=d["held_on"],
            )
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
    else:
        messages.error(request, _("请完整填写摊位名称、地点、区划和日期。"))
    url = reverse("welfare:stall_entry")
    return redirect(f"{url}?stall={stall.pk}" if stall else url)


@staff_required
@permission_required("welfare.view_employmentservice", raise_exception=True)
def employment(request):
    year = _year(request)
    page = Paginator(selectors.service_list(user=request.user, year=year), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "welfare/employment.html",
        {
            "year": year,
            "page": page,
            "aided": selectors.people_aided(user=request.user, year=year),
            "jobseekers": selectors.jobseeker_list(user=request.user)[:50],
            "placements": selectors.placement_list(user=request.user)[:50],
            "courses": selectors.course_list(user=request.user)[:20],
        },
    )


@staff_required
@permission_required("welfare.view_jobseeker", raise_exception=True)
def jobseeker_detail(request, jobseeker_id: int):
    seeker = selectors.jobseeker_detail(user=request.user, jobseeker_id=jobseeker_id)
    form = FollowUpForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("welfare.add_followup"):
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            placement = get_object_or_404(JobPlacement, pk=d["placement"], jobseeker=seeker)
            try:
                services.followup_record(
                    actor=request.user,
                    placement=placement,
                    months=d["months"],
                    done_on=d["done_on"],
                    still_employed=d["still_employed"],
                    note=d["note"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记回访。"))
                return redirect("welfare:jobseeker_detail", jobseeker_id=seeker.pk)
    return render(
        request,
        "welfare/jobseeker_detail.html",
        {
            "seeker": seeker,
            "disability": selectors.disability_of(seeker),
            "matches": selectors.jobseeker_matches(user=request.user, jobseeker=seeker),
            "referrals": seeker.referrals.select_related("vacancy__employer"),
            "placements": seeker.placements.select_related("employer").prefetch_related(
                "followups"
            ),
            "form": form,
        },
    )


# ---------------------------------------------------------------- figures


def _stats(user, year: int) -> dict:
    towns = selectors.children_by_town(user=user)
    return {
        "year": year,
        "towns": towns,
        "aided": selectors.people_aided(user=user, year=year),
        "respite": [float(h) for h in selectors.respite_hours_by_month(user=user, year=year)],
        "services": selectors.services_by_month(user=user, year=year),
        "placements": selectors.placements_by_month(user=user, year=year),
    }


@staff_required
@permission_required("welfare.view_careactivity", raise_exception=True)
def stats(request):
    year = _year(request)
    data = _stats(request.user, year)
    chart = {
        "months": MONTHS,
        "respite": data["respite"],
        "services": data["services"],
        "placements": data["placements"],
        "towns": [r.town for r in data["towns"]],
        "categories": [
            {"name": str(label), "data": [r.counts[code] for r in data["towns"]]}
            for code, label in rules.CATEGORIES
        ],
    }
    rows = list(zip(MONTHS, data["respite"], data["services"], data["placements"], strict=True))
    return render(
        request,
        "welfare/stats.html",
        {**data, "chart": chart, "rows": rows, "categories": rules.CATEGORIES},
    )


@staff_required
@permission_required("welfare.export_welfare", raise_exception=True)
def stats_export(request):
    from openpyxl import Workbook

    year = _year(request)
    data = _stats(request.user, year)
    wb = Workbook()
    ws = wb.active
    ws.title = _("月度")
    ws.append([_("月份"), _("喘息服务时长（小时）"), _("就业服务人次"), _("就业安置人数")])
    for i in range(12):
        ws.append(
            [f"{year}-{i + 1:02d}", data["respite"][i], data["services"][i], data["placements"][i]]
        )
    ws2 = wb.create_sheet(_("儿童"))
    ws2.append([_("镇街"), *[str(label) for _c, label in rules.CATEGORIES], _("合计")])
    for r in data["towns"]:
        ws2.append([r.town, *[r.counts[c] for c, _l in rules.CATEGORIES], r.total])
    ws3 = wb.create_sheet(_("帮扶人数"))
    ws3.append([_("年度"), _("帮扶人数"), _("服务人次"), _("其中匿名"), _("口径")])
    a = data["aided"]
    ws3.append([year, a.people, a.services, a.anonymous, a.definition])
    out = io.BytesIO()
    wb.save(out)
    audit.record(
        actor=request.user, action=audit.Action.EXPORT, summary=f"导出儿童福利与就业帮扶统计 {year}"
    )
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="welfare-stats-{year}.xlsx"'
    return response


# ---------------------------------------------------------------- portal


@resident_required
def portal_respite(request):
    """Open respite sessions and the family's own enrolments. Nothing about any other
    child is shown; the family's children are listed only in their own sign-up form."""
    from minzheng.registry.models import HouseholdMember

    household_id = services.resident_household(request.user)
    children = []
    if household_id:
        profile = request.user.resident_profile
        children = [
            (m.person_id, m.person.name)
            for m in HouseholdMember.objects.filter(household_id=household_id, left_on__isnull=True)
            .exclude(person_id=profile.person_id)
            .select_related("person")
        ]
    return render(
        request,
        "welfare/portal_respite.html",
        {
            "sessions": selectors.portal_sessions()[:50],
            "mine": selectors.my_enrolments(household_id).exclude(state="cancelled")[:20],
            "form": PortalEnrolForm(children=children),
            "bound": household_id is not None,
        },
    )


@resident_required
@require_POST
def portal_enrol(request, session_id: int):
    from minzheng.registry.models import HouseholdMember

    session = get_object_or_404(selectors.portal_sessions(), pk=session_id)
    household_id = services.resident_household(request.user)
    children = (
        [
            (m.person_id, "")
            for m in HouseholdMember.objects.filter(household_id=household_id, left_on__isnull=True)
        ]
        if household_id
        else []
    )
    form = PortalEnrolForm(request.POST, children=children)
    if not household_id:
        messages.error(request, _("请先在“我的”中完成实名绑定，并确认已在民政登记家庭信息。"))
    elif not form.is_valid():
        messages.error(request, _("请选择需要照料的孩子。"))
    else:
        try:
            services.enrolment_create(
                actor=request.user,
                session=session,
                household_id=household_id,
                child_id=form.cleaned_data["child"],
                source=RespiteEnrolment.Source.PORTAL,
            )
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
        else:
            messages.success(request, _("报名成功。"))
    return redirect("welfare:portal_respite")


# ---------------------------------------------------------------- employers, referrals, training


@staff_required
@permission_required("welfare.view_employer", raise_exception=True)
def employer_list(request):
    from .forms import EmployerForm, VacancyForm
    from .models import Employer

    employers = scope_queryset(Employer.objects.all(), request.user).prefetch_related("vacancies")
    divisions = division_choices(user=request.user)
    employer_form = EmployerForm(divisions=divisions, prefix="e")
    vacancy_form = VacancyForm(employers=[(e.pk, e.name) for e in employers], prefix="v")
    if request.method == "POST":
        kind = request.POST.get("form")
        try:
            if kind == "employer":
                if not request.user.has_perm("welfare.add_employer"):
                    raise PermissionDenied
                employer_form = EmployerForm(request.POST, divisions=divisions, prefix="e")
                if employer_form.is_valid():
                    d = employer_form.cleaned_data
                    services.employer_add(
                        actor=request.user,
                        name=d["name"],
                        division_code=d["division"],
                        credit_code=d["credit_code"],
                        contact_name=d["contact_name"],
                        staff_count=d["staff_count"],
                    )
                    messages.success(request, _("已保存。"))
                    return redirect("welfare:employer_list")
            elif kind == "vacancy":
                if not request.user.has_perm("welfare.add_vacancy"):
                    raise PermissionDenied
                vacancy_form = VacancyForm(
                    request.POST, employers=[(e.pk, e.name) for e in employers], prefix="v"
                )
                if vacancy_form.is_valid():
                    d = vacancy_form.cleaned_data
                    services.vacancy_add(
                        actor=request.user,
                        employer=employers.get(pk=d["employer"]),
                        title=d["title"],
                        positions=d["positions"],
                        skills=[s for s in d["skills"].replace("，", ",").split(",")],
                        suitable_categories=d["suitable_categories"],
                        accommodation=d["accommodation"],
                    )
                    messages.success(request, _("已保存。"))
                    return redirect("welfare:employer_list")
        except ValidationError as exc:
            add_service_errors(employer_form if kind == "employer" else vacancy_form, exc)
    return render(
        request,
        "welfare/employer_list.html",
        {"employers": employers, "employer_form": employer_form, "vacancy_form": vacancy_form},
    )


@staff_required
@permission_required("welfare.add_referral", raise_exception=True)
@require_POST
def referral_create(request, jobseeker_id: int, vacancy_id: int):
    from .models import Vacancy

    seeker = selectors.jobseeker_detail(user=request.user, jobseeker_id=jobseeker_id)
    vacancy = get_object_or_404(scope_queryset(Vacancy.objects.all(), request.user), pk=vacancy_id)
    try:
        services.referral_create(actor=request.user, jobseeker=seeker, vacancy=vacancy)
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已推荐。"))
    return redirect("welfare:jobseeker_detail", jobseeker_id=seeker.pk)


@staff_required
@permission_required("welfare.add_jobplacement", raise_exception=True)
@require_POST
def referral_outcome(request, referral_id: int):
    """The employer's answer to a referral: hired (a placement from the start date) or not."""
    from datetime import date

    from .models import Referral

    referral = get_object_or_404(
        scope_queryset(Referral.objects.select_related("vacancy__employer"), request.user),
        pk=referral_id,
    )
    try:
        if request.POST.get("hired") == "1":
            try:
                started = date.fromisoformat(request.POST.get("started_on", ""))
            except ValueError:
                raise ValidationError({"started_on": _("请填写上岗日期。")}) from None
            services.placement_record(
                actor=request.user,
                jobseeker=referral.jobseeker,
                employer=referral.vacancy.employer,
                job_title=referral.vacancy.title,
                started_on=started,
                referral=referral,
            )
        else:
            services.referral_decline(
                actor=request.user, referral=referral, reason=request.POST.get("reason", "")
            )
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已保存。"))
    return redirect("welfare:jobseeker_detail", jobseeker_id=referral.jobseeker_id)


@staff_required
@permission_required("welfare.view_trainingcourse", raise_exception=True)
def course_detail(request, course_id: int):
    from .forms import AttendanceForm
    from .models import TrainingCourse

    course = get_object_or_404(
        scope_queryset(TrainingCourse.objects.all(), request.user), pk=course_id
    )
    seekers = list(selectors.jobseeker_list(user=request.user)[:500])
    form = AttendanceForm(
        request.POST or None,
        jobseekers=[(s.pk, s.person.name) for s in seekers],
        initial={"day": course.starts_on, "present": True},
    )
    if request.method == "POST":
        if not request.user.has_perm("welfare.add_trainingattendance"):
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.training_attendance_record(
                    actor=request.user,
                    course=course,
                    jobseeker=next(s for s in seekers if s.pk == d["jobseeker"]),
                    day=d["day"],
                    present=d["present"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记考勤。"))
                return redirect("welfare:course_detail", course_id=course.pk)
    rows = course.attendance.select_related("jobseeker__person").order_by("day", "jobseeker_id")
    return render(
        request, "welfare/course_detail.html", {"course": course, "rows": rows, "form": form}
    )
