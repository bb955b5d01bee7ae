"""Rescue pages: the staff workbench and the portal's 寻亲 pages. Thin: parse, call, render."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core import audit
from minzheng.core.forms_util import add_service_errors
from minzheng.core.models import Attachment
from minzheng.core.scope import scope_queryset
from minzheng.core.selectors import all_division_choices
from minzheng.core.views import staff_required
from minzheng.portal.decorators import resident_required

from . import selectors, services
from .forms import (
    AttachForm,
    DailyRecordForm,
    DecisionForm,
    IntakeForm,
    NoticeForm,
    NoticeSearchForm,
    ReportForm,
    ReturnForm,
    TransitionForm,
)
from .models import Case, CaseState, Notice, NoticeStatus, ReportSource, ReportStatus, Station
from .workflows import CASE


def _intake_input(d: dict) -> services.IntakeInput:
    return services.IntakeInput(
        found_date=d.get("found_date"),
        found_place=d.get("found_place", ""),
        brought_by=d.get("brought_by", ""),
        sex=d.get("sex", ""),
        age_min=d.get("age_min"),
        age_max=d.get("age_max"),
        found_division_code=d.get("found_division", ""),
        told_name=d.get("told_name", ""),
        told_place=d.get("told_place", ""),
        dialect=d.get("dialect", ""),
        height_cm=d.get("height_cm"),
        build=d.get("build", ""),
        marks=d.get("marks", ""),
        clothing=d.get("clothing", ""),
        health_state=d.get("health_state", ""),
        mental_state=d.get("mental_state", ""),
        belongings=d.get("belongings", ""),
        fingerprint_done=d.get("fingerprint_done", False),
        fingerprint_ref=d.get("fingerprint_ref", ""),
        dna_done=d.get("dna_done", False),
        dna_ref=d.get("dna_ref", ""),
    )


def _report_input(d: dict) -> services.ReportInput:
    return services.ReportInput(
        name=d.get("name", ""),
        sex=d.get("sex", ""),
        missing_date=d.get("missing_date"),
        missing_place=d.get("missing_place", ""),
        birth_date=d.get("birth_date"),
        birth_year=d.get("birth_year"),
        description=d.get("description", ""),
        contact_name=d.get("contact_name", ""),
        contact_phone=d.get("contact_phone", ""),
        consent=d.get("consent", False),
    )


def _station_for(user) -> Station | None:
    return scope_queryset(Station.objects.order_by("id"), user).first()


# ---------------------------------------------------------------- workbench


@staff_required
@permission_required("rescue.view_case", raise_exception=True)
def workbench(request):
    state = request.GET.get("state", "")
    filters = selectors.CaseFilters(
        state=state if state in CaseState.values else "",
        q=request.GET.get("q", "").strip(),
        long_stay=request.GET.get("long_stay") == "1",
    )
    page = Paginator(selectors.case_list(user=request.user, filters=filters), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "rescue/workbench.html",
        {
            "page": page,
            "counts": selectors.state_counts(user=request.user),
            "states": CaseState.choices,
            "state": filters.state,
            "long_stay": selectors.long_stay_cases(user=request.user)[:20],
            "long_stay_days": selectors.long_stay_days(timezone.localdate()),
        },
    )


@staff_required
@permission_required("rescue.add_case", raise_exception=True)
def case_create(request):
    station = _station_for(request.user)
    if station is None:
        raise Http404
    form = IntakeForm(request.POST or None, request.FILES or None, divisions=all_division_choices())
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_intake(
                actor=request.user,
                station=station,
                data=_intake_input(form.cleaned_data),
                photo=form.cleaned_data.get("photo"),
                audio=form.cleaned_data.get("audio"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记 %(n)s，寻亲公告待审核发布。") % {"n": case.number})
            return redirect("rescue:case_detail", case_id=case.pk)
    return render(
        request, "rescue/form.html", {"form": form, "title": _("救助登记"), "multipart": True}
    )


@staff_required
@permission_required("rescue.change_case", raise_exception=True)
def case_edit(request, case_id: int):
    case = selectors.case_detail(user=request.user, case_id=case_id)
    initial = {name: getattr(case, name) for name in services.CASE_FIELDS} | {
        "found_division": case.found_division_id or ""
    }
    form = IntakeForm(
        request.POST or None, initial=initial, divisions=all_division_choices(), with_files=False
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update(
                actor=request.user, case=case, data=_intake_input(form.cleaned_data)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存，比对已重新运行。"))
            return redirect("rescue:case_detail", case_id=case.pk)
    return render(
        request,
        "rescue/form.html",
        {"form": form, "title": _("修改登记 %(n)s") % {"n": case.number}},
    )


def _attachments(case: Case):
    return Attachment.objects.filter(
        content_type__app_label="rescue",
        content_type__model="case",
        object_id=str(case.pk),
        is_void=False,
    )


@staff_required
@permission_required("rescue.view_case", raise_exception=True)
def case_candidates(request, case_id: int):
    """The candidates section alone: polled while matching runs, until it is done."""
    case = selectors.case_detail(user=request.user, case_id=case_id)
    return render(
        request,
        "rescue/_candidates.html",
        {"case": case, "candidates": selectors.case_candidates(case=case)},
    )


@staff_required
@permission_required("rescue.view_case", raise_exception=True)
def case_detail(request, case_id: int):
    case = selectors.case_detail(user=request.user, case_id=case_id)
    return_home = getattr(case, "return_home", None)
    return render(
        request,
        "rescue/case_detail.html",
        {
            "case": case,
            "transitions": case.transitions.select_related("actor"),
            "records": case.daily_records.select_related("actor")[:30],
            "candidates": selectors.case_candidates(case=case),
            "attachments": _attachments(case),
            "notice": Notice.objects.filter(case=case).first(),
            "return_home": return_home,
            "posting": return_home and selectors.return_posting(ret=return_home),
            "transition_form": TransitionForm(),
            "record_form": DailyRecordForm(initial={"day": timezone.localdate()}),
            "attach_form": AttachForm(),
            "can_return": CASE.can(case.state, CaseState.RETURNED),
        },
    )


def _post_then_detail(request, case_id: int, form_class, call):
    case = selectors.case_detail(user=request.user, case_id=case_id)
    form = form_class(request.POST, request.FILES or None)
    if form.is_valid():
        try:
            call(case, form.cleaned_data)
        except ValidationError as exc:
            for messages_ in exc.message_dict.values():
                for m in messages_:
                    messages.error(request, m)
        else:
            messages.success(request, _("已保存。"))
    else:
        for errors in form.errors.values():
            for m in errors:
                messages.error(request, m)
    return redirect("rescue:case_detail", case_id=case.pk)


@staff_required
@require_POST
@permission_required("rescue.change_case", raise_exception=True)
def case_transition(request, case_id: int):
    return _post_then_detail(
        request,
        case_id,
        TransitionForm,
        lambda case, d: services.case_transition(
            actor=request.user, case=case, to_state=d["to_state"], reason=d["reason"]
        ),
    )


@staff_required
@require_POST
@permission_required("rescue.change_case", raise_exception=True)
def case_daily(request, case_id: int):
    return _post_then_detail(
        request,
        case_id,
        DailyRecordForm,
        lambda case, d: services.daily_record_add(
            actor=request.user, case=case, day=d["day"], note=d["note"]
        ),
    )


@staff_required
@require_POST
@permission_required("rescue.change_case", raise_exception=True)
def case_attach(request, case_id: int):
    return _post_then_detail(
        request,
        case_id,
        AttachForm,
        lambda case, d: services.case_attach(
            actor=request.user, case=case, upload=d["file"], kind=d["kind"]
        ),
    )


@staff_required
@require_POST
@permission_required("rescue.change_case", raise_exception=True)
def case_rematch(request, case_id: int):
    case = selectors.case_detail(user=request.user, case_id=case_id)
    n = services.case_rematch(case_id=case.pk)
    messages.success(request, _("比对完成，%(n)d 条候选。") % {"n": n})
    return redirect("rescue:case_detail", case_id=case.pk)


@staff_required
@permission_required("rescue.view_case", raise_exception=True)
def candidate_review(request, candidate_id: int):
    candidate = selectors.candidate_detail(user=request.user, candidate_id=candidate_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("rescue.decide_match"):
            raise Http404
        if form.is_valid():
            try:
                services.candidate_decide(
                    actor=request.user,
                    candidate=candidate,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已记录核实结果。"))
                return redirect("rescue:case_detail", case_id=candidate.case_id)
    return render(
        request,
        "rescue/candidate_review.html",
        {"c": candidate, "case": candidate.case, "report": candidate.report, "form": form},
    )


@staff_required
@require_POST
@permission_required("rescue.change_missingreport", raise_exception=True)
def report_reveal(request, report_id: int):
    report = selectors.report_detail(user=request.user, report_id=report_id)
    phone = services.report_contact_reveal(actor=request.user, report=report)
    return HttpResponse(f'<span data-testid="revealed-phone">{escape(phone)}</span>')


@staff_required
@require_POST
@permission_required("rescue.add_returnhome", raise_exception=True)
def return_post_costs(request, case_id: int):
    case = selectors.case_detail(user=request.user, case_id=case_id)
    ret = getattr(case, "return_home", None)
    if ret is None:
        raise Http404
    try:
        entry = services.return_costs_post(actor=request.user, ret=ret)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        if entry is not None:
            messages.success(request, _("送返费用已记账，凭证号 %(n)s。") % {"n": entry.number})
    return redirect("rescue:case_detail", case_id=case.pk)


@staff_required
@permission_required("rescue.add_returnhome", raise_exception=True)
def return_create(request, case_id: int):
    case = selectors.case_detail(user=request.user, case_id=case_id)
    initial = {"return_date": timezone.localdate()}
    if case.confirmed_report:
        initial["destination"] = case.confirmed_report.missing_place
        initial["handover_name"] = case.confirmed_report.contact_name
    form = ReturnForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            ret = services.return_record(
                actor=request.user,
                case=case,
                data=services.ReturnInput(
                    destination=d["destination"],
                    escort=d["escort"],
                    transport=d["transport"],
                    handover_to=d["handover_to"],
                    handover_name=d["handover_name"],
                    return_date=d["return_date"],
                    cost_transport=d.get("cost_transport") or 0,
                    cost_meals=d.get("cost_meals") or 0,
                    cost_other=d.get("cost_other") or 0,
                    note=d.get("note", ""),
                ),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已送返结案，寻亲公告已撤下。"))
            if ret.cost_total and ret.ledger_entry_id is None:
                messages.warning(
                    request,
                    _("送返费用未能记账：预算余额不足。拨款后请在本页点击“费用记账”。"),
                )
            return redirect("rescue:case_detail", case_id=case.pk)
    return render(
        request, "rescue/form.html", {"form": form, "title": _("送返 %(n)s") % {"n": case.number}}
    )


# ---------------------------------------------------------------- reports, notices, returns, statistics


@staff_required
@permission_required("rescue.view_missingreport", raise_exception=True)
def report_list(request):
    qs = selectors.report_list(
        user=request.user, q=request.GET.get("q", "").strip(), status=request.GET.get("status", "")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request, "rescue/report_list.html", {"page": page, "statuses": ReportStatus.choices}
    )


@staff_required
@permission_required("rescue.add_missingreport", raise_exception=True)
def report_create(request):
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_create(
                actor=request.user,
                data=_report_input(form.cleaned_data),
                source=ReportSource.COUNTER,
                photo=form.cleaned_data.get("photo"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记 %(n)s。") % {"n": report.external_id})
            return redirect("rescue:report_list")
    return render(
        request, "rescue/form.html", {"form": form, "title": _("窗口寻亲登记"), "multipart": True}
    )


@staff_required
@permission_required("rescue.change_missingreport", raise_exception=True)
def report_edit(request, report_id: int):
    report = selectors.report_detail(user=request.user, report_id=report_id)
    initial = {f: getattr(report, f) for f in services.REPORT_EDITABLE}
    form = ReportForm(request.POST or None, initial=initial)
    del form.fields["photo"]
    form.fields["contact_phone"].help_text = _("留空则不修改（当前 %(p)s）。") % {
        "p": report.contact_phone_masked or "—"
    }
    if request.method == "POST" and form.is_valid():
        try:
            services.report_update(
                actor=request.user, report=report, data=_report_input(form.cleaned_data)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存，比对已重新运行。"))
            return redirect("rescue:report_list")
    return render(
        request,
        "rescue/form.html",
        {"form": form, "title": _("修改寻亲登记 %(n)s") % {"n": report.external_id}},
    )


@staff_required
@permission_required("rescue.view_notice", raise_exception=True)
def notice_list(request):
    page = Paginator(selectors.notice_list(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "rescue/notice_list.html", {"page": page})


@staff_required
@permission_required("rescue.change_notice", raise_exception=True)
@require_POST
def notice_publish(request, notice_id: int):
    notice = get_object_or_404(selectors.notice_list(user=request.user), pk=notice_id)
    try:
        services.notice_publish(actor=request.user, notice=notice)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("寻亲公告已发布。"))
    return redirect("rescue:case_detail", case_id=notice.case_id)


@staff_required
@permission_required("rescue.change_notice", raise_exception=True)
def notice_edit(request, notice_id: int):
    notice = get_object_or_404(selectors.notice_list(user=request.user), pk=notice_id)
    form = NoticeForm(
        request.POST or None, initial={"title": notice.title, "appearance": notice.appearance}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_update(
                actor=request.user,
                notice=notice,
                title=form.cleaned_data["title"],
                appearance=form.cleaned_data["appearance"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("公告已更新。"))
            return redirect("rescue:notice_list")
    return render(request, "rescue/form.html", {"form": form, "title": _("修改寻亲公告")})


@staff_required
@permission_required("rescue.view_returnhome", raise_exception=True)
def return_list(request):
    page = Paginator(selectors.return_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "rescue/return_list.html", {"page": page})


def _year(request) -> int:
    try:
        return int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year


@staff_required
@permission_required("rescue.view_case", raise_exception=True)
def stats(request):
    year = _year(request)
    rows = selectors.monthly_stats(user=request.user, year=year)
    chart = {
        "months": [f"{r.month}月" for r in rows],
        "intakes": [r.intakes for r in rows],
        "returns": [r.returns for r in rows],
        "days": [r.average_days for r in rows],
    }
    return render(
        request,
        "rescue/stats.html",
        {
            "rows": rows,
            "year": year,
            "chart": chart,
            "total_intakes": sum(r.intakes for r in rows),
            "total_returns": sum(r.returns for r in rows),
        },
    )


@staff_required
@permission_required("rescue.export_rescue", raise_exception=True)
def stats_export(request):
    from openpyxl import Workbook

    year = _year(request)
    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}"
    ws.append([_("月份"), _("入站人数"), _("送返人数"), _("平均送返天数")])
    for r in selectors.monthly_stats(user=request.user, year=year):
        ws.append([f"{year}-{r.month:02d}", r.intakes, r.returns, r.average_days])
    out = io.BytesIO()
    wb.save(out)
    audit.record(actor=request.user, action=audit.Action.EXPORT, summary=f"导出救助统计 {year}")
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="rescue-stats-{year}.xlsx"'
    return response


# ---------------------------------------------------------------- portal


def _notice_filters(form: NoticeSearchForm) -> selectors.NoticeFilters:
    d = form.cleaned_data if form.is_valid() else {}
    return selectors.NoticeFilters(
        sex=d.get("sex", ""),
        age=d.get("age"),
        place=d.get("place", ""),
        since=d.get("since"),
        until=d.get("until"),
        dialect=d.get("dialect", ""),
    )


def portal_home(request):
    """Public notices (anyone may look) and the way to report a missing relative."""
    form = NoticeSearchForm(request.GET or None)
    page = Paginator(selectors.public_notices(_notice_filters(form)), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "rescue/portal_home.html",
        {"form": form, "page": page, "stations": selectors.public_stations()},
    )


def portal_notice(request, notice_id: int):
    notice = get_object_or_404(selectors.public_notices(), pk=notice_id)
    return render(
        request,
        "rescue/portal_notice.html",
        {"notice": notice, "stations": selectors.public_stations()},
    )


def portal_notice_photo(request, notice_id: int):
    """The photo of a published notice, served to anyone; nothing else of the case is."""
    notice = get_object_or_404(
        Notice.objects.filter(status=NoticeStatus.PUBLISHED).exclude(photo_token=""), pk=notice_id
    )
    attachment = get_object_or_404(
        Attachment, token=notice.photo_token, is_void=False, kind="photo"
    )
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type_header)


@resident_required
def portal_report(request):
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_create(
                actor=request.user,
                data=_report_input(form.cleaned_data),
                source=ReportSource.PORTAL,
                photo=form.cleaned_data.get("photo"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已收到您的寻亲登记（编号 %(n)s）。一旦比对到可能的人员，工作人员会与您联系。")
                % {"n": report.external_id},
            )
            return redirect("rescue:portal_mine")
    return render(request, "rescue/portal_report.html", {"form": form})


@resident_required
def portal_mine(request):
    return render(
        request,
        "rescue/portal_mine.html",
        {"reports": selectors.resident_reports(user=request.user)},
    )
