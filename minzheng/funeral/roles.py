"""The funeral roles (registered in apps.ready; groups synced after migrate)."""

from django.utils.translation import gettext_lazy as _

from minzheng.core.roles import Role

FUNERAL_HOME_STAFF = "殡仪馆工作人员"
FUNERAL_OFFICER = "殡葬管理（区）"

HOME_STAFF_PERMISSIONS = (
    "funeral.view_funeralhome",
    "funeral.view_servicerecord",
    "funeral.add_servicerecord",
    "funeral.void_servicerecord",
    "funeral.view_settlement",
)
OFFICER_PERMISSIONS = (
    "funeral.view_funeralhome",
    "funeral.add_funeralhome",
    "funeral.change_funeralhome",
    "funeral.view_homestaff",
    "funeral.view_servicerecord",
    "funeral.add_servicerecord",
    "funeral.void_servicerecord",
    "funeral.view_settlement",
    "funeral.add_settlement",
    "funeral.reverse_settlement",
    "programs.view_application",
    "programs.view_programme",
    "registry.add_organisation",
    "registry.view_organisation",
    "ledger.view_account",
    "ledger.view_journalentry",
)

ROLES = (
    Role(
        FUNERAL_HOME_STAFF,
        _(
            "殡仪馆工作人员：在本馆登记基本殡葬服务费用免除、结算前作废错登记录，只能查看本馆记录和结算单"
        ),
        HOME_STAFF_PERMISSIONS,
    ),
    Role(
        FUNERAL_OFFICER,
        _("殡葬管理（区）：管理殡仪馆，查看全区免除记录，按月结算入账与冲销"),
        OFFICER_PERMISSIONS,
    ),
)
