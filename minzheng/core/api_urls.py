from django.urls import path

from . import api

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("auth/me/", api.MeView.as_view(), name="api-me"),
    path("core/divisions/", api.DivisionList.as_view(), name="api-divisions"),
    path("core/parameters/", api.ParameterList.as_view(), name="api-parameters"),
    path("core/jobs/<int:pk>/", api.JobDetail.as_view(), name="api-job"),
]
