"""Elderly-care pages: the staff workbench (institutions, residents, claims, inspections,
figures) and the public portal. Thin: parse, call a service or a selector, render."""

from __future__ import annotations

import datetime as dt
import io

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
from minzheng.core.models import Division
from minzheng.core.scope import scope_queryset
from minzheng.core.views import staff_required
from minzheng.portal.decorators import resident_required
from minzheng.registry import selectors as registry_q
from minzheng.registry.models import Organisation

from . import rules, selectors, services
from .forms import (
    AbsenceForm,
    AdmissionForm,
    ClaimRunForm,
    DischargeForm,
    FindingForm,
    FollowUpForm,
    HouseRatingForm,
    HouseReportForm,
    InspectionForm,
    InstitutionForm,
    RequestForm,
    TownFilterForm,
)
from .models import InspectionType, PlaceKind, ServiceRequest

FINDING_ROWS = 3


def _towns():
    return [(d.code[:9], d.name) for d in Division.objects.filter(level="town").order_by("code")]


def _age(birth: dt.date | None, today: dt.date) -> int | None:
    if not birth:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _month_param(request) -> dt.date:
    month = rules.parse_month(request.GET.get("month", ""))
    if month is None:
        today = timezone.localdate()
        month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return month


# ---------------------------------------------------------------- institutions


@staff_required
@permission_required("eldercare.view_institution", raise_exception=True)
def workbench(request):
    own = selectors.institution_of(request.user)
    if own is not None:
        return redirect("eldercare:institution_detail", pk=own.pk)
    form = TownFilterForm(request.GET or None, towns=_towns())
    town = form.cleaned_data.get("town", "") if form.is_valid() else ""
    institutions = selectors.institution_list(user=request.user, town=town)
    return render(
        request,
        "eldercare/workbench.html",
        {
            "form": form,
            "institutions": institutions,
            "houses": selectors.house_list(user=request.user, town=town),
            "overdue": selectors.overdue_findings(user=request.user).count(),
            "open": selectors.open_finding_count(request.user),
            "requests": selectors.requests_for(request.user).filter(
                status=ServiceRequest.Status.NEW
            )[:20]
            if request.user.has_perm("eldercare.view_servicerequest")
            else [],
        },
    )


@staff_required
@permission_required("eldercare.add_institution", raise_exception=True)
def institution_create(request):
    from minzheng.core.selectors import division_choices

    form = InstitutionForm(request.POST or None, divisions=division_choices(user=request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            institution = services.institution_register(
                actor=request.user,
                data=services.InstitutionInput(
                    name=d["name"],
                    division_code=d["division"],
                    ownership=d["ownership"],
                    beds_total=d["beds_total"],
                    beds_nursing=d["beds_nursing"],
                    credit_code=d["credit_code"],
                    filing_number=d["filing_number"],
                    filed_on=d["filed_on"],
                    address=d["address"],
                    star_grade=d["star_grade"],
                    grade_assessed_on=d["grade_assessed_on"],
                    grade_body=d["grade_body"],
                    contact_name=d["contact_name"],
                    contact_phone=d["contact_phone"],
                    services=d["services"],
                    bank_name=d["bank_name"],
                    bank_account=d["bank_account"],
                ),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记养老机构。"))
            return redirect("eldercare:institution_detail", pk=institution.pk)
    return render(request, "eldercare/form.html", {"form": form, "title": _("登记养老机构")})


@staff_required
@permission_required("eldercare.view_institution", raise_exception=True)
def institution_detail(request, pk: int):
    institution = selectors.institution_detail(user=request.user, pk=pk)
    today = timezone.localdate()
    stays = list(selectors.resident_list(user=request.user, institution=institution))
    for stay in stays:
        stay.age = _age(stay.person.birth_date, today)
    return render(
        request,
        "eldercare/institution_detail.html",
        {
            "institution": institution,
            "stays": stays,
            "occupied": len(stays),
            "admission_form": AdmissionForm(),
            "inspections": selectors.inspection_list(
                user=request.user, place_id=institution.organisation_id
            )[:20],
            "claims": selectors.claims_for(request.user).filter(institution=institution)[:12],
        },
    )


@staff_required
@permission_required("eldercare.add_residency", raise_exception=True)
def admission_create(request, pk: int):
    institution = selectors.institution_detail(user=request.user, pk=pk)
    form = AdmissionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        person = registry_q.person_by_id_number(d["id_number"], user=request.user)
        if person is None:
            form.add_error("id_number", _("人员库中没有该身份证号码的老人，请先登记。"))
        else:
            try:
                services.admission_create(
                    actor=request.user,
                    data=services.AdmissionInput(
                        institution_id=institution.pk,
                        person_id=person.pk,
                        admitted_on=d["admitted_on"],
                        level=d["level"],
                        assessed_on=d["assessed_on"],
                        bed_type=d["bed_type"],
                        assessment_body=d["assessment_body"],
                    ),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已办理入住。"))
                return redirect("eldercare:institution_detail", pk=institution.pk)
    return render(
        request, "eldercare/form.html", {"form": form, "title": _("办理入住"), "back": institution}
    )


@staff_required
@permission_required("eldercare.view_residency", raise_exception=True)
def residency_detail(request, pk: int):
    residency = selectors.residency_detail(user=request.user, pk=pk)
    return render(
        request,
        "eldercare/residency_detail.html",
        {
            "residency": residency,
            "age": _age(residency.person.birth_date, timezone.localdate()),
            "absences": residency.absences.all(),
            "assessments": residency.person.eldercare_assessments.all()[:10],
            "discharge_form": DischargeForm(),
            "absence_form": AbsenceForm(),
        },
    )


@staff_required
@permission_required("eldercare.change_residency", raise_exception=True)
@require_POST
def residency_discharge(request, pk: int):
    residency = selectors.residency_detail(user=request.user, pk=pk)
    form = DischargeForm(request.POST)
    if form.is_valid():
        try:
            services.discharge_record(
                actor=request.user,
                residency=residency,
                discharged_on=form.cleaned_data["discharged_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已办理退住。"))
            return redirect("eldercare:residency_detail", pk=pk)
    return render(
        request,
        "eldercare/form.html",
        {"form": form, "title": _("办理退住"), "back": residency.institution},
    )


@staff_required
@permission_required("eldercare.add_absence", raise_exception=True)
@require_POST
def residency_absence(request, pk: int):
    residency = selectors.residency_detail(user=request.user, pk=pk)
    form = AbsenceForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.absence_record(
                actor=request.user,
                residency=residency,
                kind=d["kind"],
                start=d["start"],
                end=d["end"],
                note=d["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记离院。"))
            return redirect("eldercare:residency_detail", pk=pk)
    return render(
        request,
        "eldercare/form.html",
        {"form": form, "title": _("登记离院"), "back": residency.institution},
    )


@staff_required
@permission_required("eldercare.view_house", raise_exception=True)
def house_detail(request, pk: int):
    house = selectors.house_detail(user=request.user, pk=pk)
    return render(
        request,
        "eldercare/house_detail.html",
        {
            "house": house,
            "reports": house.reports.all()[:12],
            "ratings": house.ratings.all(),
            "inspections": selectors.inspection_list(
                user=request.user, place_id=house.organisation_id
            )[:20],
        },
    )


@staff_required
@permission_required("eldercare.add_housereport", raise_exception=True)
def house_report(request, pk: int):
    house = selectors.house_detail(user=request.user, pk=pk)
    form = HouseReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            month = rules.parse_month(d["month"])
            if month is None:
                raise ValidationError({"month": _("申报月份格式为 YYYY-MM。")})
            services.house_report_record(
                actor=request.user,
                house=house,
                month=month,
                visits=d["visits"],
                meals=d["meals"],
                activities=d["activities"],
                note=d["note"],
                photos=[d["photo"]] if d.get("photo") else [],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("运营报告已填报。"))
            return redirect("eldercare:house_detail", pk=house.pk)
    return render(
        request,
        "eldercare/form.html",
        {"form": form, "title": _("填报月度运营报告"), "multipart": True, "house": house},
    )


@staff_required
@permission_required("eldercare.add_houserating", raise_exception=True)
def house_rating(request, pk: int):
    house = selectors.house_detail(user=request.user, pk=pk)
    form = HouseRatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rating = services.house_rating_record(
                actor=request.user,
                house=house,
                year=form.cleaned_data["year"],
                score=form.cleaned_data["score"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("评级为“%(g)s”。") % {"g": rating.get_grade_display()})
            return redirect("eldercare:house_detail", pk=house.pk)
    return render(
        request, "eldercare/form.html", {"form": form, "title": _("年度评级"), "house": house}
    )


# ---------------------------------------------------------------- claims


@staff_required
@permission_required("eldercare.view_claim", raise_exception=True)
def claims(request):
    month = _month_param(request)
    form = ClaimRunForm(request.POST or None, initial={"month": f"{month:%Y-%m}"})
    if request.method == "POST":
        if not request.user.has_perm("eldercare.run_claims"):
            raise Http404
        if form.is_valid():
            chosen = rules.parse_month(form.cleaned_data["month"])
            try:
                if chosen is None:
                    raise ValidationError({"month": _("申报月份格式为 YYYY-MM。")})
                run = services.claim_run(actor=request.user, month=chosen)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(m)s 已申报：%(n)d 家机构，%(l)d 名老人，%(t)s 元。")
                    % {
                        "m": f"{run.month:%Y-%m}",
                        "n": run.claim_count,
                        "l": run.line_count,
                        "t": run.total,
                    },
                )
                return redirect(f"{request.path}?month={run.month:%Y-%m}")
    rows = selectors.claim_list(user=request.user, month=month)
    run = (
        selectors.claim_runs().filter(month=month).first()
        if not selectors.institution_of(request.user)
        else None
    )
    return render(
        request,
        "eldercare/claims.html",
        {"form": form, "month": month, "claims": rows, "run": run},
    )


@staff_required
@permission_required("eldercare.view_claim", raise_exception=True)
def claim_detail(request, pk: int):
    claim = selectors.claim_detail(user=request.user, pk=pk)
    page = Paginator(selectors.claim_lines(claim=claim), 100).get_page(request.GET.get("page"))
    return render(request, "eldercare/claim_detail.html", {"claim": claim, "page": page})


# ---------------------------------------------------------------- inspections


def _places(user):
    qs = scope_queryset(Organisation.objects.filter(is_void=False), user)
    own = selectors.institution_of(user)
    if own:
        qs = qs.filter(pk=own.organisation_id)
    return [(o.pk, o.name) for o in qs.order_by("division_id", "name").only("pk", "name")]


@staff_required
@permission_required("eldercare.view_inspection", raise_exception=True)
def inspection_list(request):
    page = Paginator(
        selectors.inspection_list(user=request.user).order_by("-inspected_on", "-id"), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "eldercare/inspection_list.html",
        {
            "page": page,
            "overdue": selectors.overdue_findings(user=request.user)[:100],
            "open": selectors.open_findings(user=request.user)[:100],
            "today": timezone.localdate(),
        },
    )


@staff_required
@permission_required("eldercare.add_inspection", raise_exception=True)
def inspection_create(request):
    types = list(InspectionType.objects.prefetch_related("items"))
    items = [
        (i.pk, f"{t.name} · {i.code} {i.text}") for t in types for i in t.items.all() if i.is_active
    ]
    form = InspectionForm(
        request.POST or None,
        places=_places(request.user),
        types=[(t.code, t.name) for t in types],
        kinds=PlaceKind.choices,
    )
    rows = [
        FindingForm(request.POST or None, request.FILES or None, prefix=f"f{n}", items=items)
        for n in range(1, FINDING_ROWS + 1)
    ]
    if request.method == "POST" and form.is_valid() and all(r.is_valid() for r in rows):
        d = form.cleaned_data
        findings = [
            services.FindingInput(
                item_id=r.cleaned_data["item"],
                description=r.cleaned_data["description"],
                deadline=r.cleaned_data["deadline"],
                photos=[r.cleaned_data["photo"]] if r.cleaned_data.get("photo") else [],
            )
            for r in rows
            if r.cleaned_data.get("item")
            or r.cleaned_data.get("description")
            or r.cleaned_data.get("deadline")
        ]
        try:
            inspection = services.inspection_create(
                actor=request.user,
                place_id=d["place"],
                place_kind=d["place_kind"],
                inspection_type_code=d["inspection_type"],
                inspected_on=d["inspected_on"],
                inspectors=d["inspectors"],
                summary=d["summary"],
                findings=findings,
            )
        except ValidationError as exc:
            for key, errors in exc.error_dict.items():
                parts = key.split(".")
                if parts[0] == "findings" and len(parts) == 3:
                    row = rows[int(parts[1]) - 1] if int(parts[1]) <= len(rows) else None
                    target = (
                        parts[2] if parts[2] in ("item", "description", "deadline") else "photo"
                    )
                    for e in errors:
                        (row or form).add_error(target if row else None, e.messages[0])
                else:
                    for e in errors:
                        form.add_error(key if key in form.fields else None, e.messages[0])
        else:
            messages.success(request, _("检查已登记。"))
            return redirect("eldercare:inspection_detail", pk=inspection.pk)
    return render(request, "eldercare/inspection_form.html", {"form": form, "rows": rows})


@staff_required
@permission_required("eldercare.view_inspection", raise_exception=True)
def inspection_detail(request, pk: int):
    inspection = selectors.inspection_detail(user=request.user, pk=pk)
    findings = list(
        inspection.findings.select_related("item").prefetch_related("follow_ups").order_by("id")
    )
    return render(
        request,
        "eldercare/inspection_detail.html",
        {
            "inspection": inspection,
            "findings": findings,
            "followup_form": FollowUpForm(initial={"visited_on": timezone.localdate()}),
            "today": timezone.localdate(),
        },
    )


@staff_required
@permission_required("eldercare.add_followup", raise_exception=True)
def finding_followup(request, pk: int):
    finding = selectors.finding_detail(user=request.user, pk=pk)
    form = FollowUpForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.followup_record(
                actor=request.user,
                finding=finding,
                visited_on=d["visited_on"],
                note=d["note"],
                rectified=d["rectified"],
                photos=[d["photo"]] if d.get("photo") else [],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("复查已登记。"))
            return redirect("eldercare:inspection_detail", pk=finding.inspection_id)
    return render(
        request,
        "eldercare/form.html",
        {"form": form, "title": _("整改复查"), "multipart": True, "finding": finding},
    )


# ---------------------------------------------------------------- figures


def _figures(user, year: int) -> dict:
    by_town = selectors.beds_by_town(user=user)
    by_grade = selectors.beds_by_grade(user=user)
    months = selectors.subsidy_by_month(user=user, year=year)
    open_by_town: dict[str, int] = {}
    towns = dict(_towns())
    for f in selectors.open_findings(user=user).values_list("inspection__division_id", flat=True):
        name = towns.get(f[:9], f[:9])
        open_by_town[name] = open_by_town.get(name, 0) + 1
    return {
        "by_town": by_town,
        "by_grade": by_grade,
        "months": months,
        "open_by_town": open_by_town,
    }


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


@staff_required
@permission_required("eldercare.view_claim", raise_exception=True)
def stats(request):
    year = _year(request)
    figures = _figures(request.user, year)
    chart = {
        "towns": [r["town"] for r in figures["by_town"]],
        "beds": [r["beds"] for r in figures["by_town"]],
        "occupied": [r["occupied"] for r in figures["by_town"]],
        "grades": [str(rules.GRADE_LABELS[r["grade"]]) for r in figures["by_grade"]],
        "grade_beds": [r["beds"] for r in figures["by_grade"]],
        "grade_occupied": [r["occupied"] for r in figures["by_grade"]],
        "months": [f"{r['month']:%Y-%m}" for r in figures["months"]],
        "paid": [float(r["total"] or 0) for r in figures["months"]],
        "open_towns": list(figures["open_by_town"]),
        "open_counts": list(figures["open_by_town"].values()),
    }
    return render(request, "eldercare/stats.html", {"year": year, "chart": chart, **figures})


@staff_required
@permission_required("eldercare.view_claim", raise_exception=True)
def stats_export(request):
    from openpyxl import Workbook

    year = _year(request)
    f = _figures(request.user, year)
    wb = Workbook()
    ws = wb.active
    ws.title = _("床位")
    ws.append([_("镇街"), _("机构数"), _("床位"), _("在住"), _("入住率")])
    for r in f["by_town"]:
        ws.append(
            [
                r["town"],
                r["institutions"],
                r["beds"],
                r["occupied"],
                round(r["occupied"] / r["beds"], 4) if r["beds"] else 0,
            ]
        )
    ws = wb.create_sheet(_("等级"))
    ws.append([_("等级"), _("机构数"), _("床位"), _("在住")])
    for r in f["by_grade"]:
        ws.append(
            [str(rules.GRADE_LABELS[r["grade"]]), r["institutions"], r["beds"], r["occupied"]]
        )
    ws = wb.create_sheet(_("运营补贴"))
    ws.append([_("月份"), _("机构数"), _("老人数"), _("金额（元）")])
    for r in f["months"]:
        ws.append([f"{r['month']:%Y-%m}", r["claims"], r["elders"], float(r["total"] or 0)])
    ws = wb.create_sheet(_("未销号整改"))
    ws.append([_("镇街"), _("问题数")])
    for town, n in f["open_by_town"].items():
        ws.append([town, n])
    out = io.BytesIO()
    wb.save(out)
    audit.record(actor=request.user, action=audit.Action.EXPORT, summary=f"导出养老服务统计 {year}")
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="eldercare-{year}.xlsx"'
    return response


# ---------------------------------------------------------------- portal


def portal_home(request):
    """Public: institutions with vacancies, grade and services; houses with their hours."""
    form = TownFilterForm(request.GET or None, towns=_towns())
    town = form.cleaned_data.get("town", "") if form.is_valid() else ""
    institutions = selectors.public_institutions(town=town).order_by("division_id", "name")
    return render(
        request,
        "eldercare/portal_home.html",
        {
            "form": form,
            "institutions": institutions,
            "houses": selectors.public_houses(town=town).order_by("division_id", "name"),
            "grade_labels": rules.GRADE_LABELS,
        },
    )


@resident_required
def portal_apply(request, kind: str, pk: int):
    if kind not in ServiceRequest.Kind.values:
        raise Http404
    place = (
        selectors.public_institutions().filter(pk=pk).first()
        if kind == ServiceRequest.Kind.ADMISSION
        else selectors.public_houses().filter(pk=pk).first()
    )
    if place is None:
        raise Http404
    form = RequestForm(request.POST or None)
    if kind == ServiceRequest.Kind.ADMISSION:
        del form.fields["service"]
    else:
        form.fields["service"].choices = [
            (s, lbl) for s, lbl in zip(place.services, place.service_labels, strict=True)
        ]
        form.fields["service"].required = True
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.service_request_submit(
                resident=request.user,
                kind=kind,
                institution_id=pk if kind == ServiceRequest.Kind.ADMISSION else None,
                house_id=pk if kind == ServiceRequest.Kind.HOUSE else None,
                elder_name=d["elder_name"],
                contact_name=d["contact_name"],
                phone=d["phone"],
                service=d.get("service", ""),
                note=d["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("申请已提交，工作人员将与您联系。"))
            return redirect("eldercare:portal_home")
    return render(
        request, "eldercare/portal_apply.html", {"form": form, "place": place, "kind": kind}
    )
