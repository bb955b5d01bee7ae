from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("staff/persons/", views.person_list, name="person_list"),
    path("staff/persons/new/", views.person_create, name="person_create"),
    path("staff/persons/export.xlsx", views.person_export, name="person_export"),
    path("staff/persons/import/", views.person_import, name="person_import"),
    path(
        "staff/persons/import/template.<str:fmt>",
        views.person_import_template,
        name="person_import_template",
    ),
    path("staff/persons/<int:person_id>/", views.person_detail, name="person_detail"),
    path("staff/persons/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("staff/persons/<int:person_id>/reveal/", views.person_reveal, name="person_reveal"),
    path("staff/persons/<int:person_id>/void/", views.person_void, name="person_void"),
    path("staff/persons/<int:person_id>/tags/", views.person_tag_add, name="person_tag_add"),
    path(
        "staff/persons/<int:person_id>/attachments/",
        views.person_attachment_add,
        name="person_attachment_add",
    ),
    path("staff/households/", views.household_list, name="household_list"),
    path("staff/households/new/", views.household_create, name="household_create"),
    path("staff/households/<int:household_id>/", views.household_detail, name="household_detail"),
    path(
        "staff/households/<int:household_id>/members/<int:member_id>/leave/",
        views.household_member_leave,
        name="household_member_leave",
    ),
    path("staff/organisations/", views.organisation_list, name="organisation_list"),
    path("staff/organisations/new/", views.organisation_create, name="organisation_create"),
]
