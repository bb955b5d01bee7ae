from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("staff/programs/", views.workbench, name="workbench"),
    path("staff/programs/cases/", views.case_search, name="case_search"),
    path("staff/programs/cases/new/", views.case_new, name="case_new"),
    path("staff/programs/cases/<int:pk>/", views.case_detail, name="case"),
    path("staff/programs/cases/<int:pk>/<slug:action>/", views.case_action, name="case_action"),
    path(
        "staff/programs/cases/<int:pk>/notices/<int:notice_id>.pdf",
        views.case_notice,
        name="case_notice",
    ),
    path("staff/programs/batches/", views.batch_list, name="batches"),
    path("staff/programs/batches/<int:pk>/", views.batch_detail, name="batch"),
    path(
        "staff/programs/batches/<int:pk>/lines/<int:line_id>/account/",
        views.batch_line_account,
        name="batch_line_account",
    ),
    path("staff/programs/batches/<int:pk>/bank.xlsx", views.batch_export, name="batch_export"),
    path("staff/programs/batches/<int:pk>/rerun/", views.batch_rerun, name="batch_rerun"),
    path("portal/programs/", views.portal_home, name="portal_home"),
    path("portal/programs/apply/<slug:code>/", views.portal_apply, name="portal_apply"),
    path("portal/programs/<int:pk>/", views.portal_case, name="portal_case"),
    path(
        "portal/programs/<int:pk>/notices/<int:notice_id>.pdf",
        views.portal_notice,
        name="portal_notice",
    ),
    path("portal/programs/publicity/", views.publicity, name="publicity"),
    path("portal/programs/guide/<slug:code>/", views.portal_guide, name="portal_guide"),
    path("portal/programs/progress/", views.portal_progress, name="portal_progress"),
]
