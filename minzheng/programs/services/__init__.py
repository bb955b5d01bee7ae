"""Writes of the assistance engine: applications through their life cycle, decisions,
investigations, publicity, approvals, the fast path and disbursement batches.

Every service validates first and raises one ValidationError({field: message}) so bad
input writes nothing; then writes inside transaction.atomic(); money moves only through
`postings` (the ledger). Each state change is a declared move of `workflows.APPLICATION`
(through `core.workflow`): a conditional UPDATE on the old state (so two clerks cannot both
move one case) and a Transition row (who, when, from, to, why). Other apps (funeral) write
applications only through these services: `application_prepare`, `application_grant`,
`applications_bulk_grant`, `applications_move`, `application_void`.

One module per stage: `moves` (the helpers that move an application through
`workflows.APPLICATION`), `submission`, `publicity`, `approval`, `disbursement`. Callers
import from here: `programs.services.application_approve`.
"""

from .approval import (
    application_approve,
    application_close,
    application_refuse,
    approval_amount_errors,
    approval_level,
    fast_path_advance,
    staff_relation_add,
)
from .disbursement import (
    application_bank_account_update,
    batch_groups,
    disbursement_batch_create,
    disbursement_export_xlsx,
    disbursement_post,
    disbursement_rerun,
    disbursement_return_import,
    disbursement_return_run,
    disbursement_return_start,
    failed_lines_unchanged,
    open_applications_q,
    owed,
)
from .moves import (
    STATE_LIMITS,
    allowed_transitions,
    applications_move,
)
from .publicity import (
    application_publicise,
    decide,
    investigation_record,
    objection_record,
    publicity_close_due,
    publicity_end,
)
from .submission import (
    ApplicationInput,
    PreparedApplication,
    application_accept,
    application_grant,
    application_prepare,
    application_resubmit,
    application_return,
    application_submit,
    application_void,
    application_withdraw,
    applications_bulk_grant,
    document_add,
    documents_errors,
    required_documents_missing,
)

__all__ = [
    "batch_groups",
    "failed_lines_unchanged",
    "approval_amount_errors",
    "ApplicationInput",
    "PreparedApplication",
    "STATE_LIMITS",
    "allowed_transitions",
    "application_accept",
    "application_approve",
    "application_bank_account_update",
    "application_close",
    "application_grant",
    "application_prepare",
    "application_publicise",
    "application_refuse",
    "application_resubmit",
    "application_return",
    "application_submit",
    "application_void",
    "application_withdraw",
    "applications_bulk_grant",
    "applications_move",
    "approval_level",
    "decide",
    "disbursement_batch_create",
    "disbursement_export_xlsx",
    "disbursement_post",
    "disbursement_rerun",
    "disbursement_return_import",
    "disbursement_return_run",
    "disbursement_return_start",
    "document_add",
    "documents_errors",
    "fast_path_advance",
    "investigation_record",
    "objection_record",
    "open_applications_q",
    "owed",
    "publicity_close_due",
    "publicity_end",
    "required_documents_missing",
    "staff_relation_add",
]
