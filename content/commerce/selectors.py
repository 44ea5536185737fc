"""Reads of plans and subscriptions, and the download entitlement commerce grants.

``download_entitlement`` is the extension point the exclusive-purchase flow builds on: it
answers "may this user obtain a license for this track, and of which kind?" for every route
that grants one (today: an active subscription).
"""

from __future__ import annotations

from dataclasses import dataclass

from content import clock
from content.catalog.models import ExclusiveStatus, LicensingType, Track
from content.commerce.errors import TrackNotForSale
from content.commerce.models import Subscription
from content.commerce.pricing import Pricing, price_exclusive
from content.licensing.errors import ExclusiveSold


@dataclass(frozen=True)
class Entitlement:
    """Why a user may license a track.

    ``kind`` is ``subscription`` (non-exclusive license, counted against the plan's quota) or,
    once commerce lands, ``exclusive_purchase``. ``license_type`` is the license it grants.
    ``downloads_per_period`` is None for unlimited (and for purchases).
    """

    kind: str
    license_type: str
    subscription: Subscription | None = None
    downloads_per_period: int | None = None

    SUBSCRIPTION = "subscription"
    EXCLUSIVE_PURCHASE = "exclusive_purchase"


def active_subscription(*, user) -> Subscription | None:
    """The user's subscription that grants downloads right now: status ``active`` and inside its
    current period. ``past_due`` does not (the payment failed; downloads resume once paid), and
    the period end is checked here, so nothing depends on a sweep having run."""
    if user is None or not user.is_authenticated:
        return None
    now = clock.now()
    return (
        Subscription.objects.select_related("plan")
        .filter(
            user=user,
            status=Subscription.Status.ACTIVE,
            current_period_start__lte=now,
            current_period_end__gt=now,
        )
        .first()
    )


def current_subscription(*, user) -> Subscription | None:
    """What ``GET /users/me/subscription`` shows: the live subscription (active or past due),
    else the most recent one, else None."""
    subscriptions = Subscription.objects.select_related("plan").filter(user=user)
    return subscriptions.live().first() or subscriptions.order_by("-current_period_end").first()


def download_entitlement(*, user, track: Track) -> Entitlement | None:
    """The entitlement ``user`` holds to license ``track``, or None.

    Commerce extends this with exclusive purchases (checked first: a buyer's exclusive license
    takes priority over a subscription's non-exclusive one).
    """
    from content.licensing.models import License  # the license types live with licenses

    if (
        user is not None
        and user.is_authenticated
        and track.exclusive_status == ExclusiveStatus.SOLD
        and track.exclusive_buyer_id == user.pk
    ):
        return Entitlement(kind=Entitlement.EXCLUSIVE_PURCHASE, license_type=License.Type.EXCLUSIVE)
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
    ``track_not_for_sale`` when the producer offers no exclusive."""
    if track.exclusive_status == ExclusiveStatus.SOLD:
        raise ExclusiveSold()
    if track.licensing_type != LicensingType.EXCLUSIVE_AVAILABLE or track.exclusive_price is None:
        raise TrackNotForSale()
    return price_exclusive(track.exclusive_price, track.currency)
