from django.urls import path

from . import api

urlpatterns = [
    path("persons/", api.PersonListCreate.as_view(), name="api-persons"),
    path("persons/<int:pk>/", api.PersonDetail.as_view(), name="api-person"),
    path("persons/<int:pk>/reveal/", api.PersonReveal.as_view(), name="api-person-reveal"),
    path("households/", api.HouseholdListCreate.as_view(), name="api-households"),
    path("households/<int:pk>/", api.HouseholdDetail.as_view(), name="api-household"),
    path("organisations/", api.OrganisationListCreate.as_view(), name="api-organisations"),
    path("organisations/<int:pk>/", api.OrganisationDetail.as_view(), name="api-organisation"),
]
