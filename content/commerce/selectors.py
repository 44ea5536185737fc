"""Reads of commerce: subscriptions and the download entitlement, exclusive pricing, purchase
status, purchases and sales, presets.

``download_entitlement`` answers "may this user obtain a license for this track, and of which
kind?" for every route that grants one: the track's exclusive buyer (exclusive license), else
an active subscription (non-exclusive).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from rest_framework.exceptions import NotAuthenticated, NotFound

from beatpass.api.errors import ApplicationError
from content import clock
from content.catalog.models import (
    Artist,
    ExclusiveStatus,
    LicensingType,
    Track,
    TrackArtist,
    Visibility,
)
from content.catalog.selectors import track_get, track_is_manageable
from content.commerce.errors import (
    OwnTrack,
    StaffCannotPurchase,
    StemsForbidden,
    StemsNotIncluded,
    TrackNotForSale,
)
from content.commerce.models import ConnectAccount, Payout, Purchase, Subscription, TrackStem
from content.commerce.money import DEFAULT_CURRENCY, Money
from content.commerce.pricing import Pricing, price_exclusive
from content.commerce.terms import DELIVERABLES
from content.licensing.errors import ExclusiveSold, LicenseRevoked


@dataclass(frozen=True)
class Entitlement:
    """Why a user may license a track.

    ``kind`` is ``subscription`` (non-exclusive license, counted against the plan's quota) or
    ``exclusive_purchase`` (the buyer of a sold exclusive). ``license_type`` is the license it
    grants. ``downloads_per_period`` is None for unlimited (and for purchases).
    """

    kind: str
    license_type: str
    subscription: Subscription | None = None
    downloads_per_period: int | None = None

    SUBSCRIPTION = "subscription"
    EXCLUSIVE_PURCHASE = "exclusive_purchase"


def active_subscriptions(*, user, now: datetime | None = None) -> QuerySet[Subscription]:
    """The user's subscriptions that grant downloads at ``now`` (default: now): status
    ``active`` and inside their current period. ``past_due`` does not (the payment failed;
    downloads resume once paid), and the period end is checked here, so nothing depends on a
    sweep having run."""
    now = now or clock.now()
    return Subscription.objects.filter(
        user=user,
        status=Subscription.Status.ACTIVE,
        current_period_start__lte=now,
        current_period_end__gt=now,
    ).order_by("pk")


def active_subscription(*, user) -> Subscription | None:
    """The subscription that grants ``user`` downloads now (see ``active_subscriptions``)."""
    if user is None or not user.is_authenticated:
        return None
    return active_subscriptions(user=user).select_related("plan").first()


def current_subscription(*, user) -> Subscription | None:
    """What ``GET /users/me/subscription`` shows: the live subscription (active or past due),
    else the most recent one, else None."""
    subscriptions = Subscription.objects.select_related("plan").filter(user=user)
    return subscriptions.live().first() or subscriptions.order_by("-current_period_end").first()


_LOOK_IT_UP = object()


def download_entitlement(
    *, user, track: Track, subscription: Subscription | None | object = _LOOK_IT_UP
) -> Entitlement | None:
    """The entitlement ``user`` holds to license ``track``, or None.

    The exclusive buyer of a sold track is checked first: their exclusive license takes
    priority over a subscription's non-exclusive one. ``subscription``: the user's active
    subscription when the caller has read it already (with its plan's
    ``downloads_per_period``), so this asks the database nothing.
    """
    from content.licensing.models import License  # the license types live with licenses

    if (
        user is not None
        and user.is_authenticated
        and track.exclusive_status == ExclusiveStatus.SOLD
        and track.exclusive_buyer_id == user.pk
    ):
        return Entitlement(kind=Entitlement.EXCLUSIVE_PURCHASE, license_type=License.Type.EXCLUSIVE)
    if subscription is _LOOK_IT_UP:
        subscription = active_subscription(user=user)
    if subscription is None:
        return None
    return Entitlement(
        kind=Entitlement.SUBSCRIPTION,
        license_type=License.Type.NON_EXCLUSIVE,
        subscription=subscription,
        downloads_per_period=subscription.plan.downloads_per_period,
    )


# --- exclusive pricing ----------------------------------------------------------------------------


def exclusive_pricing(*, track: Track) -> Pricing:
    """What buying ``track``'s exclusive costs now: 410 ``exclusive_sold`` once sold, 400
    ``track_not_for_sale`` when the producer offers no exclusive or the track is private (a
    draft is not on the market, whoever can see it)."""
    if track.exclusive_status == ExclusiveStatus.SOLD:
        raise ExclusiveSold()
    if not _offered(track):
        raise TrackNotForSale()
    return price_exclusive(track.exclusive_price, track.currency)


def _offered(track: Track) -> bool:
    return (
        track.visibility == Visibility.PUBLIC
        and track.licensing_type == LicensingType.EXCLUSIVE_AVAILABLE
        and track.exclusive_price is not None
    )


def purchase_refusal(*, buyer, track: Track) -> OwnTrack | StaffCannotPurchase | None:
    """Who may never buy ``track``'s exclusive, whatever its state: a staff account (403
    ``staff_cannot_purchase``: it sees private drafts and decides refunds) and the managers of
    any artist credited on the track — main, featured or co-producer — (422
    ``cannot_purchase_own_track``: commerce.mdx's "buyer is the track artist"; they can see
    the track private, and a credited artist buying the beat out from under its producer is
    not a sale). Seeing a track never implies being allowed to buy it."""
    if buyer.is_staff:
        return StaffCannotPurchase()
    if TrackArtist.objects.filter(track=track, artist__managers=buyer).exists():
        return OwnTrack()
    return None


# --- purchases and sales --------------------------------------------------------------------------


def purchase_status(*, user, track: Track) -> dict:
    """``GET /tracks/{id}/purchase/status``: may ``user`` buy ``track``'s exclusive, and if not,
    why (``reason``: already_purchased, staff_account, own_track, sold, not_for_sale,
    pending, artist_not_set_up, purchases_disabled; null when it can be bought)."""
    has_purchased = (
        track.exclusive_buyer_id == user.pk
        or Purchase.objects.filter(
            buyer=user, track=track, status=Purchase.Status.SUCCEEDED
        ).exists()
    )
    reason = None
    refusal = None if has_purchased else purchase_refusal(buyer=user, track=track)
    if has_purchased:
        reason = "already_purchased"
    elif isinstance(refusal, StaffCannotPurchase):
        reason = "staff_account"
    elif isinstance(refusal, OwnTrack):
        reason = "own_track"
    elif track.exclusive_status == ExclusiveStatus.SOLD:
        reason = "sold"
    elif not _offered(track):
        reason = "not_for_sale"
    elif not settings.COMMERCE_PURCHASES_ENABLED:
        reason = "purchases_disabled"
    elif (
        track.exclusive_status == ExclusiveStatus.PENDING
        and track.exclusive_hold_until
        and track.exclusive_hold_until > clock.now()
        and not Purchase.objects.filter(
            buyer=user, track=track, status=Purchase.Status.PENDING
        ).exists()
    ):
        reason = "pending"
    elif not ConnectAccount.objects.filter(
        artist__artist_tracks__track=track,
        artist__artist_tracks__role=TrackArtist.Role.MAIN,
        charges_enabled=True,
    ).exists():
        reason = "artist_not_set_up"
    return {"has_purchased": has_purchased, "can_purchase": reason is None, "reason": reason}


def purchases_of_buyer(*, user):

    return (
        Purchase.objects.filter(buyer=user)
        .select_related("license", "coupon")
        .order_by("-created_at", "-id")
    )


def refund_requests_of(*, user):
    """The refund requests ``user`` made, newest first, with their purchases."""
    from content.commerce.models import RefundRequest

    return (
        RefundRequest.objects.filter(requested_by=user)
        .select_related("purchase")
        .order_by("-created_at", "-id")
    )


def artist_earnings(*, artist, now=None) -> dict:
    """The artist's sales in their main currency (the one with the most revenue): count,
    revenue (100% of listed prices), and how much of it is paid out: the payouts the gateway
    reported deposited (``payout.paid``) once there are any in that currency, else the sales
    past the payout delay (an estimate until the first payout event arrives)."""
    now = now or clock.now()
    settled_before = now - timedelta(days=settings.COMMERCE_PAYOUT_DELAY_DAYS)
    rows = list(
        Purchase.objects.filter(seller_artist=artist, status=Purchase.Status.SUCCEEDED)
        .values("currency")
        .annotate(
            sales=Count("id"),
            revenue=Sum("artist_amount"),
            paid=Sum("artist_amount", filter=Q(succeeded_at__lte=settled_before)),
        )
        .order_by("-revenue", "currency")
    )
    if not rows:
        rows = [{"currency": DEFAULT_CURRENCY, "sales": 0, "revenue": None, "paid": None}]
    top = rows[0]
    revenue = Money(top["revenue"] or Decimal(0), top["currency"])
    paid = Money(top["paid"] or Decimal(0), top["currency"])
    payouts = Payout.objects.filter(account__artist=artist, currency=top["currency"])
    if payouts.exists():
        deposited = payouts.filter(status=Payout.Status.PAID).aggregate(s=Sum("amount"))["s"]
        paid = Money(min(deposited or Decimal(0), revenue.amount), top["currency"])
    return {
        "total_sales": top["sales"],
        "total_revenue": revenue.amount,
        "total_revenue_formatted": revenue.formatted(),
        "pending_payout": revenue.amount - paid.amount,
        "paid_out": paid.amount,
        "currency": top["currency"],
    }


def artist_payouts(*, artist, limit: int = 10):
    """The newest payouts of the artist's Connect account."""
    return list(
        Payout.objects.filter(account__artist=artist).order_by("-created_at", "-id")[:limit]
    )


def artist_recent_sales(*, artist, limit: int = 10):

    return list(
        Purchase.objects.filter(
            seller_artist=artist,
            status__in=(Purchase.Status.SUCCEEDED, Purchase.Status.REFUNDED),
        ).order_by("-succeeded_at", "-id")[:limit]
    )


def producer_artist_for(*, user, artist_id: int | None = None):
    """The artist the ``/artist/...`` endpoints speak about: ``artist_id`` (one the user
    manages: else 403 ``not_artist_manager``) or the user's first managed artist; 403
    ``no_artist_profile`` without one."""

    artists = Artist.objects.all() if user.is_staff else Artist.objects.managed_by(user)
    if artist_id is not None:
        artist = artists.filter(pk=artist_id).first()
        if artist is None:
            raise ApplicationError(
                "Only the artist's managers can see its sales and payouts.",
                code="not_artist_manager",
                status=403,
            )
    else:
        artist = Artist.objects.managed_by(user).order_by("id").first()
    if artist is None:
        raise ApplicationError(
            "You need an artist profile to sell exclusives.", code="no_artist_profile", status=403
        )
    return artist


# --- presets --------------------------------------------------------------------------------------


def presets_of(*, user):
    """The producer's presets with ``usage_count`` (tracks using each), one query."""
    from content.commerce.models import ExclusiveLicensePreset

    return ExclusiveLicensePreset.objects.filter(owner=user).annotate(usage_count=Count("tracks"))


def preset_get(*, user, preset_id: int):
    """One of the user's presets (staff: any), or 404."""
    from content.commerce.models import ExclusiveLicensePreset

    presets = ExclusiveLicensePreset.objects.annotate(usage_count=Count("tracks"))
    if not user.is_staff:
        presets = presets.filter(owner=user)
    preset = presets.filter(pk=preset_id).first()
    if preset is None:
        raise NotFound()
    return preset


def default_preset_of(*, user):
    return presets_of(user=user).filter(is_default=True).first()


# --- stems ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StemAccess:
    """Why ``user`` may download a track's stems: ``owner`` (managers of the main artist,
    staff) or ``exclusive_buyer`` (with the license the stems are delivered under)."""

    route: str
    license_uuid: str | None = None
    license: Any = None  # the License, for the buyer's download rows

    OWNER = "owner"
    EXCLUSIVE_BUYER = "exclusive_buyer"


def stem_access(*, user, track: Track) -> StemAccess:
    """May ``user`` obtain ``track``'s stems? The track's managers and staff always; the
    exclusive buyer once their purchase succeeded, while its license is active and its signed
    terms list stems among the files delivered; nobody else (403), before or after a sale."""
    from content.licensing.models import License

    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    if track_is_manageable(user=user, track=track):
        return StemAccess(StemAccess.OWNER)
    if track.exclusive_status != ExclusiveStatus.SOLD or track.exclusive_buyer_id != user.pk:
        raise StemsForbidden()
    purchase = (
        Purchase.objects.filter(buyer=user, track=track, status=Purchase.Status.SUCCEEDED)
        .select_related("license")
        .first()
    )
    if purchase is None or purchase.license is None:
        raise StemsForbidden()
    license = purchase.license
    if license.status != License.Status.ACTIVE:
        raise LicenseRevoked()
    delivered = (license.snapshot.get("terms") or {}).get("files_delivered") or []
    if DELIVERABLES["stems"] not in delivered:
        raise StemsNotIncluded()
    return StemAccess(StemAccess.EXCLUSIVE_BUYER, str(license.uuid), license)


def bought_track_get(*, user, track_id: int) -> Track:
    """A track ``user`` may see, or the sold track they bought the exclusive of even if the
    producer has hidden it since (the buyer keeps its files, certificate and purchase status).
    Otherwise 404, as for any hidden track."""
    try:
        return track_get(viewer=user, track_id=track_id)
    except NotFound:
        if user is None or not user.is_authenticated:
            raise
        track = Track.objects.filter(
            pk=track_id, exclusive_status=ExclusiveStatus.SOLD, exclusive_buyer=user
        ).first()
        if track is None:
            raise
        return track


def stem_track_get(*, user, track_id: int) -> Track:
    """The track whose stems are asked for (``bought_track_get``: the exclusive buyer reaches
    it after the producer hides it; ``stem_access`` still decides)."""
    return bought_track_get(user=user, track_id=track_id)


def stems_of_track(*, track: Track):
    return TrackStem.objects.filter(track=track).select_related("file").order_by("position", "id")


def stem_get(*, track: Track, stem_id: int):
    """One of ``track``'s stems, or 404 (a stem of another track is unknown here)."""
    from rest_framework.exceptions import NotFound

    stem = stems_of_track(track=track).filter(pk=stem_id).first()
    if stem is None:
        raise NotFound("No such stem on this track.")
    return stem
