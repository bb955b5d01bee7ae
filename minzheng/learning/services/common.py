"""What the study services share: the member behind an account, branch and publisher checks;
secretaries and their branches.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm
from minzheng.volunteers import selectors as volunteers

from .. import selectors
from ..models import (
    SecretaryBranch,
)

MATERIAL_TYPES = (".pdf", ".jpg", ".jpeg", ".png", ".mp4")
MATERIAL_MAX_BYTES = 200 * 1024 * 1024
EVENT_SALT = "learning.event-checkin"


def member_of(actor):
    """The signed-in party member (a resident bound to a party-member volunteer)."""
    member = selectors.member_for_user(actor)
    if member is None:
        raise ValidationError({"member": _("您的账号未关联在册的党员志愿者，请联系所在党支部。")})
    return member


def _branch_ids_error(actor, branch_ids) -> str | None:
    if not branch_ids:
        return _("请至少选择一个党支部。")
    allowed = set(selectors.staff_branches(actor).values_list("pk", flat=True))
    if not set(branch_ids) <= allowed:
        return _("所选党支部不在您的管理范围内。")
    return None


def _publisher_division(actor) -> str:
    return actor.division_id


def secretary_assign(*, actor, user, branch_id: int) -> SecretaryBranch:
    """Make a staff account the secretary of a branch (its learning pages narrow to it)."""
    require_perm(actor, "learning.add_secretarybranch")
    branch = volunteers.party_branch_list(user=actor).filter(pk=branch_id).first()
    if branch is None or getattr(user, "kind", "") != "staff":
        raise ValidationError({"branch": _("党支部或账号不正确。")})
    with transaction.atomic():
        link, _created = SecretaryBranch.objects.get_or_create(user=user, branch=branch)
        audit.record(actor=actor, action=audit.Action.CREATE, target=link, summary=branch.name)
    return link
