"""Exclusive purchases: price quote, initiate, status, the buyer's history."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from beatpass.api.pagination import paginate
from beatpass.api.schema import errors, paginated
from content.catalog.selectors import track_get
from content.commerce import selectors
from content.commerce.inputs import CalculatePriceInput, InitiatePurchaseInput
from content.commerce.presenters import present_purchase_pricing, present_purchases
from content.commerce.schemas import (
    InitiateEnvelope,
    PriceQuoteEnvelope,
    PurchaseOut,
    PurchaseStatusEnvelope,
)
from content.commerce.services import purchases as services
from content.commerce.services.coupons import coupon_price_exclusive

TAG = "Purchases"


class CalculatePriceView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tracks_purchase_calculate_price",
        summary="Price of a track's exclusive",
        description=(
            "The producer's price plus the platform fee (12% + 3.00 by default, paid by the "
            "buyer), as exact two-decimal amounts. 400 `track_not_for_sale` when no exclusive "
            "is offered or the track is private (a draft is not on the market), 410 "
            "`exclusive_sold` once sold. With a `coupon` the quote adds "
            "`discount_amount` and `coupon`: the discount is computed on the total and comes "
            "off the platform fee (at most all of it; the producer's price is never reduced); "
            "422 under `coupon` with commerce.mdx's messages when it does not apply."
        ),
        request=CalculatePriceInput,
        responses={200: PriceQuoteEnvelope, **errors(400, 401, 404, 410, 422)},
        tags=[TAG],
    )
    def post(self, request, track_id: int):
        track = track_get(viewer=request.user, track_id=track_id)
        data = CalculatePriceInput(data=request.data)
        data.is_valid(raise_exception=True)
        pricing = selectors.exclusive_pricing(track=track)
        if code := data.validated_data.get("coupon"):
            _, pricing = coupon_price_exclusive(
                code=code, user=request.user, pricing=pricing, track=track
            )
        quote = {**pricing.as_json(), "is_exclusive": True}
        # openapi.json names the total `total_price` (its example: 100 + 15 = 115, the fee on
        # top, as the help pages say); commerce.mdx names it `total_amount`. Both are sent.
        quote["total_price"] = quote["total_amount"]
        return Response({"status": "success", "data": quote})


class InitiatePurchaseView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tracks_purchase_initiate",
        summary="Start buying a track's exclusive",
        description=(
            "Creates a `pending` purchase and a PaymentIntent; returns its `client_secret`. "
            "The exclusive is held for this buyer (15 minutes by default): others get 409 "
            "`exclusive_pending` meanwhile. Errors: 403 `purchases_disabled`, "
            "`staff_cannot_purchase` (a staff account never buys; use a personal one); 422 "
            "`cannot_purchase_own_track` (you manage an artist credited on the track: main, "
            "featured or co-producer), `already_purchased`, `artist_payments_not_setup`; "
            "400 `track_not_for_sale` (also a private track); 410 `exclusive_sold`; 409 "
            "`price_changed` (when "
            "`expected_total` differs from the current total), `exclusive_pending`, "
            "`too_many_pending_purchases` (the buyer already holds "
            "`COMMERCE_MAX_HOLDS_PER_BUYER` other exclusives, 3 by default; `retry_after` is "
            "when the first hold ends), `fingerprint_pending`; 502 "
            "`payment_processing_error`. A `coupon` is applied as in calculate-price and one "
            "use is reserved with the hold (422 under `coupon`: "
            '"Invalid or expired coupon code" — also when the last use went to a concurrent '
            'buyer —, "You cannot use this coupon", "Cannot be applied to selected '
            'plan"); the use is given back if the purchase fails or is refunded.'
        ),
        request=InitiatePurchaseInput,
        responses={200: InitiateEnvelope, **errors(400, 401, 403, 404, 409, 410, 422, 502, 503)},
        tags=[TAG],
    )
    def post(self, request, track_id: int):
        track = track_get(viewer=request.user, track_id=track_id)
        data = InitiatePurchaseInput(data=request.data)
        data.is_valid(raise_exception=True)
        purchase, intent = services.purchase_initiate(
            buyer=request.user,
            track=track,
            expected_total=data.validated_data.get("expected_total"),
            coupon_code=data.validated_data.get("coupon") or None,
        )
        return Response(
            {
                "status": "success",
                "data": {
                    "client_secret": intent.client_secret,
                    "purchase_id": purchase.pk,
                    "pricing": present_purchase_pricing(purchase),
                },
            }
        )


class PurchaseStatusView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tracks_purchase_status",
        summary="Whether you bought, or may buy, a track's exclusive",
        description=(
            "`has_purchased`: you hold this track's exclusive; `can_purchase`: initiating a "
            "purchase would be accepted now; `reason`: why not (`already_purchased`, "
            "`staff_account`, `own_track` — you manage an artist credited on it —, `sold`, "
            "`not_for_sale`, `purchases_disabled`, `pending`, `artist_not_set_up`)."
        ),
        responses={200: PurchaseStatusEnvelope, **errors(401, 404)},
        tags=[TAG],
    )
    def get(self, request, track_id: int):
        track = selectors.bought_track_get(user=request.user, track_id=track_id)
        return Response(
            {"status": "success", "data": selectors.purchase_status(user=request.user, track=track)}
        )


class MyPurchasesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="purchases_list",
        summary="Your purchase history",
        description="Newest first, every status. Laravel pagination (`per_page`, default 15).",
        parameters=[
            OpenApiParameter("page", int, description="Page number, from 1."),
            OpenApiParameter("per_page", int, description="1-100, default 15."),
        ],
        responses={200: paginated("Purchase", PurchaseOut()), **errors(401, 422)},
        tags=[TAG],
    )
    def get(self, request):
        page = paginate(selectors.purchases_of_buyer(user=request.user), request)
        return Response(page.envelope(present_purchases(page.items)))
