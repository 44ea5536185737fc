"""Routes of plans and subscriptions."""

from django.urls import path

from content.commerce import api

urlpatterns = [
    path("users/me/subscription", api.MySubscriptionView.as_view(), name="users-me-subscription"),
]
