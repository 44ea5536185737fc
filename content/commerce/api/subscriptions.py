"""``GET /users/me/subscription``: the signed-in user's subscription (or null)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from beatpass.api.schema import errors
from content.commerce import selectors
from content.commerce.presenters import present_subscription
from content.commerce.schemas import SubscriptionEnvelope
from content.licensing.selectors import licenses_issued_in_period


class MySubscriptionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="users_me_subscription",
        summary="Your subscription",
        description=(
            "The signed-in user's live subscription (active or past due), else the most recent "
            "one, else `null`. `downloads_used` counts the licenses obtained in the current "
            "period; `downloads_remaining` is null on unlimited plans."
        ),
        responses={200: SubscriptionEnvelope, **errors(401)},
        tags=["Subscriptions"],
    )
    def get(self, request):
        subscription = selectors.current_subscription(user=request.user)
        if subscription is None:
            return Response({"status": "success", "subscription": None})
        used = licenses_issued_in_period(subscription=subscription)
        return Response(
            {
                "status": "success",
                "subscription": present_subscription(subscription, downloads_used=used),
            }
        )
