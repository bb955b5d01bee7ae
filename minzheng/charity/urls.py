from django.urls import path

from . import views

app_name = "charity"

urlpatterns = [
    path("staff/charity/", views.workbench, name="workbench"),
    path("staff/charity/campaigns/new/", views.campaign_new, name="campaign_new"),
    path(
        "staff/charity/campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign_detail"
    ),
    path(
        "staff/charity/campaigns/<int:campaign_id>/move/", views.campaign_move, name="campaign_move"
    ),
    path(
        "staff/charity/campaigns/<int:campaign_id>/disclose/",
        views.disclosure_publish,
        name="disclosure_publish",
    ),
    path("staff/charity/donations/", views.donation_list, name="donations"),
    path("staff/charity/donations/new/", views.donation_new, name="donation_new"),
    path("staff/charity/donations/import/", views.donation_import, name="donation_import"),
    path(
        "staff/charity/donations/import/template.csv",
        views.import_template,
        name="import_template",
    ),
    path("staff/charity/receipts/", views.receipt_list, name="receipts"),
    path("staff/charity/receipts/<int:receipt_id>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("staff/charity/receipts/<int:receipt_id>/void/", views.receipt_void, name="receipt_void"),
    path("staff/charity/spendings/", views.spending_list, name="spendings"),
    path("staff/charity/spendings/new/", views.spending_new, name="spending_new"),
    path(
        "staff/charity/spendings/<int:spending_id>/", views.spending_detail, name="spending_detail"
    ),
    path(
        "staff/charity/spendings/<int:spending_id>/decide/",
        views.spending_decide,
        name="spending_decide",
    ),
    path("staff/charity/funds/new/", views.fund_new, name="fund_new"),
    path("staff/charity/funds/<int:fund_id>/", views.fund_detail, name="fund_detail"),
    path("staff/charity/stats/", views.stats, name="stats"),
    *[
        path(
            f"staff/charity/export/{what}.xlsx", views.export, {"what": what}, name=f"export_{what}"
        )
        for what in views.EXPORTS
    ],
    path("portal/charity/", views.portal_home, name="portal_home"),
    path(
        "portal/charity/campaigns/<int:campaign_id>/",
        views.portal_campaign,
        name="portal_campaign",
    ),
    path("portal/charity/funds/", views.portal_funds, name="portal_funds"),
    path("portal/charity/funds/<int:fund_id>/", views.portal_fund, name="portal_fund"),
]
