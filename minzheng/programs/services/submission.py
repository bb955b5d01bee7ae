"""Submission of applications (by staff, by residents, granted on the spot), their
documents, acceptance and return for correction, and withdrawal.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.models import Attachment, Division
from minzheng.core.params import ParameterMissing
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.core.services import (
    DOCUMENT_TYPES,
    attachment_add,
    attachment_add_by_resident,
    upload_errors,
)
from minzheng.core.validators import name_error
from minzheng.registry import validators
from minzheng.registry.pii import blind_index

from .. import postings
from ..models import (
    Application,
    Decision,
    Notice,
    Programme,
    StaffRelation,
    Transition,
)
from ..rules import ParamSource, RuleContext, clean_facts, evaluate, get_rules, money
from ..workflows import APPLICATION
from .moves import (
    S,
    _actor_name,
    _check_staff,
    _due_on,
    _is_owner,
    _move,
    _today,
)


@dataclass
class ApplicationInput:
    programme_code: str
    division_code: str
    applicant_name: str
    facts: dict[str, Any]
    idempotency_key: str = ""
    channel: str = Application.Channel.COUNTER
    applicant_id_number: str = (
        ""  # resident ID (persons, households) or credit code (organisations)
    )
    phone: str = ""
    person_id: int | None = None
    household_id: int | None = None
    organisation_id: int | None = None
    # Payee: defaults to the applicant; a fee waiver pays the service provider (party "org:<id>").
    payee_party: str = ""
    payee_name: str = ""
    bank_name: str = ""
    bank_account: str = ""
    staff_related: bool = False  # declared by the applicant or noted at the counter
    staff_related_note: str = ""
    limit_override_reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class PreparedApplication:
    """A new application validated and evaluated, not yet written (`application_prepare`)."""

    application: Application
    checks: list
    decision: Any
    parameters: list
    rules: Any
    ctx: RuleContext


def application_prepare(
    *,
    actor,
    data: ApplicationInput,
    on: dt.date,
    resident=None,
    params: ParamSource | None = None,
    check_limit: bool = True,
) -> PreparedApplication:
    """Validate everything about a new application and evaluate its rules; writes nothing.

    A service point (funeral) prepares once, shows the result (a quote), and hands the
    same prepared application to `application_grant` / `applications_bulk_grant`.
    `check_limit=False` leaves the once-only check to the caller's own batch check and to
    the unique `limit_key` (a bulk grant of thousands of past records)."""
    errors: dict[str, str] = {}
    programme = Programme.objects.filter(code=data.programme_code, is_active=True).first()
    if programme is None:
        raise ValidationError({"programme": _("请选择有效的救助项目。")})
    rules = get_rules(programme.rules_key)
    division = (
        Division.objects.filter(code=data.division_code).first() if data.division_code else None
    )
    if division is None or division.level not in ("town", "community"):
        errors["division"] = _("请选择申请人所在的镇街或村居。")
    elif resident is None and not code_in_scope(actor, division.code):
        errors["division"] = _("只能受理本辖区的申请。")
    name = " ".join((data.applicant_name or "").split())
    if not name:
        errors["applicant_name"] = _("请填写申请人姓名或机构名称。")
    elif name_error(name):
        errors["applicant_name"] = name_error(name)
    if name_error(data.payee_name):
        errors["payee_name"] = name_error(data.payee_name)
    id_hash = id_masked = id_number = ""
    if programme.applicant_kind == Programme.ApplicantKind.ORGANISATION:
        try:
            id_number = validators.validate_uscc(data.applicant_id_number)
            id_hash, id_masked = blind_index("USCC" + id_number, kind="id"), id_number
        except ValidationError as exc:
            errors["applicant_id_number"] = exc.messages[0]
    else:
        try:
            id_number = validators.parse_id_number(data.applicant_id_number).number
            id_hash, id_masked = (
                blind_index(id_number, kind="id"),
                validators.mask_id_number(id_number),
            )
        except ValidationError as exc:
            errors["applicant_id_number"] = exc.messages[0]
    if data.person_id and id_hash and "applicant_id_number" not in errors:
        # A person picked from the registry is the applicant: the same ID number, and the
        # household picked is theirs.
        from minzheng.registry import selectors as registry_q

        person = registry_q.person_by_id_number(id_number)
        if person is None or person.pk != data.person_id:
            errors["applicant_id_number"] = _(
                "所选人口库人员的身份证号码与所填不一致，请重新选择。"
            )
        elif (
            data.household_id
            and not registry_q.person_households(person=person)
            .filter(household_id=data.household_id, left_on__isnull=True)
            .exists()
        ):
            errors["applicant_id_number"] = _("所选家庭户不是该申请人的家庭户，请重新选择。")
    phone = ""
    if data.phone:
        try:
            phone = validators.validate_phone(data.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    if programme.kind == Programme.Kind.CASH and not (data.bank_account or "").strip():
        errors["bank_account"] = _("请填写收款银行账号。")
    if data.bank_account and not data.bank_account.replace(" ", "").isdigit():
        errors["bank_account"] = _("银行账号只能包含数字。")
    if data.limit_override_reason and not (actor and actor.has_perm("programs.override_limit")):
        errors["limit_override_reason"] = _("只有区级审批人员可以批准同一事由再次救助。")
    facts, fact_errors = clean_facts(rules, data.facts or {})
    errors.update(fact_errors)
    if errors:
        raise ValidationError(errors)

    household_size = int(facts.get("household_size") or 1)
    ctx = RuleContext(
        programme_code=programme.code,
        on=on,
        division_code=division.code,
        facts=facts,
        household_size=household_size,
        applicant={
            "person_id": data.person_id,
            "household_id": data.household_id,
            "organisation_id": data.organisation_id,
            "id_hash": id_hash,
        },
        params=params or ParamSource(),
    )
    try:
        checks, decision = evaluate(rules, ctx)
        cap = rules.max_amount(ctx)
    except ParameterMissing as exc:
        raise ValidationError({"programme": str(exc)}) from None
    requested = facts.get("requested_amount")
    if requested and cap is not None and Decimal(requested) > cap:
        raise ValidationError(
            {
                "requested_amount": _("申请金额 %(r)s 元超过上限 %(c)s 元。")
                % {"r": requested, "c": money(cap)}
            }
        )
    limit_key = rules.limit_key(ctx)
    if limit_key:
        if data.limit_override_reason:
            limit_key = f"{limit_key}#{uuid.uuid4().hex[:10]}"
        elif check_limit and Application.objects.filter(limit_key=limit_key).exists():
            raise ValidationError(
                {
                    "cause": _(
                        "同一事由本年度已申请过（每户每年限一次）；如确需再次救助，须由区级审批人员填写理由后办理。"
                    )
                    if ":" + str(on.year) in limit_key
                    else _("该事项已申请或领取过（每人限一次）。")
                }
            )

    staff_related, note = data.staff_related, data.staff_related_note
    declared = (
        StaffRelation.objects.filter(id_number_hash=id_hash).select_related("staff").first()
        if id_hash
        else None
    )
    if declared:
        staff_related = True
        note = (note + "；" if note else "") + _("备案：%(staff)s 的%(rel)s") % {
            "staff": declared.staff,
            "rel": declared.relation,
        }

    party = data.payee_party or (
        f"org:{data.organisation_id}"
        if data.organisation_id
        else f"person:{data.person_id}"
        if data.person_id
        else f"id:{id_hash[:16]}"
    )
    application = Application(
        programme=programme,
        idempotency_key=data.idempotency_key or uuid.uuid4().hex,
        channel=data.channel,
        state="",
        division=division,
        applicant_name=name,
        applicant_id_number=id_number,
        applicant_id_hash=id_hash,
        applicant_id_masked=id_masked,
        phone=phone,
        phone_masked=validators.mask_phone(phone) if phone else "",
        person_id=data.person_id,
        household_id=data.household_id,
        organisation_id=data.organisation_id,
        resident=resident,
        household_size=household_size,
        facts=facts,
        cause=rules.cause(facts),
        year=on.year,
        limit_key=limit_key,
        limit_override_reason=data.limit_override_reason,
        payee_party=party,
        payee_name=data.payee_name or name,
        bank_name=data.bank_name,
        bank_account=(data.bank_account or "").replace(" ", ""),
        bank_account_masked=validators.mask_bank_account(data.bank_account),
        staff_related=staff_related,
        staff_related_note=note[:200],
        submitted_on=on,
        state_since=on,
        amount=None,
    )
    return PreparedApplication(application, checks, decision, ctx.parameters_used(), rules, ctx)


def _save_decision(
    application: Application,
    prepared_checks,
    decision,
    *,
    actor,
    on: dt.date,
    rules_key: str,
    inputs: dict,
) -> Decision:
    return Decision.objects.create(
        application=application,
        rules_key=rules_key,
        on=on,
        eligible=all(c.ok for c in prepared_checks),
        checks=[c.as_record() for c in prepared_checks],
        inputs=inputs,
        parameters=decision.parameters_used,
        amount=decision.amount,
        explanation=decision.explanation_zh,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def _insert(
    prepared: PreparedApplication, *, actor, on: dt.date, step: str = "submit", reason: str = ""
) -> Application:
    application = prepared.application
    target = APPLICATION.step(step).target
    application.state = target
    application.number = f"tmp-{application.idempotency_key}"[:30]
    application.due_on = _due_on(target, on, application.division_id)
    application.created_by = (
        actor if getattr(actor, "pk", None) and getattr(actor, "kind", "staff") == "staff" else None
    )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        if Application.objects.filter(idempotency_key=application.idempotency_key).exists():
            raise
        raise ValidationError({"cause": _("同一事由本年度已申请过（每户每年限一次）。")}) from None
    application.number = f"JZ{on.year}{application.pk:07d}"
    Application.objects.filter(pk=application.pk).update(number=application.number)
    workflow.start(
        workflow=APPLICATION,
        obj=application,
        name=step,
        actor=actor,
        reason=reason or APPLICATION.step(step).label,
        log_extra={"actor_name": _actor_name(actor), "on": on},
    )
    _save_decision(
        application,
        prepared.checks,
        prepared.decision,
        actor=actor,
        on=on,
        rules_key=prepared.rules.key,
        inputs={
            "facts": application.facts,
            "household_size": application.household_size,
            "division": application.division_id,
        },
    )
    return application


def documents_errors(programme: Programme, documents) -> dict[str, str]:
    """What is wrong with the files sent with a new application, as `doc_<kind>` → message
    (the form's field names), without writing anything."""
    kinds = {d["kind"] for d in programme.documents_required} | {"other"}
    errors: dict[str, str] = {}
    for kind, upload in documents:
        field_name = f"doc_{kind}"
        if kind not in kinds:
            errors[field_name] = _("请选择材料类型。")
            continue
        errors.update(upload_errors(upload, field=field_name, allowed=DOCUMENT_TYPES))
    return errors


def application_submit(
    *,
    actor,
    data: ApplicationInput,
    resident=None,
    on: dt.date | None = None,
    documents: Sequence[tuple[str, Any]] = (),
) -> Application:
    """Submit an application at the counter (staff actor) or on the portal (resident),
    with the documents sent in the same form (`documents`: (kind, uploaded file) pairs).

    Everything or nothing: the files are checked (type by extension and content, size)
    together with the application, every problem reported at once, before any row is
    written; the application and its attachments are then written in one transaction, so
    a refused file leaves no application behind and the same form can be sent again.

    The same idempotency key twice returns the first application (a double-clicked form
    or a retried request creates one case). The "at most once" rule is backed by the
    unique `limit_key`."""
    on = _today(on)
    if data.idempotency_key:
        existing = Application.objects.filter(idempotency_key=data.idempotency_key).first()
        if existing is not None:
            return existing
    if resident is None:
        require_perm(actor, "programs.add_application")
    else:
        data.channel = Application.Channel.PORTAL
        if not data.idempotency_key:
            raise ValidationError({"idempotency_key": _("缺少提交标识，请刷新页面后重试。")})
    programme = Programme.objects.filter(code=data.programme_code, is_active=True).first()
    errors = documents_errors(programme, documents) if programme else {}
    try:
        prepared = application_prepare(actor=actor, data=data, on=on, resident=resident)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError({**exc.message_dict, **errors}) from None
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        try:
            application = _insert(prepared, actor=actor, on=on)
        except IntegrityError:  # the same idempotency key won a race
            return Application.objects.get(idempotency_key=data.idempotency_key)
        for kind, upload in documents:
            if resident is not None:
                attachment_add_by_resident(
                    resident=actor, owner=application, upload=upload, kind=kind
                )
            else:
                attachment_add(actor=actor, owner=application, upload=upload, kind=kind)
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=application,
            summary=f"{application.programme.name}申请 {application.number}",
        )
    return application


def application_grant(
    *,
    actor,
    data: ApplicationInput | None = None,
    prepared: PreparedApplication | None = None,
    permission: str,
    on: dt.date | None = None,
    reason: str = "",
) -> Application:
    """Record and approve in one step an application whose service was already delivered
    and checked on the spot (e.g. a fee waiver recorded by a funeral home at service time).

    `permission` is the service point's own (e.g. "funeral.add_servicerecord"), so its staff
    need no right to file other programmes' applications. Pass `data`, or the `prepared`
    application the service point already evaluated (it is not evaluated twice).

    Posts Dr BUDGET / Cr PAYABLE (party = payee, e.g. "org:<funeral home>"); the payee is
    then paid by a disbursement batch grouped by payee (monthly settlement)."""
    on = _today(on)
    key = (prepared.application.idempotency_key if prepared else data.idempotency_key) or ""
    if key:
        existing = Application.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
    require_perm(actor, permission)
    if prepared is None:
        data.channel = Application.Channel.SERVICE_POINT
        prepared = application_prepare(actor=actor, data=data, on=on)
    prepared.application.channel = Application.Channel.SERVICE_POINT
    if not all(c.ok for c in prepared.checks):
        raise ValidationError({"facts": "；".join(c.message for c in prepared.checks if not c.ok)})
    with transaction.atomic():
        application = _insert(
            prepared,
            actor=actor,
            on=on,
            step="grant",
            reason=reason or APPLICATION.step("grant").label,
        )
        application.amount = prepared.decision.amount
        application.approval_level = "service_point"
        entry = postings.approval(actor=actor, application=application, on=on)
        application.approval_entry_id = entry.pk
        application.save(update_fields=["amount", "approval_level", "approval_entry_id"])
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=application,
            summary=f"{application.programme.name} {application.number} {application.amount}",
        )
    return application


def applications_bulk_grant(
    *,
    actor,
    permission: str,
    grants: list[tuple[PreparedApplication, dt.date]],
    reason: str,
    batch_size: int = 1000,
) -> list[Application]:
    """Grant many prepared service-point applications at once (past records, imports): the
    same rows as `application_grant` — the application (已批准待发放), its "grant"
    transition and its decision — written in bulk, with ONE approval entry per payee and
    day (Dr BUDGET / Cr PAYABLE) instead of one per application. Every grant must be
    eligible: one refused grant refuses the whole batch (nothing written). Returns the
    applications in the order given; the caller holds the transaction.

    On purpose, unlike one at a time: no simple_history rows for the bulk-inserted
    applications, one audit record per batch, and `approval_entry_id` points at the day
    entry its payee's applications of that day share."""
    require_perm(actor, permission)
    refused = [
        f"{p.application.applicant_name}：" + "；".join(c.message for c in p.checks if not c.ok)
        for p, _on in grants
        if not all(c.ok for c in p.checks)
    ]
    if refused:
        raise ValidationError({"facts": "；".join(refused)})
    if not grants:
        return []
    by_day: dict[tuple, list[PreparedApplication]] = {}
    for p, on in grants:
        by_day.setdefault((p.application.programme_id, p.application.payee_party, on), []).append(p)
    step = APPLICATION.step("grant")
    at = timezone.now()
    with transaction.atomic():
        entries = {}
        for (_programme, party, on), group in sorted(
            by_day.items(), key=lambda kv: (kv[0][2], kv[0][1])
        ):
            entries[(party, on)] = postings.approvals_of_day(
                actor=actor,
                programme=group[0].application.programme,
                party=party,
                payee_name=group[0].application.payee_name,
                on=on,
                amount=sum((p.decision.amount for p in group), Decimal(0)),
                count=len(group),
            )
        apps = []
        for p, on in grants:
            a = p.application
            a.channel = Application.Channel.SERVICE_POINT
            a.state = step.target
            a.number = f"tmp-{a.idempotency_key}"[:30]
            a.submitted_on = a.state_since = on
            a.year = on.year
            a.amount = p.decision.amount
            a.approval_level = "service_point"
            a.approval_entry_id = entries[(a.payee_party, on)].pk
            a.created_by = actor
            apps.append(a)
        apps = Application.objects.bulk_create(apps, batch_size=batch_size)
        if apps[0].pk is None:  # a database without RETURNING on bulk insert
            by_key = dict(
                Application.objects.filter(
                    idempotency_key__in=[a.idempotency_key for a in apps]
                ).values_list("idempotency_key", "pk")
            )
            for a in apps:
                a.pk = a.id = by_key[a.idempotency_key]
        for a in apps:
            a.number = f"JZ{a.year}{a.pk:07d}"
        Application.objects.bulk_update(apps, ["number"], batch_size=batch_size)
        name = _actor_name(actor)
        Transition.objects.bulk_create(
            [
                Transition(
                    application=a,
                    name=step.name,
                    from_state="",
                    to_state=step.target,
                    actor=actor,
                    actor_name=name,
                    at=at,
                    on=a.submitted_on,
                    reason=reason,
                )
                for a in apps
            ],
            batch_size=batch_size,
        )
        Decision.objects.bulk_create(
            [
                Decision(
                    application=a,
                    rules_key=p.rules.key,
                    on=on,
                    eligible=True,
                    checks=[c.as_record() for c in p.checks],
                    inputs={
                        "facts": a.facts,
                        "household_size": a.household_size,
                        "division": a.division_id,
                    },
                    parameters=p.decision.parameters_used,
                    amount=p.decision.amount,
                    explanation=p.decision.explanation_zh,
                    created_by=actor,
                )
                for a, (p, on) in zip(apps, grants, strict=True)
            ],
            batch_size=batch_size,
        )
        audit.record(
            actor=actor,
            action=audit.Action.IMPORT,
            target=None,
            target_type="programs.application",
            summary=f"批量核准 {len(apps)} 件，{len(entries)} 张日汇总凭证",
        )
    return apps


# ---------------------------------------------------------------- documents


def required_documents_missing(application: Application) -> list[dict]:
    have = set(
        Attachment.objects.filter(
            content_type__app_label="programs",
            content_type__model="application",
            object_id=str(application.pk),
            is_void=False,
        ).values_list("kind", flat=True)
    )
    return [d for d in application.programme.documents_required if d["kind"] not in have]


def document_add(*, actor, application: Application, upload, kind: str) -> Attachment:
    """Attach a document of a required kind. Staff go through core's attachment_add
    (scope, type by content, size); the applicant's own upload from the portal is checked
    the same way by `core.services.attachment_add_by_resident`."""
    kinds = {d["kind"] for d in application.programme.documents_required} | {"visit_photo", "other"}
    if kind not in kinds:
        raise ValidationError({"kind": _("请选择材料类型。")})
    if application.state not in (S.SUBMITTED, S.RETURNED, S.INVESTIGATION):
        raise ValidationError({"file": _("当前状态不能再补充材料。")})
    if getattr(actor, "kind", "") == "resident":
        if not _is_owner(actor, application):
            raise PermissionDenied
        return attachment_add_by_resident(
            resident=actor, owner=application, upload=upload, kind=kind
        )
    return attachment_add(actor=actor, owner=application, upload=upload, kind=kind)


# ---------------------------------------------------------------- acceptance and return


def application_accept(
    *, actor, application: Application, on: dt.date | None = None, note: str = ""
) -> Application:
    """受理: every required document is present. Issues the acceptance notice; a fast-path
    case's paperwork counts as completed on this day."""
    on = _today(on)
    _check_staff(actor, application, "programs.accept_application")
    missing = required_documents_missing(application)
    if missing:
        raise ValidationError(
            {
                "documents": _("材料不齐，请一次性告知后退回补正：")
                + "、".join(d["label"] for d in missing)
            }
        )
    with transaction.atomic():
        extra = (
            {"paperwork_done_on": on}
            if application.fast_path and not application.paperwork_done_on
            else {}
        )
        _move(
            application,
            "accept",
            actor=actor,
            reason=note or _("材料齐全，予以受理"),
            on=on,
            extra=extra,
        )
        from ..notices import notice_issue

        notice_issue(application=application, kind=Notice.Kind.ACCEPTANCE, on=on)
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=application,
            summary=f"受理 {application.number}",
        )
    return application


def application_return(
    *,
    actor,
    application: Application,
    missing_kinds: list[str],
    note: str = "",
    on: dt.date | None = None,
) -> Application:
    """退回补正 with one notice listing everything missing."""
    on = _today(on)
    _check_staff(actor, application, "programs.accept_application")
    labels = {d["kind"]: d["label"] for d in application.programme.documents_required}
    unknown = [k for k in missing_kinds if k not in labels]
    if unknown or not (missing_kinds or note.strip()):
        raise ValidationError({"missing_kinds": _("请勾选需补正的材料或写明需补正的内容。")})
    items = [labels[k] for k in missing_kinds] + ([note.strip()] if note.strip() else [])
    with transaction.atomic():
        _move(
            application,
            "return",
            actor=actor,
            reason="；".join(items),
            on=on,
            extra={"missing_documents": items},
        )
        from ..notices import notice_issue

        notice_issue(application=application, kind=Notice.Kind.MISSING, on=on)
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=application,
            summary=f"退回补正 {application.number}",
        )
    return application


def application_resubmit(
    *, actor, application: Application, on: dt.date | None = None
) -> Application:
    on = _today(on)
    if not _is_owner(actor, application):
        _check_staff(actor, application, "programs.accept_application")
    with transaction.atomic():
        _move(
            application,
            "resubmit",
            actor=actor,
            reason=_("已补正材料"),
            on=on,
            extra={"missing_documents": []},
        )
    return application


def application_withdraw(
    *, actor, application: Application, reason: str, on: dt.date | None = None
) -> Application:
    """The applicant (or the counter on their behalf) withdraws; the once-a-year key is freed."""
    on = _today(on)
    if not _is_owner(actor, application):
        _check_staff(actor, application, "programs.accept_application")
    if not reason.strip():
        raise ValidationError({"reason": _("请填写撤回原因。")})
    if application.advance_amount:
        raise ValidationError({"state": _("已先行救助的申请不能撤回，请作审批或不予救助处理。")})
    with transaction.atomic():
        _move(
            application,
            "withdraw",
            actor=actor,
            reason=reason.strip(),
            on=on,
            extra={"limit_key": None},
        )
    return application


def application_void(
    *, actor, application: Application, permission: str, reason: str, on: dt.date | None = None
):
    """A granted service-point application recorded in error is voided: 已批准待发放 →
    已撤回 (the once-only key freed, so the person can be recorded again, correctly) and the
    money the grant took goes back: Dr PAYABLE (party the payee) / Cr BUDGET of the year it
    was granted. `permission` is the service point's own. Returns the ledger entry; the
    caller holds the transaction."""
    on = _today(on)
    require_perm(actor, permission)
    _move(application, "void", actor=actor, reason=reason, on=on, extra={"limit_key": None})
    return postings.approval_void(actor=actor, application=application, on=on)
