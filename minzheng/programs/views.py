"""Pages of the assistance engine: the staff workbench (queues, case page, actions,
disbursement batches) and the resident portal (apply, follow, notices, publicity).
Thin: parse, call a selector or a service, render."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core.district import district_code
from minzheng.core.forms_util import add_service_errors, add_service_errors_where_free
from minzheng.core.scope import user_prefix
from minzheng.core.selectors import division_choices
from minzheng.core.views import staff_required
from minzheng.portal.decorators import resident_required

from . import exports, selectors, services
from .forms import (
    AdvanceForm,
    ApplicationForm,
    ApproveForm,
    BatchForm,
    CaseSearchForm,
    DocumentForm,
    ObjectionForm,
    ReasonForm,
    ReturnFileForm,
    ReturnForm,
    VisitForm,
)
from .models import Application, Programme, State
from .notices import notice_pdf

# ---------------------------------------------------------------- staff: workbench


@staff_required
@permission_required("programs.view_application", raise_exception=True)
def workbench(request):
    today = timezone.localdate()
    queues = selectors.queues_for(request.user)
    key = request.GET.get("q") or (queues[0].key if queues else "accept")
    if key not in selectors.QUEUE_BY_KEY:
        raise Http404
    overdue_only = request.GET.get("overdue") == "1"
    qs = selectors.queue_list(
        user=request.user,
        queue=key,
        programme_code=request.GET.get("programme", ""),
        overdue_only=overdue_only,
        today=today,
    )
    counts = selectors.queue_counts(user=request.user, today=today)
    paginator = Paginator(qs, 50)
    if not request.GET.get("programme") and not overdue_only:
        # The GROUP BY counts already hold this queue's size: no second COUNT(*).
        paginator.count = counts[key]["n"]
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "programs/workbench.html",
        {
            "queues": queues,
            "queue": selectors.QUEUE_BY_KEY[key],
            "counts": counts,
            "page": page,
            "today": today,
            "overdue_only": overdue_only,
            "paperwork_overdue": selectors.paperwork_overdue(user=request.user, today=today)[:20],
            "programmes": Programme.objects.filter(is_active=True),
        },
    )


@staff_required
@permission_required("programs.view_application", raise_exception=True)
def case_search(request):
    """All applications in scope, open or closed, any year: filtered, paged, exported."""
    form = CaseSearchForm(
        request.GET or None,
        programmes=Programme.objects.all(),
        divisions=division_choices(user=request.user),
    )
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.application_search(
        user=request.user,
        year=filters.get("year"),
        programme_code=filters.get("programme", ""),
        state=filters.get("state", ""),
        division_code=filters.get("division", ""),
        text=filters.get("text", ""),
    )
    if request.GET.get("format") == "xlsx" and form.is_valid():
        response = HttpResponse(
            exports.applications_export_xlsx(actor=request.user, queryset=qs, filters=filters),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="applications.xlsx"'
        return response
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "programs/case_search.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )


def _colleagues(user, application):
    return selectors.second_investigators(user=user, application=application)


@staff_required
@permission_required("programs.view_application", raise_exception=True)
def case_detail(request, pk: int, forms: dict | None = None):
    app = selectors.application_detail(user=request.user, application_id=pk)
    forms = forms or {}
    ctx = {
        "app": app,
        "timeline": selectors.application_timeline(application=app),
        "documents": selectors.application_documents(application=app),
        "decision": selectors.current_decision(application=app),
        "notices": app.notices.all(),
        "today": timezone.localdate(),
        "missing": services.required_documents_missing(app),
        "allowed": {s.name for s in services.allowed_transitions(app.state)},
        "return_form": forms.get("return") or ReturnForm(programme=app.programme),
        "visit_form": forms.get("visit")
        or VisitForm(
            colleagues=_colleagues(request.user, app), initial={"visited_on": timezone.localdate()}
        ),
        "refuse_form": forms.get("refuse") or ReasonForm(),
        "object_form": forms.get("object") or ObjectionForm(),
        "advance_form": forms.get("advance") or AdvanceForm(),
        "approve_form": forms.get("approve")
        or ApproveForm(initial={"amount": selectors.proposed_amount(application=app)}),
        "document_form": forms.get("document") or DocumentForm(programme=app.programme),
        "investigations": app.investigations.select_related("staff_1", "staff_2"),
        "objections": app.objections.all(),
        "facts": selectors.facts_display(application=app),
        "approval_level": services.approval_level(app, timezone.localdate())
        if app.state == State.REVIEW
        else "",
    }
    return render(request, "programs/case_detail.html", ctx, status=400 if forms else 200)


ACTIONS = {
    "accept",
    "return",
    "visit",
    "publicise",
    "object",
    "end_publicity",
    "approve",
    "refuse",
    "withdraw",
    "close",
    "advance",
    "document",
    "resubmit",
}


@staff_required
@require_POST
@permission_required("programs.view_application", raise_exception=True)
def case_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    app = selectors.application_detail(user=request.user, application_id=pk)
    user, post = request.user, request.POST
    form = None
    try:
        if action == "accept":
            services.application_accept(actor=user, application=app)
        elif action == "return":
            form = ReturnForm(post, programme=app.programme)
            if form.is_valid():
                services.application_return(
                    actor=user,
                    application=app,
                    missing_kinds=form.cleaned_data["missing_kinds"],
                    note=form.cleaned_data["note"],
                )
        elif action == "resubmit":
            services.application_resubmit(actor=user, application=app)
        elif action == "visit":
            form = VisitForm(post, request.FILES, colleagues=_colleagues(user, app))
            if form.is_valid():
                d = form.cleaned_data
                photos = [d["photos"]] if d.get("photos") else []
                services.investigation_record(
                    actor=user,
                    application=app,
                    staff_2=d["staff_2"],
                    visited_on=d["visited_on"],
                    household_check=d["household_check"],
                    findings=d["findings"],
                    photos=photos,
                )
        elif action == "publicise":
            services.application_publicise(actor=user, application=app)
        elif action == "object":
            form = ObjectionForm(post)
            if form.is_valid():
                services.objection_record(
                    actor=user,
                    application=app,
                    content=form.cleaned_data["content"],
                    raised_by=form.cleaned_data["raised_by"],
                )
        elif action == "end_publicity":
            services.publicity_end(actor=user, application=app)
        elif action == "approve":
            form = ApproveForm(post)
            if form.is_valid():
                services.application_approve(
                    actor=user,
                    application=app,
                    amount=form.cleaned_data["amount"],
                    note=form.cleaned_data["note"],
                )
        elif action == "refuse":
            form = ReasonForm(post)
            if form.is_valid():
                services.application_refuse(
                    actor=user, application=app, reasons=form.cleaned_data["reason"]
                )
        elif action == "withdraw":
            services.application_withdraw(
                actor=user, application=app, reason=post.get("reason", "")
            )
        elif action == "close":
            services.application_close(actor=user, application=app)
        elif action == "advance":
            form = AdvanceForm(post)
            if form.is_valid():
                services.fast_path_advance(
                    actor=user, application=app, amount=form.cleaned_data["amount"]
                )
        elif action == "document":
            form = DocumentForm(post, request.FILES, programme=app.programme)
            if form.is_valid():
                services.document_add(
                    actor=user,
                    application=app,
                    upload=form.cleaned_data["file"],
                    kind=form.cleaned_data["kind"],
                )
    except ValidationError as exc:
        if form is None:
            for message in (
                exc.messages
                if not hasattr(exc, "error_dict")
                else [m for ms in exc.message_dict.values() for m in ms]
            ):
                messages.error(request, message)
            return redirect("programs:case", pk=pk)
        add_service_errors(form, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您的角色没有此项操作权限。"))
        return redirect("programs:case", pk=pk)
    if form is not None and form.errors:
        key = {
            "return": "return",
            "visit": "visit",
            "refuse": "refuse",
            "object": "object",
            "advance": "advance",
            "document": "document",
            "approve": "approve",
        }[action]
        return case_detail(request, pk, forms={key: form})
    messages.success(request, _("已办理。"))
    return redirect("programs:case", pk=pk)


def _registry_initial(request, number: str) -> tuple[dict, object]:
    """At the counter: the registry person with this ID number (in the worker's scope) and
    their current household, as the form's initial values; (initial, None) when none."""
    from minzheng.registry import selectors as registry_q

    try:
        person = registry_q.person_by_id_number(number, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return {}, None
    if person is None:
        return {}, None
    membership = registry_q.person_households(person=person).filter(left_on__isnull=True).first()
    initial = {
        "applicant_name": person.name,
        "applicant_id_number": number.strip().upper(),
        "division": person.residence_division_id,
        "person": person.pk,
    }
    if membership is not None:
        members = registry_q.household_members(household=membership.household)
        initial["household"] = membership.household_id
        initial["fact_household_size"] = members.filter(left_on__isnull=True).count()
    return initial, person


def _apply(request, *, programme, divisions, resident, template, done):
    staff = resident is None
    picked = None
    if staff and request.method == "POST" and request.POST.get("action") == "lookup":
        # Pick the person from the registry first: nothing is typed twice, the case is
        # linked to the person (and appears on their page).
        initial, picked = _registry_initial(request, request.POST.get("lookup_id_number", ""))
        if picked is None and not list(messages.get_messages(request)):
            messages.warning(
                request,
                _(
                    "人口库中没有该身份证号码的人员（或不在您的辖区）：请先登记人员，或直接填写下表。"
                ),
            )
        initial["idempotency_key"] = uuid.uuid4().hex
        form = ApplicationForm(
            programme=programme, divisions=divisions, staff=staff, initial=initial
        )
        return render(
            request,
            template,
            {"form": form, "programme": programme, "picked": picked},
        )
    if request.method == "POST":
        form = ApplicationForm(
            request.POST, request.FILES, programme=programme, divisions=divisions, staff=staff
        )
        if form.is_valid():
            d = form.cleaned_data
            data = services.ApplicationInput(
                programme_code=programme.code,
                division_code=d["division"],
                applicant_name=d["applicant_name"],
                applicant_id_number=d["applicant_id_number"],
                phone=d["phone"],
                facts=form.facts(),
                idempotency_key=d["idempotency_key"],
                bank_name=d["bank_name"],
                bank_account=d["bank_account"],
                staff_related=d["staff_related"],
                staff_related_note=d.get("staff_related_note", ""),
                channel=Application.Channel.COUNTER if staff else Application.Channel.PORTAL,
                person_id=d.get("person") or None,
                household_id=d.get("household") or None,
            )
            try:
                app = services.application_submit(
                    actor=request.user, data=data, resident=resident, documents=form.documents()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("申请已提交，编号 %(n)s。") % {"n": app.number})
                return redirect(done, pk=app.pk)
        else:  # the files' and the service's problems too: everything at once
            for name, message in services.documents_errors(programme, form.documents()).items():
                form.add_error(name, message)
            d = form.cleaned_data
            try:
                services.application_prepare(
                    actor=request.user,
                    resident=resident,
                    on=timezone.localdate(),
                    data=services.ApplicationInput(
                        programme_code=programme.code,
                        division_code=d.get("division") or "",
                        applicant_name=d.get("applicant_name") or "",
                        applicant_id_number=d.get("applicant_id_number") or "",
                        phone=d.get("phone") or "",
                        facts={
                            n.removeprefix("fact_"): d.get(n)
                            for n in form.fact_names
                            if d.get(n) not in (None, "")
                        },
                        bank_name=d.get("bank_name") or "",
                        bank_account=d.get("bank_account") or "",
                    ),
                )
            except ValidationError as exc:
                add_service_errors_where_free(form, exc)
    else:
        initial = {"idempotency_key": uuid.uuid4().hex}
        if resident is not None:
            # What the account already knows: the bound name and ID number, the verified phone.
            profile = getattr(request.user, "resident_profile", None)
            if profile and profile.real_name:
                initial["applicant_name"] = profile.real_name
            if profile and profile.is_bound:
                initial["applicant_id_number"] = profile.id_number
            if profile and profile.phone:
                initial["phone"] = profile.phone
        form = ApplicationForm(
            programme=programme, divisions=divisions, staff=staff, initial=initial
        )
    return render(
        request,
        template,
        {"form": form, "programme": programme},
        status=400 if form.errors else 200,
    )


@staff_required
@permission_required("programs.add_application", raise_exception=True)
def case_new(request):
    code = request.GET.get("programme", "")
    if not code:
        return render(
            request,
            "programs/choose_programme.html",
            {"programmes": Programme.objects.filter(is_active=True)},
        )
    programme = get_object_or_404(Programme, code=code, is_active=True)
    return _apply(
        request,
        programme=programme,
        divisions=division_choices(user=request.user),
        resident=None,
        template="programs/case_new.html",
        done="programs:case",
    )


def _notice_response(notice):
    response = HttpResponse(notice_pdf(notice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}.pdf"'
    return response


@staff_required
@permission_required("programs.view_application", raise_exception=True)
def case_notice(request, pk: int, notice_id: int):
    app = selectors.application_detail(user=request.user, application_id=pk)
    return _notice_response(get_object_or_404(app.notices, pk=notice_id))


# ---------------------------------------------------------------- staff: disbursement


@staff_required
@permission_required("programs.manage_disbursement", raise_exception=True)
def batch_list(request):
    """Money moves in two steps: a preview (how many lines, how much, to whom), then the
    confirmed creation of exactly that selection."""
    programmes = Programme.objects.filter(is_active=True)
    form = BatchForm(request.POST or None, programmes=programmes)
    preview = None
    if request.method == "POST" and form.is_valid():
        division = request.user.division_id if user_prefix(request.user) else district_code()
        criteria = {
            "division_code": division,
            "programme_code": form.cleaned_data["programme"] or None,
            "group_by_payee": form.cleaned_data["group_by_payee"],
        }
        if request.POST.get("action") != "create":
            groups = services.batch_groups(**criteria)
            preview = {
                "lines": len(groups),
                "applications": sum(len(g) for g in groups.values()),
                "total": sum((services.owed(a) for g in groups.values() for a in g), Decimal(0)),
            }
        else:
            try:
                batch = services.disbursement_batch_create(actor=request.user, **criteria)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("programs:batch", pk=batch.pk)
    page = Paginator(selectors.batch_list(user=request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "programs/batch_list.html",
        {"form": form, "page": page, "preview": preview},
        status=400 if form.errors else 200,
    )


@staff_required
@permission_required("programs.manage_disbursement", raise_exception=True)
def batch_detail(request, pk: int):
    batch = selectors.batch_detail(user=request.user, batch_id=pk)
    form = ReturnFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.disbursement_return_start(
                actor=request.user, batch=batch, content=upload.read(), filename=upload.name
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("回盘文件已通过检查，正在入账，进度见下方。"))
            return redirect("programs:batch", pk=pk)
    lines = Paginator(batch.lines.order_by("id"), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "programs/batch_detail.html",
        {
            "batch": batch,
            "form": form,
            "page": lines,
            "job": selectors.batch_return_job(user=request.user, batch=batch),
            "unchanged": {line.pk for line in services.failed_lines_unchanged(batch)},
            "has_failed": batch.lines.filter(status="failed").exists(),
        },
        status=400 if form.errors else 200,
    )


@staff_required
@require_POST
@permission_required("programs.manage_disbursement", raise_exception=True)
def batch_line_account(request, pk: int, line_id: int):
    """Correct the payee account of a failed line's applications before the re-run."""
    batch = selectors.batch_detail(user=request.user, batch_id=pk)
    line = get_object_or_404(batch.lines, pk=line_id, status="failed")
    try:
        for item in line.items.select_related("application"):
            services.application_bank_account_update(
                actor=request.user,
                application=item.application,
                bank_name=request.POST.get("bank_name", ""),
                bank_account=request.POST.get("bank_account", ""),
            )
    except (ValidationError, PermissionDenied) as exc:
        for message in getattr(exc, "messages", [str(exc)]):
            messages.error(request, message)
    else:
        messages.success(request, _("明细 %(n)d 的收款账号已修改。") % {"n": line.pk})
    return redirect("programs:batch", pk=pk)


@staff_required
@permission_required("programs.manage_disbursement", raise_exception=True)
def batch_export(request, pk: int):
    batch = selectors.batch_detail(user=request.user, batch_id=pk)
    response = HttpResponse(
        services.disbursement_export_xlsx(actor=request.user, batch=batch),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{batch.number}.xlsx"'
    return response


@staff_required
@require_POST
@permission_required("programs.manage_disbursement", raise_exception=True)
def batch_rerun(request, pk: int):
    batch = selectors.batch_detail(user=request.user, batch_id=pk)
    try:
        new = services.disbursement_rerun(
            actor=request.user,
            batch=batch,
            resend_unchanged=request.POST.get("resend_unchanged") == "1",
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("programs:batch", pk=pk)
    return redirect("programs:batch", pk=new.pk)


# ---------------------------------------------------------------- resident portal


@resident_required
def portal_home(request):
    """Open to everyone: the programmes with their guides, the progress lookup and the
    publicity; a signed-in resident also sees their applications."""
    resident = request.user.is_authenticated and request.user.kind == "resident"
    return render(
        request,
        "programs/portal_home.html",
        {
            "applications": (
                selectors.resident_applications(user=request.user) if resident else []
            ),
            "resident": resident,
            "programmes": selectors.portal_programmes(),
        },
    )


def _town_community_choices() -> list:
    """Communities grouped under their town (the town's own office first): one grouped
    list that works without JavaScript; portal/linked_select.js narrows it to the town
    chosen in the first select."""
    from minzheng.core.models import Division

    groups: dict[str, list] = {}
    towns = Division.objects.filter(level="town", is_active=True).order_by("code")
    for town in towns:
        groups[town.code] = [(town.code, _("%(town)s（镇街本级）") % {"town": town.name})]
    for d in Division.objects.filter(level="community", is_active=True).order_by("code"):
        groups.setdefault(d.parent_id, []).append((d.code, d.name))
    return [(t.name, groups[t.code]) for t in towns]


def portal_guide(request, code: str):
    """办事指南, open to everyone: who may apply, the documents, where, and how long each
    stage may take (the policy parameters in force)."""
    from minzheng.core.params import ParameterMissing, parameter_value

    from .guides import ELIGIBILITY, TIME_LIMITS

    programme = get_object_or_404(selectors.portal_programmes(), code=code)
    today = timezone.localdate()
    limits = []
    for key, label in TIME_LIMITS:
        try:
            value = parameter_value(key, on=today)
        except ParameterMissing:
            continue
        limits.append({"label": label, "value": value})
    return render(
        request,
        "programs/portal_guide.html",
        {"programme": programme, "eligibility": ELIGIBILITY.get(code, ""), "limits": limits},
    )


def portal_progress(request):
    """Progress lookup by application number + ID number, open to everyone. The same
    answer for "no such application" and "wrong ID number", so it confirms nothing about
    either; limited per client address (`PROGRESS_LOOKUP`, attempts counted whatever the
    answer); POST only, so the numbers stay out of addresses and access logs, and nothing
    personal is logged."""
    from minzheng.core.context import client_ip

    from .forms import ProgressForm
    from .ratelimit import PROGRESS_LOOKUP

    form = ProgressForm(request.POST or None)
    found = not_found = None
    status = 200
    if request.method == "POST" and form.is_valid():
        decision = PROGRESS_LOOKUP.hit(client_ip(request))
        if not decision.allowed:
            form.add_error(
                None,
                _("查询过于频繁，请 %(m)d 分钟后再试。")
                % {"m": max(1, (decision.retry_after + 59) // 60)},
            )
            status = 429
        else:
            found = selectors.application_progress(
                number=form.cleaned_data["number"], id_number=form.cleaned_data["id_number"]
            )
            not_found = found is None
    return render(
        request,
        "programs/portal_progress.html",
        {"form": form, "found": found, "not_found": not_found},
        status=status,
    )


@resident_required
def portal_apply(request, code: str):
    programme = get_object_or_404(selectors.portal_programmes(), code=code)
    return _apply(
        request,
        programme=programme,
        divisions=_town_community_choices(),
        resident=request.user,
        template="programs/portal_apply.html",
        done="programs:portal_case",
    )


@resident_required
def portal_case(request, pk: int):
    app = selectors.resident_application(user=request.user, application_id=pk)
    form = DocumentForm(request.POST or None, request.FILES or None, programme=app.programme)
    if request.method == "POST":
        try:
            if "resubmit" in request.POST:
                services.application_resubmit(actor=request.user, application=app)
                messages.success(request, _("已重新提交。"))
                return redirect("programs:portal_case", pk=pk)
            if form.is_valid():
                services.document_add(
                    actor=request.user,
                    application=app,
                    upload=form.cleaned_data["file"],
                    kind=form.cleaned_data["kind"],
                )
                messages.success(request, _("材料已上传。"))
                return redirect("programs:portal_case", pk=pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(
        request,
        "programs/portal_case.html",
        {
            "app": app,
            "form": form,
            "timeline": selectors.application_timeline(application=app),
            "decision": selectors.current_decision(application=app),
            "notices": app.notices.all(),
            "documents": selectors.application_documents(application=app),
        },
        status=400 if form.errors else 200,
    )


@resident_required
def portal_notice(request, pk: int, notice_id: int):
    app = selectors.resident_application(user=request.user, application_id=pk)
    return _notice_response(get_object_or_404(app.notices, pk=notice_id))


def publicity(request):
    """公示: open to everyone; names masked, amounts shown."""
    page = Paginator(selectors.publicity_list(), 50).get_page(request.GET.get("page"))
    return render(request, "programs/publicity.html", {"page": page})
