"""Programme master data. Applications, staff relations and disbursement batches are kept
on the workbench through programs.services (declared transitions, the ledger)."""

from django.contrib import admin

from minzheng.core.admin import ScopedHistoryAdmin

from .models import Programme


@admin.register(Programme)
class ProgrammeAdmin(ScopedHistoryAdmin):
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
