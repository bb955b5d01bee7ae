from django.urls import path

from . import views

app_name = "volunteers"

urlpatterns = [
    path("staff/volunteers/", views.board, name="board"),
    path("staff/volunteers/activities/new/", views.activity_create, name="activity_create"),
    path("staff/volunteers/activities/<int:activity_id>/", views.activity_detail, name="activity"),
    path(
        "staff/volunteers/activities/<int:activity_id>/add/<str:what>/",
        views.activity_add,
        name="activity_add",
    ),
    path(
        "staff/volunteers/activities/<int:activity_id>/publish/",
        views.activity_publish,
        name="activity_publish",
    ),
    path(
        "staff/volunteers/activities/<int:activity_id>/close/",
        views.activity_close,
        name="activity_close",
    ),
    path(
        "staff/volunteers/activities/<int:activity_id>/dispatch/", views.dispatch, name="dispatch"
    ),
    path(
        "staff/volunteers/activities/<int:activity_id>/attendance/",
        views.attendance_sheet,
        name="attendance",
    ),
    path(
        "staff/volunteers/activities/<int:activity_id>/export.xlsx",
        views.activity_export,
        name="activity_export",
    ),
    path(
        "staff/volunteers/signups/<int:signup_id>/decide/",
        views.signup_decide,
        name="signup_decide",
    ),
    path("staff/volunteers/plans/<int:plan_id>/", views.plan_edit, name="plan_edit"),
    path(
        "staff/volunteers/attendance/<int:attendance_id>/correct/",
        views.attendance_correct,
        name="attendance_correct",
    ),
    path("staff/volunteers/sites/<int:site_id>/leader/", views.site_leader, name="site_leader"),
    path("staff/volunteers/ranking/", views.ranking, name="ranking"),
    path("staff/volunteers/people/", views.volunteer_list, name="volunteers"),
    path("staff/volunteers/people/new/", views.volunteer_create, name="volunteer_create"),
    path("staff/volunteers/people/<int:volunteer_id>/", views.volunteer_detail, name="volunteer"),
    path(
        "staff/volunteers/people/<int:volunteer_id>/exceptions/",
        views.volunteer_exception,
        name="volunteer_exception",
    ),
    path(
        "staff/volunteers/certificates/<int:certificate_id>.pdf",
        views.certificate_pdf,
        name="certificate_pdf",
    ),
    path("portal/volunteers/", views.portal_home, name="portal_home"),
    path("portal/volunteers/register/", views.portal_register, name="portal_register"),
    path(
        "portal/volunteers/activities/<int:activity_id>/",
        views.portal_activity,
        name="portal_activity",
    ),
    path(
        "portal/volunteers/shifts/<int:shift_id>/signup/", views.portal_signup, name="portal_signup"
    ),
    path("portal/volunteers/mine/", views.portal_mine, name="portal_mine"),
    path(
        "portal/volunteers/signups/<int:signup_id>/withdraw/",
        views.portal_withdraw,
        name="portal_withdraw",
    ),
    path("portal/volunteers/checkin/<str:token>/", views.portal_checkin, name="portal_checkin"),
    path(
        "portal/volunteers/certificates/<int:certificate_id>.pdf",
        views.portal_certificate,
        name="portal_certificate",
    ),
    path("portal/volunteers/verify/<str:token>/", views.verify, name="verify"),
]
