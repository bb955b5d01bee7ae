from django.urls import path

from . import api

urlpatterns = [
    path("cases/", api.CaseList.as_view(), name="api-rescue-cases"),
    path("cases/<int:pk>/candidates/", api.CaseCandidates.as_view(), name="api-rescue-candidates"),
    path("match/", api.Match.as_view(), name="api-rescue-match"),
]
