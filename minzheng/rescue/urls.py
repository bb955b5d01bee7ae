from django.urls import path

from . import views

app_name = "rescue"

urlpatterns = [
    path("staff/rescue/", views.workbench, name="workbench"),
    path("staff/rescue/cases/new/", views.case_create, name="case_create"),
    path("staff/rescue/cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path(
        "staff/rescue/cases/<int:case_id>/candidates/",
        views.case_candidates,
        name="case_candidates",
    ),
    path("staff/rescue/cases/<int:case_id>/edit/", views.case_edit, name="case_edit"),
    path(
        "staff/rescue/cases/<int:case_id>/transition/",
        views.case_transition,
        name="case_transition",
    ),
    path("staff/rescue/cases/<int:case_id>/daily/", views.case_daily, name="case_daily"),
    path("staff/rescue/cases/<int:case_id>/attach/", views.case_attach, name="case_attach"),
    path("staff/rescue/cases/<int:case_id>/rematch/", views.case_rematch, name="case_rematch"),
    path("staff/rescue/cases/<int:case_id>/return/", views.return_create, name="return_create"),
    path(
        "staff/rescue/cases/<int:case_id>/return/post-costs/",
        views.return_post_costs,
        name="return_post_costs",
    ),
    path(
        "staff/rescue/candidates/<int:candidate_id>/",
        views.candidate_review,
        name="candidate_review",
    ),
    path("staff/rescue/reports/", views.report_list, name="report_list"),
    path("staff/rescue/reports/new/", views.report_create, name="report_create"),
    path("staff/rescue/reports/<int:report_id>/edit/", views.report_edit, name="report_edit"),
    path("staff/rescue/reports/<int:report_id>/reveal/", views.report_reveal, name="report_reveal"),
    path("staff/rescue/notices/", views.notice_list, name="notice_list"),
    path("staff/rescue/notices/<int:notice_id>/edit/", views.notice_edit, name="notice_edit"),
    path(
        "staff/rescue/notices/<int:notice_id>/publish/", views.notice_publish, name="notice_publish"
    ),
    path("staff/rescue/returns/", views.return_list, name="return_list"),
    path("staff/rescue/stats/", views.stats, name="stats"),
    path("staff/rescue/stats/export.xlsx", views.stats_export, name="stats_export"),
    path("portal/rescue/", views.portal_home, name="portal_home"),
    path("portal/rescue/notices/<int:notice_id>/", views.portal_notice, name="portal_notice"),
    path(
        "portal/rescue/notices/<int:notice_id>/photo/",
        views.portal_notice_photo,
        name="portal_notice_photo",
    ),
    path("portal/rescue/report/", views.portal_report, name="portal_report"),
    path("portal/rescue/mine/", views.portal_mine, name="portal_mine"),
]
