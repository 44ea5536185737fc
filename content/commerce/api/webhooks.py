"""POST /webhooks/stripe: the gateway's events (no auth: the signature is the credential)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from beatpass.api.errors import ApplicationError
from beatpass.api.schema import errors
from content.commerce.models import WebhookEvent
from content.commerce.schemas import WebhookAck
from content.commerce.services.webhooks import webhook_receive


class WebhookProcessingFailed(ApplicationError):
    status_code = 503

    def __init__(self) -> None:
        super().__init__(
            "The event could not be processed; deliver it again later.",
            code="webhook_processing_failed",
        )


class StripeWebhookView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        operation_id="webhooks_stripe",
        summary="Receive a Stripe event",
        description=(
            "Verifies `Stripe-Signature` (HMAC-SHA256 with the webhook secret, timestamp "
            "tolerance 5 minutes by default): 400 `invalid_signature` / `stale_signature`. "
            "Each event id is handled once; a repeat delivery answers 200 with "
            "`duplicate: true` and changes nothing. Handles `payment_intent.succeeded`, "
            "`payment_intent.payment_failed`, `charge.refunded`, `account.updated`, "
            "`customer.subscription.created|updated|deleted`, and the Connect events "
            "`payout.created|updated|paid|failed|canceled` (the event's `account` names the "
            "producer's account; payouts are recorded once and only move forward); other "
            "types are stored and ignored. A signed body that cannot be used (not JSON, no "
            "id, no data object, data its handler cannot work with) is stored once as "
            "`rejected` with the reason and answered 200, since a retry could never succeed. "
            "503 when processing failed for a transient reason (database unavailable, lock "
            "timeout, gateway down): the gateway delivers it again."
        ),
        parameters=[
            OpenApiParameter(
                "Stripe-Signature",
                str,
                OpenApiParameter.HEADER,
                description='`t=<unix time>,v1=<hex HMAC-SHA256 of "t.payload">` (Stripe\'s).',
            )
        ],
        request={"application/json": dict},
        responses={200: WebhookAck, **errors(400, 503)},
        tags=["Webhooks"],
        auth=[],
    )
    def post(self, request):
        event, duplicate = webhook_receive(
            payload=request.body,
            signature=request.headers.get("Stripe-Signature"),
            gateway=settings.COMMERCE_GATEWAY,
        )
        if event.status == WebhookEvent.Status.FAILED:
            raise WebhookProcessingFailed()
        return Response(
            {
                "status": "success",
                "received": True,
                "duplicate": duplicate,
                "event_status": event.status,
            }
        )
