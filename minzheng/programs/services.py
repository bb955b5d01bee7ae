"""Writes of the assistance engine: applications through their life cycle, decisions,
investigations, publicity, approvals, the fast path and disbursement batches.

Every service validates first and raises one ValidationError({field: message}) so bad
input writes nothing; then writes inside transaction.atomic(); money moves only through
`postings` (the ledger). Each state change goes through `_move`, which checks the declared
transition table, updates the row with a conditional UPDATE on the old state (so two
clerks cannot both move one case) and writes a Transition row (who, when, from, to, why).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.core import audit, workflow
from minzheng.core.models import Attachment, Division, Job
from minzheng.core.params import ParameterMissing, parameter_value
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.core.services import (
    attachment_add,
    attachment_add_by_resident,
    job_create,
    job_finish,
    job_progress,
)
from minzheng.core.tasks import enqueue
from minzheng.core.validators import name_error
from minzheng.core.workflow import START, Move, Workflow
from minzheng.registry import validators
from minzheng.registry.pii import blind_index

from . import postings
from .models import (
    OPEN_STATES,
    RETURN_JOB_KIND,
    Application,
    Decision,
    DisbursementBatch,
    DisbursementItem,
    DisbursementLine,
    Investigation,
    Notice,
    Objection,
    Programme,
    StaffRelation,
    State,
    Transition,
)
from .rules import ParamSource, RuleContext, clean_facts, evaluate, get_rules, money
from .workdays import add_working_days

S = State

# ---------------------------------------------------------------- the transition table


# The programmes' declared workflow (core.workflow): states and moves as data; every state
# change of an application goes through it. `permission` is what the service requires.

WORKFLOW = Workflow(
    key="programs.application",
    model=Application,
    log_model=Transition,
    log_subject="application",
    states=State,
    conflict_message=gettext_lazy("该申请刚被他人办理，请刷新后重试。"),
    moves=(
        Move("submit", (START,), S.SUBMITTED, "提交申请", "programs.add_application"),
        Move("accept", (S.SUBMITTED,), S.INVESTIGATION, "受理", "programs.accept_application"),
        Move("return", (S.SUBMITTED,), S.RETURNED, "退回补正", "programs.accept_application"),
        Move("resubmit", (S.RETURNED,), S.SUBMITTED, "补正后重新提交"),
        Move(
            "publicise",
            (S.INVESTIGATION,),
            S.PUBLICITY,
            "调查完成，开始公示",
            "programs.investigate_application",
        ),
        Move(
            "object",
            (S.PUBLICITY,),
            S.INVESTIGATION,
            "公示异议，重新调查",
            "programs.investigate_application",
        ),
        Move(
            "end_publicity",
            (S.PUBLICITY,),
            S.REVIEW,
            "公示期满无异议",
            "programs.investigate_application",
        ),
        Move("approve", (S.REVIEW,), S.APPROVED, "批准", "programs.approve_town"),
        Move("grant", (START,), S.APPROVED, "现场核验并批准"),
        Move(
            "refuse",
            (S.SUBMITTED, S.INVESTIGATION, S.REVIEW),
            S.REFUSED,
            "不予救助",
            "programs.approve_town",
        ),
        Move("withdraw", (S.SUBMITTED, S.RETURNED, S.INVESTIGATION), S.WITHDRAWN, "撤回申请"),
        Move("pay", (S.APPROVED,), S.PAID, "发放到账", "programs.manage_disbursement"),
        Move("close", (S.PAID,), S.CLOSED, "办结", "programs.approve_town"),
    ),
)
TRANSITIONS: dict[str, Move] = WORKFLOW.by_name

# Time limit of each waiting state, in working days (parameter key).
STATE_LIMITS = {
    S.SUBMITTED: "programs_days_submitted",
    S.RETURNED: "programs_days_returned",
    S.INVESTIGATION: "programs_days_investigation",
    S.REVIEW: "programs_days_review",
    S.APPROVED: "programs_days_approved",
}


def allowed_transitions(state: str) -> list[Move]:
    return WORKFLOW.allowed(state)


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def _param(key: str, on: dt.date, division_code: str | None = None):
    return parameter_value(key, on=on, division_code=division_code).value


def _due_on(state: str, on: dt.date, division_code: str) -> dt.date | None:
    key = STATE_LIMITS.get(state)
    return add_working_days(on, int(_param(key, on, division_code))) if key else None


def _move(
    application: Application,
    step_name: str,
    *,
    actor,
    reason: str = "",
    on: dt.date,
    extra: dict | None = None,
) -> Transition:
    """Apply a declared move through core.workflow. The caller holds the transaction; the
    UPDATE is conditional on the state read, so a concurrent move of the same case fails
    cleanly."""
    target = WORKFLOW.find(application.state, name=step_name).target
    fields = {
        "state_since": on,
        "due_on": _due_on(target, on, application.division_id),
        **(extra or {}),
    }
    if target == S.PUBLICITY:
        fields["due_on"] = fields.get("publicity_end") or application.publicity_end
    return workflow.move(
        workflow=WORKFLOW,
        obj=application,
        name=step_name,
        actor=actor,
        reason=reason,
        extra_updates=fields,
        log_extra={"actor_name": _actor_name(actor), "on": on},
    )


def _actor_name(actor) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return ""
    if getattr(actor, "kind", "staff") == "resident":
        return _("申请人")
    return getattr(actor, "display_name", "") or actor.get_username()


def _log(actor, application: Application, name: str, reason: str, on: dt.date) -> Transition:
    """A timeline row for an action that does not change the state (advance, visit …)."""
    return Transition.objects.create(
        application=application,
        name=name,
        from_state=application.state,
        to_state=application.state,
        actor=actor,
        actor_name=_actor_name(actor),
        at=timezone.now(),
        on=on,
        reason=reason,
    )


def _check_staff(actor, application: Application, perm: str) -> None:
    require_perm(actor, perm)
    if not code_in_scope(actor, application.division_id):
        raise PermissionDenied(_("该申请不在您的管辖范围内。"))


def _is_owner(actor, application: Application) -> bool:
    return bool(actor and actor.is_authenticated and application.resident_id == actor.pk)


# ---------------------------------------------------------------- submission


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
class _Prepared:
    application: Application
    checks: list
    decision: Any
    parameters: list
    rules: Any
    ctx: RuleContext


def _prepare(
    *, actor, data: ApplicationInput, on: dt.date, resident=None, params: ParamSource | None = None
) -> _Prepared:
    """Validate everything about a new application and evaluate its rules; writes nothing."""
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
        elif Application.objects.filter(limit_key=limit_key).exists():
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
        bank_account_masked=_mask_account(data.bank_account),
        staff_related=staff_related,
        staff_related_note=note[:200],
        submitted_on=on,
        state_since=on,
        amount=None,
    )
    return _Prepared(application, checks, decision, ctx.parameters_used(), rules, ctx)


def _mask_account(account: str) -> str:
    digits = (account or "").replace(" ", "")
    return ("*" * max(len(digits) - 4, 0) + digits[-4:]) if digits else ""


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
    prepared: _Prepared, *, actor, on: dt.date, step: str = "submit", reason: str = ""
) -> Application:
    application = prepared.application
    target = TRANSITIONS[step].target
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
        workflow=WORKFLOW,
        obj=application,
        name=step,
        actor=actor,
        reason=reason or TRANSITIONS[step].label,
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


def application_submit(
    *, actor, data: ApplicationInput, resident=None, on: dt.date | None = None
) -> Application:
    """Submit an application at the counter (staff actor) or on the portal (resident).

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
    prepared = _prepare(actor=actor, data=data, on=on, resident=resident)
    with transaction.atomic():
        try:
            application = _insert(prepared, actor=actor, on=on)
        except IntegrityError:  # the same idempotency key won a race
            return Application.objects.get(idempotency_key=data.idempotency_key)
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=application,
            summary=f"{application.programme.name}申请 {application.number}",
        )
    return application


def application_grant(
    *, actor, data: ApplicationInput, permission: str, on: dt.date | None = None, reason: str = ""
) -> Application:
    """Record and approve in one step an application whose service was already delivered
    and checked on the spot (e.g. a fee waiver recorded by a funeral home at service time).

    `permission` is the service point's own (e.g. "funeral.add_servicerecord"), so its staff
    need no right to file other programmes' applications.

    Posts Dr BUDGET / Cr PAYABLE (party = payee, e.g. "org:<funeral home>"); the payee is
    then paid by a disbursement batch grouped by payee (monthly settlement)."""
    on = _today(on)
    if data.idempotency_key:
        existing = Application.objects.filter(idempotency_key=data.idempotency_key).first()
        if existing is not None:
            return existing
    require_perm(actor, permission)
    data.channel = Application.Channel.SERVICE_POINT
    prepared = _prepare(actor=actor, data=data, on=on)
    if not all(c.ok for c in prepared.checks):
        raise ValidationError({"facts": "；".join(c.message for c in prepared.checks if not c.ok)})
    with transaction.atomic():
        application = _insert(
            prepared, actor=actor, on=on, step="grant", reason=reason or TRANSITIONS["grant"].label
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
        from .notices import notice_issue

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
        from .notices import notice_issue

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


# ---------------------------------------------------------------- investigation and publicity


def investigation_record(
    *,
    actor,
    application: Application,
    staff_2,
    visited_on: dt.date,
    household_check: str,
    findings: str,
    photos: tuple = (),
) -> Investigation:
    """Household economic check and home visit, by the actor and a second, different staff member."""
    _check_staff(actor, application, "programs.investigate_application")
    errors = {}
    if application.state != S.INVESTIGATION:
        errors["state"] = _("当前状态“%(s)s”不能登记入户调查。") % {
            "s": State(application.state).label
        }
    if staff_2 is None or staff_2.pk == actor.pk:
        errors["staff_2"] = _("入户调查须由两名不同的工作人员进行。")
    elif not (
        staff_2.is_active
        and getattr(staff_2, "kind", "staff") == "staff"
        and staff_2.has_perm("programs.investigate_application")
        and code_in_scope(staff_2, application.division_id)
    ):
        errors["staff_2"] = _("第二调查人须为本辖区有调查权限的工作人员。")
    if not household_check.strip():
        errors["household_check"] = _("请填写家庭经济状况核对情况。")
    if not findings.strip():
        errors["findings"] = _("请填写入户调查情况。")
    if visited_on > timezone.localdate() or visited_on < application.submitted_on:
        errors["visited_on"] = _("入户日期应在申请日期之后、今天之前。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        visit = Investigation.objects.create(
            application=application,
            visited_on=visited_on,
            staff_1=actor,
            staff_2=staff_2,
            household_check=household_check.strip(),
            findings=findings.strip(),
        )
        for photo in photos:
            from minzheng.core.services import attachment_add

            attachment_add(
                actor=actor,
                owner=application,
                upload=photo,
                kind="visit_photo",
                allowed=(".jpg", ".jpeg", ".png"),
            )
        _log(
            actor,
            application,
            "visit",
            _("入户调查：%(a)s、%(b)s") % {"a": _actor_name(actor), "b": _actor_name(staff_2)},
            visited_on,
        )
    return visit


def application_publicise(
    *, actor, application: Application, on: dt.date | None = None
) -> Application:
    """Investigation done → decide the amount with the parameters in force today and
    start publicity (公示) for `programs_publicity_days` days."""
    on = _today(on)
    _check_staff(actor, application, "programs.investigate_application")
    # A visit must be logged after the case last entered investigation (an objection
    # sends it back and needs a new visit). Transition ids are monotonic.
    last_back = (
        application.transitions.filter(to_state=S.INVESTIGATION)
        .exclude(from_state=S.INVESTIGATION)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    if not application.transitions.filter(name="visit", id__gt=last_back or 0).exists():
        raise ValidationError({"investigation": _("请先登记入户调查（两名工作人员）。")})
    days = int(_param("programs_publicity_days", on, application.division_id))
    end = on + dt.timedelta(days=days - 1)
    with transaction.atomic():
        decision = decide(actor=actor, application=application, on=on)
        if not decision.eligible:  # rolls the decision back too: nothing is written
            raise ValidationError(
                {
                    "investigation": _("核查结果不符合条件，请作不予救助处理：")
                    + decision.explanation
                }
            )
        _move(
            application,
            "publicise",
            actor=actor,
            on=on,
            reason=_("公示 %(d)d 天，至 %(end)s") % {"d": days, "end": end.isoformat()},
            extra={"publicity_start": on, "publicity_end": end, "amount": decision.amount},
        )
    return application


def decide(
    *, actor, application: Application, on: dt.date, params: ParamSource | None = None
) -> Decision:
    """Evaluate the programme's rules for this application on `on` and store the decision."""
    rules = get_rules(application.programme.rules_key)
    ctx = RuleContext(
        programme_code=application.programme.code,
        on=on,
        division_code=application.division_id,
        facts=application.facts,
        household_size=application.household_size,
        params=params or ParamSource(),
        applicant={
            "person_id": application.person_id,
            "household_id": application.household_id,
            "organisation_id": application.organisation_id,
            "id_hash": application.applicant_id_hash,
        },
    )
    checks, amount = evaluate(rules, ctx)
    return _save_decision(
        application,
        checks,
        amount,
        actor=actor,
        on=on,
        rules_key=rules.key,
        inputs={
            "facts": application.facts,
            "household_size": application.household_size,
            "division": application.division_id,
        },
    )


def objection_record(
    *, actor, application: Application, content: str, raised_by: str = "", on: dt.date | None = None
) -> Objection:
    """An objection during publicity sends the case back to investigation."""
    on = _today(on)
    _check_staff(actor, application, "programs.investigate_application")
    if not content.strip():
        raise ValidationError({"content": _("请填写异议内容。")})
    with transaction.atomic():
        objection = Objection.objects.create(
            application=application,
            received_on=on,
            raised_by=raised_by.strip()[:60],
            content=content.strip(),
            recorded_by=actor,
        )
        _move(
            application,
            "object",
            actor=actor,
            on=on,
            reason=_("公示异议：%(c)s") % {"c": content.strip()},
            extra={"publicity_start": None, "publicity_end": None},
        )
    return objection


def publicity_end(*, actor, application: Application, on: dt.date | None = None) -> Application:
    on = _today(on)
    _check_staff(actor, application, "programs.investigate_application")
    if application.state == S.PUBLICITY and on <= application.publicity_end:
        raise ValidationError(
            {
                "state": _("公示期至 %(d)s，期满后才能提交审批。")
                % {"d": application.publicity_end.isoformat()}
            }
        )
    with transaction.atomic():
        _move(application, "end_publicity", actor=actor, on=on, reason=_("公示期满，无异议"))
    return application


def publicity_close_due(*, actor, on: dt.date | None = None) -> int:
    """Move every case whose publicity ended before `on` to review (daily job)."""
    on = _today(on)
    n = 0
    for application in Application.objects.filter(
        state=S.PUBLICITY, publicity_end__lt=on
    ).select_related("programme"):
        with transaction.atomic():
            _move(application, "end_publicity", actor=actor, on=on, reason=_("公示期满，无异议"))
        n += 1
    return n


# ---------------------------------------------------------------- approval and refusal


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


def application_approve(
    *, actor, application: Application, on: dt.date | None = None, note: str = ""
) -> Application:
    """Approve the amount of the current decision. Small amounts by the town
    (programs.approve_town), larger ones, staff-related and override cases by the district
    (programs.approve_district). Posts Dr BUDGET / Cr PAYABLE; the budget cannot go negative
    (ledger.InsufficientFunds is a ValidationError, and the whole approval rolls back)."""
    on = _today(on)
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
            extra={"approval_level": level},
        )
        entry = postings.approval(actor=actor, application=application, on=on)
        Application.objects.filter(pk=application.pk).update(approval_entry_id=entry.pk)
        application.approval_entry_id = entry.pk
        from .notices import notice_issue

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
        from .notices import notice_issue

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


# ---------------------------------------------------------------- disbursement


def _batch_number(on: dt.date) -> str:
    return f"FF{on:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"


def owed(application: Application) -> Decimal:
    return (application.amount or Decimal(0)) - (application.advance_amount or Decimal(0))


def disbursement_batch_create(
    *,
    actor,
    division_code: str,
    programme_code: str | None = None,
    application_ids: list[int] | None = None,
    group_by_payee: bool = False,
    on: dt.date | None = None,
    rerun_of: DisbursementBatch | None = None,
) -> DisbursementBatch:
    """Put approved, not yet paid applications into a new batch: one bank line per
    application, or per payee (`group_by_payee`, e.g. a monthly settlement to a funeral
    home). An application can be in only one open line (unique constraint)."""
    on = _today(on)
    require_perm(actor, "programs.manage_disbursement")
    if not code_in_scope(actor, division_code):
        raise PermissionDenied(_("该区划不在您的管辖范围内。"))
    from minzheng.core.scope import division_prefix_of, prefix_q

    qs = (
        Application.objects.filter(state=S.APPROVED)
        .filter(prefix_q("division", division_prefix_of(division_code)))
        .exclude(disbursement_items__is_open=True)
        .select_related("programme")
        .order_by("id")
    )
    if programme_code:
        qs = qs.filter(programme__code=programme_code)
    if application_ids is not None:
        qs = qs.filter(pk__in=application_ids)
    apps = [a for a in qs if owed(a) > 0]
    if not apps:
        raise ValidationError({"applications": _("没有可发放的已批准申请。")})
    groups: dict[str, list[Application]] = {}
    for a in apps:
        groups.setdefault(a.payee_party if group_by_payee else str(a.pk), []).append(a)
    with transaction.atomic():
        batch = DisbursementBatch.objects.create(
            number=_batch_number(on),
            division_id=division_code,
            created_by=actor,
            rerun_of=rerun_of,
            programme=apps[0].programme if programme_code else None,
        )
        lines = [
            DisbursementLine(
                batch=batch,
                payee_party=g[0].payee_party,
                payee_name=g[0].payee_name,
                bank_name=g[0].bank_name,
                bank_account=g[0].bank_account,
                bank_account_masked=g[0].bank_account_masked,
                amount=sum((owed(a) for a in g), Decimal(0)),
            )
            for g in groups.values()
        ]
        lines = DisbursementLine.objects.bulk_create(lines, batch_size=2000)
        if lines and lines[0].pk is None:  # databases without RETURNING on bulk insert
            lines = list(batch.lines.order_by("id"))
        items = [
            DisbursementItem(line=line, application=a, amount=owed(a))
            for line, g in zip(lines, groups.values(), strict=True)
            for a in g
        ]
        try:
            DisbursementItem.objects.bulk_create(items, batch_size=2000)
        except IntegrityError:
            raise ValidationError(
                {"applications": _("部分申请已在其他发放批次中，请刷新后重试。")}
            ) from None
        batch.line_count = len(lines)
        batch.total = sum((line.amount for line in lines), Decimal(0))
        batch.save(update_fields=["line_count", "total"])
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=batch,
            summary=f"发放批次 {batch.number}：{batch.line_count} 笔 {batch.total} 元",
        )
    return batch


def disbursement_export_xlsx(*, actor, batch: DisbursementBatch) -> bytes:
    """The bank file: one row per line with the full account number (the bank needs it),
    so the export is logged."""
    require_perm(actor, "programs.manage_disbursement")
    from .bankfiles import bank_file_xlsx

    content = bank_file_xlsx(batch)
    with transaction.atomic():
        if batch.status == DisbursementBatch.Status.DRAFT:
            batch.status = DisbursementBatch.Status.EXPORTED
            batch.exported_at = timezone.now()
            batch.save(update_fields=["status", "exported_at"])
        audit.record(
            actor=actor,
            action=audit.Action.EXPORT,
            target=batch,
            summary=f"导出银行文件 {batch.number}",
        )
    return content


def _return_results(*, batch: DisbursementBatch, content: bytes) -> tuple[list[int], dict]:
    """The bank's return file checked against the batch: (succeeded line ids, {failed line
    id: reason}). One bad row refuses the whole file (ValidationError)."""
    from .bankfiles import parse_return_file

    results = parse_return_file(content)  # {line_id: (ok, reason)}; raises ValidationError
    pending = dict(
        batch.lines.filter(status=DisbursementLine.Status.PENDING).values_list("id", "amount")
    )
    unknown = [str(i) for i in results if i not in pending]
    if unknown:
        raise ValidationError(
            {
                "file": _("回盘文件中的明细编号不属于本批次或已处理：%(ids)s")
                % {"ids": "、".join(unknown[:10])}
            }
        )
    ok_ids = [i for i, (ok, _r) in results.items() if ok]
    return ok_ids, {i: r for i, (ok, r) in results.items() if not ok}


def disbursement_return_import(
    *,
    actor,
    batch: DisbursementBatch,
    content: bytes,
    on: dt.date | None = None,
    chunk_size: int = 1000,
    progress=None,
) -> dict:
    """Read the bank's return file (line id, 成功/失败, reason). Every row is checked first;
    one bad row refuses the whole file. Failed lines free their applications for a re-run;
    successful lines are then posted to the ledger in chunks (`disbursement_post`, which
    reports `progress(done, total)` after each chunk when given)."""
    on = _today(on)
    require_perm(actor, "programs.manage_disbursement")
    ok_ids, failed = _return_results(batch=batch, content=content)
    with transaction.atomic():
        for start in range(0, len(ok_ids), 5000):
            DisbursementLine.objects.filter(pk__in=ok_ids[start : start + 5000]).update(
                status=DisbursementLine.Status.CONFIRMED
            )
        for line_id, reason in failed.items():
            DisbursementLine.objects.filter(pk=line_id).update(
                status=DisbursementLine.Status.FAILED, bank_reason=reason[:200] or _("银行退回")
            )
        DisbursementItem.objects.filter(line_id__in=list(failed)).update(is_open=False)
        batch.status = DisbursementBatch.Status.POSTING
        batch.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action=audit.Action.IMPORT,
            target=batch,
            summary=f"银行回盘 {batch.number}：成功 {len(ok_ids)}，失败 {len(failed)}",
        )
    if progress:
        progress(0, len(ok_ids))
    posted = disbursement_post(
        actor=actor,
        batch=batch,
        on=on,
        chunk_size=chunk_size,
        progress=(lambda done: progress(done, len(ok_ids))) if progress else None,
    )
    return {"succeeded": len(ok_ids), "failed": len(failed), "posted": posted}


def disbursement_return_start(
    *, actor, batch: DisbursementBatch, content: bytes, filename: str = ""
) -> Job:
    """Check the return file now (a bad file is refused at once and nothing is written),
    then apply it and post to the ledger in the background with progress: a district's
    file of tens of thousands of lines takes longer than a web request may."""
    require_perm(actor, "programs.manage_disbursement")
    _return_results(batch=batch, content=content)
    job = job_create(
        actor=actor,
        kind=RETURN_JOB_KIND,
        params={"batch": batch.pk},
        input_bytes=content,
        filename=filename or f"{batch.number}-return.xlsx",
    )
    enqueue(disbursement_return_run, job_id=job.pk)
    return job


def disbursement_return_run(*, job_id: int) -> None:
    """The background half of disbursement_return_start (core.tasks). Safe to run twice: a
    finished job is left alone."""
    job = Job.objects.select_related("created_by").get(pk=job_id)
    if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
        return
    batch = DisbursementBatch.objects.get(pk=job.params["batch"])
    job_progress(job=job, done=0, stage=_("回盘入账"))
    try:
        with job.input_file.open("rb") as fh:
            content = fh.read()
        result = disbursement_return_import(
            actor=job.created_by,
            batch=batch,
            content=content,
            progress=lambda done, total: job_progress(job=job, done=done, total=total),
        )
    except ValidationError as exc:  # the batch changed since the check: nothing was written
        job_finish(
            job=job,
            ok=False,
            errors=[{"row": "", "column": "", "message": m} for m in exc.messages],
        )
        return
    message = _("回盘已处理：成功 %(s)d 笔，失败 %(f)d 笔，已记账 %(p)d 笔。") % {
        "s": result["succeeded"],
        "f": result["failed"],
        "p": result["posted"],
    }
    job_finish(job=job, ok=True, result=result | {"message": message})


def disbursement_post(
    *,
    actor,
    batch: DisbursementBatch,
    on: dt.date | None = None,
    chunk_size: int = 1000,
    progress=None,
) -> int:
    """Post confirmed lines to the ledger, `chunk_size` lines per transaction.

    Restartable: each chunk takes the lowest-id confirmed lines, posts one entry keyed by
    the batch and its first and last line id, and marks them paid in the same transaction.
    After a failure, running it again posts only what is left (and a chunk that did commit
    is never posted twice: same key, same entry)."""
    on = _today(on)
    require_perm(actor, "programs.manage_disbursement")
    posted = 0
    while True:
        with transaction.atomic():
            chunk = list(
                batch.lines.filter(status=DisbursementLine.Status.CONFIRMED)
                .order_by("id")
                .values_list("id", "payee_party", "amount")[:chunk_size]
            )
            if not chunk:
                break
            ids = [c[0] for c in chunk]
            items = list(
                DisbursementItem.objects.filter(line_id__in=ids).values_list(
                    "line_id", "application_id", "application__programme__code", "amount"
                )
            )
            by_line = {}
            for line_id, _app, code, amount in items:
                by_line.setdefault(line_id, []).append((code, amount))
            lines = [
                (code, party, amount)
                for line_id, party, _total in chunk
                for code, amount in by_line[line_id]
            ]
            entry = postings.payment_chunk(
                actor=actor,
                batch=batch,
                lines_with_programme=lines,
                on=on,
                key=f"programs.batch:{batch.pk}:{ids[0]}-{ids[-1]}:{len(ids)}",
            )
            DisbursementLine.objects.filter(
                pk__in=ids, status=DisbursementLine.Status.CONFIRMED
            ).update(status=DisbursementLine.Status.PAID, entry_id=entry.pk, paid_on=on)
            app_ids = [a for _l, a, _c, _m in items]
            workflow.move_many(
                workflow=WORKFLOW,
                queryset=Application.objects.filter(pk__in=app_ids),
                name="pay",
                actor=actor,
                reason=_("批次 %(b)s 发放到账") % {"b": batch.number},
                extra_updates={"state_since": on, "due_on": None},
                log_extra={"actor_name": _actor_name(actor), "on": on},
            )
            posted += len(ids)
        if progress:
            progress(posted)
    if not batch.lines.filter(
        status__in=[DisbursementLine.Status.PENDING, DisbursementLine.Status.CONFIRMED]
    ).exists():
        batch.status = DisbursementBatch.Status.DONE
        batch.save(update_fields=["status"])
    return posted


def disbursement_rerun(
    *, actor, batch: DisbursementBatch, on: dt.date | None = None
) -> DisbursementBatch:
    """A new batch for the failed lines' applications (after the account was corrected)."""
    app_ids = list(
        DisbursementItem.objects.filter(
            line__batch=batch, line__status=DisbursementLine.Status.FAILED
        ).values_list("application_id", flat=True)
    )
    if not app_ids:
        raise ValidationError({"batch": _("本批次没有失败的明细。")})
    grouped = (
        DisbursementLine.objects.filter(batch=batch).values("payee_party").distinct().count()
        < batch.line_count
    )
    return disbursement_batch_create(
        actor=actor,
        division_code=batch.division_id,
        application_ids=app_ids,
        on=on,
        rerun_of=batch,
        programme_code=batch.programme.code if batch.programme_id else None,
        group_by_payee=grouped,
    )


def application_bank_account_update(
    *, actor, application: Application, bank_name: str, bank_account: str
) -> Application:
    """Correct a payee account after a failed bank line (before the re-run)."""
    _check_staff(actor, application, "programs.manage_disbursement")
    account = (bank_account or "").replace(" ", "")
    if not account.isdigit():
        raise ValidationError({"bank_account": _("银行账号只能包含数字。")})
    if application.state != S.APPROVED:
        raise ValidationError({"state": _("只有待发放的申请可以修改收款账号。")})
    with transaction.atomic():
        application.bank_name, application.bank_account, application.bank_account_masked = (
            bank_name.strip(),
            account,
            _mask_account(account),
        )
        application.save(update_fields=["bank_name", "bank_account", "bank_account_masked"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=application,
            summary=f"修改收款账号 {application.number}",
        )
    return application


def open_applications_q() -> Q:
    return Q(state__in=OPEN_STATES)
