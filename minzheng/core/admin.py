"""Master-data screens (django-unfold).

The admin is for master data and is open only to the roles that keep it (permission
`core.use_admin`: the system administrator and the district officers). Every admin in the
project derives from `ScopedAdminMixin`, so its lists, change pages and history pages go
through core.scope like every other page, and encrypted fields (ID numbers, phones, bank
accounts) and their blind-index hashes are never shown, not even as history diffs.
Records that are kept on the workbench (persons, applications, bookings, services …)
are not in the admin at all.
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from .models import Division, Job, OperationLog, PolicyParameter, User
from .scope import scope_queryset


def secret_field_names(model) -> set[str]:
    """Fields that hold personal data in a form nobody reads in the admin: encrypted
    columns (their field class says `is_secret`) and the keyed hashes that find them."""
    names = set()
    for f in model._meta.concrete_fields:
        if getattr(f, "is_secret", False):
            names.add(f.name)
            names.add(f"{f.name}_hash")
    return {n for n in names if any(f.name == n for f in model._meta.concrete_fields)}


class ScopedAdminMixin:
    """Lists, change pages and history go through core.scope; out of scope is 404.
    Secret fields are left out of every form, list and history diff."""

    # The list's search box says what to type in Chinese (unfold's own placeholder is an
    # untranslated "Type to search").
    search_help_text = _("输入名称或编号查找")

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)

    def _secrets(self) -> set[str]:
        return secret_field_names(self.model)

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or ()), *sorted(self._secrets())]

    def get_fields(self, request, obj=None):
        return [f for f in super().get_fields(request, obj) if f not in self._secrets()]

    def get_readonly_fields(self, request, obj=None):
        secrets = self._secrets()
        return [f for f in super().get_readonly_fields(request, obj) if f not in secrets]

    def get_list_display(self, request):
        return [f for f in super().get_list_display(request) if f not in self._secrets()]

    def _require_in_scope(self, request, object_id) -> None:
        # simple_history falls back to the newest history row when the object is not in
        # the queryset, which would show an out-of-scope record: check the scope first.
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        # The same as simple_history's, but the diff never carries secret fields' values.
        previous = None
        excluded = sorted(self._secrets())
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current, excluded_fields=excluded, foreign_keys_are_objs=foreign_keys_are_objs
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current


class ReadOnlyAdminMixin:
    """For records written only by services (logs, journals): the admin shows them,
    never adds, edits or deletes them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedModelAdmin(ScopedAdminMixin, ModelAdmin):
    """The base of every plain admin in the project."""


class ScopedHistoryAdmin(ScopedAdminMixin, SimpleHistoryAdmin, ModelAdmin):
    """The base of every admin with a history page."""


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ScopedAdminMixin, BaseGroupAdmin, ModelAdmin):
    pass


@admin.register(User)
class UserAdmin(ScopedAdminMixin, BaseUserAdmin, SimpleHistoryAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "display_name", "kind", "division", "is_active", "last_login"]
    list_filter = ["kind", "is_active", "groups"]
    search_fields = ["username", "display_name"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("民政"), {"fields": ["kind", "division", "display_name"]}),
    )


@admin.register(Division)
class DivisionAdmin(ScopedModelAdmin):
    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]


@admin.register(PolicyParameter)
class PolicyParameterAdmin(ScopedHistoryAdmin):
    list_display = [
        "key",
        "name",
        "division",
        "value",
        "unit",
        "valid_from",
        "valid_to",
        "is_illustrative",
        "source_document",
    ]
    list_filter = ["key", "is_illustrative"]
    search_fields = ["key", "name", "source_document"]
    date_hierarchy = "valid_from"

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # New values go through the service, which ends the value in force before them.
        from .services import parameter_create

        data = {
            f: form.cleaned_data.get(f)
            for f in (
                "key",
                "name",
                "value",
                "value_type",
                "unit",
                "valid_from",
                "valid_to",
                "source_document",
                "is_illustrative",
                "note",
            )
        }
        division = form.cleaned_data.get("division")
        created = parameter_create(
            actor=request.user, division_code=division.code if division else None, **data
        )
        obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        # A parameter that decisions may have used is ended with valid_to, never deleted.
        return False


@admin.register(OperationLog)
class OperationLogAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = ["at", "username", "action", "target_type", "target_id", "summary", "ip"]
    list_filter = ["action"]
    search_fields = ["username", "target_id", "summary"]
    date_hierarchy = "at"


@admin.register(Job)
class JobAdmin(ScopedModelAdmin):
    list_display = ["id", "kind", "status", "created_by", "created_at", "done", "total"]
    list_filter = ["kind", "status"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(created_by=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- admins that other packages register --------------------------------------------
# API tokens are credentials: no screen shows them. The sign-in lockout records of
# django-axes stay, behind the same scope rule (district-wide data: full scope only).
admin.site.unregister(TokenProxy)
for _model in (AccessAttempt, AccessLog, AccessFailureLog):
    _base = type(admin.site._registry[_model])
    admin.site.unregister(_model)
    admin.site.register(_model, type(_base.__name__, (ScopedAdminMixin, _base), {}))
