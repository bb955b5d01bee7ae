"""Master data of the rescue app: stations. Cases and reports are kept through the services
(the workbench), never edited in the admin."""

from django.contrib import admin

from minzheng.core.admin import ScopedModelAdmin

from .models import Station


@admin.register(Station)
class StationAdmin(ScopedModelAdmin):
    list_display = ("name", "division", "phone")
    search_fields = ("name",)
