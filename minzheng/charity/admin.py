"""Charity master data: the organisations' charity status and who works for each.
Campaigns, gifts, receipts and spending are kept on the workbench through charity.services."""

from django.contrib import admin

from minzheng.core.admin import ScopedModelAdmin

from .models import Charity, CharityStaff


@admin.register(Charity)
class CharityAdmin(ScopedModelAdmin):
    list_display = ["name", "division", "status", "public_fundraising", "fundraising_valid_to"]
    readonly_fields = ["organisation", "receipt_prefix"]


@admin.register(CharityStaff)
class CharityStaffAdmin(ScopedModelAdmin):
    list_display = ["user", "charity"]
