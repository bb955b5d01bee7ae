"""Activities, their sites, posts and shifts; publishing (with the notification of matching
volunteers, sent once) and closing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.models import Division
from minzheng.core.permissions import require_perm
from minzheng.core.sms import sms_queue
from minzheng.core.tasks import enqueue
from minzheng.core.validators import date_error, name_error, validate_event_date

from .. import rules
from ..models import (
    Activity,
    Post,
    Shift,
    Site,
    Volunteer,
)
from ..workflows import ACTIVITY
from .common import _fail


def activity_create(
    *,
    actor,
    title: str,
    division_code: str,
    organiser: str,
    description: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    auto_approve: bool = True,
) -> Activity:
    require_perm(actor, "volunteers.add_activity")
    from minzheng.core.scope import code_in_scope

    errors = {}
    if not title.strip():
        errors["title"] = _("请填写活动名称。")
    if not Division.objects.filter(code=division_code).exists() or not code_in_scope(
        actor, division_code
    ):
        errors["division"] = _("请选择本辖区内的区划。")
    if not organiser.strip():
        errors["organiser"] = _("请填写组织单位。")
    if name_error(contact_name):
        errors["contact_name"] = name_error(contact_name)
    _fail(errors)
    with transaction.atomic():
        activity = Activity.objects.create(
            title=title.strip(),
            division_id=division_code,
            organiser=organiser.strip(),
            description=description,
            contact_name=contact_name,
            contact_phone=contact_phone,
            auto_approve=auto_approve,
            created_by=actor,
        )
        workflow.start(workflow=ACTIVITY, obj=activity, name="create", actor=actor)
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=activity,
            summary=f"新建活动 {activity.title}",
        )
    return activity


def site_add(
    *, actor, activity: Activity, name: str, address: str = "", lat=None, lon=None
) -> Site:
    require_perm(actor, "volunteers.change_activity")
    if not name.strip():
        raise ValidationError({"name": _("请填写服务点名称。")})
    if (lat is None) != (lon is None):
        raise ValidationError({"lat": _("经纬度需同时填写。")})
    site = Site.objects.create(
        activity=activity, name=name.strip(), address=address, lat=lat, lon=lon
    )
    audit.record(
        actor=actor, action=audit.Action.CREATE, target=activity, summary=f"服务点 {site.name}"
    )
    return site


def post_add(
    *,
    actor,
    site: Site,
    role: str,
    required_skill: str = "",
    required_certificate: str = "",
    party_only: bool = False,
) -> Post:
    require_perm(actor, "volunteers.change_activity")
    errors = {}
    if role not in dict(Post._meta.get_field("role").choices):
        errors["role"] = _("请选择岗位。")
    if required_skill and required_skill not in rules.SKILLS:
        errors["required_skill"] = _("未知技能。")
    _fail(errors)
    post = Post.objects.create(
        activity=site.activity,
        site=site,
        role=role,
        required_skill=required_skill,
        required_certificate=required_certificate,
        party_only=party_only,
    )
    audit.record(
        actor=actor, action=audit.Action.CREATE, target=site.activity, summary=f"岗位 {post}"
    )
    return post


def shift_add(
    *,
    actor,
    post: Post,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    needed: int | None,
) -> Shift:
    """Refuses reversed or empty times, headcount below 1, and a shift overlapping another
    shift of the same post (add the headcount to that shift instead)."""
    require_perm(actor, "volunteers.change_activity")
    errors = {}
    if starts_at is None:
        errors["starts_at"] = _("请填写开始时间。")
    elif date_error(validate_event_date, starts_at):
        errors["starts_at"] = date_error(validate_event_date, starts_at)
    if ends_at is None:
        errors["ends_at"] = _("请填写结束时间。")
    elif date_error(validate_event_date, ends_at):
        errors["ends_at"] = date_error(validate_event_date, ends_at)
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = _("结束时间必须晚于开始时间。")
    if needed is None or needed < 1:
        errors["needed"] = _("需要人数至少为 1。")
    if not errors and post.shifts.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        errors["starts_at"] = _("与本岗位已有班次时间重叠，请调整时间或增加该班次人数。")
    _fail(errors)
    shift = Shift.objects.create(post=post, starts_at=starts_at, ends_at=ends_at, needed=needed)
    audit.record(
        actor=actor, action=audit.Action.CREATE, target=post.activity, summary=f"班次 {shift}"
    )
    return shift


def matching_volunteers(activity: Activity):
    """Active volunteers in the activity's area who meet the requirements of at least one post."""
    from minzheng.core.scope import division_prefix_of, prefix_q

    qs = Volunteer.objects.filter(
        prefix_q("home_division", division_prefix_of(activity.division_id)), is_active=True
    )
    posts = list(activity.posts.all())
    today = timezone.localdate()
    out = []
    for v in qs.select_related("person").prefetch_related("certificates"):
        certs = list(v.certificates.all())
        if any(
            rules.ineligibility(volunteer=v, post=p, on=today, certificates=certs) is None
            for p in posts
        ):
            out.append(v)
    return out


def notify_activity_published(*, activity_id: int) -> None:
    """Task: SMS to the matching volunteers. Idempotent: each message is queued under the
    key (activity, volunteer), so a second run (or a second publish) notifies nobody twice."""
    activity = Activity.objects.get(pk=activity_id)
    text = _("【志愿服务】%(t)s 正在招募志愿者，打开“民政为民服务—志愿服务”报名。") % {
        "t": activity.title
    }
    for v in matching_volunteers(activity):
        sms_queue(
            phone=v.person.phone,
            text=text,
            source="volunteers.activity_published",
            key=f"volunteers.activity_published:{activity.pk}:{v.pk}",
        )


def activity_publish(*, actor, activity: Activity) -> Activity:
    """Publish to the portal ("志愿服务") and SMS matching volunteers after commit."""
    require_perm(actor, ACTIVITY.step("publish").permission)
    ACTIVITY.find(activity.status, name="publish")  # only a draft: refused before anything
    if not Shift.objects.filter(post__activity=activity).exists():
        raise ValidationError({"status": _("请先添加服务点、岗位和班次。")})
    with transaction.atomic():
        workflow.move(
            workflow=ACTIVITY,
            obj=activity,
            name="publish",
            actor=actor,
            extra_updates={"published_at": timezone.now()},
        )
        audit.record(actor=actor, action=audit.Action.UPDATE, target=activity, summary="发布活动")
        enqueue(notify_activity_published, activity_id=activity.pk)
    return activity


def activity_close(*, actor, activity: Activity, reason: str = "") -> Activity:
    """End a published activity: its shifts take no more sign-ups."""
    require_perm(actor, ACTIVITY.step("close").permission)
    with transaction.atomic():
        workflow.move(workflow=ACTIVITY, obj=activity, name="close", actor=actor, reason=reason)
        audit.record(actor=actor, action=audit.Action.UPDATE, target=activity, summary="结束活动")
    return activity
