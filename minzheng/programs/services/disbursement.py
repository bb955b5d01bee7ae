"""Disbursement batches: lines from approved decisions, the bank file, the bank's return
file, failed lines and their re-issue; every yuan through `postings` (the ledger).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.models import Job
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.core.services import (
    job_create,
    job_finish,
    job_progress,
)
from minzheng.core.tasks import enqueue
from minzheng.registry import validators

from .. import postings
from ..models import (
    OPEN_STATES,
    RETURN_JOB_KIND,
    Application,
    DisbursementBatch,
    DisbursementItem,
    DisbursementLine,
)
from ..workflows import APPLICATION
from .moves import S, _actor_name, _check_staff, _today


def _batch_number(on: dt.date) -> str:
    return f"FF{on:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"


def owed(application: Application) -> Decimal:
    return (application.amount or Decimal(0)) - (application.advance_amount or Decimal(0))


def batch_groups(
    *,
    division_code: str,
    programme_code: str | None = None,
    application_ids: list[int] | None = None,
    group_by_payee: bool = False,
) -> dict[str, list[Application]]:
    """The bank lines a new batch would have: approved applications still owed money and
    in no open line, one line per application or per payee. Read only: the batch page
    previews it before `disbursement_batch_create` writes it."""
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
    groups: dict[str, list[Application]] = {}
    for a in qs:
        if owed(a) > 0:
            groups.setdefault(a.payee_party if group_by_payee else str(a.pk), []).append(a)
    return groups


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
    groups = batch_groups(
        division_code=division_code,
        programme_code=programme_code,
        application_ids=application_ids,
        group_by_payee=group_by_payee,
    )
    if not groups:
        raise ValidationError({"applications": _("没有可发放的已批准申请。")})
    apps = [a for g in groups.values() for a in g]
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
    from ..bankfiles import bank_file_xlsx

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
    from ..bankfiles import parse_return_file

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
                workflow=APPLICATION,
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


def failed_lines_unchanged(batch: DisbursementBatch) -> list[DisbursementLine]:
    """The batch's failed lines whose payee account has not been corrected since: re-issued
    as they are, they would fail again (账户已销户, 户名不符 …). One query, whatever the
    number of failed lines."""
    items = DisbursementItem.objects.filter(
        line__batch=batch, line__status=DisbursementLine.Status.FAILED
    ).select_related("line", "application")
    unchanged = {}
    for item in items.order_by("line_id"):
        if item.application.bank_account == item.line.bank_account:
            unchanged.setdefault(item.line_id, item.line)
    return list(unchanged.values())


def disbursement_rerun(
    *,
    actor,
    batch: DisbursementBatch,
    on: dt.date | None = None,
    resend_unchanged: bool = False,
) -> DisbursementBatch:
    """A new batch for the failed lines' applications. A line whose account was not
    corrected (`application_bank_account_update`) is refused unless the officer confirms the
    account is right (`resend_unchanged`: the bank's failure was not about the account)."""
    require_perm(actor, "programs.manage_disbursement")
    app_ids = list(
        DisbursementItem.objects.filter(
            line__batch=batch, line__status=DisbursementLine.Status.FAILED
        ).values_list("application_id", flat=True)
    )
    if not app_ids:
        raise ValidationError({"batch": _("本批次没有失败的明细。")})
    unchanged = [] if resend_unchanged else failed_lines_unchanged(batch)
    if unchanged:
        raise ValidationError(
            {
                "batch": _(
                    "以下失败明细的收款账号尚未修改：%(lines)s。请先修改账号；如银行失败与账号无关，请勾选“账号无误，按原账号重新发放”。"
                )
                % {
                    "lines": "、".join(
                        f"{line.pk}（{line.payee_name}，{line.bank_reason or _('无说明')}）"
                        for line in unchanged
                    )
                }
            }
        )
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
            validators.mask_bank_account(account),
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
