"""Resident accounts in the admin, read-only: accounts are created by SMS sign-in and
bound by the resident through portal.services. Editing rows here would bypass the
blind index and the operation log."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from .models import ResidentProfile


@admin.register(ResidentProfile)
class ResidentProfileAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = (
        "phone_masked",
        "real_name",
        "id_number_masked",
        "person",
        "bound_at",
        "created_at",
    )
    list_filter = ("bound_at", "created_at")
    search_fields = ("real_name",)
    fields = (
        "user",
        "phone_masked",
        "real_name",
        "id_number_masked",
        "person",
        "bound_at",
        "created_at",
    )
    readonly_fields = fields
    list_select_related = ("person",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
