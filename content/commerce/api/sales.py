"""The producer side: sales, Stripe Connect onboarding and finances."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from beatpass.api.params import parse_pk
from beatpass.api.schema import errors
from content.commerce import selectors
from content.commerce.gateways import get_gateway
from content.commerce.models import ConnectAccount
from content.commerce.money import as_json_number
from content.commerce.presenters import present_connect, present_payout, present_sales
from content.commerce.pricing import from_minor_units
from content.commerce.schemas import (
    ConnectEnvelope,
    FinancesEnvelope,
    OnboardEnvelope,
    SalesEnvelope,
)
from content.commerce.services.connect import connect_onboard

ARTIST_PARAM = OpenApiParameter(
    "artist_id", int, description="One of your artists; default: your first artist profile."
)
TAG = "Sales"


def _artist(request):
    raw = request.query_params.get("artist_id")
    return selectors.producer_artist_for(
        user=request.user, artist_id=parse_pk(raw) if raw else None
    )


class ArtistSalesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="artist_sales",
        summary="Your exclusive sales and earnings",
        description=(
            "Earnings in the artist's main currency (100% of listed prices; sales older than "
            "the payout delay count as paid out) and the 10 most recent sales."
        ),
        parameters=[ARTIST_PARAM],
        responses={200: SalesEnvelope, **errors(401, 403, 404)},
        tags=[TAG],
    )
    def get(self, request):
        artist = _artist(request)
        data = present_sales(
            earnings=selectors.artist_earnings(artist=artist),
            recent=selectors.artist_recent_sales(artist=artist),
        )
        return Response({"status": "success", "data": data})


class ConnectStatusView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="artist_stripe_connect_status",
        summary="Your payout account's onboarding status",
        description=(
            "Whether the artist's payout account exists, has finished onboarding and can "
            "receive payouts."
        ),
        parameters=[ARTIST_PARAM],
        responses={200: ConnectEnvelope, **errors(401, 403)},
        tags=[TAG],
    )
    def get(self, request):
        account = ConnectAccount.objects.filter(artist=_artist(request)).first()
        return Response({"status": "success", "data": present_connect(account)})


class ConnectOnboardView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="artist_stripe_connect_onboard",
        summary="Start (or resume) payout onboarding",
        description=(
            "Creates the artist's Connect account on first use and returns the onboarding "
            "link. With the local test gateway the account is active at once."
        ),
        request=None,
        parameters=[ARTIST_PARAM],
        responses={200: OnboardEnvelope, **errors(401, 403, 502, 503)},
        tags=[TAG],
    )
    def post(self, request):
        account, url = connect_onboard(artist=_artist(request), user=request.user)
        return Response({"status": "success", "data": {**present_connect(account), "url": url}})


class ConnectFinancesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="artist_stripe_connect_finances",
        summary="Your earnings and payout balance",
        description=(
            "Lifetime earnings, what is paid out and what is pending, from the artist's "
            "succeeded sales; the gateway balance; the newest payouts to the bank "
            "(`payout.*` webhook events: pending, in_transit, paid, failed with the reason). "
            "Once payouts are reported, `paid_out` is what they deposited."
        ),
        parameters=[ARTIST_PARAM],
        responses={200: FinancesEnvelope, **errors(401, 403, 502, 503)},
        tags=[TAG],
    )
    def get(self, request):
        artist = _artist(request)
        account = ConnectAccount.objects.filter(artist=artist).first()
        balance = []
        if account is not None:
            for entry in get_gateway(account.gateway).retrieve_balance(
                account_id=account.account_id
            ):
                balance.append(
                    {
                        "currency": entry.currency,
                        "available": as_json_number(
                            from_minor_units(entry.available, entry.currency)
                        ),
                        "pending": as_json_number(from_minor_units(entry.pending, entry.currency)),
                    }
                )
        earnings = present_sales(earnings=selectors.artist_earnings(artist=artist), recent=[])
        return Response(
            {
                "status": "success",
                "data": {
                    "earnings": earnings["earnings"],
                    "balance": balance,
                    "connect": present_connect(account),
                    "payouts": [present_payout(p) for p in selectors.artist_payouts(artist=artist)],
                },
            }
        )
