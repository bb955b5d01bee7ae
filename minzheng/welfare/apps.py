from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

WELFARE_OFFICER = "儿童福利与残疾人就业经办"
WELFARE_HOME_STAFF = "儿童福利院工作人员"

_CHILD = (
    "welfare.read_child_file",
    "welfare.view_child",
    "welfare.add_child",
    "welfare.change_child",
    "welfare.view_guardian",
    "welfare.add_guardian",
    "welfare.view_careplan",
    "welfare.add_careplan",
    "welfare.view_childvisit",
    "welfare.add_childvisit",
)
_CARE = (
    "core.view_division",
    "core.view_attachment",
    "core.add_attachment",
    "core.view_policyparameter",
    "welfare.view_careactivity",
    "welfare.add_careactivity",
    "welfare.change_careactivity",
    "welfare.view_respitesession",
    "welfare.add_respitesession",
    "welfare.change_respitesession",
    "welfare.view_respiteenrolment",
    "welfare.add_respiteenrolment",
    "welfare.change_respiteenrolment",
)
OFFICER_PERMISSIONS = (
    *_CHILD,
    *_CARE,
    "welfare.grant_allowance",
    "welfare.view_allowancemonth",
    "welfare.export_welfare",
    "welfare.view_*",
    "welfare.add_employmentservice",
    "welfare.add_stall",
    "welfare.add_jobseeker",
    "welfare.change_jobseeker",
    "welfare.add_employer",
    "welfare.change_employer",
    "welfare.add_vacancy",
    "welfare.change_vacancy",
    "welfare.add_referral",
    "welfare.change_referral",
    "welfare.add_jobplacement",
    "welfare.add_followup",
    "welfare.add_trainingcourse",
    "welfare.add_trainingattendance",
    "registry.view_person",
    "registry.view_household",
    "registry.view_persontag",
    "volunteers.view_volunteer",
)
HOME_STAFF_PERMISSIONS = (*_CHILD, *_CARE, "registry.view_person", "volunteers.view_volunteer")
# Town caseworkers take employment services at their counters and stalls.
TOWN_PERMISSIONS = (
    "welfare.view_employmentservice",
    "welfare.add_employmentservice",
    "welfare.view_stall",
    "welfare.view_jobseeker",
)


def _children(user) -> int:
    from .selectors import child_list

    return child_list(user=user).filter(left_on__isnull=True).count()


class WelfareConfig(AppConfig):
    name = "minzheng.welfare"
    label = "welfare"
    verbose_name = _("儿童福利与残疾人就业帮扶")

    def ready(self) -> None:
        from minzheng.core import roles
        from minzheng.core.demo import DemoStep, add_demo_step
        from minzheng.core.navigation import (
            PortalService,
            StaffEntry,
            add_portal_service,
            add_staff_entry,
        )

        from . import (
            demo,
            rules,  # noqa: F401 - registers the allowance rule set with the engine
        )

        roles.register_role(
            roles.Role(
                WELFARE_OFFICER,
                _("儿童福利与残疾人就业经办：儿童档案、生活费、关爱活动、喘息服务、就业帮扶"),
                OFFICER_PERMISSIONS,
            )
        )
        roles.register_role(
            roles.Role(
                WELFARE_HOME_STAFF,
                _("儿童福利院工作人员：儿童档案、照料计划、探访、关爱活动、喘息服务"),
                HOME_STAFF_PERMISSIONS,
            )
        )
        # Leaders and district officers read the figures and every record except children's
        # files (the view_* codenames do not include read_child_file).
        roles.grant(roles.LEADER, "welfare.view_*")
        roles.grant(roles.DISTRICT_OFFICER, "welfare.view_*", "welfare.export_welfare")
        roles.grant(roles.TOWN_CASEWORKER, *TOWN_PERMISSIONS)
        add_staff_entry(
            StaffEntry(
                _("儿童福利与就业帮扶"),
                "welfare:workbench",
                "welfare.view_careactivity",
                "♥",
                count=_children,
                count_label=_("在册儿童"),
                order=70,
            )
        )
        add_staff_entry(
            StaffEntry(
                _("残疾人就业服务"),
                "welfare:stall_entry",
                "welfare.add_employmentservice",
                "☑",
                order=71,
            )
        )
        add_portal_service(
            PortalService(
                _("喘息服务"),
                _("为照料残疾儿童的家庭报名喘息服务"),
                "welfare:portal_respite",
                "☕",
                order=50,
            )
        )
        add_demo_step(DemoStep("welfare", demo.run, order=75))
