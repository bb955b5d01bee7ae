from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FuneralConfig(AppConfig):
    name = "minzheng.funeral"
    label = "funeral"
    verbose_name = _("殡葬服务")

    def ready(self):
        from minzheng.core import roles as core_roles
        from minzheng.core.demo import DemoStep, add_demo_step
        from minzheng.core.navigation import StaffEntry, add_staff_entry

        from . import roles, rules, selectors  # noqa: F401  (rules registers the rule set with the engine)

        for role in roles.ROLES:
            core_roles.register_role(role)
        core_roles.grant(core_roles.DISTRICT_OFFICER, *roles.OFFICER_PERMISSIONS)
        # Town caseworkers see the exemptions of their own residents.
        core_roles.grant(core_roles.TOWN_CASEWORKER, "funeral.view_servicerecord")
        add_staff_entry(
            StaffEntry(
                _("殡葬费用免除"),
                "funeral:services",
                "funeral.view_servicerecord",
                "🕯",
                count=selectors.service_count,
                count_label=_("累计免除人数"),
                order=35,
            )
        )

        def run_demo(*, stdout, password):
            from .demo import run

            return run(stdout=stdout, password=password)

        # After the programmes' step (order 40): the engine's defaults exist by then.
        add_demo_step(DemoStep("funeral", run_demo, order=45))
