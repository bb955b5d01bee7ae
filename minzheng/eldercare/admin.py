"""Master data only: inspection types and their checklist items (the items are data)."""

from django.contrib import admin
from unfold.admin import TabularInline

from minzheng.core.admin import ScopedHistoryAdmin

from .models import ChecklistItem, InspectionType


class ChecklistItemInline(TabularInline):
    model = ChecklistItem
    extra = 1
    fields = ["code", "text", "order", "is_active"]


@admin.register(InspectionType)
class InspectionTypeAdmin(ScopedHistoryAdmin):
    list_display = ["code", "name"]
    inlines = [ChecklistItemInline]
