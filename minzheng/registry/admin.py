"""Registry master data in the admin: scoped, read-only lists with history.

Persons, households and organisations are created and changed on the workbench pages,
which go through the services (validation, encryption, duplicate checks, the log); the
admin never shows or edits plaintext ID numbers or phones.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from minzheng.core.admin import ReadOnlyAdminMixin, ScopedAdminMixin

from .models import Household, HouseholdMember, Organisation, Person, PersonTag


class ReadOnlyAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin, ModelAdmin):
    pass


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "name",
        "sex",
        "birth_date",
        "id_number_masked",
        "phone_masked",
        "residence_division",
        "is_void",
    ]
    list_filter = ["sex", "is_void"]
    search_fields = ["name"]
    exclude = ["id_number", "phone"]
    list_select_related = ["residence_division"]
    show_full_result_count = False


@admin.register(PersonTag)
class PersonTagAdmin(ReadOnlyAdmin):
    list_display = [
        "person",
        "tag",
        "valid_from",
        "valid_to",
        "disability_category",
        "disability_level",
    ]
    list_filter = ["tag"]
    list_select_related = ["person"]


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["number", "division", "address"]
    search_fields = ["number"]


@admin.register(HouseholdMember)
class HouseholdMemberAdmin(ReadOnlyAdmin):
    list_display = ["household", "person", "relation", "joined_on", "left_on"]
    list_select_related = ["household", "person"]


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "credit_code",
        "kind",
        "division",
        "contact_name",
        "contact_phone_masked",
    ]
    list_filter = ["kind"]
    search_fields = ["name", "credit_code"]
    exclude = ["contact_phone"]
