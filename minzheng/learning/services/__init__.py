"""Every write of the study app. Services validate everything first (one ValidationError
with a field → Chinese message, so bad input writes nothing), then write in
transaction.atomic(); SMS go out through core.sms.sms_queue in the same transaction.

One module per concern: `common`, `material`, `daily`, `questions`, `tests`, `events`; callers import from here (`learning.services.<name>`).
"""

from .common import (
    EVENT_SALT,
    MATERIAL_MAX_BYTES,
    MATERIAL_TYPES,
    member_of,
    secretary_assign,
)
from .daily import (
    checkin_create,
    reminders_send,
)
from .events import (
    CHECKIN_BEFORE,
    EventInput,
    attendance_check_in,
    event_create,
    event_from_token,
    event_token,
    reflection_review,
    reflection_submit,
)
from .material import (
    IssueInput,
    issue_create,
    issue_publish,
    reading_record,
)
from .questions import (
    COLUMNS,
    DIFFICULTIES,
    JUDGE_ANSWERS,
    KINDS,
    MAX_IMPORT_ROWS,
    ImportResult,
    QuestionInput,
    parse_options,
    question_errors,
    question_import,
    question_row_input,
    question_update,
)
from .tests import (
    TestInput,
    answer_save,
    sitting_start,
    sitting_submit,
    sittings_collect,
    test_create,
)

__all__ = [
    "member_of",
    "question_row_input",
    "CHECKIN_BEFORE",
    "COLUMNS",
    "DIFFICULTIES",
    "EVENT_SALT",
    "EventInput",
    "ImportResult",
    "IssueInput",
    "JUDGE_ANSWERS",
    "KINDS",
    "MATERIAL_MAX_BYTES",
    "MATERIAL_TYPES",
    "MAX_IMPORT_ROWS",
    "QuestionInput",
    "TestInput",
    "answer_save",
    "attendance_check_in",
    "checkin_create",
    "event_create",
    "event_from_token",
    "event_token",
    "issue_create",
    "issue_publish",
    "parse_options",
    "question_errors",
    "question_import",
    "question_update",
    "reading_record",
    "reflection_review",
    "reflection_submit",
    "reminders_send",
    "secretary_assign",
    "sitting_start",
    "sitting_submit",
    "sittings_collect",
    "test_create",
]
