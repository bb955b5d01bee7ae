"""Every write of the volunteers app. Each service validates first and raises one
ValidationError (field → message) so bad input writes nothing; then writes inside
transaction.atomic(); SMS go out on commit.

Locking (DESIGN "Capacity"): a sign-up locks the volunteer row (SELECT … FOR UPDATE)
before checking overlaps and daily hours, so two concurrent sign-ups of one volunteer are
serialised; the shift's places are taken with one conditional UPDATE
(taken = taken + 1 WHERE taken < needed), so the last place cannot be taken twice.
Order: volunteer row first, then the shift's counter.

One module per concern: `volunteers`, `activities`, `signups`, `dispatch` (the solver itself
is `volunteers.solver`), `attendance`, `certificates`; callers import from here:
`volunteers.services.signup_create`.
"""

from .activities import (
    activity_close,
    activity_create,
    activity_publish,
    matching_volunteers,
    notify_activity_published,
    post_add,
    shift_add,
    site_add,
)
from .attendance import (
    PERSON_SALT,
    SITE_SALT,
    attendance_check_in,
    attendance_check_out,
    attendance_close_missing,
    attendance_correct,
    current_signup,
    outside_service_record,
    site_from_token,
    site_token,
    volunteer_from_token,
    volunteer_token,
)
from .certificates import (
    certificate_issue,
)
from .common import (
    REASON_TEXT,
)
from .dispatch import (
    DISPATCH_JOB_KIND,
    dispatch_instance,
    dispatch_run,
    dispatch_solve,
    dispatch_start,
    plan_assignment_add,
    plan_assignment_remove,
    plan_publish,
)
from .signups import (
    signup_create,
    signup_decide,
    signup_withdraw,
)
from .volunteers import (
    VolunteerInput,
    availability_exception_add,
    availability_set,
    certificate_add,
    volunteer_register,
    volunteer_self_register,
)

__all__ = [
    "outside_service_record",
    "DISPATCH_JOB_KIND",
    "PERSON_SALT",
    "REASON_TEXT",
    "SITE_SALT",
    "VolunteerInput",
    "activity_close",
    "activity_create",
    "activity_publish",
    "attendance_check_in",
    "attendance_check_out",
    "attendance_close_missing",
    "attendance_correct",
    "availability_exception_add",
    "availability_set",
    "certificate_add",
    "certificate_issue",
    "current_signup",
    "dispatch_instance",
    "dispatch_run",
    "dispatch_solve",
    "dispatch_start",
    "matching_volunteers",
    "notify_activity_published",
    "plan_assignment_add",
    "plan_assignment_remove",
    "plan_publish",
    "post_add",
    "shift_add",
    "signup_create",
    "signup_decide",
    "signup_withdraw",
    "site_add",
    "site_from_token",
    "site_token",
    "volunteer_from_token",
    "volunteer_register",
    "volunteer_self_register",
    "volunteer_token",
]
