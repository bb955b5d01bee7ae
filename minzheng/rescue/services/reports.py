"""Missing-person reports from families, the police and other stations: recorded, edited,
imported in bulk (all-or-nothing), each indexed with the matcher's keys.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.models import Division
from minzheng.core.permissions import require_perm
from minzheng.core.services import attachment_add, attachment_add_by_resident, upload_errors
from minzheng.core.tasks import enqueue
from minzheng.core.validators import (
    date_error,
    name_error,
    validate_birth_date,
    validate_past_date,
)
from minzheng.registry import pii, validators

from .. import matching, rules
from ..models import (
    MissingReport,
    ReportKey,
    ReportSource,
    ReportStatus,
    Sex,
)
from .matches import _schedule_report_match, rematch_open_cases, report_record


@dataclass
class ReportInput:
    name: str
    sex: str
    missing_date: dt.date | None
    missing_place: str
    birth_date: dt.date | None = None
    birth_year: int | None = None
    division_code: str = ""
    description: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    consent: bool = True
    external_id: str = ""


def report_build(
    data: ReportInput, *, today: dt.date, division_codes: set[str] | None = None
) -> tuple[MissingReport, dict[str, str]]:
    """Validate one report and return it unsaved with the errors found; shared by the
    counter, the portal and the CSV import."""
    errors: dict[str, str] = {}
    name = "".join((data.name or "").split())
    if not name:
        errors["name"] = _("请填写走失者姓名。")
    elif len(name) > 40:
        errors["name"] = _("姓名不能超过 40 个字。")
    elif name_error(name):
        errors["name"] = name_error(name)
    if data.sex not in Sex.values:
        errors["sex"] = _("性别须为“M”（男）或“F”（女）。")
    birth_year = data.birth_date.year if data.birth_date else data.birth_year
    if data.birth_date and date_error(validate_birth_date, data.birth_date, today=today):
        errors["birth_date"] = date_error(validate_birth_date, data.birth_date, today=today)
    if birth_year is not None and not today.year - rules.AGE_LIMIT <= birth_year <= today.year:
        errors["birth_year"] = _("出生年份不合理。")
    if data.birth_date and data.birth_year and data.birth_date.year != data.birth_year:
        errors["birth_year"] = _("出生年份与出生日期不一致。")
    if not data.missing_date:
        errors["missing_date"] = _("请填写走失日期。")
    elif data.missing_date > today:
        errors["missing_date"] = _("走失日期不能晚于今天。")
    elif date_error(validate_past_date, data.missing_date, today=today):
        errors["missing_date"] = date_error(validate_past_date, data.missing_date, today=today)
    elif data.birth_date and data.missing_date < data.birth_date:
        errors["missing_date"] = _("走失日期不能早于出生日期。")
    if not (data.missing_place or "").strip():
        errors["missing_place"] = _("请填写走失地点。")
    division = data.division_code
    if division and division not in (
        division_codes
        if division_codes is not None
        else set(Division.objects.filter(code=division).values_list("code", flat=True))
    ):
        errors["division"] = _("区划代码不存在。")
    phone = (data.contact_phone or "").strip()
    report = MissingReport(
        external_id=(data.external_id or "").strip()[:40],
        name=name,
        sex=data.sex,
        birth_date=data.birth_date,
        birth_year=birth_year,
        missing_date=data.missing_date,
        missing_place=(data.missing_place or "").strip()[:200],
        description=(data.description or "").strip(),
        contact_name=(data.contact_name or "").strip()[:40],
        consent=bool(data.consent),
    )
    if division:
        report.division_id = division
    if phone:
        try:
            phone = validators.validate_phone(phone)
        except ValidationError as exc:
            errors["contact"] = exc.messages[0]
        else:
            report.contact_phone, report.contact_phone_hash, report.contact_phone_masked = (
                phone,
                pii.blind_index(phone, kind="phone"),
                validators.mask_phone(phone),
            )
    return report, errors


def _keys_for(report: MissingReport) -> list[ReportKey]:
    return [
        ReportKey(report=report, key=k) for k in sorted(matching.report_keys(report_record(report)))
    ]


def report_create(*, actor, data: ReportInput, source: str, photo=None) -> MissingReport:
    """A family's report, at the counter (staff) or on the portal (the signed-in resident)."""
    if source == ReportSource.PORTAL:
        if not (actor and actor.is_authenticated and getattr(actor, "kind", "") == "resident"):
            raise PermissionDenied(_("请先登录。"))
        if not (data.contact_phone or "").strip():
            raise ValidationError({"contact": _("请填写联系电话，找到后我们会与您联系。")})
    else:
        require_perm(actor, "rescue.add_missingreport")
    report, errors = report_build(data, today=timezone.localdate())
    errors |= upload_errors(
        photo, field="photo", allowed=rules.PHOTO_TYPES, max_bytes=rules.PHOTO_MAX_BYTES
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        report.source, report.reporter = source, actor
        report.external_id = report.external_id or f"tmp-{secrets.token_hex(6)}"
        report.save()
        if report.external_id.startswith("tmp-"):
            report.external_id = f"XQ{report.pk:08d}"
            report.save(update_fields=["external_id"])
        ReportKey.objects.bulk_create(_keys_for(report))
        if photo is not None:
            # A resident sends a photo with their own report; staff attach within their scope.
            store = attachment_add_by_resident if source == ReportSource.PORTAL else attachment_add
            owner_kw = {"resident": actor} if source == ReportSource.PORTAL else {"actor": actor}
            store(
                **owner_kw,
                owner=report,
                upload=photo,
                kind="photo",
                allowed=rules.PHOTO_TYPES,
                max_bytes=rules.PHOTO_MAX_BYTES,
            )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=report,
            summary=f"寻亲登记 {report.external_id}",
        )
    _schedule_report_match(report.pk)
    return report


# What staff may correct on a report (the contact phone separately: left empty, it is kept).
REPORT_EDITABLE = (
    "name",
    "sex",
    "birth_date",
    "birth_year",
    "missing_date",
    "missing_place",
    "description",
    "contact_name",
    "consent",
)


def report_update(*, actor, report: MissingReport, data: ReportInput) -> MissingReport:
    require_perm(actor, "rescue.change_missingreport")
    fresh, errors = report_build(data, today=timezone.localdate())
    if errors:
        raise ValidationError(errors)
    fields = [*REPORT_EDITABLE, "division"]
    with transaction.atomic():
        for name in fields:
            setattr(report, name, getattr(fresh, name))
        if data.contact_phone:
            report.contact_phone, report.contact_phone_hash, report.contact_phone_masked = (
                fresh.contact_phone,
                fresh.contact_phone_hash,
                fresh.contact_phone_masked,
            )
            fields += ["contact_phone", "contact_phone_hash", "contact_phone_masked"]
        report.save(update_fields=fields)
        report.keys.all().delete()  # derived data, rebuilt from the report
        ReportKey.objects.bulk_create(_keys_for(report))
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=report,
            summary=f"修改寻亲登记 {report.external_id}",
        )
    _schedule_report_match(report.pk)
    return report


def report_contact_reveal(*, actor, report: MissingReport) -> str:
    """The family's phone in full, for staff who must call them; every reveal is logged."""
    require_perm(actor, "rescue.change_missingreport")
    audit.record(
        actor=actor,
        action=audit.Action.REVEAL,
        target=report,
        summary=f"查看寻亲登记联系电话 {report.external_id}",
    )
    return report.contact_phone or ""


def report_withdraw(*, actor, report: MissingReport, reason: str) -> MissingReport:
    require_perm(actor, "rescue.change_missingreport")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写撤销原因。")})
    if report.status != ReportStatus.OPEN:
        raise ValidationError({"reason": _("只有寻找中的登记可以撤销。")})
    report.status = ReportStatus.WITHDRAWN
    report.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=report,
        summary=f"撤销寻亲登记 {report.external_id}：{reason}"[:300],
    )
    return report


IMPORT_COLUMNS = (
    "external_id",
    "name",
    "sex",
    "birth_date",
    "birth_year",
    "missing_date",
    "missing_place",
    "description",
    "contact",
)


@dataclass
class ImportError_:
    row: int  # 1-based data row, the header being row 1 → first data row is 2
    column: str
    message: str


def _parse_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value.strip())


def reports_import(
    *, actor, rows: list[dict], batch_size: int = 5000
) -> tuple[int, list[ImportError_]]:
    """All-or-nothing import of report rows (dicts keyed by IMPORT_COLUMNS). Returns
    (number imported, errors); with any error nothing is written."""
    require_perm(actor, "rescue.add_missingreport")
    errors: list[ImportError_] = []
    today = timezone.localdate()
    seen: set[str] = set()
    wanted = [(r.get("external_id") or "").strip() for r in rows]
    existing = set()
    for i in range(0, len(wanted), 900):
        existing |= set(
            MissingReport.objects.filter(external_id__in=wanted[i : i + 900]).values_list(
                "external_id", flat=True
            )
        )
    reports = []
    column_of = {
        "name": "name",
        "sex": "sex",
        "birth_date": "birth_date",
        "birth_year": "birth_year",
        "missing_date": "missing_date",
        "missing_place": "missing_place",
        "contact": "contact",
        "division": "missing_place",
    }
    for n, row in enumerate(rows, start=2):
        ext = (row.get("external_id") or "").strip()
        if not ext:
            errors.append(ImportError_(n, "external_id", _("请填写外部编号。")))
        elif ext in seen or ext in existing:
            errors.append(ImportError_(n, "external_id", _("外部编号“%(x)s”重复。") % {"x": ext}))
        seen.add(ext)
        parsed = {}
        for col in ("birth_date", "missing_date"):
            raw = (row.get(col) or "").strip()
            try:
                parsed[col] = _parse_date(raw) if raw else None
            except ValueError:
                errors.append(ImportError_(n, col, _("日期格式应为 YYYY-MM-DD。")))
                parsed[col] = dt.date(1900, 1, 1) if col == "missing_date" else None
        raw_year = (row.get("birth_year") or "").strip()
        try:
            parsed["birth_year"] = int(raw_year) if raw_year else None
        except ValueError:
            errors.append(ImportError_(n, "birth_year", _("出生年份应为四位数字。")))
            parsed["birth_year"] = None
        report, errs = report_build(
            ReportInput(
                name=row.get("name") or "",
                sex=(row.get("sex") or "").strip().upper(),
                missing_date=parsed["missing_date"],
                missing_place=row.get("missing_place") or "",
                birth_date=parsed["birth_date"],
                birth_year=parsed["birth_year"],
                description=row.get("description") or "",
                contact_phone=row.get("contact") or "",
                external_id=ext,
            ),
            today=today,
            division_codes=set(),
        )
        for field, message in errs.items():
            if not any(e.row == n and e.column == column_of.get(field, field) for e in errors):
                errors.append(ImportError_(n, column_of.get(field, field), message))
        report.source, report.reporter = ReportSource.IMPORT, actor
        reports.append(report)
    if errors:
        return 0, errors
    with transaction.atomic():
        now = timezone.now()
        for r in reports:
            r.created_at = now
        for i in range(0, len(reports), batch_size):
            created = MissingReport.objects.bulk_create(reports[i : i + batch_size])
            if created and created[0].pk is None:  # a backend that does not return ids
                by_ext = dict(
                    MissingReport.objects.filter(
                        external_id__in=[r.external_id for r in created]
                    ).values_list("external_id", "pk")
                )
                for r in created:
                    r.pk = by_ext[r.external_id]
            keys = [k for r in created for k in _keys_for(r)]
            ReportKey.objects.bulk_create(keys, batch_size=batch_size * 4)
        audit.record(
            actor=actor, action=audit.Action.IMPORT, summary=f"导入寻亲登记 {len(reports)} 条"
        )
    enqueue(rematch_open_cases)
    return len(reports), []
