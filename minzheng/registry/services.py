"""Writes of the registry: persons, tags, households, organisations.

Every service validates everything first and raises one ValidationError with a field →
message map, so bad input writes nothing; then it writes inside one transaction and logs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.models import Division
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.core.validators import (
    date_error,
    name_error,
    validate_birth_date,
    validate_event_date,
    validate_past_date,
)

from . import pii, validators
from .models import Household, HouseholdMember, Organisation, Person, PersonTag


@dataclass
class PersonInput:
    name: str
    residence_division_code: str
    id_number: str = ""
    phone: str = ""
    sex: str = ""
    birth_date: dt.date | None = None
    hukou_division_code: str = ""
    address: str = ""


def _division_codes() -> set[str]:
    return set(Division.objects.values_list("code", flat=True))


def person_build(
    data: PersonInput, *, division_codes: set[str] | None = None
) -> tuple[Person, dict[str, str]]:
    """Validate one person's facts and return an unsaved Person and the errors found.

    Shared by single registration and bulk import, so both apply the same rules.
    """
    errors: dict[str, str] = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = _("请填写姓名。")
    elif len(name) > 40:
        errors["name"] = _("姓名不能超过 40 个字。")
    elif name_error(name):
        errors["name"] = name_error(name)
    person = Person(name=name, address=(data.address or "").strip()[:200])
    sex, birth = data.sex or "", data.birth_date
    birth_from_id = False  # parse_id_number has checked that birth date's range
    if data.id_number:
        try:
            info = validators.parse_id_number(data.id_number)
        except ValidationError as e:
            errors["id_number"] = e.messages[0]
        else:
            if sex and sex != info.sex:
                errors["sex"] = _("性别与身份证号码不一致。")
            if birth and birth != info.birth_date:
                errors["birth_date"] = _("出生日期与身份证号码不一致。")
            sex, birth, birth_from_id = info.sex, info.birth_date, True
            person.id_number = info.number
            person.id_number_hash = pii.blind_index(info.number, kind="id")
            person.id_number_masked = validators.mask_id_number(info.number)
    if sex not in ("", "M", "F"):
        errors["sex"] = _("性别只能是男或女。")
    if birth and not birth_from_id:
        problem = date_error(validate_birth_date, birth)
        if problem:
            errors["birth_date"] = problem
    person.sex, person.birth_date = sex, birth
    if data.phone:
        try:
            phone = validators.validate_phone(data.phone)
        except ValidationError as e:
            errors["phone"] = e.messages[0]
        else:
            person.phone = phone
            person.phone_hash = pii.blind_index(phone, kind="phone")
            person.phone_masked = validators.mask_phone(phone)
    codes = division_codes if division_codes is not None else None
    for field, code in (
        ("residence_division", data.residence_division_code),
        ("hukou_division", data.hukou_division_code),
    ):
        if not code:
            if field == "residence_division":
                errors[field] = _("请选择居住地所在村居或镇街。")
            continue
        exists = code in codes if codes is not None else Division.objects.filter(code=code).exists()
        if not exists:
            errors[field] = _("区划代码“%(code)s”不存在。") % {"code": code}
        else:
            setattr(person, f"{field}_id", code)
    return person, errors


def _duplicate_message(actor, existing: Person) -> str:
    if code_in_scope(actor, existing.residence_division_id):
        division = existing.residence_division
        return _("该身份证号码已登记：%(name)s（%(place)s，人员编号 %(id)s），请勿重复登记。") % {
            "name": existing.name,
            "place": _division_path(division),
            "id": existing.pk,
        }
    return _("该身份证号码已在其他镇街登记，不能重复登记；如需迁入请联系区民政局。")


def _division_path(division: Division) -> str:
    parts = []
    while division is not None and division.level != Division.Level.DISTRICT:
        parts.append(division.name)
        division = division.parent
    return " ".join(reversed(parts))


def person_register(*, actor, data: PersonInput) -> Person:
    """Register a person once. A second registration of the same ID number is refused,
    naming the existing record when the actor may see it."""
    require_perm(actor, "registry.add_person")
    person, errors = person_build(data)
    if "residence_division" not in errors and not code_in_scope(
        actor, person.residence_division_id
    ):
        errors["residence_division"] = _("居住地不在您的管辖范围内。")
    if not errors and person.id_number_hash:
        existing = (
            Person.objects.select_related("residence_division__parent")
            .filter(id_number_hash=person.id_number_hash)
            .first()
        )
        if existing:
            errors["id_number"] = _duplicate_message(actor, existing)
    if errors:
        raise ValidationError(errors)
    person.created_by = actor
    try:
        with transaction.atomic():
            person.save()
            audit.record(
                actor=actor,
                action=audit.Action.CREATE,
                target=person,
                summary=f"登记人员 {person.name}",
            )
    except IntegrityError:  # a concurrent registration of the same number won the race
        raise ValidationError(
            {"id_number": _("该身份证号码刚刚已被登记，请勿重复登记。")}
        ) from None
    return person


def person_register_self(*, resident, data: PersonInput) -> Person:
    """A resident registers themself, with the identity their account has verified (the
    portal's bound name and ID number, the SMS-verified phone): no staff permission, no
    scope, since the record is the resident's own. Same checks as `person_register`; a
    number already registered is refused (the caller links that record instead)."""
    if getattr(resident, "kind", "") != "resident" or not resident.is_authenticated:
        raise ValidationError({"person": _("请先登录。")})
    person, errors = person_build(data)
    if (
        not errors
        and person.id_number_hash
        and Person.objects.filter(id_number_hash=person.id_number_hash).exists()
    ):
        errors["id_number"] = _("该身份证号码已登记。")
    if not person.id_number_hash and "id_number" not in errors:
        errors["id_number"] = _("请先完成实名绑定。")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            person.save()
            audit.record(
                actor=resident,
                action=audit.Action.CREATE,
                target=person,
                summary=f"本人登记 {person.name}",
            )
    except IntegrityError:
        raise ValidationError({"id_number": _("该身份证号码刚刚已被登记。")}) from None
    return person


PERSON_EDITABLE = (
    "name",
    "sex",
    "birth_date",
    "id_number",
    "id_number_hash",
    "id_number_masked",
    "phone",
    "phone_hash",
    "phone_masked",
    "hukou_division",
    "residence_division",
    "address",
)


def person_update(
    *, actor, person: Person, data: PersonInput, deceased_date: dt.date | None = None
) -> Person:
    """Change a person's facts with the same validation as registration. A blank ID number
    or phone keeps the stored one (forms never show plaintext to edit)."""
    require_perm(actor, "registry.change_person")
    if not code_in_scope(actor, person.residence_division_id):
        raise ValidationError({"residence_division": _("该人员不在您的管辖范围内。")})
    data = replace(
        data, id_number=data.id_number or person.id_number, phone=data.phone or person.phone
    )
    updated, errors = person_build(data)
    if "residence_division" not in errors and not code_in_scope(
        actor, updated.residence_division_id
    ):
        errors["residence_division"] = _("居住地不在您的管辖范围内。")
    if (
        "id_number" not in errors
        and updated.id_number_hash
        and updated.id_number_hash != person.id_number_hash
    ):
        clash = (
            Person.objects.filter(id_number_hash=updated.id_number_hash)
            .exclude(pk=person.pk)
            .select_related("residence_division__parent")
            .first()
        )
        if clash:
            errors["id_number"] = _duplicate_message(actor, clash)
    if deceased_date and date_error(validate_past_date, deceased_date):
        errors["deceased_date"] = date_error(validate_past_date, deceased_date)
    elif deceased_date and updated.birth_date and deceased_date < updated.birth_date:
        errors["deceased_date"] = _("死亡日期不能早于出生日期。")
    if errors:
        raise ValidationError(errors)
    for field in PERSON_EDITABLE:
        attr = f"{field}_id" if field.endswith("_division") else field
        setattr(person, attr, getattr(updated, attr))
    person.deceased_date = deceased_date
    with transaction.atomic():
        person.save(update_fields=[*PERSON_EDITABLE, "deceased_date", "updated_at"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=person,
            summary=f"修改人员 {person.name}",
        )
    return person


def person_void(*, actor, person: Person, reason: str) -> Person:
    """Persons are never deleted: a wrong record is voided with a reason and kept."""
    require_perm(actor, "registry.change_person")
    if not code_in_scope(actor, person.residence_division_id):
        raise ValidationError({"residence_division": _("该人员不在您的管辖范围内。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写作废原因。")})
    person.is_void, person.void_reason = True, reason.strip()[:200]
    # The ID number is freed so that the right record can be registered.
    person.id_number_hash = None
    with transaction.atomic():
        person.save(update_fields=["is_void", "void_reason", "id_number_hash", "updated_at"])
        audit.record(
            actor=actor,
            action=audit.Action.DELETE,
            target=person,
            summary=f"作废人员 {person.name}：{reason}",
        )
    return person


def person_reveal(*, actor, person: Person, reason: str = "") -> dict[str, str]:
    """The full ID number and phone of one person, for a role allowed to see them. Logged."""
    require_perm(actor, "registry.reveal_personal_data")
    if not code_in_scope(actor, person.residence_division_id):
        from django.http import Http404

        raise Http404
    audit.record(
        actor=actor,
        action=audit.Action.REVEAL,
        target=person,
        summary=f"查看 {person.name} 的完整身份证号码和电话",
        reason=reason,
    )
    return {"id_number": person.id_number, "phone": person.phone}


def person_tag_add(
    *,
    actor,
    person: Person,
    tag: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    certificate_no: str = "",
    disability_category: str = "",
    disability_level: int | None = None,
    note: str = "",
) -> PersonTag:
    require_perm(actor, "registry.add_persontag")
    if not code_in_scope(actor, person.residence_division_id):
        raise ValidationError({"person": _("该人员不在您的管辖范围内。")})
    errors = {}
    if tag not in PersonTag.Tag.values:
        errors["tag"] = _("未知的类别。")
    for field, day in (("valid_from", valid_from), ("valid_to", valid_to)):
        if day and date_error(validate_event_date, day):
            errors[field] = date_error(validate_event_date, day)
    if valid_to and valid_to < valid_from and "valid_to" not in errors:
        errors["valid_to"] = _("截止日期不能早于起始日期。")
    if tag == PersonTag.Tag.DISABLED:
        if not certificate_no.strip():
            errors["certificate_no"] = _("残疾人须填写残疾证号。")
        if disability_category not in PersonTag.DisabilityCategory.values:
            errors["disability_category"] = _("请选择残疾类别。")
        if disability_level not in (1, 2, 3, 4):
            errors["disability_level"] = _("残疾等级须为 1–4 级。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        item = PersonTag.objects.create(
            person=person,
            tag=tag,
            valid_from=valid_from,
            valid_to=valid_to,
            certificate_no=certificate_no.strip(),
            disability_category=disability_category,
            disability_level=disability_level,
            note=note,
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=item,
            summary=f"{person.name} 标记为 {item.get_tag_display()}",
        )
    return item


def household_create(
    *, actor, number: str, division_code: str, address: str = "", head: Person
) -> Household:
    require_perm(actor, "registry.add_household")
    errors = {}
    number = number.strip()
    if not number:
        errors["number"] = _("请填写户编号。")
    elif Household.objects.filter(number=number).exists():
        errors["number"] = _("户编号“%(n)s”已存在。") % {"n": number}
    if (
        not code_in_scope(actor, division_code)
        or not Division.objects.filter(code=division_code).exists()
    ):
        errors["division"] = _("区划不存在或不在您的管辖范围内。")
    if HouseholdMember.objects.filter(person=head, left_on__isnull=True).exists():
        errors["head"] = _("%(name)s 已是另一户的成员，请先办理迁出。") % {"name": head.name}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        household = Household.objects.create(
            number=number, division_id=division_code, address=address
        )
        HouseholdMember.objects.create(
            household=household, person=head, relation=HouseholdMember.Relation.HEAD
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=household,
            summary=f"建户 {number}，户主 {head.name}",
        )
    return household


def household_add_member(
    *, actor, household: Household, person: Person, relation: str
) -> HouseholdMember:
    require_perm(actor, "registry.change_household")
    errors = {}
    if not code_in_scope(actor, household.division_id):
        errors["household"] = _("该户不在您的管辖范围内。")
    if relation not in HouseholdMember.Relation.values:
        errors["relation"] = _("请选择与户主关系。")
    elif relation == HouseholdMember.Relation.HEAD:
        errors["relation"] = _("一户只能有一名户主。")
    if HouseholdMember.objects.filter(person=person, left_on__isnull=True).exists():
        errors["person"] = _("%(name)s 已是某户的成员。") % {"name": person.name}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        member = HouseholdMember.objects.create(
            household=household, person=person, relation=relation
        )
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=household,
            summary=f"{person.name} 加入 {household.number}",
        )
    return member


def household_remove_member(*, actor, member: HouseholdMember, left_on: dt.date) -> HouseholdMember:
    """Membership ends with a date; the row stays as history."""
    require_perm(actor, "registry.change_household")
    if not code_in_scope(actor, member.household.division_id):
        raise ValidationError({"household": _("该户不在您的管辖范围内。")})
    if member.relation == HouseholdMember.Relation.HEAD:
        raise ValidationError({"person": _("户主不能直接迁出，请先变更户主。")})
    with transaction.atomic():
        member.left_on = left_on
        member.save(update_fields=["left_on"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=member.household,
            summary=f"{member.person.name} 迁出 {member.household.number}",
        )
    return member


def organisation_register(
    *,
    actor,
    name: str,
    kind: str,
    division_code: str,
    credit_code: str = "",
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
) -> Organisation:
    require_perm(actor, "registry.add_organisation")
    errors = {}
    org = Organisation(
        name=name.strip(),
        kind=kind,
        division_id=division_code,
        address=address,
        contact_name=contact_name,
    )
    if not org.name:
        errors["name"] = _("请填写组织名称。")
    elif name_error(org.name):
        errors["name"] = name_error(org.name)
    if name_error(contact_name):
        errors["contact_name"] = name_error(contact_name)
    if kind not in Organisation.Kind.values:
        errors["kind"] = _("请选择组织类型。")
    if credit_code:
        try:
            org.credit_code = validators.validate_uscc(credit_code)
        except ValidationError as e:
            errors["credit_code"] = e.messages[0]
        else:
            if Organisation.objects.filter(credit_code=org.credit_code).exists():
                errors["credit_code"] = _("该统一社会信用代码已登记。")
    if contact_phone:
        try:
            phone = validators.validate_phone(contact_phone)
            org.contact_phone, org.contact_phone_masked = phone, validators.mask_phone(phone)
        except ValidationError as e:
            errors["contact_phone"] = e.messages[0]
    if (
        not code_in_scope(actor, division_code)
        or not Division.objects.filter(code=division_code).exists()
    ):
        errors["division"] = _("区划不存在或不在您的管辖范围内。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        org.save()
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=org, summary=f"登记组织 {org.name}"
        )
    return org
