"""Worlds for the study app's tests: branches, party members with portal accounts, a bank."""

from __future__ import annotations

import datetime as dt
import io
import itertools

from django.utils import timezone

from minzheng.registry.validators import check_character, mask_id_number, mask_phone

_seq = itertools.count(101)
BUREAU = "440605000000"
GUICHENG = "440605011000"


def id_number(birth: str = "19700101") -> str:
    first17 = f"440605{birth}{next(_seq) % 1000:03d}"
    return first17 + check_character(first17)


def branch(name: str = "南海区民政局机关党支部", division: str = BUREAU):
    from minzheng.volunteers.models import PartyBranch

    return PartyBranch.objects.get_or_create(name=name, division_id=division)[0]


def member(officer, br, *, name: str = "党员甲", community: str = "440605011008"):
    """A party-member volunteer of `br` and the resident account bound to them."""
    from minzheng.core.models import User
    from minzheng.portal.models import ResidentProfile
    from minzheng.registry import pii
    from minzheng.registry import services as reg
    from minzheng.volunteers import services as vs

    n = next(_seq)
    phone = f"1370001{n:04d}"
    person = reg.person_register(
        actor=officer,
        data=reg.PersonInput(
            name=name, residence_division_code=community, id_number=id_number(), phone=phone
        ),
    )
    vs.volunteer_register(
        actor=officer,
        person=person,
        data=vs.VolunteerInput(is_party_member=True, branch_id=br.pk),
    )
    user = User.objects.create(username=f"m{n}", kind=User.Kind.RESIDENT, display_name=name)
    ResidentProfile.objects.create(
        user=user,
        phone=phone,
        phone_hash=pii.blind_index(phone, kind="phone"),
        phone_masked=mask_phone(phone),
        real_name=name,
        id_number=person.id_number,
        id_number_hash=person.id_number_hash,
        id_number_masked=mask_id_number(person.id_number),
        bound_at=timezone.now(),
        person=person,
    )
    return User.objects.get(pk=user.pk)


def secretary(make_staff, br, username: str = "party_secretary", division: str = BUREAU):
    from minzheng.learning.apps import PARTY_SECRETARY
    from minzheng.learning.models import SecretaryBranch

    user = make_staff(username, PARTY_SECRETARY, division)
    SecretaryBranch.objects.get_or_create(user=user, branch=br)
    from minzheng.core.models import User

    return User.objects.get(pk=user.pk)


HEADER = ["分类", "序号", "题干", "题型", "选项", "答案", "难度", "解析"]
BANK = [
    [
        "党史",
        1,
        "中国共产党第一次全国代表大会于哪一年召开？",
        "单选",
        "A.1919年|B.1921年|C.1927年|D.1949年",
        "B",
        "易",
        "1921年7月，中共一大召开。",
    ],
    [
        "党史",
        2,
        "下列属于新民主主义革命时期的事件有？",
        "多选",
        "A.南昌起义|B.遵义会议|C.改革开放|D.长征",
        "ABD",
        "中",
        "改革开放始于1978年。",
    ],
    [
        "党史",
        3,
        "遵义会议在党的历史上是一个生死攸关的转折点。",
        "判断",
        "",
        "对",
        "易",
        "遵义会议确立了毛泽东在党中央和红军的领导地位。",
    ],
    [
        "党史",
        4,
        "1949年10月1日，中华人民共和国中央人民政府在____宣告成立。",
        "填空",
        "",
        "北京|北平",
        "中",
        "开国大典在北京天安门广场举行。",
    ],
]


def bank_xlsx(rows=None, header=None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header or HEADER)
    for r in BANK if rows is None else rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def fixed_test(officer, branches, *, now=None, limit: int = 20, questions=None):
    from minzheng.learning import services as ls
    from minzheng.learning.models import Question

    now = now or timezone.now()
    ids = questions or list(
        Question.objects.order_by("category", "seq").values_list("pk", flat=True)
    )
    return ls.test_create(
        actor=officer,
        data=ls.TestInput(
            title="2021年6月每月一测",
            month=dt.date(2021, 6, 1),
            mode="fixed",
            branch_ids=[b.pk for b in branches],
            time_limit_minutes=limit,
            opens_at=now - dt.timedelta(hours=1),
            closes_at=now + dt.timedelta(days=3),
            question_ids=ids,
        ),
    )
