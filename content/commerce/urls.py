"""Routes of commerce: subscriptions, exclusive purchases, webhooks, Connect, coupons, presets."""

from django.urls import path

from content.commerce.api import purchases, sales, subscriptions, webhooks

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
]
