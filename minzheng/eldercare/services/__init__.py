"""Writes of elderly care: institutions and their staff, admissions, discharges, absences
and assessments, the monthly operating-subsidy run (on the programmes engine, paid through
the ledger), happiness houses with their reports, ratings and subsidy, and inspections of
every civil-affairs service institution.

Every service validates first and raises one ValidationError({field: message}), so bad
input writes nothing; writes happen inside transaction.atomic().

One module per concern: `common`, `institutions`, `residents`, `claims`, `houses`, `inspections`, `requests`; callers import from here (`eldercare.services.<name>`).
"""

from .claims import (
    Computed,
    budget_fund,
    claim_compute,
    claim_run,
    claim_run_pay,
    construction_subsidy_grant,
)
from .common import (
    PHOTO_TYPES,
)
from .houses import (
    HouseInput,
    applications_pay,
    house_rating_record,
    house_register,
    house_report_record,
    house_subsidy_grant,
)
from .inspections import (
    FindingInput,
    followup_record,
    inspection_create,
    place_kind_of,
)
from .institutions import (
    InstitutionInput,
    institution_beds_update,
    institution_grade_set,
    institution_register,
    institution_staff_link,
)
from .requests import (
    service_request_submit,
)
from .residents import (
    AdmissionInput,
    absence_end,
    absence_record,
    admission_create,
    assessment_record,
    discharge_record,
)

__all__ = [
    "AdmissionInput",
    "Computed",
    "FindingInput",
    "HouseInput",
    "InstitutionInput",
    "PHOTO_TYPES",
    "absence_end",
    "absence_record",
    "admission_create",
    "applications_pay",
    "assessment_record",
    "budget_fund",
    "claim_compute",
    "claim_run",
    "claim_run_pay",
    "construction_subsidy_grant",
    "discharge_record",
    "followup_record",
    "house_rating_record",
    "house_register",
    "house_report_record",
    "house_subsidy_grant",
    "inspection_create",
    "institution_beds_update",
    "institution_grade_set",
    "institution_register",
    "institution_staff_link",
    "place_kind_of",
    "service_request_submit",
]
