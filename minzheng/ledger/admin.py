"""The chart of accounts, read-only. The journal is written only by ledger.services and
read on the workbench (staff/ledger/)."""

from django.contrib import admin

from minzheng.core.admin import ReadOnlyAdminMixin, ScopedModelAdmin

from .models import Account


@admin.register(Account)
class AccountAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = ["code", "name", "kind", "division", "year", "balance"]
    list_filter = ["kind", "year"]
    search_fields = ["code", "name"]
