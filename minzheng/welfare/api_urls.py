from django.urls import path

from . import api

urlpatterns = [
    path("children/", api.ChildList.as_view(), name="api-welfare-children"),
    path("activities/", api.ActivityCreate.as_view(), name="api-welfare-activities"),
    path(
        "respite/sessions/<int:pk>/enrolments/",
        api.EnrolmentCreate.as_view(),
        name="api-welfare-enrolments",
    ),
    path("employment/services/", api.ServiceCreate.as_view(), name="api-welfare-services"),
    path(
        "employment/jobseekers/<int:pk>/matches/",
        api.JobseekerMatches.as_view(),
        name="api-welfare-matches",
    ),
]
