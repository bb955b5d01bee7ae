"""Volunteer master data: party branches. Volunteers and activities are kept on the
workbench and the portal through volunteers.services (sign-up, dispatch, attendance)."""

from django.contrib import admin

from minzheng.core.admin import ScopedModelAdmin

from .models import PartyBranch


@admin.register(PartyBranch)
class PartyBranchAdmin(ScopedModelAdmin):
    list_display = ("name", "division")
    search_fields = ("name",)
