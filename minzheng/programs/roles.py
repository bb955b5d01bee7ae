"""The programmes' roles (registered in apps.ready; groups synced after migrate)."""

from django.utils.translation import gettext_lazy as _

from minzheng.core.roles import Role

PROGRAMS_TOWN = "救助经办（镇街）"
PROGRAMS_DISTRICT = "救助审批（区）"
PROGRAMS_VIEWER = "救助查询"

TOWN_PERMISSIONS = (
    "programs.view_programme",
    "programs.view_application",
    "programs.add_application",
    "programs.accept_application",
    "programs.investigate_application",
    "programs.approve_town",
    "programs.fast_path_advance",
    "core.add_attachment",
    "core.view_attachment",
)
DISTRICT_PERMISSIONS = TOWN_PERMISSIONS + (
    "programs.approve_district",
    "programs.override_limit",
    "programs.manage_disbursement",
    "programs.view_disbursementbatch",
    "programs.change_programme",
    "programs.add_staffrelation",
    "programs.view_staffrelation",
    "ledger.view_account",
    "ledger.view_journalentry",
)
VIEW_PERMISSIONS = ("programs.view_*",)
# Community workers take applications and visit homes; acceptance and approval are the town's.
COMMUNITY_PERMISSIONS = (
    "programs.view_programme",
    "programs.view_application",
    "programs.add_application",
    "programs.investigate_application",
)

ROLES = (
    Role(
        PROGRAMS_TOWN,
        _("救助经办（镇街）：受理、调查、公示、镇街额度内审批、先行救助"),
        TOWN_PERMISSIONS,
    ),
    Role(
        PROGRAMS_DISTRICT,
        _("救助审批（区）：区级审批、超次数办理、发放批次与银行回盘"),
        DISTRICT_PERMISSIONS,
    ),
    Role(PROGRAMS_VIEWER, _("救助查询：查看全部救助申请与发放，不能修改"), VIEW_PERMISSIONS),
)
