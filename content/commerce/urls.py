"""Routes of commerce: subscriptions, exclusive purchases, webhooks, Connect, coupons, presets."""

from django.urls import path

from content.commerce.api import purchases, subscriptions, webhooks

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
    path("webhooks/stripe", webhooks.StripeWebhookView.as_view(), name="webhooks-stripe"),
]
