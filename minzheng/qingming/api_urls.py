from django.urls import path

from . import api

urlpatterns = [
    path("cemeteries/", api.CemeteryListApi.as_view(), name="qingming-api-cemeteries"),
    path("slots/", api.SlotListApi.as_view(), name="qingming-api-slots"),
    path("reservations/", api.ReservationApi.as_view(), name="qingming-api-reservations"),
    path(
        "reservations/<str:code>/cancel/",
        api.ReservationCancelApi.as_view(),
        name="qingming-api-reservation-cancel",
    ),
    path("checkins/", api.CheckInApi.as_view(), name="qingming-api-checkins"),
    path("live/", api.LiveApi.as_view(), name="qingming-api-live"),
]
