from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("staff/ledger/", views.account_list, name="account_list"),
    path("staff/ledger/accounts/<int:account_id>/", views.account_detail, name="account_detail"),
    path("staff/ledger/entries/", views.entry_list, name="entry_list"),
    path("staff/ledger/entries/<int:entry_id>/", views.entry_detail, name="entry_detail"),
    path("staff/ledger/fund/", views.fund, name="fund"),
]
