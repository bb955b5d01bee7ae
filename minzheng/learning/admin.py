"""Master data of the study app: which staff account is the secretary of which branch.
Everything else (issues, the bank, tests, events, members' records) is kept on the
workbench through the services."""

from django.contrib import admin

from minzheng.core.admin import ScopedModelAdmin

from . import services
from .models import SecretaryBranch


@admin.register(SecretaryBranch)
class SecretaryBranchAdmin(ScopedModelAdmin):
    list_display = ["user", "branch"]
    autocomplete_fields = []
    raw_id_fields = ["user"]

    def has_change_permission(self, request, obj=None):
        return False  # a link is added or removed, never edited

    def save_model(self, request, obj, form, change):
        link = services.secretary_assign(actor=request.user, user=obj.user, branch_id=obj.branch_id)
        obj.pk = link.pk
