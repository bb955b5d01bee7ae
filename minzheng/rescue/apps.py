from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

RESCUE_STAFF = "救助站工作人员"
RESCUE_PERMISSIONS = (
    "core.view_division",
    "core.view_attachment",
    "core.add_attachment",
    "core.view_policyparameter",
    "rescue.view_station",
    "rescue.view_case",
    "rescue.add_case",
    "rescue.change_case",
    "rescue.decide_match",
    "rescue.export_rescue",
    "rescue.view_missingreport",
    "rescue.add_missingreport",
    "rescue.change_missingreport",
    "rescue.view_matchcandidate",
    "rescue.view_notice",
    "rescue.change_notice",
    "rescue.view_returnhome",
    "rescue.add_returnhome",
)


def _open_cases(user) -> int:
    from .rules import OPEN_STATES
    from .selectors import case_list

    return case_list(user=user).filter(state__in=OPEN_STATES).count()


class RescueConfig(AppConfig):
    name = "minzheng.rescue"
    label = "rescue"
    verbose_name = _("救助寻亲")

    def ready(self) -> None:
        from minzheng.core.demo import DemoStep, add_demo_step
        from minzheng.core.navigation import (
            PortalService,
            StaffEntry,
            add_portal_service,
            add_staff_entry,
        )
        from minzheng.core.roles import Role, register_role

        from . import demo

        register_role(
            Role(
                RESCUE_STAFF,
                _("救助站工作人员：救助登记、寻亲比对、公告、送返"),
                RESCUE_PERMISSIONS,
            )
        )
        add_staff_entry(
            StaffEntry(
                _("救助寻亲"),
                "rescue:workbench",
                "rescue.view_case",
                "⛑",
                count=_open_cases,
                count_label=_("在办个案"),
                order=60,
            )
        )
        add_portal_service(
            PortalService(
                _("寻亲登记"),
                _("登记走失的亲人，查看寻亲公告"),
                "rescue:portal_home",
                "🔍",
                order=40,
            )
        )
        add_demo_step(DemoStep("rescue", demo.run, order=60))
