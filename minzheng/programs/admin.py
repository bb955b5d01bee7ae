from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Application, DisbursementBatch, Programme, StaffRelation


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "applicant_kind",
        "rules_key",
        "fast_path",
        "portal_open",
        "is_active",
    )
    list_filter = ("kind", "applicant_kind", "is_active")
    search_fields = ("code", "name")


@admin.register(Application)
class ApplicationAdmin(SimpleHistoryAdmin):
    # Read-only: applications change only through the services (declared transitions).
    list_display = (
        "number",
        "programme",
        "applicant_name",
        "state",
        "amount",
        "division",
        "submitted_on",
    )
    list_filter = ("programme", "state")
    search_fields = ("number",)
    exclude = ("applicant_id_number", "phone", "bank_account")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StaffRelation)
class StaffRelationAdmin(admin.ModelAdmin):
    list_display = ("staff", "name", "relation", "id_number_masked")
    exclude = ("id_number",)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DisbursementBatch)
class DisbursementBatchAdmin(admin.ModelAdmin):
    list_display = ("number", "programme", "status", "line_count", "total", "created_at")

    def has_change_permission(self, request, obj=None):
        return False
