"""Roles are groups with named permissions; this table is their single definition.

`sync_roles` makes the groups match the table after every migrate (a role that later
modules add is one more entry here or in `register_role`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

SYSTEM_ADMIN = "系统管理员"
LEADER = "局领导"
DISTRICT_OFFICER = "区民政局科室"
TOWN_CASEWORKER = "镇街经办"
COMMUNITY_WORKER = "村居工作人员"

# Lifting a sign-in lockout (core.services.account_unlock, the 登录锁定 page). Defined on
# core.User's Meta; only the system administrator role (all permissions) holds it, because
# unlocking lets someone go on guessing a colleague's password.
UNLOCK_ACCOUNT = "core.unlock_account"


@dataclass(frozen=True)
class Role:
    name: str
    description: str  # lazy translation
    # "app_label.codename" entries; "app_label.view_*" means every view permission of the app.
    permissions: tuple[str, ...] = field(default_factory=tuple)
    all_permissions: bool = False


ROLES: dict[str, Role] = {}
# Permissions that modules add to roles defined elsewhere (e.g. a module's approvals for
# district officers), so core never needs to know the modules.
GRANTS: dict[str, set[str]] = {}


def register_role(role: Role) -> None:
    ROLES[role.name] = role


def grant(role_name: str, *permissions: str) -> None:
    """Give an existing role more permissions; called from a module's AppConfig.ready()."""
    GRANTS.setdefault(role_name, set()).update(permissions)


# Leaders and district officers read every module: a module's view permissions join here.
_VIEW_ALL = tuple(
    f"{app}.view_*"
    for app in (
        "core",
        "registry",
        "portal",
        "ledger",
        "programs",
        "funeral",
        "qingming",
        "volunteers",
        "rescue",
    )
)

register_role(Role(SYSTEM_ADMIN, _("系统管理：账号、角色、主数据"), all_permissions=True))
register_role(
    Role(
        LEADER,
        _("局领导：查看全部数据与操作日志，不能修改"),
        _VIEW_ALL + ("core.view_operationlog",),
    )
)
register_role(
    Role(
        DISTRICT_OFFICER,
        _("区局科室：审批、配置政策参数、管理全区数据"),
        _VIEW_ALL
        + (
            "core.use_admin",
            "core.add_policyparameter",
            "core.change_policyparameter",
            "core.add_attachment",
            "registry.add_person",
            "registry.change_person",
            "registry.add_household",
            "registry.change_household",
            "registry.add_organisation",
            "registry.change_organisation",
            "registry.add_persontag",
            "registry.change_persontag",
            "registry.reveal_personal_data",
            "registry.import_persons",
            "registry.export_persons",
            "ledger.add_journalentry",
            "ledger.reverse_journalentry",
        ),
    )
)
register_role(
    Role(
        TOWN_CASEWORKER,
        _("镇街经办：本镇街范围内受理、登记、管理"),
        (
            "core.view_division",
            "core.view_policyparameter",
            "core.view_attachment",
            "core.add_attachment",
            "registry.view_person",
            "registry.add_person",
            "registry.change_person",
            "registry.view_household",
            "registry.add_household",
            "registry.change_household",
            "registry.view_organisation",
            "registry.add_organisation",
            "registry.change_organisation",
            "registry.view_persontag",
            "registry.add_persontag",
            "registry.change_persontag",
            "registry.reveal_personal_data",
            "registry.import_persons",
            "registry.export_persons",
            "ledger.view_account",
        ),
    )
)
register_role(
    Role(
        COMMUNITY_WORKER,
        _("村居工作人员：本村居范围内登记与查询"),
        (
            "core.view_division",
            "core.view_policyparameter",
            "core.view_attachment",
            "core.add_attachment",
            "registry.view_person",
            "registry.add_person",
            "registry.change_person",
            "registry.view_household",
            "registry.add_household",
            "registry.change_household",
            "registry.view_persontag",
            "registry.add_persontag",
        ),
    )
)


def _resolve(role: Role):
    from django.contrib.auth.models import Permission

    if role.all_permissions:
        return Permission.objects.all()
    wanted = Permission.objects.none()
    perms = Permission.objects.select_related("content_type")
    for entry in (*role.permissions, *sorted(GRANTS.get(role.name, ()))):
        app_label, codename = entry.split(".", 1)
        if codename.endswith("*"):
            wanted |= perms.filter(
                content_type__app_label=app_label, codename__startswith=codename[:-1]
            )
        else:
            wanted |= perms.filter(content_type__app_label=app_label, codename=codename)
    return wanted


def sync_roles() -> None:
    from django.contrib.auth.models import Group

    for role in ROLES.values():
        group, _created = Group.objects.get_or_create(name=role.name)
        group.permissions.set(_resolve(role))


def sync_roles_after_migrate(sender, **kwargs) -> None:
    # Run once, after the last app: permissions of every app exist by then.
    from django.apps import apps

    last = [config for config in apps.get_app_configs() if config.models_module][-1]
    if sender.name == last.name:
        sync_roles()
