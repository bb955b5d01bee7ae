"""Study pages: the staff workbench (secretaries, officers, leaders) and the members'
phone pages on the portal. Thin: parse, call a service or selector, render."""

from __future__ import annotations

import datetime as dt
import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core import audit
from minzheng.core.forms_util import add_service_errors
from minzheng.core.views import staff_required
from minzheng.portal.decorators import resident_required

from . import forms, selectors, services
from .models import Question, ReflectionState, SittingState, StudyDay
from .workflows import REFLECTION

MEMBER_SALT = "learning.member-code"


def _qr_svg(data: str, scale: int = 6) -> str:
    return segno.make(data, error="m").svg_inline(scale=scale, dark="#000", light="#fff")


def _errors_to_messages(request, exc: ValidationError) -> None:
    for msgs in exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]:
        for m in msgs:
            messages.error(request, m)


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    if 2000 <= year <= 2100:
        return year
    latest = StudyDay.objects.order_by("-day").values_list("day", flat=True).first()
    return latest.year if latest else timezone.localdate().year


def member_token(member) -> str:
    return signing.dumps({"m": member.pk}, salt=MEMBER_SALT, compress=True)


def _member_from_token(token: str):
    try:
        pk = signing.loads(token, salt=MEMBER_SALT, max_age=dt.timedelta(days=400))["m"]
    except (signing.BadSignature, KeyError, TypeError):
        raise ValidationError({"code": _("党员码无效。")}) from None
    return pk


# ---------------------------------------------------------------- staff: overview


@staff_required
@permission_required("learning.view_studyissue", raise_exception=True)
def home(request):
    year = _year(request)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = selectors.branch_overview(user=request.user, start=start, end=end)
    chart = {
        "branches": [r.name for r in rows],
        "participation": [r.participation for r in rows],
        "minutes": [r.minutes_per_member for r in rows],
        "average": [r.average for r in rows],
    }
    pending = selectors.reflection_list(user=request.user, state=ReflectionState.SUBMITTED)
    return render(
        request,
        "learning/home.html",
        {"rows": rows, "year": year, "chart": chart, "pending": pending.count()},
    )


@staff_required
@permission_required("learning.view_studyissue", raise_exception=True)
def members(request):
    year = _year(request)
    behind = request.GET.get("behind") == "1"
    rows = selectors.member_rows(
        user=request.user, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31), behind_only=behind
    )
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(request, "learning/members.html", {"page": page, "year": year, "behind": behind})


@staff_required
@permission_required("learning.export_learning", raise_exception=True)
def export(request):
    from openpyxl import Workbook

    year = _year(request)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    wb = Workbook()
    ws = wb.active
    ws.title = _("支部")
    ws.append(
        [
            _("党支部"),
            _("党员数"),
            _("参学人数"),
            _("参学率%"),
            _("学习分钟"),
            _("人均分钟"),
            _("积分"),
            _("测试人次"),
            _("平均分"),
            _("活动签到"),
        ]
    )
    for r in selectors.branch_overview(user=request.user, start=start, end=end):
        ws.append(
            [
                r.name,
                r.members,
                r.active,
                r.participation,
                r.minutes,
                r.minutes_per_member,
                r.points,
                r.sat,
                r.average,
                r.attended,
            ]
        )
    ws2 = wb.create_sheet(_("党员"))
    ws2.append(
        [
            _("姓名"),
            _("党支部"),
            _("学习天数"),
            _("学习分钟"),
            _("最近学习"),
            _("测试次数"),
            _("平均分"),
        ]
    )
    for m in selectors.member_rows(user=request.user, start=start, end=end):
        ws2.append([m.name, m.branch, m.days, m.minutes, m.last_day, m.tests, m.average])
    out = io.BytesIO()
    wb.save(out)
    audit.record(actor=request.user, action=audit.Action.EXPORT, summary=f"导出党史学习统计 {year}")
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="learning-{year}.xlsx"'
    return response


# ---------------------------------------------------------------- staff: issues


@staff_required
@permission_required("learning.view_studyissue", raise_exception=True)
def issues(request):
    page = Paginator(selectors.issue_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "learning/issues.html", {"page": page})


@staff_required
@permission_required("learning.add_studyissue", raise_exception=True)
def issue_create(request):
    branches = selectors.staff_branches(request.user)
    form = forms.IssueForm(request.POST or None, request.FILES or None, branches=branches)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            issue = services.issue_create(
                actor=request.user,
                data=services.IssueInput(
                    d["year"],
                    d["number"],
                    d["title"],
                    d["body"],
                    d["reading_minutes"],
                    d["branches"],
                ),
                files=d["files"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存为草稿，确认后请发布。"))
            return redirect("learning:issue", issue_id=issue.pk)
    return render(request, "learning/form.html", {"form": form, "title": _("新增学习资料")})


@staff_required
@permission_required("learning.view_studyissue", raise_exception=True)
def issue_detail(request, issue_id: int):
    issue = selectors.issue_detail(user=request.user, issue_id=issue_id)
    if request.method == "POST":
        try:
            services.issue_publish(actor=request.user, issue=issue)
            messages.success(request, _("已发布到所选支部。"))
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        return redirect("learning:issue", issue_id=issue.pk)
    return render(
        request,
        "learning/issue.html",
        {
            "issue": issue,
            "attachments": selectors.issue_attachments(issue),
            "readings": selectors.issue_readings(issue, request.user),
            "branches": issue.branches.all(),
        },
    )


# ---------------------------------------------------------------- staff: question bank


@staff_required
@permission_required("learning.view_question", raise_exception=True)
def questions(request):
    q, category = request.GET.get("q", "")[:40], request.GET.get("category", "")[:40]
    page = Paginator(selectors.question_list(q=q, category=category), 50).get_page(
        request.GET.get("page")
    )
    form = forms.ImportForm()
    return render(
        request,
        "learning/questions.html",
        {"page": page, "q": q, "categories": selectors.question_categories(), "form": form},
    )


@staff_required
@permission_required("learning.import_question", raise_exception=True)
@require_POST
def question_import(request):
    form = forms.ImportForm(request.POST, request.FILES)
    errors: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.question_import(
                actor=request.user, content=upload.read(), filename=upload.name
            )
        except ValidationError as exc:
            errors = [m for msgs in exc.message_dict.values() for m in msgs]
        else:
            messages.success(
                request,
                _("导入完成：新增 %(c)s 题，更新 %(u)s 题。")
                % {"c": result.created, "u": result.updated},
            )
            return redirect("learning:questions")
    else:
        errors = [e for errs in form.errors.values() for e in errs]
    return render(request, "learning/import_errors.html", {"errors": errors}, status=400)


@staff_required
@permission_required("learning.change_question", raise_exception=True)
def question_edit(request, question_id: int):
    question = Question.objects.filter(pk=question_id).first()
    if question is None:
        raise Http404
    labels = {v: k for k, v in services.KINDS.items()}
    initial = {
        "category": question.category,
        "seq": question.seq,
        "stem": question.stem,
        "kind": labels[question.kind],
        "options": "|".join(f"{o['key']}.{o['text']}" for o in question.options)
        if question.kind in ("single", "multiple")
        else "",
        "answer": {"T": "对", "F": "错"}.get(question.answer, question.answer)
        if question.kind == "judge"
        else question.answer,
        "difficulty": {1: "易", 2: "中", 3: "难"}[question.difficulty],
        "explanation": question.explanation,
    }
    form = forms.QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = services.question_row_input(
            (
                d["category"],
                d["seq"],
                d["stem"],
                d["kind"],
                d["options"],
                d["answer"],
                d["difficulty"],
                d["explanation"],
            )
        )
        try:
            services.question_update(
                actor=request.user, question=question, data=data, reason=d["reason"]
            )
        except ValidationError as exc:
            for col, msgs in exc.message_dict.items():
                for m in msgs:
                    form.add_error(None, f"{col}：{m}" if col != "reason" else m)
        else:
            messages.success(request, _("已保存，修改记录可在下方查看。"))
            return redirect("learning:question_edit", question_id=question.pk)
    history = question.history.select_related("history_user").order_by("-history_date")[:50]
    return render(
        request, "learning/question.html", {"form": form, "question": question, "history": history}
    )


# ---------------------------------------------------------------- staff: tests


@staff_required
@permission_required("learning.view_monthlytest", raise_exception=True)
def tests(request):
    page = Paginator(selectors.test_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "learning/tests.html", {"page": page})


def _aware(value):
    return timezone.make_aware(value) if value and timezone.is_naive(value) else value


@staff_required
@permission_required("learning.add_monthlytest", raise_exception=True)
def test_create(request):
    branches = selectors.staff_branches(request.user)
    form = forms.TestForm(request.POST or None, branches=branches)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            test = services.test_create(
                actor=request.user,
                data=services.TestInput(
                    title=d["title"],
                    month=d["month"],
                    mode=d["mode"],
                    branch_ids=d["branches"],
                    time_limit_minutes=d["time_limit_minutes"],
                    opens_at=_aware(d["opens_at"]),
                    closes_at=_aware(d["closes_at"]),
                    points_per_question=d["points_per_question"],
                    spec=d["spec"],
                    question_ids=d["question_ids"],
                ),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("测试已发布。"))
            return redirect("learning:test", test_id=test.pk)
    return render(
        request,
        "learning/form.html",
        {"form": form, "title": _("新建每月一测"), "categories": selectors.question_categories()},
    )


@staff_required
@permission_required("learning.view_monthlytest", raise_exception=True)
def test_detail(request, test_id: int):
    test = selectors.test_detail(user=request.user, test_id=test_id)
    branches, sittings = selectors.test_ranking(user=request.user, test=test)
    return render(
        request,
        "learning/test.html",
        {"test": test, "branches": branches, "sittings": sittings[:500]},
    )


# ---------------------------------------------------------------- staff: events, reflections


@staff_required
@permission_required("learning.view_event", raise_exception=True)
def events(request):
    page = Paginator(selectors.event_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "learning/events.html", {"page": page})


@staff_required
@permission_required("learning.add_event", raise_exception=True)
def event_create(request):
    branches = selectors.staff_branches(request.user)
    form = forms.EventForm(request.POST or None, branches=branches)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            event = services.event_create(
                actor=request.user,
                data=services.EventInput(
                    kind=d["kind"],
                    title=d["title"],
                    site=d["site"],
                    starts_at=_aware(d["starts_at"]),
                    ends_at=_aware(d["ends_at"]),
                    branch_ids=d["branches"],
                    speaker=d["speaker"],
                    description=d["description"],
                ),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("learning:event", event_id=event.pk)
    return render(request, "learning/form.html", {"form": form, "title": _("新建讲座或参观")})


@staff_required
@permission_required("learning.view_event", raise_exception=True)
def event_detail(request, event_id: int):
    """The event's check-in QR for members to scan, a camera scanner (jsQR) for members'
    own codes, attendance and reflections."""
    event = selectors.event_detail(user=request.user, event_id=event_id)
    if request.method == "POST":
        from minzheng.volunteers import selectors as volunteers

        try:
            pk = _member_from_token(request.POST.get("code", "").strip())
            member = (
                volunteers.party_members(
                    branch_ids=selectors.staff_branches(request.user).values("pk")
                )
                .filter(pk=pk)
                .first()
            )
            if member is None:
                raise ValidationError({"code": _("党员码无效。")})
            services.attendance_check_in(actor=request.user, event=event, member=member)
            messages.success(request, _("%(n)s 已签到。") % {"n": member.person.name})
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        return redirect("learning:event", event_id=event.pk)
    url = request.build_absolute_uri(
        reverse("learning:portal_checkin", args=[services.event_token(event)])
    )
    return render(
        request,
        "learning/event.html",
        {
            "event": event,
            "qr": _qr_svg(url),
            "url": url,
            "attendance": selectors.event_attendance(event, request.user),
            "reflections": selectors.reflection_list(user=request.user).filter(event=event),
        },
    )


@staff_required
@permission_required("learning.view_reflection", raise_exception=True)
def reflections(request):
    state = request.GET.get("state", ReflectionState.SUBMITTED)
    if state not in ReflectionState.values:
        state = ""
    page = Paginator(selectors.reflection_list(user=request.user, state=state), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "learning/reflections.html",
        {"page": page, "state": state, "states": ReflectionState.choices},
    )


@staff_required
@permission_required("learning.view_reflection", raise_exception=True)
def reflection_detail(request, reflection_id: int):
    reflection = selectors.reflection_detail(user=request.user, reflection_id=reflection_id)
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reflection_review(
                actor=request.user,
                reflection=reflection,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["review_note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("审阅结果已保存。"))
            return redirect("learning:reflections")
    return render(
        request,
        "learning/reflection.html",
        {
            "reflection": reflection,
            "form": form,
            "can_review": request.user.has_perm("learning.review_reflection")
            and REFLECTION.allowed(reflection.state),
            "log": [
                (t, _(REFLECTION.by_name[t.name].label))
                for t in reflection.transitions.select_related("actor")
            ],
        },
    )


# ---------------------------------------------------------------- portal (members)


def _member_or_page(request):
    member = selectors.member_for_user(request.user)
    if member is None:
        return None, render(request, "learning/portal_not_member.html", status=403)
    return member, None


@resident_required
def portal_home(request):
    member, refused = _member_or_page(request)
    if refused:
        return refused
    form = forms.CheckinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            c = services.checkin_create(
                actor=request.user,
                minutes=form.cleaned_data["minutes"],
                book=form.cleaned_data["book"],
            )
            messages.success(
                request,
                _("打卡成功：学习 %(m)s 分钟，获得 %(p)s 积分。") % {"m": c.minutes, "p": c.points},
            )
            return redirect("learning:portal_home")
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(
        request,
        "learning/portal_home.html",
        {
            "member": member,
            "today": selectors.member_today(member),
            "form": form,
            "issues": selectors.member_issues(member)[:5],
            "tests": selectors.member_tests(member)[:3],
            "sittings": selectors.member_sittings(member),
            "events": selectors.member_events(member)[:3],
            "now": timezone.now(),
        },
    )


@resident_required
def portal_issues(request):
    member, refused = _member_or_page(request)
    if refused:
        return refused
    page = Paginator(selectors.member_issues(member), 30).get_page(request.GET.get("page"))
    return render(request, "learning/portal_issues.html", {"page": page})


@resident_required
def portal_issue(request, issue_id: int):
    member, refused = _member_or_page(request)
    if refused:
        return refused
    issue = selectors.member_issue(member, issue_id)
    if request.method == "POST":
        try:
            seconds = min(3600, max(0, int(request.POST.get("seconds") or 0)))
        except ValueError:
            seconds = 0
        try:
            services.reading_record(actor=request.user, issue=issue, seconds=seconds, finished=True)
            minutes = max(1, round(seconds / 60)) if seconds else issue.reading_minutes
            c = services.checkin_create(
                actor=request.user,
                minutes=min(minutes, issue.reading_minutes * 2),
                source="material",
                issue=issue,
            )
            messages.success(
                request,
                _("已读完并打卡：学习 %(m)s 分钟，获得 %(p)s 积分。")
                % {"m": c.minutes, "p": c.points},
            )
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        return redirect("learning:portal_issue", issue_id=issue.pk)
    record = services.reading_record(actor=request.user, issue=issue)
    return render(
        request,
        "learning/portal_issue.html",
        {"issue": issue, "attachments": selectors.issue_attachments(issue), "record": record},
    )


@resident_required
def portal_attachment(request, issue_id: int, token: str):
    """A file of an issue, for members of a branch the issue was sent to (core's download
    view is for staff; this is the same check of the owner, from the member's side)."""
    member, refused = _member_or_page(request)
    if refused:
        raise Http404
    issue = selectors.member_issue(member, issue_id)
    attachment = selectors.issue_attachments(issue).filter(token=token).first()
    if attachment is None:
        raise Http404
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=not attachment.content_type_header.startswith(("image/", "video/")),
        filename=attachment.original_name,
        content_type=attachment.content_type_header,
    )


@resident_required
def portal_tests(request):
    member, refused = _member_or_page(request)
    if refused:
        return refused
    return render(
        request,
        "learning/portal_tests.html",
        {
            "tests": selectors.member_tests(member)[:50],
            "sittings": selectors.member_sittings(member),
            "now": timezone.now(),
        },
    )


@resident_required
def portal_test(request, test_id: int):
    """The test-taking page: the paper comes from the API (start, resume), each answer is
    saved as it is given, the clock is the server's."""
    member, refused = _member_or_page(request)
    if refused:
        return refused
    test = selectors.member_test(member, test_id)
    sitting = selectors.member_sittings(member).get(test.pk)
    if sitting and sitting.state != SittingState.OPEN:
        return redirect("learning:portal_result", sitting_id=sitting.pk)
    return render(
        request,
        "learning/portal_test.html",
        {
            "test": test,
            "config": {
                "start": reverse("api-learning-start", args=[test.pk]),
                "answer": reverse("api-learning-answer", args=[0, 0]),
                "submit": reverse("api-learning-submit", args=[0]),
                "result": reverse("learning:portal_result", args=[0]),
            },
        },
    )


@resident_required
def portal_result(request, sitting_id: int):
    member, refused = _member_or_page(request)
    if refused:
        return refused
    sitting = selectors.member_sitting(member, sitting_id)
    if sitting.state == SittingState.OPEN:
        return redirect("learning:portal_test", test_id=sitting.test_id)
    return render(
        request,
        "learning/portal_result.html",
        {"sitting": sitting, "questions": sitting.questions.all()},
    )


@resident_required
def portal_events(request):
    member, refused = _member_or_page(request)
    if refused:
        return refused
    from .models import EventAttendance, Reflection

    attended = set(EventAttendance.objects.filter(member=member).values_list("event_id", flat=True))
    mine = {r.event_id: r for r in Reflection.objects.filter(member=member)}
    return render(
        request,
        "learning/portal_events.html",
        {"events": selectors.member_events(member)[:50], "attended": attended, "mine": mine},
    )


@resident_required
def portal_checkin(request, token: str):
    """Opened by scanning the event's QR code with the member's phone."""
    member, refused = _member_or_page(request)
    if refused:
        return refused
    try:
        event = services.event_from_token(token)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
        return redirect("learning:portal_events")
    if not selectors.member_can_see(member, event):
        raise Http404
    if request.method == "POST":
        try:
            services.attendance_check_in(actor=request.user, event=event)
            messages.success(request, _("签到成功。"))
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        return redirect("learning:portal_checkin", token=token)
    from .models import EventAttendance

    done = EventAttendance.objects.filter(event=event, member=member).first()
    return render(request, "learning/portal_checkin.html", {"event": event, "done": done})


@resident_required
def portal_reflection(request, event_id: int):
    member, refused = _member_or_page(request)
    if refused:
        return refused
    event = selectors.member_event(member, event_id)
    from .models import Reflection

    existing = Reflection.objects.filter(event=event, member=member).first()
    initial = {"title": existing.title, "body": existing.body} if existing else None
    form = forms.ReflectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.reflection_submit(
                actor=request.user,
                event=event,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("心得体会已提交，等待支部书记审阅。"))
            return redirect("learning:portal_events")
    return render(
        request,
        "learning/portal_reflection.html",
        {"event": event, "form": form, "existing": existing},
    )


@resident_required
def portal_mine(request):
    member, refused = _member_or_page(request)
    if refused:
        return refused
    year = _year(request)
    return render(
        request,
        "learning/portal_mine.html",
        {
            "member": member,
            "year": year,
            "record": selectors.member_record(member, year=year),
            "today": selectors.member_today(member),
            "code": _qr_svg(member_token(member), scale=5),
        },
    )
