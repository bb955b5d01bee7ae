from django.contrib import admin

from .models import Activity, PartyBranch, Volunteer


@admin.register(PartyBranch)
class PartyBranchAdmin(admin.ModelAdmin):
    list_display = ("name", "division")
    search_fields = ("name",)


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ("id", "person", "is_party_member", "branch", "home_division")
    raw_id_fields = ("person",)
    list_filter = ("is_party_member",)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("title", "division", "status", "published_at")
