"""The charity roles (registered in apps.ready; groups synced after migrate)."""

from django.utils.translation import gettext_lazy as _

from minzheng.core.roles import Role

CHARITY_STAFF = "慈善组织工作人员"

STAFF_PERMISSIONS = (
    "core.view_division",
    "core.view_attachment",
    "core.add_attachment",
    "core.view_policyparameter",
    "charity.view_charity",
    "charity.view_campaign",
    "charity.add_campaign",
    "charity.change_campaign",
    "charity.view_namedfund",
    "charity.add_namedfund",
    "charity.view_donation",
    "charity.add_donation",
    "charity.import_donations",
    "charity.export_charity",
    "charity.view_receipt",
    "charity.void_receipt",
    "charity.view_spending",
    "charity.add_spending",
    "charity.approve_spending",
    "charity.view_disclosure",
    "charity.add_disclosure",
    "charity.view_annualreport",
    "registry.view_person",
)
# District officers supervise: they register charities and link their staff, read
# everything in scope, and record no gift or spending themselves.
OFFICER_PERMISSIONS = (
    "charity.view_*",
    "charity.add_charity",
    "charity.change_charity",
    "charity.add_charitystaff",
    "charity.export_charity",
)

ROLES = (
    Role(
        CHARITY_STAFF,
        _("慈善组织工作人员：登记本组织的募捐活动、捐赠、票据、支出和信息公开，只能查看本组织记录"),
        STAFF_PERMISSIONS,
    ),
)
