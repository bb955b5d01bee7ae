from django.urls import path

from . import api

urlpatterns = [
    path("activities/", api.ActivityList.as_view(), name="api-volunteer-activities"),
    path(
        "activities/<int:pk>/board/",
        api.ActivityBoard.as_view(),
        name="api-volunteer-activity-board",
    ),
    path(
        "activities/<int:pk>/dispatch/",
        api.ActivityDispatch.as_view(),
        name="api-volunteer-activity-dispatch",
    ),
]
