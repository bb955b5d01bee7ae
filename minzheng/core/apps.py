from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "minzheng.core"
    label = "core"
    verbose_name = _("平台基础")

    def ready(self) -> None:
        from . import audit, demo, demo_accounts, roles, selectors
        from .navigation import StaffEntry, add_staff_entry

        # Roles are groups whose permissions exist only after every app migrated.
        post_migrate.connect(
            roles.sync_roles_after_migrate, dispatch_uid="minzheng.core.sync_roles"
        )
        audit.connect_auth_signals()
        demo.add_demo_step(demo.DemoStep("accounts", demo_accounts.run, order=0))
        # Shown only to those who may unlock (system administrators), with the count of
        # current lockouts on the home tile.
        add_staff_entry(
            StaffEntry(
                _("登录锁定"),
                "core:lockouts",
                roles.UNLOCK_ACCOUNT,
                "🔓",
                count=lambda user: len(selectors.lockouts_current()),
                count_label=_("被锁定的登录"),
                order=900,
            )
        )


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin with the project's site: open only to the roles that keep master
    data (core.admin_site)."""

    default = False  # named explicitly in INSTALLED_APPS; "minzheng.core" means CoreConfig
    default_site = "minzheng.core.admin_site.MinzhengAdminSite"
