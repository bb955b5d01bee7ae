from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ORGANISER = "志愿服务组织者"


class VolunteersConfig(AppConfig):
    name = "minzheng.volunteers"
    label = "volunteers"
    verbose_name = _("志愿服务")

    def ready(self) -> None:
        from minzheng.core.demo import DemoStep, add_demo_step
        from minzheng.core.navigation import (
            PortalService,
            StaffEntry,
            add_portal_service,
            add_staff_entry,
        )
        from minzheng.core.roles import DISTRICT_OFFICER, ROLES, Role, grant, register_role

        from . import demo, selectors

        register_role(
            Role(
                ORGANISER,
                _("志愿服务组织者：发布活动、审核报名、调度派岗、考勤与证明（本辖区）"),
                (
                    "core.view_division",
                    "core.view_policyparameter",
                    "registry.view_person",
                    "volunteers.view_*",
                    "volunteers.add_activity",
                    "volunteers.change_activity",
                    "volunteers.add_volunteer",
                    "volunteers.change_volunteer",
                    "volunteers.change_signup",
                    "volunteers.add_partybranch",
                    "volunteers.change_partybranch",
                    "volunteers.dispatch_activity",
                    "volunteers.add_dispatchplan",
                    "volunteers.change_dispatchplan",
                    "volunteers.record_attendance",
                    "volunteers.issue_certificate",
                    "volunteers.export_volunteers",
                ),
            )
        )
        # District officers organise district-wide activities too.
        grant(DISTRICT_OFFICER, *ROLES[ORGANISER].permissions)
        add_staff_entry(
            StaffEntry(
                _("志愿服务"),
                "volunteers:board",
                "volunteers.view_activity",
                "🤝",
                count=selectors.activity_count,
                count_label=_("未结束的活动"),
                order=40,
            )
        )
        add_portal_service(
            PortalService(
                _("志愿服务"),
                _("党员志愿者报名、签到与服务证明"),
                "volunteers:portal_home",
                "🤝",
                order=30,
            )
        )
        add_demo_step(DemoStep("volunteers", demo.run, order=60))
