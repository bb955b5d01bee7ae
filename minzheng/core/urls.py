from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("staff/login/", views.LoginView.as_view(), name="login"),
    path("staff/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", views.home, name="home"),
    path("staff/operation-log/", views.operation_log, name="operation_log"),
    path("staff/lockouts/", views.lockouts, name="lockouts"),
    path("staff/lockouts/unlock/", views.lockout_unlock, name="lockout_unlock"),
    path("staff/jobs/<int:job_id>/", views.job_status, name="job"),
    path("staff/attachments/<str:token>/", views.attachment_download, name="attachment"),
    path("elder-mode/", views.elder_mode, name="elder_mode"),
    path("healthz", views.healthz, name="healthz"),
]
