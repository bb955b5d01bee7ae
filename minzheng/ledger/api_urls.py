from django.urls import path

from . import api

urlpatterns = [
    path("accounts/", api.AccountList.as_view(), name="api-ledger-accounts"),
    path("entries/", api.EntryList.as_view(), name="api-ledger-entries"),
]
