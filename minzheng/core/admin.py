"""Master-data screens (django-unfold). Querysets go through core.scope like every page."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from .models import Division, Job, OperationLog, PolicyParameter, User
from .scope import scope_queryset, user_prefix


class ScopedAdminMixin:
    """Admin lists and change pages show only what core.scope allows; out of scope is 404."""

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)


class ReadOnlyAdminMixin:
    """For records written only by services (logs, journals, registry data): the admin
    shows them, never adds, edits or deletes them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "display_name", "kind", "division", "is_active", "last_login"]
    list_filter = ["kind", "is_active", "groups"]
    search_fields = ["username", "display_name"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("民政"), {"fields": ["kind", "division", "display_name"]}),
    )

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        prefix = user_prefix(request.user)
        if prefix is None:
            return qs.none()
        return qs.filter(division__code__startswith=prefix) if prefix else qs


@admin.register(Division)
class DivisionAdmin(ModelAdmin):
    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        prefix = user_prefix(request.user)
        if prefix is None:
            return qs.none()
        return qs.filter(code__startswith=prefix) if prefix else qs


@admin.register(PolicyParameter)
class PolicyParameterAdmin(SimpleHistoryAdmin, ModelAdmin):
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
class OperationLogAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ["at", "username", "action", "target_type", "target_id", "summary", "ip"]
    list_filter = ["action"]
    search_fields = ["username", "target_id", "summary"]
    date_hierarchy = "at"


@admin.register(Job)
class JobAdmin(ModelAdmin):
    list_display = ["id", "kind", "status", "created_by", "created_at", "done", "total"]
    list_filter = ["kind", "status"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(created_by=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
