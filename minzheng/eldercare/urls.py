from django.urls import path

from . import views

app_name = "eldercare"

urlpatterns = [
    path("staff/eldercare/", views.workbench, name="workbench"),
    path("staff/eldercare/institutions/new/", views.institution_create, name="institution_create"),
    path(
        "staff/eldercare/institutions/<int:pk>/",
        views.institution_detail,
        name="institution_detail",
    ),
    path(
        "staff/eldercare/institutions/<int:pk>/admit/",
        views.admission_create,
        name="admission_create",
    ),
    path("staff/eldercare/residents/<int:pk>/", views.residency_detail, name="residency_detail"),
    path(
        "staff/eldercare/residents/<int:pk>/discharge/",
        views.residency_discharge,
        name="residency_discharge",
    ),
    path(
        "staff/eldercare/residents/<int:pk>/absence/",
        views.residency_absence,
        name="residency_absence",
    ),
    path("staff/eldercare/houses/<int:pk>/", views.house_detail, name="house_detail"),
    path("staff/eldercare/houses/<int:pk>/report/", views.house_report, name="house_report"),
    path("staff/eldercare/houses/<int:pk>/rating/", views.house_rating, name="house_rating"),
    path("staff/eldercare/houses/<int:pk>/report/", views.house_report, name="house_report"),
    path("staff/eldercare/houses/<int:pk>/rating/", views.house_rating, name="house_rating"),
    path("staff/eldercare/claims/", views.claims, name="claims"),
    path("staff/eldercare/claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("staff/eldercare/inspections/", views.inspection_list, name="inspection_list"),
    path("staff/eldercare/inspections/new/", views.inspection_create, name="inspection_create"),
    path(
        "staff/eldercare/inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"
    ),
    path(
        "staff/eldercare/findings/<int:pk>/follow-up/",
        views.finding_followup,
        name="finding_followup",
    ),
    path("staff/eldercare/stats/", views.stats, name="stats"),
    path("staff/eldercare/stats/export.xlsx", views.stats_export, name="stats_export"),
    path("portal/eldercare/", views.portal_home, name="portal_home"),
    path(
        "portal/eldercare/institutions/<int:pk>/apply/",
        views.portal_apply,
        {"kind": "admission"},
        name="portal_apply_admission",
    ),
    path(
        "portal/eldercare/houses/<int:pk>/apply/",
        views.portal_apply,
        {"kind": "house"},
        name="portal_apply_house",
    ),
]
