"""The cemetery staff role (墓园工作人员) and what it may do.

Registered in apps.py; groups are synced after migrate (core.roles.sync_roles)."""

CEMETERY_STAFF = "墓园工作人员"

CEMETERY_STAFF_PERMISSIONS = (
    "core.view_division",
    "core.view_policyparameter",
    "core.view_attachment",
    "core.add_attachment",
    "qingming.view_cemetery",
    "qingming.view_gate",
    "qingming.view_carpark",
    "qingming.view_season",
    "qingming.view_slot",
    "qingming.change_slot",
    "qingming.view_slottemplate",
    "qingming.view_walkinday",
    "qingming.view_reservation",
    "qingming.add_reservation",
    "qingming.change_reservation",
    "qingming.view_checkin",
    "qingming.add_checkin",
    "qingming.view_gatebucket",
    "qingming.export_season_report",
    "qingming.view_proxysweep",
    "qingming.change_proxysweep",
    "qingming.view_memorial",
    "qingming.change_memorial",
    "qingming.view_tribute",
    "qingming.change_tribute",
)

# What the platform's roles get from this module (granted in apps.py).
LEADER_PERMISSIONS = ("qingming.view_*", "qingming.export_season_report")
DISTRICT_OFFICER_PERMISSIONS = LEADER_PERMISSIONS + (
    "qingming.add_season",
    "qingming.change_season",
    "qingming.add_slot",
    "qingming.change_slot",
    "qingming.add_slottemplate",
    "qingming.change_slottemplate",
    "qingming.add_walkinday",
    "qingming.add_cemetery",
    "qingming.change_cemetery",
    "qingming.add_gate",
    "qingming.add_carpark",
    "qingming.change_reservation",
    "qingming.add_reservation",
)
COMMUNITY_WORKER_PERMISSIONS = (
    "qingming.view_cemetery",
    "qingming.view_slot",
    "qingming.add_reservation",
    "qingming.view_reservation",
)
