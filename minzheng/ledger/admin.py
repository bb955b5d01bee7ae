from django.contrib import admin
from unfold.admin import ModelAdmin

from minzheng.core.admin import ReadOnlyAdminMixin, ScopedAdminMixin

from .models import Account, JournalEntry


class ReadOnly(ReadOnlyAdminMixin, ScopedAdminMixin, ModelAdmin):
    """The journal is written only by ledger.services; the admin only shows it."""


@admin.register(Account)
class AccountAdmin(ReadOnly):
    list_display = ["code", "name", "kind", "division", "year", "balance"]
    list_filter = ["kind", "year"]
    search_fields = ["code", "name"]


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnly):
    list_display = ["id", "posted_on", "memo", "source", "total", "created_by"]
    search_fields = ["memo", "source"]
    date_hierarchy = "posted_on"
