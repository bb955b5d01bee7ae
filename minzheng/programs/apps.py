from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "minzheng.programs"
    label = "programs"
    verbose_name = _("救助项目")

    def ready(self):
        from minzheng.core import roles as core_roles
        from minzheng.core.demo import DemoStep, add_demo_step
        from minzheng.core.navigation import (
            PersonPanel,
            PortalService,
            StaffEntry,
            add_person_panel,
            add_portal_service,
            add_staff_entry,
        )

        from . import roles, selectors

        for role in roles.ROLES:
            core_roles.register_role(role)
        # The platform's roles do the programmes' work within their scope.
        core_roles.grant(core_roles.DISTRICT_OFFICER, *roles.DISTRICT_PERMISSIONS)
        core_roles.grant(core_roles.TOWN_CASEWORKER, *roles.TOWN_PERMISSIONS)
        core_roles.grant(core_roles.COMMUNITY_WORKER, *roles.COMMUNITY_PERMISSIONS)
        add_staff_entry(
            StaffEntry(
                _("救助审批"),
                "programs:workbench",
                "programs.view_application",
                "🤝",
                count=selectors.open_count,
                count_label=_("办理中的申请"),
                order=30,
            )
        )
        add_person_panel(
            PersonPanel(
                _("救助记录"), "programs.view_application", selectors.person_assistance, order=20
            )
        )
        add_portal_service(
            PortalService(
                _("救助申请"),
                _("临时救助、教育救助等网上申请，查看进度和通知书"),
                "programs:portal_home",
                "🤝",
                order=20,
            )
        )
        # Open without a sign-in: a progress lookup by number + ID number, and publicity.
        add_portal_service(
            PortalService(
                _("办理进度查询"),
                _("凭申请编号和身份证号码查询，无需登录"),
                "programs:portal_progress",
                "🔎",
                order=21,
            )
        )
        add_portal_service(
            PortalService(
                _("救助公示"), _("审批结果公示，无需登录"), "programs:publicity", "📢", order=22
            )
        )

        def run_demo(*, stdout, password):
            from .demo import run

            return run(stdout=stdout, password=password)

        add_demo_step(DemoStep("programs", run_demo, order=40))
