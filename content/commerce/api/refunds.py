"""Refund requests of exclusive purchases: the buyer asks, and follows their requests."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from beatpass.api.pagination import paginate
from beatpass.api.schema import errors, paginated
from content.commerce import selectors
from content.commerce.inputs import RefundRequestInput
from content.commerce.presenters import present_refund_requests
from content.commerce.schemas import RefundRequestEnvelope, RefundRequestOut
from content.commerce.services import refunds as services

TAG = "Purchases"


class PurchaseRefundRequestView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="purchases_refund_request_create",
        summary="Ask for a refund of an exclusive purchase",
        description=(
            "Refund policy: only within 24 hours of the payment, and only if you have not "
            "downloaded any file of the track (WAV, MP3, a stem or the stems zip). The "
            "producer is notified and BeatPass staff review the request; if it is approved "
            "the exclusive license is revoked, the payment returned and the beat listed "
            "again. One request per purchase. Errors: 404 (not your purchase); 409 "
            "`purchase_not_refundable` (not a completed purchase, or the track was taken "
            "down), `refund_request_open` (one is already in review), "
            "`refund_request_denied`; 422 `refund_window_closed` (with "
            "`refundable_until`), `refund_files_downloaded`, or `reason` missing / over "
            "2000 characters."
        ),
        request=RefundRequestInput,
        responses={201: RefundRequestEnvelope, **errors(401, 404, 409, 422)},
        tags=[TAG],
    )
    def post(self, request, purchase_id: int):
        data = RefundRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.refund_request_create(
            buyer=request.user, purchase_id=purchase_id, reason=data.validated_data["reason"]
        )
        created = selectors.refund_requests_of(user=request.user).get(pk=created.pk)
        return Response(
            {"status": "success", "refund_request": present_refund_requests([created])[0]},
            status=201,
        )


class MyRefundRequestsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="purchases_refund_requests_list",
        summary="Your refund requests",
        description=(
            "Newest first, with their status: `open`, `approved` (the refund is on its way), "
            "`refunded`, `denied` (with staff's `decision_note`). Laravel pagination "
            "(`per_page`, default 15)."
        ),
        parameters=[
            OpenApiParameter("page", int, description="Page number, from 1."),
            OpenApiParameter("per_page", int, description="1-100, default 15."),
        ],
        responses={200: paginated("RefundRequest", RefundRequestOut()), **errors(401, 422)},
        tags=[TAG],
    )
    def get(self, request):
        page = paginate(selectors.refund_requests_of(user=request.user), request)
        return Response(page.envelope(present_refund_requests(page.items)))
