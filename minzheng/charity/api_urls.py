from django.urls import path

from . import api

urlpatterns = [
    path("campaigns/", api.CampaignList.as_view(), name="api-charity-campaigns"),
    path(
        "campaigns/<int:pk>/disclosure/",
        api.CampaignDisclosure.as_view(),
        name="api-charity-disclosure",
    ),
    path("donations/", api.Donations.as_view(), name="api-charity-donations"),
    path(
        "funds/<int:pk>/statement/", api.FundStatement.as_view(), name="api-charity-fund-statement"
    ),
    path("spendings/", api.Spendings.as_view(), name="api-charity-spendings"),
    path(
        "spendings/<int:pk>/approve/",
        api.SpendingApprove.as_view(),
        name="api-charity-spending-approve",
    ),
    path("payments/callback/", api.PaymentCallback.as_view(), name="api-charity-payment-callback"),
]
