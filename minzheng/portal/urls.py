from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("portal/", views.home, name="home"),
    path("portal/login/", views.login_phone, name="login"),
    path("portal/login/code/", views.login_code, name="login_code"),
    path("portal/logout/", views.logout_view, name="logout"),
    path("portal/me/", views.me, name="me"),
    path("portal/me/bind/", views.me_bind, name="me_bind"),
    path("portal/offices/", views.offices, name="offices"),
    path("portal/policy/", views.policy, name="policy"),
]
