"""Children in care: files (read under their own permission, each read logged), guardians,
plans, visits and the monthly allowance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope, scope_queryset
from minzheng.core.validators import date_error, name_error, validate_event_date
from minzheng.registry import validators
from minzheng.registry.models import Person

from .. import rules
from ..models import (
    AllowanceMonth,
    CarePlan,
    Child,
    ChildVisit,
    Guardian,
    Placement,
    WelfareHome,
)
from .common import _date_check, _division_check, _fail, ensure_defaults


def home_create(
    *, actor, name: str, division_code: str, bank_name: str = "", bank_account: str = ""
) -> WelfareHome:
    require_perm(actor, "welfare.add_child")
    errors: dict = {}
    if not name.strip():
        errors["name"] = _("请填写名称。")
    _division_check(errors, actor, division_code, levels=("district", "town", "community"))
    account = bank_account.replace(" ", "")
    if account and not account.isdigit():
        errors["bank_account"] = _("银行账号只能包含数字。")
    _fail(errors)
    with transaction.atomic():
        home = WelfareHome.objects.create(
            name=name.strip(),
            division_id=division_code,
            bank_name=bank_name.strip(),
            bank_account=account,
            bank_account_masked=f"****{account[-4:]}" if account else "",
        )
        audit.record(actor=actor, action=audit.Action.CREATE, target=home, summary=home.name)
    return home


def child_register(
    *,
    actor,
    person: Person | None,
    category: str,
    placement: str,
    division_code: str,
    admitted_on: dt.date | None,
    home: WelfareHome | None = None,
    note: str = "",
) -> Child:
    """A child taken into care: a registry person under 18 on the day, an orphan, a de-facto
    unsupported or a disabled child, in a home (机构养育) or in the community (社会散居)."""
    require_perm(actor, "welfare.add_child")
    errors: dict = {}
    if person is None or person.is_void:
        errors["person"] = _("请先选择已登记的儿童。")
    elif Child.objects.filter(person=person).exists():
        errors["person"] = _("该儿童已建档。")
    elif person.birth_date is None:
        errors["person"] = _("该人员没有出生日期，无法确认是否未满18周岁。")
    elif (
        admitted_on and person.age_on(admitted_on) is not None and person.age_on(admitted_on) >= 18
    ):
        errors["person"] = _("纳入保障时须未满18周岁。")
    if category not in dict(rules.CATEGORIES):
        errors["category"] = _("请选择儿童类别。")
    if placement not in Placement.values:
        errors["placement"] = _("请选择养育方式。")
    elif placement == Placement.INSTITUTION and home is None:
        errors["home"] = _("机构养育须选择福利院。")
    _division_check(errors, actor, division_code)
    _date_check(errors, "admitted_on", admitted_on)
    _fail(errors)
    with transaction.atomic():
        child = Child.objects.create(
            person=person,
            category=category,
            placement=placement,
            home=home if placement == Placement.INSTITUTION else None,
            division_id=division_code,
            admitted_on=admitted_on,
            note=note,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=child,
            summary=f"儿童建档 {child.get_category_display()}",
        )
    return child


def child_file_open(*, actor, child_id: int) -> Child:
    """Read one child's file: 404 without `welfare.read_child_file` or out of scope (the same
    answer as a child that does not exist); every read is written to the operation log."""
    from ..selectors import child_detail

    child = child_detail(user=actor, child_id=child_id)
    audit.record(
        actor=actor, action=audit.Action.REVEAL, target=child, summary=f"查看儿童档案 #{child.pk}"
    )
    return child


def child_leave(*, actor, child: Child, left_on: dt.date | None, reason: str) -> Child:
    require_perm(actor, "welfare.change_child")
    errors: dict = {}
    _date_check(errors, "left_on", left_on)
    if left_on and left_on < child.admitted_on:
        errors["left_on"] = _("退出日期不能早于纳入保障日期。")
    if not reason.strip():
        errors["left_reason"] = _("请填写退出原因。")
    if child.left_on:
        errors["left_on"] = _("该儿童已退出保障。")
    _fail(errors)
    with transaction.atomic():
        child.left_on, child.left_reason = left_on, reason.strip()
        child.save(update_fields=["left_on", "left_reason"])
        audit.record(actor=actor, action=audit.Action.UPDATE, target=child, summary="退出保障")
    return child


def guardian_add(
    *,
    actor,
    child: Child,
    name: str,
    relation: str,
    phone: str = "",
    bank_name: str = "",
    bank_account: str = "",
    is_payee: bool = False,
) -> Guardian:
    require_perm(actor, "welfare.add_guardian")
    errors: dict = {}
    name = " ".join(name.split())
    if not name:
        errors["name"] = _("请填写监护人姓名。")
    elif name_error(name):
        errors["name"] = name_error(name)
    if not relation.strip():
        errors["relation"] = _("请填写与儿童关系。")
    if phone:
        try:
            phone = validators.validate_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    account = bank_account.replace(" ", "")
    if account and not account.isdigit():
        errors["bank_account"] = _("银行账号只能包含数字。")
    if is_payee and not account:
        errors["bank_account"] = _("代领生活费须填写银行账号。")
    _fail(errors)
    with transaction.atomic():
        if is_payee:
            child.guardians.filter(is_payee=True).update(is_payee=False)
        guardian = Guardian.objects.create(
            child=child,
            name=name,
            relation=relation.strip(),
            phone=phone,
            phone_masked=validators.mask_phone(phone) if phone else "",
            bank_name=bank_name.strip(),
            bank_account=account,
            bank_account_masked=f"****{account[-4:]}" if account else "",
            is_payee=is_payee,
        )
        audit.record(actor=actor, action=audit.Action.CREATE, target=guardian, summary="监护人")
    return guardian


def care_plan_add(
    *,
    actor,
    child: Child,
    valid_from: dt.date | None,
    goals: str,
    measures: str,
    review_on: dt.date | None,
) -> CarePlan:
    require_perm(actor, "welfare.add_careplan")
    errors: dict = {}
    _date_check(errors, "valid_from", valid_from)
    _date_check(errors, "review_on", review_on)
    if valid_from and review_on and review_on <= valid_from:
        errors["review_on"] = _("复评日期须晚于起始日期。")
    if not goals.strip():
        errors["goals"] = _("请填写照料目标。")
    if not measures.strip():
        errors["measures"] = _("请填写措施。")
    _fail(errors)
    with transaction.atomic():
        plan = CarePlan.objects.create(
            child=child,
            valid_from=valid_from,
            goals=goals.strip(),
            measures=measures.strip(),
            review_on=review_on,
            created_by=actor,
        )
        audit.record(actor=actor, action=audit.Action.CREATE, target=plan, summary="照料计划")
    return plan


def child_visit_add(
    *,
    actor,
    child: Child,
    visited_on: dt.date | None,
    findings: str,
    next_visit_on: dt.date | None = None,
) -> ChildVisit:
    require_perm(actor, "welfare.add_childvisit")
    errors: dict = {}
    _date_check(errors, "visited_on", visited_on)
    if visited_on and visited_on > timezone.localdate():
        errors["visited_on"] = _("探访日期不能晚于今天。")
    if visited_on and visited_on < child.admitted_on:
        errors["visited_on"] = _("探访日期不能早于纳入保障日期。")
    _date_check(errors, "next_visit_on", next_visit_on, required=False)
    if next_visit_on and visited_on and next_visit_on <= visited_on:
        errors["next_visit_on"] = _("下次探访日期须晚于本次。")
    if not findings.strip():
        errors["findings"] = _("请填写探访情况。")
    _fail(errors)
    with transaction.atomic():
        visit = ChildVisit.objects.create(
            child=child,
            visited_on=visited_on,
            visitor=actor,
            findings=findings.strip(),
            next_visit_on=next_visit_on,
        )
        audit.record(actor=actor, action=audit.Action.CREATE, target=visit, summary="定期探访")
    return visit


@dataclass
class AllowanceRun:
    month: dt.date
    granted: list[AllowanceMonth] = field(default_factory=list)
    skipped: list[tuple[Child, str]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((a.amount for a in self.granted), Decimal("0.00"))


def _payee(child: Child) -> tuple[str, str, str, str] | None:
    """(party, name, bank, account) of who receives the child's allowance."""
    if child.placement == Placement.INSTITUTION:
        home = child.home
        if not home.bank_account:
            return None
        return f"welfare_home:{home.pk}", home.name, home.bank_name, home.bank_account
    guardian = child.guardians.filter(is_payee=True).first()
    if guardian is None or not guardian.bank_account:
        return None
    return "", guardian.name, guardian.bank_name, guardian.bank_account


def allowance_grant_month(
    *, actor, month: dt.date, division_code: str | None = None
) -> AllowanceRun:
    """Grant one month's basic living allowance to every child in the actor's scope (or in
    `division_code`) who is in care on the month's first day and not yet granted that month.

    Each child is one application granted on the programmes engine (`application_grant`:
    decision with the parameters used, Dr BUDGET / Cr PAYABLE in the ledger); the bank
    transfer is a disbursement batch of the programme. A child without a payee account, or
    refused by the engine (e.g. budget not funded), is skipped with the reason; the others
    are granted. Running a month twice grants nothing new."""
    from minzheng.programs.services import ApplicationInput, application_grant

    require_perm(actor, "welfare.grant_allowance")
    first = rules.month_start(month)
    if date_error(validate_event_date, first):
        raise ValidationError({"month": date_error(validate_event_date, first)})
    if first > rules.month_start(timezone.localdate()):
        raise ValidationError({"month": _("不能发放未来月份的生活费。")})
    if division_code and not code_in_scope(actor, division_code):
        raise ValidationError({"division": _("请选择本辖区内的区划。")})
    ensure_defaults()
    children = scope_queryset(Child.objects.all(), actor).filter(admitted_on__lte=first)
    if division_code:
        from minzheng.core.scope import division_prefix_of, prefix_q

        children = children.filter(prefix_q("division", division_prefix_of(division_code)))
    children = (
        children.exclude(left_on__lte=first)
        .exclude(allowances__month=first)
        .select_related("person", "home")
        .order_by("id")
    )
    run = AllowanceRun(month=first)
    label = f"{first:%Y-%m}"
    for child in children:
        payee = _payee(child)
        if payee is None:
            run.skipped.append((child, _("没有收款账户（福利院或代领监护人）")))
            continue
        party, payee_name, bank, account = payee
        try:
            with transaction.atomic():
                application = application_grant(
                    actor=actor,
                    permission="welfare.grant_allowance",
                    on=first,
                    reason=_("儿童基本生活费 %(m)s") % {"m": label},
                    data=ApplicationInput(
                        programme_code=rules.PROGRAMME_CODE,
                        division_code=child.division_id,
                        applicant_name=child.person.name,
                        applicant_id_number=child.person.id_number,
                        person_id=child.person_id,
                        facts={
                            "category": child.category,
                            "placement": child.placement,
                            "month": label,
                        },
                        payee_party=party,
                        payee_name=payee_name,
                        bank_name=bank,
                        bank_account=account,
                        idempotency_key=f"welfare.allowance:{child.pk}:{label}",
                    ),
                )
                row = AllowanceMonth.objects.create(
                    child=child, month=first, application=application, amount=application.amount
                )
        except ValidationError as exc:
            run.skipped.append((child, "；".join(exc.messages)))
            continue
        run.granted.append(row)
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        summary=f"儿童基本生活费 {label}：{len(run.granted)} 人 {run.total} 元",
        target_type="welfare.allowancemonth",
    )
    return run
