"""Institutions (registry organisations with their filing, beds and grade) and their staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.models import Division
from minzheng.core.permissions import require_perm
from minzheng.registry import validators
from minzheng.registry.models import Organisation
from minzheng.registry.services import organisation_register

from .. import selectors
from ..models import (
    Institution,
    InstitutionStaff,
)
from .common import _check_institution, _date


@dataclass
class InstitutionInput:
    name: str
    division_code: str
    ownership: str
    beds_total: int
    beds_nursing: int = 0
    credit_code: str = ""
    filing_number: str = ""
    filed_on: dt.date | None = None
    address: str = ""
    star_grade: int | None = None
    grade_assessed_on: dt.date | None = None
    grade_body: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    services: str = ""
    bank_name: str = ""
    bank_account: str = ""
    is_illustrative: bool = False


def _bed_errors(beds_total, beds_nursing) -> dict:
    errors = {}
    if not isinstance(beds_total, int) or not 0 < beds_total <= 10000:
        errors["beds_total"] = _("床位总数须为 1 至 10000 之间的整数。")
    elif not isinstance(beds_nursing, int) or not 0 <= beds_nursing <= beds_total:
        errors["beds_nursing"] = _("护理型床位不能超过床位总数。")
    return errors


def _grade_errors(star_grade, assessed_on, body) -> dict:
    errors = {}
    if star_grade is None:
        return errors
    if not isinstance(star_grade, int) or not 1 <= star_grade <= 5:
        errors["star_grade"] = _("等级须为一级至五级。")
    if assessed_on is None:
        errors["grade_assessed_on"] = _("请填写等级评定日期。")
    else:
        _date(errors, "grade_assessed_on", assessed_on)
    if not (body or "").strip():
        errors["grade_body"] = _("请填写评定机构。")
    return errors


def institution_register(*, actor, data: InstitutionInput) -> Institution:
    """Register an institution: a registry organisation (the ledger party) and its filing,
    beds and grade. A private institution needs a credit code and a bank account, because
    its subsidies are paid to it."""
    require_perm(actor, "eldercare.add_institution")
    errors = _bed_errors(data.beds_total, data.beds_nursing)
    errors |= _grade_errors(data.star_grade, data.grade_assessed_on, data.grade_body)
    if data.ownership not in Institution.Ownership.values:
        errors["ownership"] = _("请选择公办或民办。")
    division = Division.objects.filter(code=data.division_code).first()
    if division is None or division.level not in ("town", "community"):
        errors["division"] = _("请选择机构所在的镇街或村居。")
    if data.filed_on is not None:
        _date(errors, "filed_on", data.filed_on)
    account = (data.bank_account or "").replace(" ", "")
    if data.ownership == Institution.Ownership.PRIVATE:
        if not data.credit_code:
            errors["credit_code"] = _("民办养老机构须填写统一社会信用代码（补贴拨付对象）。")
        if not account:
            errors["bank_account"] = _("民办养老机构须填写收款银行账号。")
    if account and not account.isdigit():
        errors["bank_account"] = _("银行账号只能包含数字。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        org = organisation_register(
            actor=actor,
            name=data.name,
            kind=Organisation.Kind.PRIVATE_NON_ENTERPRISE
            if data.ownership == Institution.Ownership.PRIVATE
            else Organisation.Kind.PUBLIC_INSTITUTION,
            division_code=data.division_code,
            credit_code=data.credit_code,
            address=data.address,
            contact_name=data.contact_name,
            contact_phone=data.contact_phone,
        )
        institution = Institution.objects.create(
            organisation=org,
            name=org.name,
            division=division,
            ownership=data.ownership,
            filing_number=data.filing_number.strip(),
            filed_on=data.filed_on,
            address=data.address,
            beds_total=data.beds_total,
            beds_nursing=data.beds_nursing,
            star_grade=data.star_grade,
            grade_assessed_on=data.grade_assessed_on if data.star_grade else None,
            grade_body=data.grade_body.strip() if data.star_grade else "",
            contact_name=data.contact_name,
            contact_phone_masked=org.contact_phone_masked,
            services=data.services,
            bank_name=data.bank_name,
            bank_account=account,
            bank_account_masked=validators.mask_bank_account(account),
            is_illustrative=data.is_illustrative,
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=institution,
            summary=f"登记养老机构 {institution.name}",
        )
    return institution


def institution_beds_update(
    *, actor, institution: Institution, beds_total: int, beds_nursing: int
) -> Institution:
    """Change the bed count; never below the beds occupied now."""
    _check_institution(actor, institution, "eldercare.change_institution")
    errors = _bed_errors(beds_total, beds_nursing)
    with transaction.atomic():
        institution = Institution.objects.select_for_update().get(pk=institution.pk)
        occupied = selectors.occupied_beds(institution)
        if not errors and beds_total < occupied:
            errors["beds_total"] = _("床位总数 %(b)d 张少于在住老人 %(o)d 人。") % {
                "b": beds_total,
                "o": occupied,
            }
        if errors:
            raise ValidationError(errors)
        institution.beds_total, institution.beds_nursing = beds_total, beds_nursing
        institution.save(update_fields=["beds_total", "beds_nursing"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=institution,
            summary=f"{institution.name} 床位 {beds_total}（护理型 {beds_nursing}）",
        )
    return institution


def institution_grade_set(
    *, actor, institution: Institution, star_grade: int, assessed_on: dt.date, body: str
) -> Institution:
    _check_institution(actor, institution, "eldercare.change_institution")
    errors = _grade_errors(star_grade, assessed_on, body)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        institution.star_grade, institution.grade_assessed_on, institution.grade_body = (
            star_grade,
            assessed_on,
            body.strip(),
        )
        institution.save(update_fields=["star_grade", "grade_assessed_on", "grade_body"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=institution,
            summary=f"{institution.name} 评定为 {star_grade} 级（{body.strip()}）",
        )
    return institution


def institution_staff_link(*, actor, institution: Institution, user) -> InstitutionStaff:
    """Make `user` a staff member of `institution` (they will see that institution only)."""
    _check_institution(actor, institution, "eldercare.change_institution")
    with transaction.atomic():
        link, _created = InstitutionStaff.objects.update_or_create(
            user=user, defaults={"institution": institution}
        )
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=institution,
            summary=f"{user} 为 {institution.name} 工作人员",
        )
    return link
