"""POST /coupons/validate (coupons themselves are created by staff in the admin)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from beatpass.api.schema import errors
from content.commerce.inputs import CouponValidateInput
from content.commerce.models import Plan
from content.commerce.presenters import present_coupon_check
from content.commerce.schemas import CouponCheckOut
from content.commerce.services.coupons import coupon_check


class CouponValidateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="coupons_validate",
        summary="Check a discount code",
        description=(
            "The discount the code gives on `amount` (else on the plan's price). 422 with "
            "`Invalid or expired coupon code`, `You cannot use this coupon` or `Cannot be "
            "applied to selected plan`. Nothing is redeemed."
        ),
        request=CouponValidateInput,
        responses={200: CouponCheckOut, **errors(401, 422)},
        tags=["Coupons"],
    )
    def post(self, request):
        data = CouponValidateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        plan_id = values.get("product_id") or values.get("price_id")
        plan = Plan.objects.filter(pk=plan_id).first() if plan_id else None
        discount = coupon_check(
            code=values["code"], user=request.user, plan=plan, amount=values.get("amount")
        )
        return Response(present_coupon_check(discount))
