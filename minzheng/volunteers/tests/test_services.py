from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from minzheng.core.sms import MemoryBackend
from minzheng.volunteers import documents, selectors, services
from minzheng.volunteers.models import Attendance, AttendanceCorrection, Shift, SignUp

from .conftest import at

pytestmark = pytest.mark.django_db


def _shift(activity) -> Shift:
    return Shift.objects.filter(post__activity=activity).first()


def _fails(fn, **kw) -> dict:
    with pytest.raises(ValidationError) as exc:
        fn(**kw)
    return {k: v[0] for k, v in exc.value.message_dict.items()}


@pytest.mark.parametrize(
    ("start", "end", "needed", "expected"),
    [
        ((4, 10), (4, 9), 1, {"ends_at": "结束时间必须晚于开始时间。"}),
        ((4, 10), (4, 10), 1, {"ends_at": "结束时间必须晚于开始时间。"}),
        ((4, 10), (4, 11), 0, {"needed": "需要人数至少为 1。"}),
        (
            (3, 11),
            (3, 13),
            1,
            {"starts_at": "与本岗位已有班次时间重叠，请调整时间或增加该班次人数。"},
        ),
    ],
)
def test_shift_with_reversed_empty_or_overlapping_times_or_no_headcount_is_refused(
    organiser, activity, start, end, needed, expected
):
    before = Shift.objects.count()
    errors = _fails(
        services.shift_add,
        actor=organiser,
        post=activity.posts.get(),
        starts_at=at(*start),
        ends_at=at(*end),
        needed=needed,
    )
    assert errors == expected
    assert Shift.objects.count() == before


def test_publish_notifies_matching_volunteers_by_sms(
    organiser, make_volunteer, django_capture_on_commit_callbacks
):
    match = make_volunteer(skills=("测温",), phone="13800000001")
    make_volunteer(skills=("引导",), phone="13800000002")
    a = services.activity_create(
        actor=organiser, title="测温", division_code="440605124073", organiser="罗村"
    )
    post = services.post_add(
        actor=organiser,
        site=services.site_add(actor=organiser, activity=a, name="点"),
        role="测温",
        required_skill="测温",
    )
    services.shift_add(actor=organiser, post=post, starts_at=at(2, 8), ends_at=at(2, 10), needed=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_publish(actor=organiser, activity=a)
    assert [p for p, _t in MemoryBackend.outbox] == [match.person.phone]

    # The task run again (a retried worker) notifies nobody a second time.
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_activity_published(activity_id=a.pk)
    assert [p for p, _t in MemoryBackend.outbox] == [match.person.phone]


def test_activity_moves_only_by_its_declared_workflow_and_logs_each(organiser):
    a = services.activity_create(
        actor=organiser, title="测温", division_code="440605124073", organiser="罗村"
    )
    with pytest.raises(ValidationError) as exc:
        services.activity_close(actor=organiser, activity=a)  # a draft cannot be ended
    assert exc.value.message_dict == {"status": ["当前状态“草稿”不能执行“结束活动”。"]}
    post = services.post_add(
        actor=organiser, site=services.site_add(actor=organiser, activity=a, name="点"), role="测温"
    )
    services.shift_add(actor=organiser, post=post, starts_at=at(2, 8), ends_at=at(2, 10), needed=1)
    services.activity_publish(actor=organiser, activity=a)
    with pytest.raises(ValidationError):
        services.activity_publish(actor=organiser, activity=a)  # published once
    services.activity_close(actor=organiser, activity=a, reason="活动结束")
    with pytest.raises(ValidationError):
        services.activity_close(actor=organiser, activity=a)
    a.refresh_from_db()
    assert a.status == "closed" and a.published_at is not None
    assert list(a.transitions.values_list("name", "from_state", "to_state", "reason")) == [
        ("create", "", "draft", ""),
        ("publish", "draft", "published", ""),
        ("close", "published", "closed", "活动结束"),
    ]


def test_close_page_ends_the_activity_with_a_confirmation(client, organiser, activity):
    client.force_login(organiser)
    page = client.get(f"/staff/volunteers/activities/{activity.pk}/").content.decode()
    assert 'data-confirm="确定结束该活动吗？' in page
    response = client.post(f"/staff/volunteers/activities/{activity.pk}/close/")
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == "closed"
    assert (
        "结束活动"
        not in client.get(f"/staff/volunteers/activities/{activity.pk}/").content.decode()
    )


def test_signup_confirms_takes_a_place_and_a_full_shift_is_refused_unless_waitlisted(
    activity, make_volunteer
):
    shift = _shift(activity)
    a, b, c = (make_volunteer() for _ in range(3))
    assert (
        services.signup_create(actor=None, volunteer=a, shift=shift).status
        == SignUp.Status.CONFIRMED
    )
    services.signup_create(actor=None, volunteer=b, shift=shift)
    assert _fails(services.signup_create, actor=None, volunteer=c, shift=shift) == {
        "shift": "该班次已满，可以加入候补。"
    }
    assert SignUp.objects.filter(volunteer=c).count() == 0
    assert (
        services.signup_create(actor=None, volunteer=c, shift=shift, waitlist=True).status
        == SignUp.Status.WAITLISTED
    )
    shift.refresh_from_db()
    assert shift.taken == 2


def test_withdrawal_fills_the_place_from_the_waiting_list_in_order(
    activity, make_volunteer, django_capture_on_commit_callbacks
):
    shift = _shift(activity)
    a, b, first, second = (make_volunteer() for _ in range(4))
    sa = services.signup_create(actor=None, volunteer=a, shift=shift)
    services.signup_create(actor=None, volunteer=b, shift=shift)
    w1 = services.signup_create(actor=None, volunteer=first, shift=shift, waitlist=True)
    w2 = services.signup_create(actor=None, volunteer=second, shift=shift, waitlist=True)
    MemoryBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.signup_withdraw(actor=None, signup=sa)
    w1.refresh_from_db(), w2.refresh_from_db()
    assert (w1.status, w2.status) == (SignUp.Status.CONFIRMED, SignUp.Status.WAITLISTED)
    assert MemoryBackend.outbox[0][0] == first.person.phone
    shift.refresh_from_db()
    assert shift.taken == 2


def test_withdrawal_after_the_deadline_is_refused(activity, make_volunteer):
    shift = _shift(activity)
    signup = services.signup_create(actor=None, volunteer=make_volunteer(), shift=shift)
    late = shift.starts_at - dt.timedelta(hours=11)
    assert (
        "退出截止"
        in _fails(services.signup_withdraw, actor=None, signup=signup, now=late)["signup"]
    )
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.CONFIRMED


def test_overlapping_shifts_and_the_daily_hour_limit_are_refused(
    organiser, activity, make_volunteer
):
    v = make_volunteer()
    post = activity.posts.get()
    services.signup_create(actor=None, volunteer=v, shift=_shift(activity))  # 08-12
    other = services.post_add(actor=organiser, site=post.site, role="引导", required_skill="引导")
    overlapping = services.shift_add(
        actor=organiser, post=other, starts_at=at(3, 11), ends_at=at(3, 13), needed=5
    )
    long = services.shift_add(
        actor=organiser, post=other, starts_at=at(3, 13), ends_at=at(3, 18), needed=5
    )
    assert (
        "重叠"
        in _fails(services.signup_create, actor=None, volunteer=v, shift=overlapping)["shift"]
    )
    assert _fails(services.signup_create, actor=None, volunteer=v, shift=long) == {
        "shift": "超过每日服务时长上限 8 小时。"
    }
    assert SignUp.objects.filter(volunteer=v).count() == 1


def test_requirements_and_closed_activity_refuse_signup(organiser, activity, make_volunteer):
    post = activity.posts.get()
    party_post = services.post_add(
        actor=organiser, site=post.site, role="维持秩序", party_only=True
    )
    shift = services.shift_add(
        actor=organiser, post=party_post, starts_at=at(5, 8), ends_at=at(5, 9), needed=1
    )
    v = make_volunteer(skills=("引导",))
    assert _fails(services.signup_create, actor=None, volunteer=v, shift=_shift(activity)) == {
        "shift": "不具备岗位所需技能。"
    }
    assert _fails(services.signup_create, actor=None, volunteer=v, shift=shift) == {
        "shift": "该岗位仅限党员。"
    }
    services.activity_close(actor=organiser, activity=activity)
    shift.refresh_from_db()
    assert _fails(
        services.signup_create, actor=None, volunteer=make_volunteer(party=True), shift=shift
    ) == {"shift": "该班次已停止报名。"}
    assert SignUp.objects.count() == 0


def test_organiser_approval_and_rejection_frees_the_place(organiser, activity, make_volunteer):
    activity.auto_approve = False
    activity.save()
    shift = _shift(activity)
    a, b, c = (make_volunteer() for _ in range(3))
    sa = services.signup_create(actor=None, volunteer=a, shift=shift)
    sb = services.signup_create(actor=None, volunteer=b, shift=shift)
    sc = services.signup_create(actor=None, volunteer=c, shift=shift, waitlist=True)
    assert sa.status == SignUp.Status.PENDING
    assert (
        services.signup_decide(actor=organiser, signup=sa, approve=True).status
        == SignUp.Status.CONFIRMED
    )
    services.signup_decide(actor=organiser, signup=sb, approve=False)
    sc.refresh_from_db()
    assert sc.status == SignUp.Status.PENDING  # promoted, still needs approval


def _confirmed(activity, make_volunteer):
    v = make_volunteer()
    return v, services.signup_create(actor=None, volunteer=v, shift=_shift(activity))


def test_check_in_window_other_site_and_second_check_in(organiser, activity, make_volunteer):
    v, signup = _confirmed(activity, make_volunteer)
    site = activity.sites.get()
    other = services.site_add(actor=organiser, activity=activity, name="官窑检测点")
    start = signup.shift.starts_at
    assert _fails(
        services.attendance_check_in,
        actor=None,
        volunteer=v,
        site=site,
        now=start - dt.timedelta(hours=2),
    ) == {"site": "现在不在您任何班次的签到时间内。"}
    assert _fails(
        services.attendance_check_in,
        actor=None,
        volunteer=v,
        site=site,
        now=start + dt.timedelta(minutes=61),
    ) == {"site": "签到时间为 07:30 至 09:00。"}
    assert _fails(services.attendance_check_in, actor=None, volunteer=v, site=other, now=start) == {
        "site": "您本班次的服务点是“罗村社区检测点”，不是本服务点。"
    }
    assert Attendance.objects.count() == 0
    services.attendance_check_in(
        actor=None, volunteer=v, site=site, now=start - dt.timedelta(minutes=20)
    )
    assert _fails(services.attendance_check_in, actor=None, volunteer=v, site=site, now=start) == {
        "site": "您已签到，不能重复签到。"
    }
    assert Attendance.objects.count() == 1


def test_hours_are_service_time_inside_the_shift(activity, make_volunteer):
    v, signup = _confirmed(activity, make_volunteer)
    site, start = activity.sites.get(), signup.shift.starts_at
    services.attendance_check_in(
        actor=None, volunteer=v, site=site, now=start - dt.timedelta(minutes=25)
    )
    att = services.attendance_check_out(
        actor=None, volunteer=v, site=site, now=start + dt.timedelta(hours=4, minutes=30)
    )
    assert att.service_minutes == 240  # 08:00-12:00, not the early arrival nor the late stay
    assert selectors.volunteer_minutes(v) == 240


def test_missing_check_out_credits_the_shift_end_and_is_flagged_then_corrected(
    organiser, activity, make_volunteer
):
    v, signup = _confirmed(activity, make_volunteer)
    start, end = signup.shift.starts_at, signup.shift.ends_at
    services.attendance_check_in(
        actor=None, volunteer=v, site=activity.sites.get(), now=start + dt.timedelta(minutes=30)
    )
    assert services.attendance_close_missing(now=end + dt.timedelta(minutes=60)) == 0
    assert services.attendance_close_missing(now=end + dt.timedelta(minutes=121)) == 1
    att = Attendance.objects.get()
    assert (att.checked_out_at, att.checkout_missing, att.service_minutes) == (end, True, 210)
    with pytest.raises(ValidationError):
        services.attendance_correct(
            actor=organiser, attendance=att, checked_in_at=start, checked_out_at=end, reason=" "
        )
    services.attendance_correct(
        actor=organiser,
        attendance=att,
        checked_in_at=start,
        checked_out_at=end - dt.timedelta(hours=1),
        reason="点长核实：11 点离岗",
    )
    att.refresh_from_db()
    assert (att.service_minutes, att.checkout_missing) == (180, False)
    correction = AttendanceCorrection.objects.get()
    assert (correction.old_in, correction.reason) == (
        start + dt.timedelta(minutes=30),
        "点长核实：11 点离岗",
    )
    assert att.history.count() == 3


def test_certificate_pdf_holds_the_masked_id_hours_and_number(organiser, activity, make_volunteer):
    v, signup = _confirmed(activity, make_volunteer)
    start = signup.shift.starts_at
    services.attendance_check_in(actor=None, volunteer=v, site=activity.sites.get(), now=start)
    services.attendance_check_out(
        actor=None, volunteer=v, site=activity.sites.get(), now=start + dt.timedelta(hours=3)
    )
    day = start.date()
    assert _fails(
        services.certificate_issue,
        actor=organiser,
        volunteer=v,
        period_from=day,
        period_to=day - dt.timedelta(days=1),
        issuer="x",
    ) == {"period_to": "截止日期不能早于起始日期。"}
    cert = services.certificate_issue(
        actor=organiser,
        volunteer=v,
        period_from=day,
        period_to=day,
        issuer="佛山市南海区民政局",
        on=dt.date(2026, 6, 1),
    )
    assert cert.number == "NHZY2026000001"
    content = documents.certificate_pdf(cert, verify_url=f"https://example.test/v/{cert.token}/")
    import io

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "志愿服务记录证明" in text
    assert v.person.name in text
    assert v.person.id_number_masked in text
    assert v.person.id_number not in text
    assert "3.0 小时" in text
    assert "NHZY2026000001" in text
    assert "罗村核酸检测点志愿服务（测温）" in text
    assert "佛山市南海区民政局" in text


def test_dispatch_plan_keeps_confirmed_and_publishing_confirms_and_notifies(
    organiser, activity, make_volunteer, django_capture_on_commit_callbacks
):
    from minzheng.volunteers.models import WeeklyAvailability

    shift = _shift(activity)
    confirmed = make_volunteer(lat=23.5, lon=113.5)
    services.signup_create(actor=None, volunteer=confirmed, shift=shift)
    near, far = make_volunteer(lat=23.08, lon=113.03), make_volunteer(lat=23.3, lon=113.3)
    for v in (confirmed, near, far):
        WeeklyAvailability.objects.create(
            volunteer=v, weekday=shift.starts_at.weekday(), start=dt.time(7), end=dt.time(13)
        )
    plan = services.dispatch_solve(actor=organiser, activity=activity, time_limit=5)
    assert plan.solver_status == "OPTIMAL"
    assert sorted((a.volunteer_id, a.fixed) for a in plan.assignments.all()) == sorted(
        [(confirmed.pk, True), (near.pk, False)]
    )
    MemoryBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_publish(actor=organiser, plan=plan)
    assert SignUp.objects.get(volunteer=near).source == SignUp.Source.DISPATCH
    assert [p for p, _t in MemoryBackend.outbox] == [near.person.phone]


def test_self_registration_needs_a_bound_id_number(make_person):
    from minzheng.portal.services import resident_bind_id_number
    from minzheng.portal.tests.factories import resident

    person = make_person(name="陈志明")
    user = resident("13900000011")
    with pytest.raises(ValidationError):
        services.volunteer_self_register(user=user, skills=("引导",), weekly=[])
    resident_bind_id_number(user=user, real_name="陈志明", id_number=person.id_number)
    user.refresh_from_db()
    v = services.volunteer_self_register(
        user=user, skills=("引导",), weekly=[(5, dt.time(8), dt.time(12))]
    )
    assert (v.person_id, v.home_division_id, v.weekly.count()) == (person.pk, "440605124073", 1)


def test_a_shift_names_its_local_date_and_time_with_the_year(organiser, activity):
    shift = Shift.objects.filter(post__activity=activity).first()
    shift.starts_at = dt.datetime(2021, 5, 9, 0, 0, tzinfo=dt.UTC)  # 08:00 in Foshan
    assert str(shift) == f"{shift.post} 2021-05-09 08:00"
