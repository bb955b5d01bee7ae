from django.urls import path

from . import api

urlpatterns = [
    path("issues/", api.IssueList.as_view(), name="api-learning-issues"),
    path("checkins/", api.CheckinCreate.as_view(), name="api-learning-checkins"),
    path("tests/<int:pk>/sittings/", api.SittingStart.as_view(), name="api-learning-start"),
    path("sittings/<int:pk>/", api.SittingDetail.as_view(), name="api-learning-sitting"),
    path(
        "sittings/<int:pk>/answers/<int:question_id>/",
        api.AnswerPut.as_view(),
        name="api-learning-answer",
    ),
    path("sittings/<int:pk>/submit/", api.SittingSubmit.as_view(), name="api-learning-submit"),
]
