from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EldercareConfig(AppConfig):
    name = "minzheng.eldercare"
    label = "eldercare"
    verbose_name = _("养老服务")

    def ready(self) -> None:
        from minzheng.core import roles as core_roles
        from minzheng.core.demo import DemoStep, add_demo_step
        from minzheng.core.navigation import (
            PortalService,
            StaffEntry,
            add_portal_service,
            add_staff_entry,
        )

        from . import roles, rules, selectors  # noqa: F401  (rules registers the engine's rule sets)

        for role in roles.ROLES:
            core_roles.register_role(role)
        core_roles.grant(core_roles.LEADER, "eldercare.view_*")
        core_roles.grant(core_roles.DISTRICT_OFFICER, *roles.OFFICER_PERMISSIONS)
        core_roles.grant(core_roles.TOWN_CASEWORKER, *roles.TOWN_PERMISSIONS)
        add_staff_entry(
            StaffEntry(
                _("养老服务"),
                "eldercare:workbench",
                "eldercare.view_institution",
                "🏠",
                count=selectors.open_finding_count,
                count_label=_("待整改问题"),
                order=50,
            )
        )
        add_portal_service(
            PortalService(
                _("养老机构与幸福院"),
                _("按镇街查找养老机构空床位、社区幸福院服务，申请入住或服务"),
                "eldercare:portal_home",
                "🏡",
                order=50,
            )
        )

        def run_demo(*, stdout, password):
            from .demo import run

            return run(stdout=stdout, password=password)

        # After the programmes (40) and the rescue station (60): defaults exist by then.
        add_demo_step(DemoStep("eldercare", run_demo, order=65))
