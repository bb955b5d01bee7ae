"""Writes of the rescue station: intake, stay, reports, match decisions, notices, returns.

Every service validates everything first and raises one ValidationError (field → message),
so bad input writes nothing; then it writes in one transaction, logs, and schedules the
re-matching after commit (`core.tasks.enqueue`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.core import audit, workflow
from minzheng.core.models import Division
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.core.services import attachment_add, attachment_add_by_resident, upload_errors
from minzheng.core.tasks import enqueue
from minzheng.core.validators import (
    date_error,
    name_error,
    validate_birth_date,
    validate_event_date,
    validate_past_date,
)
from minzheng.core.workflow import Workflow
from minzheng.ledger import accounts
from minzheng.ledger import services as ledger
from minzheng.registry import pii, validators

from . import matching, rules
from .models import (
    Case,
    CaseState,
    CaseTransition,
    DailyRecord,
    Decision,
    HandoverTo,
    MatchCandidate,
    MissingReport,
    Notice,
    NoticeStatus,
    ReportKey,
    ReportSource,
    ReportStatus,
    ReturnHome,
    Sex,
    Station,
)

# ---------------------------------------------------------------- intake


@dataclass
class IntakeInput:
    found_date: dt.date | None
    found_place: str
    brought_by: str
    sex: str
    age_min: int | None
    age_max: int | None
    found_division_code: str = ""
    told_name: str = ""
    told_place: str = ""
    dialect: str = ""
    height_cm: int | None = None
    build: str = ""
    marks: str = ""
    clothing: str = ""
    health_state: str = ""
    mental_state: str = ""
    belongings: str = ""
    fingerprint_done: bool = False
    fingerprint_ref: str = ""
    dna_done: bool = False
    dna_ref: str = ""


def _intake_errors(data: IntakeInput, *, today: dt.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.found_date:
        errors["found_date"] = _("请填写发现日期。")
    elif data.found_date > today:
        errors["found_date"] = _("发现日期不能晚于今天。")
    elif date_error(validate_event_date, data.found_date):
        errors["found_date"] = date_error(validate_event_date, data.found_date)
    if name_error(data.told_name):
        errors["told_name"] = name_error(data.told_name)
    if not (data.found_place or "").strip():
        errors["found_place"] = _("请填写发现地点。")
    if (
        data.found_division_code
        and not Division.objects.filter(code=data.found_division_code).exists()
    ):
        errors["found_division"] = _("区划代码不存在。")
    if data.brought_by not in {c for c, _l in Case._meta.get_field("brought_by").choices}:
        errors["brought_by"] = _("请选择送站方式。")
    if data.sex not in Sex.values:
        errors["sex"] = _("请选择性别。")
    if data.age_min is None or data.age_max is None:
        errors["age_max"] = _("请填写估计年龄范围。")
    elif not (0 <= data.age_min <= rules.AGE_LIMIT and 0 <= data.age_max <= rules.AGE_LIMIT):
        errors["age_max"] = _("年龄须在 0 至 %(n)d 岁之间。") % {"n": rules.AGE_LIMIT}
    elif data.age_min > data.age_max:
        errors["age_max"] = _("年龄上限不能小于下限。")
    if data.height_cm is not None and not 40 <= data.height_cm <= 230:
        errors["height_cm"] = _("身高须在 40 至 230 厘米之间。")
    if data.dialect and data.dialect not in matching.DIALECTS:
        errors["dialect"] = _("请从列表中选择口音/语言。")
    for done, ref in (("fingerprint_done", "fingerprint_ref"), ("dna_done", "dna_ref")):
        if getattr(data, done) and not (getattr(data, ref) or "").strip():
            errors[ref] = _("已采集的，请填写公安机关给出的编号。")
    return errors


_CASE_FIELDS = (
    "found_date",
    "found_place",
    "brought_by",
    "told_name",
    "told_place",
    "sex",
    "age_min",
    "age_max",
    "dialect",
    "height_cm",
    "build",
    "marks",
    "clothing",
    "health_state",
    "mental_state",
    "belongings",
    "fingerprint_done",
    "fingerprint_ref",
    "dna_done",
    "dna_ref",
)


def case_intake(*, actor, station: Station, data: IntakeInput, photo=None, audio=None) -> Case:
    """Take a found person in: the case, its first state row, its public notice (published at
    once, so it is on the portal well within 24 hours), photo and recorded speech; matching
    runs after commit."""
    require_perm(actor, "rescue.add_case")
    if not code_in_scope(actor, station.division_id):
        raise PermissionDenied(_("不能为其他救助站登记。"))
    errors = _intake_errors(data, today=timezone.localdate())
    errors |= upload_errors(
        photo, field="photo", allowed=rules.PHOTO_TYPES, max_bytes=rules.PHOTO_MAX_BYTES
    )
    errors |= upload_errors(
        audio, field="audio", allowed=rules.AUDIO_TYPES, max_bytes=rules.AUDIO_MAX_BYTES
    )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        case = Case(
            station=station,
            division_id=station.division_id,
            number=f"tmp-{secrets.token_hex(6)}",
            found_division_id=data.found_division_code or None,
            intake_at=now,
            created_by=actor,
            state=CaseState.CHECKED_IN,
        )
        for name in _CASE_FIELDS:
            value = getattr(data, name)
            setattr(case, name, value.strip() if isinstance(value, str) else value)
        case.save()
        case.number = f"JZ{case.found_date:%Y}{case.pk:06d}"
        case.save(update_fields=["number"])
        workflow.start(
            workflow=WORKFLOW, obj=case, name="intake", actor=actor, reason=_("入站登记")
        )
        photo_token = ""
        if photo is not None:
            photo_token = attachment_add(
                actor=actor,
                owner=case,
                upload=photo,
                kind="photo",
                allowed=rules.PHOTO_TYPES,
                max_bytes=rules.PHOTO_MAX_BYTES,
            ).token
        if audio is not None:
            attachment_add(
                actor=actor,
                owner=case,
                upload=audio,
                kind="audio",
                allowed=rules.AUDIO_TYPES,
                max_bytes=rules.AUDIO_MAX_BYTES,
            )
        _notice_create(case=case, photo_token=photo_token, now=now)
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=case, summary=f"救助登记 {case.number}"
        )
    _schedule_case_match(case.pk)
    return case


def case_update(*, actor, case: Case, data: IntakeInput) -> Case:
    """Correct the intake facts (the date found may not move into the future); matching re-runs."""
    require_perm(actor, "rescue.change_case")
    if case.is_closed:
        raise ValidationError({"state": _("已结案的个案不能修改。")})
    errors = _intake_errors(data, today=timezone.localdate())
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for name in _CASE_FIELDS:
            value = getattr(data, name)
            setattr(case, name, value.strip() if isinstance(value, str) else value)
        case.found_division_id = data.found_division_code or None
        case.save()
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=case,
            summary=f"修改救助登记 {case.number}",
        )
    _schedule_case_match(case.pk)
    return case


def case_attach(*, actor, case: Case, upload, kind: str):
    """Add a photo ("photo") or recorded speech ("audio") to a case."""
    require_perm(actor, "rescue.change_case")
    allowed, limit = (
        (rules.PHOTO_TYPES, rules.PHOTO_MAX_BYTES)
        if kind == "photo"
        else (rules.AUDIO_TYPES, rules.AUDIO_MAX_BYTES)
    )
    errors = upload_errors(upload, field="file", allowed=allowed, max_bytes=limit)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        attachment = attachment_add(
            actor=actor, owner=case, upload=upload, kind=kind, allowed=allowed, max_bytes=limit
        )
        if kind == "photo" and hasattr(case, "notice"):
            Notice.objects.filter(pk=case.notice.pk).update(
                photo_token=attachment.token, updated_at=timezone.now()
            )
    return attachment


def case_transition(*, actor, case: Case, to_state: str, reason: str) -> Case:
    """Move a case by a declared move (rules.MOVES, through core.workflow), with a log row."""
    require_perm(actor, "rescue.change_case")
    reason = (reason or "").strip()
    WORKFLOW.find(case.state, to=to_state)  # refuses an undeclared move first
    if not reason:
        raise ValidationError({"reason": _("请填写原因。")})
    with transaction.atomic():
        _transition(case=case, to_state=to_state, reason=reason, actor=actor)
    return case


WORKFLOW = Workflow(
    key="rescue.case",
    model=Case,
    log_model=CaseTransition,
    log_subject="case",
    states=CaseState,
    moves=rules.MOVES,
    error_field="to_state",
    conflict_message=gettext_lazy("个案状态已被他人修改，请刷新后重试。"),
)


def _transition(*, case: Case, to_state: str, reason: str, actor) -> None:
    # One declared move (core.workflow): a conditional UPDATE, so two concurrent changes of
    # the same case cannot both apply, and one CaseTransition row.
    from_state = case.state
    extra = {"closed_at": timezone.now()} if to_state == CaseState.RETURNED else {}
    workflow.move(
        workflow=WORKFLOW,
        obj=case,
        to=to_state,
        actor=actor,
        reason=reason[:200],
        extra_updates=extra,
    )
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=case,
        summary=f"{case.number} {CaseState(from_state).label} → {CaseState(to_state).label}：{reason}"[
            :300
        ],
    )


def daily_record_add(*, actor, case: Case, day: dt.date | None, note: str) -> DailyRecord:
    require_perm(actor, "rescue.change_case")
    errors = {}
    if not day:
        errors["day"] = _("请填写日期。")
    elif day > timezone.localdate():
        errors["day"] = _("日期不能晚于今天。")
    elif date_error(validate_event_date, day):
        errors["day"] = date_error(validate_event_date, day)
    if not (note or "").strip():
        errors["note"] = _("请填写记录内容。")
    if errors:
        raise ValidationError(errors)
    return DailyRecord.objects.create(case=case, day=day, note=note.strip(), actor=actor)


# ---------------------------------------------------------------- notices


def _notice_create(*, case: Case, photo_token: str, now) -> Notice:
    values = {name: getattr(case, name) for name in rules.NOTICE_FROM_CASE}
    title = _("寻亲公告：%(date)s在%(place)s发现一名%(sex)s性") % {
        "date": f"{case.found_date:%Y年%-m月%-d日}",
        "place": case.found_place[:30],
        "sex": Sex(case.sex).label,
    }
    return Notice.objects.create(
        case=case,
        title=title[:100],
        appearance=rules.notice_appearance(case),
        photo_token=photo_token,
        published_at=now,
        updated_at=now,
        **values,
    )


def notice_update(*, actor, notice: Notice, title: str, appearance: str) -> Notice:
    """Staff edit what the notice says (title and the recognisable features only)."""
    require_perm(actor, "rescue.change_notice")
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("请填写标题。")
    if notice.status != NoticeStatus.PUBLISHED:
        errors["title"] = _("公告已撤下，不能修改。")
    if errors:
        raise ValidationError(errors)
    notice.title, notice.appearance, notice.updated_at = (
        title.strip()[:100],
        (appearance or "").strip(),
        timezone.now(),
    )
    notice.save(update_fields=["title", "appearance", "updated_at"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=notice,
        summary=f"更新寻亲公告 {notice.case.number}",
    )
    return notice


def _notice_take_down(case: Case) -> None:
    Notice.objects.filter(case=case, status=NoticeStatus.PUBLISHED).update(
        status=NoticeStatus.TAKEN_DOWN, taken_down_at=timezone.now(), updated_at=timezone.now()
    )


# ---------------------------------------------------------------- reports


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


def report_record(report: MissingReport) -> matching.ReportRecord:
    return matching.ReportRecord(
        key=report.external_id,
        name=report.name,
        sex=report.sex,
        birth_year=report.year_of_birth,
        missing_date=report.missing_date,
        missing_place=report.missing_place,
        division_code=report.division_id or "",
        description=report.description,
    )


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


# ---------------------------------------------------------------- matching


def _schedule_case_match(case_id: int) -> None:
    enqueue(case_rematch, case_id=case_id)


def _schedule_report_match(report_id: int) -> None:
    enqueue(report_rematch, report_id=report_id)


def case_query(case: Case) -> matching.FoundQuery:
    return matching.FoundQuery(
        id=case.number,
        name=case.told_name,
        sex=case.sex,
        age_min=case.age_min,
        age_max=case.age_max,
        found_date=case.found_date,
        found_place=case.found_place,
        division_code=case.found_division_id or "",
        description=case.description_text,
    )


def case_rematch(*, case_id: int) -> int:
    """Task: rank the open reports for one case and store the top candidates. Existing rows
    keep their decision; their score and reasons are refreshed. Pending rows that dropped
    out of the top are removed (computed data); decided rows are never removed."""
    from .selectors import match_query

    case = Case.objects.filter(pk=case_id).first()
    if case is None or case.is_closed:
        return 0
    found = match_query(case_query(case), top=rules.TOP_CANDIDATES)
    ids = dict(
        MissingReport.objects.filter(external_id__in=[c.key for c in found]).values_list(
            "external_id", "pk"
        )
    )
    now = timezone.now()
    with transaction.atomic():
        existing = {
            c.report_id: c for c in MatchCandidate.objects.select_for_update().filter(case=case)
        }
        kept = set()
        for rank, cand in enumerate(found, start=1):
            report_id = ids[cand.key]
            kept.add(report_id)
            row = existing.get(report_id)
            score = Decimal(str(round(cand.score, 4)))
            if row:
                row.score, row.rank, row.reasons, row.computed_at = score, rank, cand.reasons, now
                row.save(update_fields=["score", "rank", "reasons", "computed_at"])
            else:
                MatchCandidate.objects.create(
                    case=case,
                    report_id=report_id,
                    score=score,
                    rank=rank,
                    reasons=cand.reasons,
                    computed_at=now,
                )
        MatchCandidate.objects.filter(case=case, decision=Decision.PENDING).exclude(
            report_id__in=kept
        ).delete()
    return len(found)


def report_rematch(*, report_id: int) -> int:
    """Task: a report was added or changed — score it against every open case and re-rank
    the cases it could belong to."""
    report = MissingReport.objects.filter(pk=report_id).first()
    if report is None:
        return 0
    record = report_record(report)
    touched = 0
    for case in Case.objects.filter(state__in=rules.OPEN_STATES).exclude(state=CaseState.TO_RETURN):
        if (
            matching.rank(case_query(case), [record], top=1)
            or MatchCandidate.objects.filter(case=case, report=report).exists()
        ):
            case_rematch(case_id=case.pk)
            touched += 1
    return touched


def rematch_open_cases() -> int:
    ids = list(
        Case.objects.filter(state__in=rules.OPEN_STATES)
        .exclude(state=CaseState.TO_RETURN)
        .values_list("pk", flat=True)
    )
    for case_id in ids:
        case_rematch(case_id=case_id)
    return len(ids)


def candidate_decide(
    *, actor, candidate: MatchCandidate, decision: str, reason: str
) -> MatchCandidate:
    """Staff confirm or reject a candidate, with a reason; kept as is by later re-matching.
    Confirming marks the report found and the case for return; nothing is merged. Takes the
    case's row lock (select_for_update) before writing."""
    require_perm(actor, "rescue.decide_match")
    reason = (reason or "").strip()
    errors = {}
    if decision not in (Decision.CONFIRMED, Decision.REJECTED):
        errors["decision"] = _("请选择确认或排除。")
    if not reason:
        errors["reason"] = _("请填写核实说明（如：经家属视频辨认）。")
    case = candidate.case
    if candidate.decision != Decision.PENDING:
        errors["decision"] = _("该比对结果已核实过。")
    if decision == Decision.CONFIRMED:
        if case.confirmed_report_id:
            errors["decision"] = _("该受助人员已确认了另一条寻亲登记。")
        elif candidate.report.status != ReportStatus.OPEN:
            errors["decision"] = _("该寻亲登记已不在寻找中。")
        elif not rules.can_transition(case.state, CaseState.TO_RETURN):
            errors["decision"] = _("个案当前状态不能转为待送返。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The case row is locked first: two confirmations of one person queue here, and the
        # second sees the first's confirmed report.
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if decision == Decision.CONFIRMED and (
            locked.confirmed_report_id or locked.state != case.state
        ):
            raise ValidationError({"decision": _("该受助人员已确认了另一条寻亲登记。")})
        if not MatchCandidate.objects.filter(pk=candidate.pk, decision=Decision.PENDING).update(
            decision=decision,
            decision_reason=reason[:300],
            decided_by=actor,
            decided_at=timezone.now(),
        ):
            raise ValidationError({"decision": _("该比对结果已被他人核实。")})
        candidate.refresh_from_db()
        if decision == Decision.CONFIRMED:
            report = candidate.report
            report.status = ReportStatus.FOUND
            report.save(update_fields=["status"])
            case.confirmed_report = report
            case.save(update_fields=["confirmed_report"])
            _transition(
                case=case,
                to_state=CaseState.TO_RETURN,
                reason=_("确认寻亲登记 %(x)s：%(r)s") % {"x": report.external_id, "r": reason},
                actor=actor,
            )
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=candidate,
            summary=f"{case.number} {Decision(decision).label} {candidate.report.external_id}：{reason}"[
                :300
            ],
        )
    return candidate


# ---------------------------------------------------------------- return home


@dataclass
class ReturnInput:
    destination: str
    escort: str
    transport: str
    handover_to: str
    handover_name: str
    return_date: dt.date | None
    cost_transport: Decimal | str = Decimal("0")
    cost_meals: Decimal | str = Decimal("0")
    cost_other: Decimal | str = Decimal("0")
    note: str = ""


def _money(value) -> Decimal | None:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        return None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount > Decimal("99999999.99"):
        return None
    return amount


# The station's return costs are charged to their own budget line (not an engine programme),
# named like the programmes' budgets so the ledger pages list it with them.
RETURN_BUDGET = "rescue_return"
RETURN_BUDGET_NAME = "救助站送返经费"
COST_FIELDS = ("cost_transport", "cost_meals", "cost_other")


def return_budget_open(year: int):
    """The budget account the station's return costs of one year are charged to (idempotent)."""
    accounts.open_bank()
    return accounts.open_budget(RETURN_BUDGET, RETURN_BUDGET_NAME, year)


class CostsNotPosted(ValidationError):
    """The return's budget cannot pay its costs now (not funded, or exhausted)."""


def _costs_post(*, actor, case: Case, costs: dict[str, Decimal], on: dt.date):
    """Post a return's costs: ONE entry, Dr BUDGET:rescue_return:<year of the return> / Cr
    BANK (the station paid them out of the bureau's account). None when they add up to zero.

    Runs inside the caller's transaction. The ledger takes the budget with one conditional
    UPDATE; an exhausted budget raises CostsNotPosted, with a message that says which
    budget and how much is left."""
    total = ledger.money(sum(costs.values(), Decimal(0)))
    if total == 0:
        return None
    return_budget_open(on.year)
    memo = (
        f"{RETURN_BUDGET_NAME} {case.number}（交通 {costs['cost_transport']:.2f} 元，"
        f"餐食 {costs['cost_meals']:.2f} 元，其他 {costs['cost_other']:.2f} 元）"
    )
    try:
        return ledger.entry_post(
            actor=actor,
            lines=[
                ledger.Line(accounts.budget_code(RETURN_BUDGET, on.year), debit=total),
                ledger.Line(accounts.BANK, credit=total),
            ],
            memo=memo,
            source=f"rescue.case:{case.pk}",
            idempotency_key=f"rescue.return:{case.pk}",
            on=on,
            division_code=case.division_id,
        )
    except ledger.InsufficientFunds as exc:
        raise CostsNotPosted(
            {
                "costs": _(
                    "送返费用未能记账：%(why)s请联系区民政局科室向该预算拨款，拨款后在案件页点击“费用记账”。"
                )
                % {"why": " ".join(exc.messages)}
            }
        ) from exc


def return_record(*, actor, case: Case, data: ReturnInput) -> ReturnHome:
    """Record the return home: closes the case, takes the notice down and posts the costs
    to the ledger (`_costs_post`), all in one transaction. The costs are final here: the
    case closes and rescue has no later step that could change them.

    A person who has been taken home is recorded as such whatever the accounts say: when
    the budget cannot pay now, the return is recorded without an entry (`ret.ledger_entry`
    is None while `ret.cost_total` > 0) and `return_costs_post` posts it once funded."""
    require_perm(actor, "rescue.add_returnhome")
    errors = {}
    for name, label in (
        ("destination", _("送返目的地")),
        ("escort", _("护送人员")),
        ("transport", _("交通方式")),
        ("handover_name", _("接收人/单位")),
    ):
        if not (getattr(data, name) or "").strip():
            errors[name] = _("请填写%(x)s。") % {"x": label}
    if data.handover_to not in HandoverTo.values:
        errors["handover_to"] = _("请选择交接对象。")
    if not data.return_date:
        errors["return_date"] = _("请填写送返日期。")
    elif data.return_date > timezone.localdate():
        errors["return_date"] = _("送返日期不能晚于今天。")
    elif data.return_date < case.found_date:
        errors["return_date"] = _("送返日期不能早于发现日期。")
    costs = {}
    for name in COST_FIELDS:
        costs[name] = _money(getattr(data, name))
        if costs[name] is None:
            errors[name] = _("金额须为不小于 0 的数，最多两位小数（元）。")
    if case.is_closed or hasattr(case, "return_home"):
        errors["destination"] = _("该个案已送返结案。")
    elif not rules.can_transition(case.state, CaseState.RETURNED):
        errors["destination"] = _("个案当前状态不能送返。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a refused budget writes no ledger row
                entry = _costs_post(actor=actor, case=case, costs=costs, on=data.return_date)
        except CostsNotPosted:
            entry = None
        ret = ReturnHome.objects.create(
            case=case,
            ledger_entry=entry,
            destination=data.destination.strip(),
            escort=data.escort.strip(),
            transport=data.transport.strip(),
            handover_to=data.handover_to,
            handover_name=data.handover_name.strip(),
            return_date=data.return_date,
            note=(data.note or "").strip(),
            created_by=actor,
            **costs,
        )
        _transition(
            case=case,
            to_state=CaseState.RETURNED,
            reason=_("送返：%(d)s") % {"d": ret.destination},
            actor=actor,
        )
        _notice_take_down(case)
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=ret,
            summary=f"送返 {case.number} 费用 {ret.cost_total} 元"
            + (f"，已记账 {entry.number}" if entry else "，未记账" if ret.cost_total else ""),
        )
    return ret


def return_costs_post(*, actor, ret: ReturnHome):
    """Post the costs of a return recorded without an entry (its budget could not pay when it
    was recorded, or it predates the posting; the demo's past returns). Safe to run twice: a
    posted return keeps its entry, and the ledger's idempotency key makes a concurrent second
    call a no-op. Raises CostsNotPosted while the budget still cannot pay."""
    require_perm(actor, "rescue.add_returnhome")
    if ret.ledger_entry_id is not None:
        return ret.ledger_entry
    with transaction.atomic():
        entry = _costs_post(
            actor=actor,
            case=ret.case,
            costs={name: getattr(ret, name) for name in COST_FIELDS},
            on=ret.return_date,
        )
        if entry is None:
            return None
        ret.ledger_entry = entry
        ret.save(update_fields=["ledger_entry"])  # through save(): the history keeps it
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=ret,
            summary=f"送返 {ret.case.number} 费用 {ret.cost_total} 元 记账 {entry.number}",
        )
    return entry
