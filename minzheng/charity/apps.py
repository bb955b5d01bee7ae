from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CharityConfig(AppConfig):
    name = "minzheng.charity"
    label = "charity"
    verbose_name = _("慈善")

    def ready(self):
        from minzheng.core import roles as core_roles
        from minzheng.core.demo import DemoStep, add_demo_step
        from minzheng.core.navigation import (
            PortalService,
            StaffEntry,
            add_portal_service,
            add_staff_entry,
        )

        from . import roles, selectors

        for role in roles.ROLES:
            core_roles.register_role(role)
        core_roles.grant(core_roles.DISTRICT_OFFICER, *roles.OFFICER_PERMISSIONS)
        core_roles.grant(core_roles.LEADER, "charity.view_*")
        add_staff_entry(
            StaffEntry(
                _("慈善"),
                "charity:workbench",
                "charity.view_campaign",
                "❤",
                count=selectors.charity_count,
                count_label=_("慈善组织"),
                order=65,
            )
        )
        add_portal_service(
            PortalService(
                _("慈善公开"),
                _("查看募捐活动、善款去向；冠名基金设立人查看基金报表"),
                "charity:portal_home",
                "❤",
                order=50,
            )
        )

        def run_demo(*, stdout, password):
            from .demo import run

            return run(stdout=stdout, password=password)

        # After the programmes' (40) and funeral's (45) steps.
        add_demo_step(DemoStep("charity", run_demo, order=70))
