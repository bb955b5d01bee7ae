from django.urls import path

from . import api

urlpatterns = [
    path("institutions/", api.InstitutionList.as_view(), name="api-eldercare-institutions"),
    path("houses/", api.HouseList.as_view(), name="api-eldercare-houses"),
    path("admissions/", api.AdmissionCreate.as_view(), name="api-eldercare-admissions"),
    path("inspections/", api.InspectionCreate.as_view(), name="api-eldercare-inspections"),
    path("claims/", api.ClaimList.as_view(), name="api-eldercare-claims"),
]
