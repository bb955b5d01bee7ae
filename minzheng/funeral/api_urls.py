from django.urls import path

from . import api

urlpatterns = [
    path("services/", api.ServiceList.as_view(), name="api-funeral-services"),
    path("services/<int:pk>/void/", api.ServiceVoid.as_view(), name="api-funeral-service-void"),
    path("settlements/", api.SettlementList.as_view(), name="api-funeral-settlements"),
]
