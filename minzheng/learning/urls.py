from django.urls import path

from . import views

app_name = "learning"

urlpatterns = [
    path("staff/learning/", views.home, name="home"),
    path("staff/learning/members/", views.members, name="members"),
    path("staff/learning/export.xlsx", views.export, name="export"),
    path("staff/learning/issues/", views.issues, name="issues"),
    path("staff/learning/issues/new/", views.issue_create, name="issue_create"),
    path("staff/learning/issues/<int:issue_id>/", views.issue_detail, name="issue"),
    path("staff/learning/questions/", views.questions, name="questions"),
    path("staff/learning/questions/import/", views.question_import, name="question_import"),
    path("staff/learning/questions/<int:question_id>/", views.question_edit, name="question_edit"),
    path("staff/learning/tests/", views.tests, name="tests"),
    path("staff/learning/tests/new/", views.test_create, name="test_create"),
    path("staff/learning/tests/<int:test_id>/", views.test_detail, name="test"),
    path("staff/learning/events/", views.events, name="events"),
    path("staff/learning/events/new/", views.event_create, name="event_create"),
    path("staff/learning/events/<int:event_id>/", views.event_detail, name="event"),
    path("staff/learning/reflections/", views.reflections, name="reflections"),
    path(
        "staff/learning/reflections/<int:reflection_id>/",
        views.reflection_detail,
        name="reflection",
    ),
    path("portal/learning/", views.portal_home, name="portal_home"),
    path("portal/learning/issues/", views.portal_issues, name="portal_issues"),
    path("portal/learning/issues/<int:issue_id>/", views.portal_issue, name="portal_issue"),
    path(
        "portal/learning/issues/<int:issue_id>/files/<str:token>/",
        views.portal_attachment,
        name="portal_attachment",
    ),
    path("portal/learning/tests/", views.portal_tests, name="portal_tests"),
    path("portal/learning/tests/<int:test_id>/", views.portal_test, name="portal_test"),
    path(
        "portal/learning/sittings/<int:sitting_id>/result/",
        views.portal_result,
        name="portal_result",
    ),
    path("portal/learning/events/", views.portal_events, name="portal_events"),
    path(
        "portal/learning/events/<int:event_id>/reflection/",
        views.portal_reflection,
        name="portal_reflection",
    ),
    path("portal/learning/checkin/<str:token>/", views.portal_checkin, name="portal_checkin"),
    path("portal/learning/mine/", views.portal_mine, name="portal_mine"),
]
