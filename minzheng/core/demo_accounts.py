"""The demo accounts of DESIGN.md (core's demo step)."""

from __future__ import annotations

from django.db import transaction

from . import roles
from .models import PolicyParameter, User

DISTRICT = "440605000000"
ACCOUNTS = [
    # username, display name, division, role, superuser
    ("admin", "系统管理员", DISTRICT, roles.SYSTEM_ADMIN, True),
    ("leader", "局领导（演示）", DISTRICT, roles.LEADER, False),
    ("district_officer", "区局科室（演示）", DISTRICT, roles.DISTRICT_OFFICER, False),
    ("guicheng_worker", "桂城街道经办（演示）", "440605011000", roles.TOWN_CASEWORKER, False),
    ("jiujiang_worker", "九江镇经办（演示）", "440605121000", roles.TOWN_CASEWORKER, False),
    ("guiyuan_worker", "桂园社区工作人员（演示）", "440605011008", roles.COMMUNITY_WORKER, False),
]


def ensure_account(
    *,
    username: str,
    display_name: str,
    division: str,
    role: str,
    password: str,
    superuser: bool = False,
) -> User:
    from django.contrib.auth.models import Group

    user, created = User.objects.get_or_create(
        username=username, defaults={"display_name": display_name, "division_id": division}
    )
    user.display_name, user.division_id, user.kind = display_name, division, User.Kind.STAFF
    user.is_staff, user.is_superuser, user.is_active = True, superuser, True
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    return user


def run(*, stdout, password: str) -> str:
    roles.sync_roles()
    with transaction.atomic():
        for username, display, division, role, superuser in ACCOUNTS:
            ensure_account(
                username=username,
                display_name=display,
                division=division,
                role=role,
                password=password,
                superuser=superuser,
            )
    return f"{len(ACCOUNTS)} accounts; {PolicyParameter.objects.count()} policy parameters."
