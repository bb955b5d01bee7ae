"""The elderly-care roles (registered in apps.ready; groups synced after migrate)."""

from django.utils.translation import gettext_lazy as _

from minzheng.core.roles import Role

ELDERCARE_OFFICER = "养老服务管理（区）"
INSTITUTION_STAFF = "养老机构工作人员"

INSTITUTION_STAFF_PERMISSIONS = (
    "core.view_attachment",
    "core.add_attachment",
    "registry.view_person",
    "registry.add_person",
    "eldercare.view_institution",
    "eldercare.view_residency",
    "eldercare.add_residency",
    "eldercare.change_residency",
    "eldercare.view_absence",
    "eldercare.add_absence",
    "eldercare.view_assessment",
    "eldercare.add_assessment",
    "eldercare.view_claim",
    "eldercare.view_inspection",
    "eldercare.view_finding",
)
OFFICER_PERMISSIONS = (
    "core.view_attachment",
    "core.add_attachment",
    "registry.view_person",
    "registry.add_person",
    "registry.view_organisation",
    "registry.add_organisation",
    "eldercare.*",
    "programs.view_application",
    "programs.view_programme",
    "programs.view_disbursementbatch",
    "programs.manage_disbursement",
    "ledger.view_account",
    "ledger.view_journalentry",
)
# Town caseworkers see and inspect the institutions and houses of their own town.
TOWN_PERMISSIONS = (
    "eldercare.view_institution",
    "eldercare.view_house",
    "eldercare.view_residency",
    "eldercare.view_inspection",
    "eldercare.add_inspection",
    "eldercare.view_finding",
    "eldercare.add_followup",
    "eldercare.view_servicerequest",
)

ROLES = (
    Role(
        ELDERCARE_OFFICER,
        _("养老服务管理（区）：养老机构与幸福院、运营补贴申报发放、检查与整改"),
        OFFICER_PERMISSIONS,
    ),
    Role(
        INSTITUTION_STAFF,
        _("养老机构工作人员：登记本机构老人入住、退住、离院和能力评估，只能查看本机构记录"),
        INSTITUTION_STAFF_PERMISSIONS,
    ),
)
