"""Approval and refusal, the fast path (先行救助 from the town's reserve) and the staff
relations that bar a clerk from a relative's case.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.registry import validators
from minzheng.registry.pii import blind_index

from .. import postings
from ..models import (
    Application,
    Notice,
    StaffRelation,
    State,
)
from ..rules import get_rules, money
from ..workdays import add_working_days
from .moves import S, _check_staff, _log, _move, _param, _today


def approval_level(application: Application, on: dt.date) -> str:
    """ "town" when the amount is within the town's limit and no mandatory review applies."""
    limit = Decimal(_param("programs_town_approval_limit", on, application.division_id))
    if (
        application.staff_related
        or (application.amount or 0) > limit
        or application.limit_override_reason
    ):
        return "district"
    return "town"


def approval_amount_errors(application: Application, amount) -> dict[str, str]:
    """Why an approver's amount cannot stand: more than two decimals, not above zero, or
    above what the rules calculated (the rules' amount is the ceiling; the approver may
    lower it, with an opinion)."""
    ceiling = application.amount or Decimal(0)
    try:
        value = Decimal(str(amount))
    except ArithmeticError:
        return {"amount": _("请填写金额，如 3000 或 3000.50。")}
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return {"amount": _("金额最多保留两位小数。")}
    if value <= 0:
        return {"amount": _("批准金额须大于 0；不予救助请用“不予救助”。")}
    if value > ceiling:
        return {"amount": _("批准金额不能超过按政策测算的 %(c)s 元。") % {"c": money(ceiling)}}
    return {}


def application_approve(
    *,
    actor,
    application: Application,
    on: dt.date | None = None,
    note: str = "",
    amount: Decimal | None = None,
) -> Application:
    """Approve the case: the amount the rules calculated, or a lower `amount` the approver
    sets (then the opinion `note` is required). Small amounts by the town
    (programs.approve_town), larger ones, staff-related and override cases by the district
    (programs.approve_district). Posts Dr BUDGET / Cr PAYABLE; the budget cannot go negative
    (ledger.InsufficientFunds is a ValidationError, and the whole approval rolls back)."""
    on = _today(on)
    note = " ".join((note or "").split())
    if amount is not None:
        errors = approval_amount_errors(application, amount)
        if not errors and Decimal(str(amount)) < (application.amount or 0) and not note:
            errors["note"] = _("批准金额低于测算金额时，请填写审批意见说明理由。")
        if errors:
            raise ValidationError(errors)
        application.amount = money(Decimal(str(amount)))
    level = approval_level(application, on)
    if not code_in_scope(actor, application.division_id):
        raise PermissionDenied(_("该申请不在您的管辖范围内。"))
    if not actor.has_perm("programs.approve_district"):
        require_perm(actor, "programs.approve_town")
        if level == "district":
            raise PermissionDenied(
                _(
                    "该申请须由区级审批（金额超过镇街审批额度或属工作人员近亲属等须重点审核的情形）。"
                )
            )
    if (
        application.staff_related
        and StaffRelation.objects.filter(
            staff=actor, id_number_hash=application.applicant_id_hash
        ).exists()
    ):
        raise PermissionDenied(_("审批人须回避：申请人为您备案的近亲属。"))
    if application.state != S.REVIEW:
        raise ValidationError(
            {"state": _("当前状态“%(s)s”不能审批。") % {"s": State(application.state).label}}
        )
    with transaction.atomic():
        _move(
            application,
            "approve",
            actor=actor,
            on=on,
            reason=note or _("同意救助 %(a)s 元") % {"a": application.amount},
            extra={"approval_level": level, "amount": application.amount},
        )
        entry = postings.approval(actor=actor, application=application, on=on)
        Application.objects.filter(pk=application.pk).update(approval_entry_id=entry.pk)
        application.approval_entry_id = entry.pk
        from ..notices import notice_issue

        notice_issue(application=application, kind=Notice.Kind.APPROVAL, on=on)
        if application.amount <= (application.advance_amount or 0):
            # Everything was already paid by the fast path.
            _move(application, "pay", actor=actor, on=on, reason=_("已由先行救助全额支付"))
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=application,
            summary=f"批准 {application.number} {application.amount}",
        )
    return application


def application_refuse(
    *, actor, application: Application, reasons: str, on: dt.date | None = None
) -> Application:
    """Refuse with written reasons (notice). Frees the once-a-year key. A fast-path advance
    already paid stays paid; the budget refills the town reserve."""
    on = _today(on)
    if not (actor.has_perm("programs.approve_district") or actor.has_perm("programs.approve_town")):
        raise PermissionDenied(_("您的角色没有此项操作权限。"))
    if not code_in_scope(actor, application.division_id):
        raise PermissionDenied(_("该申请不在您的管辖范围内。"))
    if not reasons.strip():
        raise ValidationError({"reasons": _("不予救助须写明理由。")})
    with transaction.atomic():
        _move(
            application,
            "refuse",
            actor=actor,
            on=on,
            reason=reasons.strip(),
            extra={"refusal_reasons": reasons.strip(), "limit_key": None},
        )
        if application.advance_amount:
            postings.reserve_replenish(actor=actor, application=application, on=on)
        from ..notices import notice_issue

        notice_issue(application=application, kind=Notice.Kind.REFUSAL, on=on)
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=application,
            summary=f"不予救助 {application.number}",
        )
    return application


def application_close(*, actor, application: Application, on: dt.date | None = None) -> Application:
    on = _today(on)
    _check_staff(actor, application, "programs.accept_application")
    with transaction.atomic():
        _move(application, "close", actor=actor, on=on, reason=_("办结归档"))
    return application


# ---------------------------------------------------------------- fast path (先行救助)


def fast_path_advance(
    *, actor, application: Application, amount: Decimal, on: dt.date | None = None
) -> Application:
    """The town pays first from its reserve (up to `ta_fast_path_limit`, and not more than
    the rules' amount); the paperwork is due within `ta_paperwork_days` working days."""
    on = _today(on)
    _check_staff(actor, application, "programs.fast_path_advance")
    rules = get_rules(application.programme.rules_key)
    limit = Decimal(_param("ta_fast_path_limit", on, application.division_id))
    decision = application.decisions.order_by("-id").first()
    try:
        amount = money(amount)
    except ArithmeticError:
        raise ValidationError({"amount": _("请填写金额。")}) from None
    errors = {}
    if not (application.programme.fast_path and rules.fast_path(application.facts)):
        errors["amount"] = _("只有急难型临时救助可以先行救助。")
    elif application.advance_amount:
        errors["amount"] = _("该申请已先行救助。")
    elif application.state not in (S.SUBMITTED, S.RETURNED, S.INVESTIGATION):
        errors["amount"] = _("当前状态不能先行救助。")
    elif amount <= 0:
        errors["amount"] = _("金额须大于 0。")
    elif amount > limit:
        errors["amount"] = _("先行救助金额不能超过 %(l)s 元。") % {"l": money(limit)}
    elif decision is None or not decision.eligible or amount > decision.amount:
        errors["amount"] = _("先行救助金额不能超过按规则计算的救助金额 %(a)s 元。") % {
            "a": decision.amount if decision else 0
        }
    if errors:
        raise ValidationError(errors)
    due = add_working_days(on, int(_param("ta_paperwork_days", on, application.division_id)))
    with transaction.atomic():
        fields = {
            "fast_path": True,
            "advance_amount": amount,
            "advance_on": on,
            "paperwork_due": due,
        }
        updated = Application.objects.filter(pk=application.pk, advance_amount__isnull=True).update(
            **fields
        )
        if updated != 1:
            raise ValidationError({"amount": _("该申请已先行救助。")})
        for k, v in fields.items():
            setattr(application, k, v)
        if application.state == S.INVESTIGATION:  # already accepted: paperwork complete
            Application.objects.filter(pk=application.pk).update(paperwork_done_on=on)
            application.paperwork_done_on = on
        postings.advance(actor=actor, application=application, amount=amount, on=on)
        _log(
            actor,
            application,
            "advance",
            _("先行救助 %(a)s 元，须于 %(d)s 前补齐手续") % {"a": amount, "d": due.isoformat()},
            on,
        )
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=application,
            summary=f"先行救助 {application.number} {amount}",
        )
    return application


# ---------------------------------------------------------------- staff relations


def staff_relation_add(*, actor, staff, name: str, relation: str, id_number: str) -> StaffRelation:
    require_perm(actor, "programs.add_staffrelation")
    try:
        number = validators.parse_id_number(id_number).number
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages[0]}) from None
    if not name.strip() or not relation.strip():
        raise ValidationError({"name": _("请填写姓名和关系。")})
    with transaction.atomic():
        row, _created = StaffRelation.objects.get_or_create(
            staff=staff,
            id_number_hash=blind_index(number, kind="id"),
            defaults={
                "name": name.strip(),
                "relation": relation.strip(),
                "id_number": number,
                "id_number_masked": validators.mask_id_number(number),
            },
        )
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=row, summary=f"近亲属备案 {staff}"
        )
    return row
