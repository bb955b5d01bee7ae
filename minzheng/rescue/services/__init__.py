"""Writes of the rescue station: intake, stay, reports, match decisions, notices, returns.

Every service validates everything first and raises one ValidationError (field → message),
so bad input writes nothing; then it writes in one transaction, logs, and schedules the
re-matching after commit (`core.tasks.enqueue`).

One module per concern: `moves` (a case moved through `workflows.CASE`), `cases`, `notices`,
`reports`, `matches`, `returns`; callers import from here: `rescue.services.case_intake`.
"""

from .cases import (
    CASE_FIELDS,
    IntakeInput,
    case_attach,
    case_intake,
    case_transition,
    case_update,
    daily_record_add,
)
from .matches import (
    candidate_decide,
    case_query,
    case_rematch,
    rematch_open_cases,
    report_record,
    report_rematch,
)
from .notices import (
    notice_publish,
    notice_update,
)
from .reports import (
    IMPORT_COLUMNS,
    REPORT_EDITABLE,
    ImportError_,
    ReportInput,
    report_build,
    report_contact_reveal,
    report_create,
    report_update,
    report_withdraw,
    reports_import,
)
from .returns import (
    COST_FIELDS,
    RETURN_BUDGET,
    RETURN_BUDGET_NAME,
    CostsNotPosted,
    ReturnInput,
    return_budget_open,
    return_costs_post,
    return_record,
)

__all__ = [
    "notice_publish",
    "CASE_FIELDS",
    "COST_FIELDS",
    "CostsNotPosted",
    "IMPORT_COLUMNS",
    "ImportError_",
    "IntakeInput",
    "REPORT_EDITABLE",
    "RETURN_BUDGET",
    "RETURN_BUDGET_NAME",
    "ReportInput",
    "ReturnInput",
    "candidate_decide",
    "case_attach",
    "case_intake",
    "case_query",
    "case_rematch",
    "case_transition",
    "case_update",
    "daily_record_add",
    "notice_update",
    "rematch_open_cases",
    "report_build",
    "report_contact_reveal",
    "report_create",
    "report_record",
    "report_rematch",
    "report_update",
    "report_withdraw",
    "reports_import",
    "return_budget_open",
    "return_costs_post",
    "return_record",
]
