"""Funeral master data: homes and who works at each. Services and settlements are kept on
the workbench through funeral.services (recording, voiding, monthly settlement)."""

from django.contrib import admin

from minzheng.core.admin import ScopedModelAdmin

from .models import FuneralHome, HomeStaff


@admin.register(FuneralHome)
class FuneralHomeAdmin(ScopedModelAdmin):
    list_display = ["name", "division", "contact_name", "is_demo", "is_active"]


@admin.register(HomeStaff)
class HomeStaffAdmin(ScopedModelAdmin):
    list_display = ["user", "home"]
