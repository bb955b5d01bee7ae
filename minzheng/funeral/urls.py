from django.urls import path

from . import views

app_name = "funeral"

urlpatterns = [
    path("staff/funeral/", views.service_list, name="services"),
    path("staff/funeral/services/new/", views.service_new, name="service_new"),
    path("staff/funeral/services/<int:pk>/", views.service_detail, name="service"),
    path("staff/funeral/services/<int:pk>/void/", views.service_void, name="service_void"),
    path("staff/funeral/settlements/", views.settlement_list, name="settlements"),
    path("staff/funeral/settlements/<int:home_id>/<str:month>/", views.statement, name="statement"),
    path(
        "staff/funeral/settlements/<int:home_id>/<str:month>/statement.xlsx",
        views.statement_xlsx,
        name="statement_xlsx",
    ),
    path(
        "staff/funeral/settlements/<int:home_id>/<str:month>/statement.pdf",
        views.statement_pdf,
        name="statement_pdf",
    ),
    path(
        "staff/funeral/settlements/<int:home_id>/<str:month>/settle/",
        views.statement_settle,
        name="statement_settle",
    ),
    path(
        "staff/funeral/settlements/<int:home_id>/<str:month>/reverse/",
        views.statement_reverse,
        name="statement_reverse",
    ),
]
