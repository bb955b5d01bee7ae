from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "minzheng.ledger"
    label = "ledger"
    verbose_name = _("资金账务")

    def ready(self) -> None:
        from minzheng.core.navigation import StaffEntry, add_staff_entry

        add_staff_entry(
            StaffEntry(_("资金账务"), "ledger:account_list", "ledger.view_account", "¥", order=60)
        )
