from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from minzheng.core.sms import MemoryBackend
from minzheng.volunteers import services
from minzheng.volunteers.models import Shift, SignUp

pytestmark = pytest.mark.django_db


def test_activity_out_of_scope_is_404(client, jiujiang_worker, activity, organiser):
    from django.contrib.auth.models import Permission

    jiujiang_worker.user_permissions.add(Permission.objects.get(codename="view_activity"))
    client.force_login(jiujiang_worker)
    assert client.get(reverse("volunteers:activity", args=[activity.pk])).status_code == 404
    assert client.get(reverse("volunteers:board")).content.decode().count(activity.title) == 0
    client.force_login(organiser)
    assert (
        activity.title
        in client.get(reverse("volunteers:activity", args=[activity.pk])).content.decode()
    )


def test_workbench_pages_and_xlsx_export(client, organiser, activity, make_volunteer):
    v = make_volunteer()
    services.signup_create(actor=None, volunteer=v, shift=Shift.objects.get())
    client.force_login(organiser)
    for name, args in [
        ("board", []),
        ("activity", [activity.pk]),
        ("dispatch", [activity.pk]),
        ("attendance", [activity.pk]),
        ("ranking", []),
        ("volunteers", []),
        ("volunteer", [v.pk]),
        ("site_leader", [activity.sites.get().pk]),
    ]:
        assert client.get(reverse(f"volunteers:{name}", args=args)).status_code == 200, name
    response = client.get(reverse("volunteers:activity_export", args=[activity.pk]))
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["满岗情况", "考勤表", "党支部时长排行"]
    assert [c.value for c in wb["满岗情况"][2]][:2] == ["罗村社区检测点", "测温"]
    assert [c.value for c in wb["满岗情况"][2]][4:6] == [2, 1]


def test_bad_shift_form_shows_the_message_and_writes_nothing(client, organiser, activity):
    client.force_login(organiser)
    post = activity.posts.get()
    response = client.post(
        reverse("volunteers:activity_add", args=[activity.pk, "shift"]),
        {
            "shift-post": post.pk,
            "shift-starts_at": "2030-06-05T10:00",
            "shift-ends_at": "2030-06-05T09:00",
            "shift-needed": 1,
        },
        follow=True,
    )
    assert "结束时间必须晚于开始时间。" in response.content.decode()
    assert Shift.objects.count() == 1


def _bound_resident(make_person, phone="13900000021"):
    from minzheng.portal.services import resident_bind_id_number
    from minzheng.portal.tests.factories import resident

    person = make_person(name="梁嘉欣")
    user = resident(phone)
    resident_bind_id_number(user=user, real_name="梁嘉欣", id_number=person.id_number)
    return user


def test_resident_registers_and_signs_up_in_two_taps_then_checks_in(client, activity, make_person):
    user = _bound_resident(make_person)
    client.force_login(user)
    response = client.post(
        reverse("volunteers:portal_register"),
        {"skills": ["测温"], "weekdays": ["5"], "start": "08:00", "end": "12:00"},
    )
    assert response.status_code == 302
    page = client.get(reverse("volunteers:portal_activity", args=[activity.pk])).content.decode()
    assert "我报名" in page
    shift = Shift.objects.get()
    client.post(reverse("volunteers:portal_signup", args=[shift.pk]))
    signup = SignUp.objects.get()
    assert signup.status == SignUp.Status.CONFIRMED
    mine = client.get(reverse("volunteers:portal_mine")).content.decode()
    assert "罗村社区检测点" in mine and "<svg" in mine
    token = services.site_token(activity.sites.get())
    assert client.get(reverse("volunteers:portal_checkin", args=[token])).status_code == 200
    response = client.post(
        reverse("volunteers:portal_checkin", args=[token]), {"action": "in"}, follow=True
    )
    assert "现在不在您任何班次的签到时间内。" in response.content.decode()  # the shift is in 3 days


def test_staff_cannot_use_resident_pages_and_anonymous_is_sent_to_login(client, organiser):
    assert client.get(reverse("volunteers:portal_mine")).status_code == 302
    client.force_login(organiser)
    assert client.get(reverse("volunteers:portal_mine")).status_code == 403


def test_public_verification_shows_only_masked_name_and_hours(
    client, organiser, activity, make_volunteer
):
    from minzheng.volunteers.models import ServiceCertificate

    v = make_volunteer(name="何伟强")
    signup = services.signup_create(actor=None, volunteer=v, shift=Shift.objects.get())
    site, start = activity.sites.get(), signup.shift.starts_at
    services.attendance_check_in(actor=None, volunteer=v, site=site, now=start)
    services.attendance_check_out(
        actor=None, volunteer=v, site=site, now=start + dt.timedelta(hours=2)
    )
    cert = services.certificate_issue(
        actor=organiser,
        volunteer=v,
        period_from=start.date(),
        period_to=start.date(),
        issuer="南海区民政局",
    )
    page = client.get(reverse("volunteers:verify", args=[cert.token])).content.decode()
    assert "2.0" in page and cert.number in page and "何伟强" not in page
    assert client.get(reverse("volunteers:verify", args=["nope"])).status_code == 404
    client.force_login(organiser)
    response = client.get(reverse("volunteers:certificate_pdf", args=[cert.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert ServiceCertificate.objects.count() == 1


INSTANCE = {
    "volunteers": [
        {
            "id": "v1",
            "skills": ["测温"],
            "available": [["2021-06-05T07:00:00+08:00", "2021-06-05T13:00:00+08:00"]],
            "home": {"lat": 23.08, "lon": 113.03},
            "max_hours_per_day": 8,
        },
        {
            "id": "v2",
            "skills": ["引导"],
            "available": [["2021-06-05T07:00:00+08:00", "2021-06-05T19:00:00+08:00"]],
            "home": {"lat": 23.10, "lon": 113.10},
            "max_hours_per_day": 4,
        },
    ],
    "posts": [
        {
            "id": "p1",
            "role": "测温",
            "site": {"lat": 23.08, "lon": 113.03},
            "start": "2021-06-05T08:00:00+08:00",
            "end": "2021-06-05T11:00:00+08:00",
            "needed": 1,
            "skills": ["测温"],
        },
        {
            "id": "p2",
            "role": "引导",
            "site": {"lat": 23.08, "lon": 113.03},
            "start": "2021-06-05T08:00:00+08:00",
            "end": "2021-06-05T11:00:00+08:00",
            "needed": 2,
            "skills": ["引导"],
        },
    ],
}


def test_dispatch_solve_command_writes_the_plan(tmp_path):
    src, out = tmp_path / "in.json", tmp_path / "plan.json"
    src.write_text(json.dumps(INSTANCE))
    call_command(
        "dispatch_solve",
        "--input",
        str(src),
        "--output",
        str(out),
        "--time-limit",
        "5",
        stdout=io.StringIO(),
    )
    plan = json.loads(out.read_text())
    assert plan["status"] == "OPTIMAL"
    assert plan["assignments"] == [
        {"volunteer": "v1", "post": "p1"},
        {"volunteer": "v2", "post": "p2"},
    ]
    assert plan["unfilled"] == [
        {"post": "p2", "missing": 1, "reason": "busy", "eligible": 1, "blocked_by": {}}
    ]
    assert plan["objective"]["filled"] == 2


def test_dispatch_solve_command_refuses_bad_input_and_writes_nothing(tmp_path):
    bad = json.loads(json.dumps(INSTANCE))
    bad["posts"][0]["end"] = "2021-06-05T07:00:00+08:00"
    bad["fixed"] = [{"volunteer": "v9", "post": "p1"}]
    src, out = tmp_path / "in.json", tmp_path / "plan.json"
    src.write_text(json.dumps(bad))
    with pytest.raises(CommandError) as exc:
        call_command("dispatch_solve", "--input", str(src), "--output", str(out))
    assert exc.value.returncode == 2
    assert "posts[0].end: end must be after start" in str(exc.value)
    assert "fixed[0].volunteer: unknown volunteer id 'v9'" in str(exc.value)
    assert not out.exists()
    MemoryBackend.outbox.clear()


def test_api_lists_activities_in_scope_and_solves(
    client, organiser, jiujiang_worker, activity, make_volunteer
):
    from django.contrib.auth.models import Permission

    client.force_login(organiser)
    rows = client.get("/api/v1/volunteers/activities/").json()["results"]
    assert [(r["title"], r["needed"]) for r in rows] == [("罗村核酸检测点志愿服务", 2)]
    board = client.get(f"/api/v1/volunteers/activities/{activity.pk}/board/").json()
    assert [(b["site"], b["role"], b["needed"], b["confirmed"]) for b in board] == [
        ("罗村社区检测点", "测温", 2, 0)
    ]
    response = client.post(
        f"/api/v1/volunteers/activities/{activity.pk}/dispatch/",
        {"time_limit": 0},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "time_limit" in response.json()
    jiujiang_worker.user_permissions.add(Permission.objects.get(codename="view_activity"))
    client.force_login(jiujiang_worker)
    assert client.get(f"/api/v1/volunteers/activities/{activity.pk}/board/").status_code == 404
    assert client.get("/api/v1/volunteers/activities/").json()["results"] == []


def test_staff_registers_a_registry_person_as_volunteer_by_id_number(
    client, organiser, make_person
):
    from minzheng.volunteers.models import Volunteer

    person = make_person(name="区志强")
    outside = make_person(community="440605121001")  # 九江镇: outside the organiser's scope
    client.force_login(organiser)
    url = reverse("volunteers:volunteer_create")
    page = client.post(url, {"id_number": outside.id_number, "skills": ["引导"]}).content.decode()
    assert "本辖区人员中没有该身份证号码" in page
    assert Volunteer.objects.count() == 0
    response = client.post(
        url, {"id_number": person.id_number, "is_party_member": "on", "skills": ["引导", "测温"]}
    )
    v = Volunteer.objects.get()
    assert response.url == reverse("volunteers:volunteer", args=[v.pk])
    assert (v.person_id, v.is_party_member, v.skills, v.home_division_id) == (
        person.pk,
        True,
        ["引导", "测温"],
        "440605124073",
    )
    response = client.post(
        reverse("volunteers:volunteer_exception", args=[v.pk]),
        {"x-date": "2030-06-05", "x-available": "on", "x-start": "10:00", "x-end": "09:00"},
        follow=True,
    )
    assert "结束时间必须晚于开始时间。" in response.content.decode()
    assert v.exceptions.count() == 0


def test_organiser_adds_site_post_and_shift_through_the_activity_page(client, organiser, activity):
    client.force_login(organiser)

    def add(what, data):
        return client.post(reverse("volunteers:activity_add", args=[activity.pk, what]), data)

    add(
        "site",
        {
            "site-name": "官窑社区检测点",
            "site-address": "官窑大道",
            "site-lat": "23.19300",
            "site-lon": "113.03500",
        },
    )
    site = activity.sites.get(name="官窑社区检测点")
    add(
        "post",
        {
            "post-site": site.pk,
            "post-role": "引导",
            "post-required_skill": "",
            "post-party_only": "on",
        },
    )
    post = activity.posts.get(site=site)
    add(
        "shift",
        {
            "shift-post": post.pk,
            "shift-starts_at": "2030-06-05T08:00",
            "shift-ends_at": "2030-06-05T12:00",
            "shift-needed": 3,
        },
    )
    assert (post.role, post.party_only, site.point) == ("引导", True, (23.193, 113.035))
    assert list(post.shifts.values_list("needed", flat=True)) == [3]


def test_dispatch_page_starts_a_job_and_its_plan_equals_the_inline_solve(
    client, organiser, activity, make_volunteer, django_capture_on_commit_callbacks
):
    from minzheng.core.models import Job
    from minzheng.volunteers.models import DispatchPlan, WeeklyAvailability

    shift = Shift.objects.get()
    confirmed = make_volunteer(lat=23.5, lon=113.5)
    services.signup_create(actor=None, volunteer=confirmed, shift=shift)
    near, far = make_volunteer(lat=23.08, lon=113.03), make_volunteer(lat=23.3, lon=113.3)
    for v in (confirmed, near, far):
        WeeklyAvailability.objects.create(
            volunteer=v, weekday=shift.starts_at.weekday(), start=dt.time(7), end=dt.time(13)
        )
    inline = services.dispatch_solve(actor=organiser, activity=activity, time_limit=5)
    expected = sorted((a.volunteer_id, a.shift_id, a.fixed) for a in inline.assignments.all())
    client.force_login(organiser)
    url = reverse("volunteers:dispatch", args=[activity.pk])

    # When the organiser asks for a plan, the page answers before the solver has run
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url)
    assert response.status_code == 302 and response.url == url
    job = Job.objects.get(kind="volunteers.dispatch")
    assert (job.status, job.params["activity"]) == ("pending", activity.pk)
    assert DispatchPlan.objects.exclude(pk=inline.pk).count() == 0
    page = client.get(url).content.decode()
    assert f'id="job-{job.pk}"' in page and "排队中" in page

    # Then the job solves and stores the plan; running it again changes nothing
    for callback in callbacks:
        callback()
    services.dispatch_run(job_id=job.pk)
    job.refresh_from_db()
    plan = DispatchPlan.objects.get(status=DispatchPlan.Status.DRAFT)
    assert (job.status, job.result["plan"]) == ("succeeded", plan.pk)
    assert sorted((a.volunteer_id, a.shift_id, a.fixed) for a in plan.assignments.all()) == (
        expected
    )
    assert plan.solver_status == inline.solver_status == "OPTIMAL"
    assert DispatchPlan.objects.filter(status=DispatchPlan.Status.DRAFT).count() == 1
    assert "已完成" in client.get(url).content.decode()


def test_dispatch_of_an_activity_without_shifts_is_refused_without_a_job(
    client, organiser, django_capture_on_commit_callbacks
):
    from minzheng.core.models import Job

    empty = services.activity_create(
        actor=organiser, title="空活动", division_code="440605124073", organiser="罗村"
    )
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("volunteers:dispatch", args=[empty.pk]), follow=True)

    assert "该活动还没有班次。" in response.content.decode()
    assert Job.objects.count() == 0


def test_dispatch_api_answers_at_once_with_a_job_that_stores_the_plan(
    client, organiser, activity, jiujiang_worker, django_capture_on_commit_callbacks
):
    from minzheng.volunteers.models import DispatchPlan

    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            f"/api/v1/volunteers/activities/{activity.pk}/dispatch/",
            {"time_limit": 2},
            content_type="application/json",
        )
    assert response.status_code == 202 and len(callbacks) == 1  # the solver ran after the answer
    job_id = response.json()["id"]
    job = client.get(f"/api/v1/core/jobs/{job_id}/").json()
    assert (job["kind"], job["status"], job["percent"]) == ("volunteers.dispatch", "succeeded", 100)
    plan = DispatchPlan.objects.get(pk=job["result"]["plan"])
    assert (plan.activity_id, plan.status) == (activity.pk, DispatchPlan.Status.DRAFT)
    assert (
        client.get(f"/api/v1/volunteers/activities/{activity.pk}/dispatch/").json()["id"] == plan.pk
    )
    client.force_login(jiujiang_worker)  # another user's job does not exist for them
    assert client.get(f"/api/v1/core/jobs/{job_id}/").status_code == 404
