from django.urls import path

from . import views

app_name = "qingming"

urlpatterns = [
    # resident portal
    path("portal/qingming/", views.portal_home, name="portal_home"),
    path("portal/qingming/book/", views.book_cemetery, name="book_cemetery"),
    path("portal/qingming/book/<int:cemetery_id>/", views.book_slot, name="book_slot"),
    path("portal/qingming/book/slot/<int:slot_id>/", views.book_form, name="book_form"),
    path("portal/qingming/bookings/<str:code>/", views.portal_booking, name="portal_booking"),
    path("portal/qingming/bookings/<str:code>/cancel/", views.portal_cancel, name="portal_cancel"),
    path("portal/qingming/proxy/", views.proxy_new, name="proxy_new"),
    path("portal/qingming/proxy/<int:sweep_id>/", views.proxy_detail, name="proxy_detail"),
    path(
        "portal/qingming/proxy/<int:sweep_id>/photo/<str:token>/",
        views.proxy_photo,
        name="proxy_photo",
    ),
    path("portal/qingming/memorials/", views.memorial_list, name="memorial_list"),
    path("portal/qingming/memorials/new/", views.memorial_new, name="memorial_new"),
    path(
        "portal/qingming/memorials/<int:memorial_id>/",
        views.memorial_detail,
        name="memorial_detail",
    ),
    # staff
    path("staff/qingming/", views.staff_home, name="staff_home"),
    path("staff/qingming/live/", views.live, name="live"),
    path("staff/qingming/seasons/<int:year>/", views.season_report, name="season_report"),
    path(
        "staff/qingming/seasons/<int:year>/export.xlsx",
        views.season_report_xlsx,
        name="season_report_xlsx",
    ),
    path("staff/qingming/reservations/", views.reservation_list, name="reservation_list"),
    path(
        "staff/qingming/reservations/<int:reservation_id>/",
        views.reservation_detail,
        name="reservation_detail",
    ),
    path("staff/qingming/book/", views.counter_book, name="counter_book"),
    path("staff/qingming/gate/", views.gate, name="gate"),
    path("staff/qingming/proxy/", views.proxy_list, name="proxy_list"),
    path("staff/qingming/proxy/<int:sweep_id>/", views.proxy_manage, name="proxy_manage"),
    path("staff/qingming/moderation/", views.moderation, name="moderation"),
]
