from django.urls import path

from . import views

app_name = "welfare"

urlpatterns = [
    path("staff/welfare/", views.workbench, name="workbench"),
    path("staff/welfare/children/", views.child_list, name="child_list"),
    path("staff/welfare/children/new/", views.child_create, name="child_create"),
    path("staff/welfare/children/<int:child_id>/", views.child_detail, name="child_detail"),
    path("staff/welfare/allowance/", views.allowance, name="allowance"),
    path("staff/welfare/activities/", views.activity_list, name="activity_list"),
    path("staff/welfare/activities/new/", views.activity_create, name="activity_create"),
    path(
        "staff/welfare/activities/<int:activity_id>/",
        views.activity_detail,
        name="activity_detail",
    ),
    path("staff/welfare/respite/", views.session_list, name="session_list"),
    path("staff/welfare/respite/new/", views.session_create, name="session_create"),
    path("staff/welfare/respite/<int:session_id>/", views.session_detail, name="session_detail"),
    path(
        "staff/welfare/respite/<int:session_id>/deliver/",
        views.session_deliver,
        name="session_deliver",
    ),
    path("staff/welfare/employment/", views.employment, name="employment"),
    path("staff/welfare/employment/stall/", views.stall_entry, name="stall_entry"),
    path("staff/welfare/employment/stall/new/", views.stall_create, name="stall_create"),
    path(
        "staff/welfare/employment/jobseekers/<int:jobseeker_id>/",
        views.jobseeker_detail,
        name="jobseeker_detail",
    ),
    path("staff/welfare/employment/employers/", views.employer_list, name="employer_list"),
    path(
        "staff/welfare/employment/jobseekers/<int:jobseeker_id>/refer/<int:vacancy_id>/",
        views.referral_create,
        name="referral_create",
    ),
    path(
        "staff/welfare/employment/referrals/<int:referral_id>/outcome/",
        views.referral_outcome,
        name="referral_outcome",
    ),
    path(
        "staff/welfare/employment/courses/<int:course_id>/",
        views.course_detail,
        name="course_detail",
    ),
    path("staff/welfare/stats/", views.stats, name="stats"),
    path("staff/welfare/stats/export.xlsx", views.stats_export, name="stats_export"),
    path("portal/welfare/respite/", views.portal_respite, name="portal_respite"),
    path(
        "portal/welfare/respite/<int:session_id>/enrol/",
        views.portal_enrol,
        name="portal_enrol",
    ),
]
