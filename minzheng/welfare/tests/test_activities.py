"""Care activities: staff, volunteers (hours in the volunteers app), beneficiaries, photos."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minzheng.core.models import Attachment
from minzheng.welfare import services
from minzheng.welfare.models import CareActivity

from .conftest import GUICHENG

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def data(**kw):
    start = dt.datetime(2021, 6, 1, 9, 0, tzinfo=TZ)
    base = dict(
        kind="home_visit",
        title="“为了孩子的一切”关爱活动",
        organiser="区民政局机关党委",
        place="南海区儿童福利院",
        division_code=GUICHENG,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        beneficiary_count=30,
        report="党员志愿者陪伴孤残儿童做游戏、读绘本。",
    )
    base.update(kw)
    return services.ActivityInput(**base)


def test_activity_records_volunteer_hours_in_volunteers(officer, make_person, admin_user):
    from minzheng.volunteers import selectors as vsel
    from minzheng.volunteers.services import VolunteerInput, volunteer_register

    v1 = volunteer_register(
        actor=admin_user,
        person=make_person("党员甲", "19800101"),
        data=VolunteerInput(is_party_member=True),
    )
    v2 = volunteer_register(
        actor=admin_user,
        person=make_person("党员乙", "19810101"),
        data=VolunteerInput(is_party_member=True),
    )
    kid = make_person("受助儿童")
    photo = SimpleUploadedFile("a.png", PNG, content_type="image/png")

    activity = services.activity_create(
        actor=officer,
        data=data(volunteer_ids=[v1.pk, v2.pk], staff_ids=[officer.pk], beneficiary_ids=[kid.pk]),
        photos=[photo],
    )

    assert vsel.volunteer_minutes(v1, year=2021) == 180
    assert vsel.volunteer_minutes(v2, year=2021) == 180
    assert sorted(activity.volunteers.values_list("minutes", flat=True)) == [180, 180]
    assert activity.volunteer_activity_id is not None
    assert list(activity.staff.all()) == [officer]
    assert activity.beneficiaries.get().person == kid
    assert Attachment.objects.filter(object_id=str(activity.pk), kind="photo").count() == 1


def test_activity_bad_input_writes_nothing(officer):
    start = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.activity_create(
            actor=officer,
            data=data(
                starts_at=start,
                ends_at=start - dt.timedelta(hours=1),
                beneficiary_count=0,
                volunteer_ids=[999999],
            ),
            photos=[SimpleUploadedFile("a.exe", b"MZ", content_type="application/octet-stream")],
        )
    errors = exc.value.message_dict
    assert set(errors) >= {"ends_at", "volunteers", "beneficiary_count", "photos"}
    assert CareActivity.objects.count() == 0
