from django.urls import path

from . import api

urlpatterns = [
    path("applications/", api.ApplicationListCreate.as_view(), name="api-program-applications"),
    path("applications/<int:pk>/", api.ApplicationDetail.as_view(), name="api-program-application"),
]
