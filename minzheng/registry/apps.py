from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "minzheng.registry"
    label = "registry"
    verbose_name = _("人员与户籍")

    def ready(self) -> None:
        from minzheng.core.demo import DemoStep, add_demo_step
        from minzheng.core.navigation import StaffEntry, add_staff_entry

        from . import demo, selectors

        add_staff_entry(
            StaffEntry(
                _("人员"),
                "registry:person_list",
                "registry.view_person",
                "👤",
                selectors.person_count,
                count_label=_("人口库人数"),
                order=10,
            )
        )
        add_staff_entry(
            StaffEntry(
                _("家庭户"),
                "registry:household_list",
                "registry.view_household",
                "🏠",
                selectors.household_count,
                count_label=_("家庭户"),
                order=20,
            )
        )
        add_demo_step(DemoStep("registry", demo.run, order=10))
        add_staff_entry(
            StaffEntry(
                _("组织"),
                "registry:organisation_list",
                "registry.view_organisation",
                "🏢",
                selectors.organisation_count,
                count_label=_("组织"),
                order=30,
            )
        )
