"""Investigation (household visits, second investigator) and publicity: notices,
objections, the end of the publicity period.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core.scope import code_in_scope

from ..models import (
    Application,
    Decision,
    Investigation,
    Objection,
    State,
)
from ..rules import ParamSource, RuleContext, evaluate, get_rules
from .moves import S, _actor_name, _check_staff, _log, _move, _param, _today
from .submission import _save_decision


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
