"""Routes of commerce: subscriptions, exclusive purchases, webhooks, Connect, coupons, presets."""

from django.urls import path

from content.commerce.api import (
    coupons,
    presets,
    purchases,
    refunds,
    sales,
    stems,
    subscriptions,
    webhooks,
)

urlpatterns = [
    path(
        "users/me/subscription",
        subscriptions.MySubscriptionView.as_view(),
        name="users-me-subscription",
    ),
    path(
        "tracks/<int:track_id>/purchase/calculate-price",
        purchases.CalculatePriceView.as_view(),
        name="track-purchase-calculate-price",
    ),
    path(
        "tracks/<int:track_id>/purchase/initiate",
        purchases.InitiatePurchaseView.as_view(),
        name="track-purchase-initiate",
    ),
    path(
        "tracks/<int:track_id>/purchase/status",
        purchases.PurchaseStatusView.as_view(),
        name="track-purchase-status",
    ),
    path("purchases", purchases.MyPurchasesView.as_view(), name="purchases"),
    path(
        "purchases/refund-requests",
        refunds.MyRefundRequestsView.as_view(),
        name="purchases-refund-requests",
    ),
    path(
        "purchases/<int:purchase_id>/refund-request",
        refunds.PurchaseRefundRequestView.as_view(),
        name="purchase-refund-request",
    ),
    path("webhooks/stripe", webhooks.StripeWebhookView.as_view(), name="webhooks-stripe"),
    path("artist/sales", sales.ArtistSalesView.as_view(), name="artist-sales"),
    path(
        "artist/stripe-connect/status",
        sales.ConnectStatusView.as_view(),
        name="artist-stripe-connect-status",
    ),
    path(
        "artist/stripe-connect/onboard",
        sales.ConnectOnboardView.as_view(),
        name="artist-stripe-connect-onboard",
    ),
    path(
        "artist/stripe-connect/finances",
        sales.ConnectFinancesView.as_view(),
        name="artist-stripe-connect-finances",
    ),
    path("coupons/validate", coupons.CouponValidateView.as_view(), name="coupons-validate"),
    path(
        "exclusive-license-presets",
        presets.PresetListView.as_view(),
        name="exclusive-license-presets",
    ),
    path(
        "exclusive-license-presets/default-config",
        presets.PresetDefaultConfigView.as_view(),
        name="exclusive-license-presets-default-config",
    ),
    path(
        "exclusive-license-presets/<str:preset_id>",
        presets.PresetDetailView.as_view(),
        name="exclusive-license-preset",
    ),
    path(
        "exclusive-license-presets/<str:preset_id>/set-default",
        presets.PresetSetDefaultView.as_view(),
        name="exclusive-license-preset-set-default",
    ),
    path(
        "artist/exclusive-license-default",
        presets.ArtistDefaultView.as_view(),
        name="artist-exclusive-license-default",
    ),
    path("tracks/<int:track_id>/stems", stems.TrackStemsView.as_view(), name="track-stems"),
    path(
        "tracks/<int:track_id>/stems/download",
        stems.TrackStemsZipView.as_view(),
        name="track-stems-download",
    ),
    path(
        "tracks/<int:track_id>/stems/<int:stem_id>",
        stems.TrackStemDetailView.as_view(),
        name="track-stem",
    ),
    path(
        "tracks/<int:track_id>/stems/<int:stem_id>/download",
        stems.TrackStemDownloadView.as_view(),
        name="track-stem-download",
    ),
]
