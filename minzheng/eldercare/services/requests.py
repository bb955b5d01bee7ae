"""Residents' requests from the portal (admission support, a house's services)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.validators import name_error
from minzheng.registry import validators

from ..models import (
    House,
    Institution,
    ServiceRequest,
)


def service_request_submit(
    *,
    resident,
    kind: str,
    institution_id: int | None = None,
    house_id: int | None = None,
    elder_name: str,
    contact_name: str,
    phone: str,
    service: str = "",
    note: str = "",
) -> ServiceRequest:
    """An elder or a family member asks for admission or for a house's service."""
    if getattr(resident, "kind", "") != "resident" or not resident.is_authenticated:
        raise PermissionDenied(_("请先登录。"))
    errors: dict = {}
    institution = house = None
    if kind == ServiceRequest.Kind.ADMISSION:
        institution = Institution.objects.filter(pk=institution_id, is_active=True).first()
        if institution is None:
            errors["institution"] = _("请选择养老机构。")
    elif kind == ServiceRequest.Kind.HOUSE:
        house = House.objects.filter(pk=house_id).first()
        if house is None:
            errors["house"] = _("请选择幸福院。")
        elif service not in house.services:
            errors["service"] = _("请选择该幸福院提供的服务。")
    else:
        errors["kind"] = _("请选择申请类型。")
    for key, value in (("elder_name", elder_name), ("contact_name", contact_name)):
        value = " ".join((value or "").split())
        if not value:
            errors[key] = _("请填写姓名。")
        elif len(value) > 40 or name_error(value):
            errors[key] = name_error(value) or _("姓名不能超过 40 个字。")
    try:
        phone = validators.validate_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    place = institution or house
    with transaction.atomic():
        request = ServiceRequest.objects.create(
            kind=kind,
            institution=institution,
            house=house,
            division_id=place.division_id,
            elder_name=" ".join(elder_name.split()),
            contact_name=" ".join(contact_name.split()),
            phone=phone,
            phone_masked=validators.mask_phone(phone),
            service=service if house else "",
            note=(note or "").strip()[:300],
            resident=resident,
        )
        audit.record(
            actor=resident,
            action=audit.Action.CREATE,
            target=request,
            summary=f"{request.get_kind_display()} {place.name}",
        )
    return request
