"""Every write of the welfare app. Each service validates everything first and raises one
ValidationError (field → Chinese message), so bad input writes nothing; then it writes in
transaction.atomic().

Locking (respite enrolment): the session's place is taken with one conditional UPDATE
(`taken = taken + 1 WHERE taken < capacity`), then the family's yearly hours with another
(`hours = hours + h WHERE hours + h <= limit`), always in that order and in one
transaction, so two enrolments racing for the last place or the last hours cannot both
succeed, and a refusal of the second undoes the first.

One module per concern: `common`, `children`, `activities`, `respite`, `employment`; callers import from here (`welfare.services.<name>`).
"""

from .activities import (
    ActivityInput,
    activity_create,
)
from .children import (
    AllowanceRun,
    allowance_grant_month,
    care_plan_add,
    child_file_open,
    child_leave,
    child_register,
    child_visit_add,
    guardian_add,
    home_create,
)
from .common import (
    ENROLMENT,
    PHOTO_MAX_BYTES,
    PHOTO_TYPES,
    REFERRAL,
    ensure_defaults,
)
from .employment import (
    ServiceInput,
    course_add,
    employer_add,
    employment_service_record,
    followup_record,
    jobseeker_register,
    jobseeker_update,
    placement_record,
    referral_create,
    referral_decline,
    stall_create,
    training_attendance_record,
    vacancy_add,
)
from .respite import (
    enrolment_cancel,
    enrolment_create,
    family_hours,
    resident_household,
    session_create,
    session_deliver,
    yearly_limit,
)

__all__ = [
    "ActivityInput",
    "AllowanceRun",
    "ENROLMENT",
    "PHOTO_MAX_BYTES",
    "PHOTO_TYPES",
    "REFERRAL",
    "ServiceInput",
    "activity_create",
    "allowance_grant_month",
    "care_plan_add",
    "child_file_open",
    "child_leave",
    "child_register",
    "child_visit_add",
    "course_add",
    "employer_add",
    "employment_service_record",
    "enrolment_cancel",
    "enrolment_create",
    "ensure_defaults",
    "family_hours",
    "followup_record",
    "guardian_add",
    "home_create",
    "jobseeker_register",
    "jobseeker_update",
    "placement_record",
    "referral_create",
    "referral_decline",
    "resident_household",
    "session_create",
    "session_deliver",
    "stall_create",
    "training_attendance_record",
    "vacancy_add",
    "yearly_limit",
]
