"""Exclusive purchases: initiate (hold the exclusive, create the PaymentIntent), the payment
outcome events (succeeded → license + sold; failed; refunded → sale undone), and the release
of expired holds.

Lock order, everywhere: the track row first, then the purchase row. The exclusive hold is
taken by one conditional UPDATE of the track (``available``, or ``pending`` with an expired
hold → ``pending`` until now + hold); PostgreSQL re-checks the condition after a concurrent
writer commits, so of any number of simultaneous buyers exactly one wins. The partial unique
constraints (one pending, one succeeded purchase per track) back it.
"""

from __future__ import annotations

import functools
import logging
import math
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from rest_framework.exceptions import NotFound

from beatpass.accounts.services import notify
from content import clock
from content.catalog.models import Artist, ExclusiveStatus, Track, TrackArtist
from content.commerce import selectors, terms
from content.commerce.errors import (
    AlreadyPurchased,
    ArtistNotPayable,
    ExclusivePending,
    GatewayError,
    GatewayNotConfigured,
    PriceChanged,
    PurchasesDisabled,
    TooManyHolds,
    TrackPendingLocked,
    TrackSoldLocked,
)
from content.commerce.gateways import get_gateway
from content.commerce.gateways.base import PaymentIntent
from content.commerce.models import ConnectAccount, Purchase
from content.commerce.pricing import Pricing, from_minor_units, to_minor_units
from content.commerce.services.coupons import (
    coupon_price_exclusive,
    coupon_release,
    coupon_reserve,
    coupon_retake,
)
from content.fingerprints.models import Fingerprint
from content.licensing import errors as licensing_errors
from content.licensing.models import License
from content.licensing.services import IssuanceContext, license_issue, license_revoke

logger = logging.getLogger(__name__)

HOLD_EXPIRED = "hold_expired"
SOLD_TO_OTHER = "sold_to_other"


def main_artist(track: Track) -> Artist | None:
    link = (
        TrackArtist.objects.filter(track=track, role=TrackArtist.Role.MAIN)
        .select_related("artist")
        .order_by("position", "id")
        .first()
    )
    return link.artist if link else None


def _hold_seconds() -> int:
    return settings.COMMERCE_EXCLUSIVE_HOLD_SECONDS


# --- initiate -------------------------------------------------------------------------------------


def _check_holds_of(*, buyer, track, now) -> None:
    """One buyer holds at most ``COMMERCE_MAX_HOLDS_PER_BUYER`` exclusives at once (live
    pending purchases of other tracks): otherwise one account could take every exclusive off
    the market for the length of a hold. The buyer's row lock serialises their concurrent
    initiates, so racing checkouts cannot all pass the count."""
    get_user_model().objects.select_for_update().filter(pk=buyer.pk).values("pk").first()
    live = Purchase.objects.filter(
        buyer=buyer, status=Purchase.Status.PENDING, hold_expires_at__gt=now
    ).exclude(track=track)
    limit = settings.COMMERCE_MAX_HOLDS_PER_BUYER
    soonest = live.order_by("hold_expires_at").values_list("hold_expires_at", flat=True)
    held = list(soonest[:limit])
    if len(held) >= limit:
        raise TooManyHolds(
            limit=limit, retry_after=max(1, math.ceil((held[0] - now).total_seconds()))
        )


def purchase_initiate(
    *,
    buyer,
    track: Track,
    expected_total: Decimal | None = None,
    coupon_code: str | None = None,
) -> tuple[Purchase, PaymentIntent]:
    """Start buying ``track``'s exclusive: check the commerce.mdx error rows (and who may
    never buy it: ``selectors.purchase_refusal``; a private track is not for sale), hold the
    exclusive, record a ``pending`` Purchase, then create the PaymentIntent (idempotency key
    derived from the purchase). A buyer who already holds the track gets their purchase back.
    If the gateway fails, the hold is released and the purchase marked ``failed``.

    ``coupon_code``: a coupon entered at checkout (422 under ``coupon`` when it does not
    apply); its discount comes off the platform fee, and one use is reserved in the same
    transaction as the hold (given back if the purchase fails or is refunded)."""
    if not settings.COMMERCE_PURCHASES_ENABLED:
        raise PurchasesDisabled()
    if refusal := selectors.purchase_refusal(buyer=buyer, track=track):
        raise refusal  # staff, or a manager of any credited artist
    if (
        track.exclusive_buyer_id == buyer.pk
        or Purchase.objects.filter(
            buyer=buyer, track=track, status=Purchase.Status.SUCCEEDED
        ).exists()
    ):
        raise AlreadyPurchased()
    pricing = selectors.exclusive_pricing(track=track)  # 410 sold, 400 not for sale
    fingerprint = Fingerprint.objects.filter(track=track).values_list("status", flat=True).first()
    if fingerprint != Fingerprint.Status.COMPLETED:
        # The exclusive certificate carries the fingerprint; never take money without it.
        raise licensing_errors.FingerprintPending()
    artist = main_artist(track)
    account = ConnectAccount.objects.filter(artist=artist).first() if artist else None
    if account is None or not account.charges_enabled:
        raise ArtistNotPayable()
    gateway = get_gateway()
    now = clock.now()
    mine = (
        Purchase.objects.filter(
            buyer=buyer, track=track, status=Purchase.Status.PENDING, hold_expires_at__gt=now
        )
        .exclude(payment_intent_id=None)
        .select_related("coupon")
        .first()
    )
    if mine is not None:  # the buyer reloaded the checkout: same purchase, same intent
        # Its price and coupon stand (its use is already reserved): checked before the
        # coupon, which would otherwise count that reservation as a second use.
        if expected_total is not None and expected_total != mine.total_amount:
            raise PriceChanged(pricing=_pricing_of(mine).as_json())
        return mine, gateway.retrieve_payment_intent(intent_id=mine.payment_intent_id)
    coupon = None
    if coupon_code:
        coupon, pricing = coupon_price_exclusive(
            code=coupon_code, user=buyer, pricing=pricing, track=track
        )
    if expected_total is not None and expected_total != pricing.total_amount:
        raise PriceChanged(pricing=pricing.as_json())
    with transaction.atomic():
        _check_holds_of(buyer=buyer, track=track, now=now)
        hold_until = now + timedelta(seconds=_hold_seconds())
        claimed = (
            Track.objects.filter(pk=track.pk)
            .filter(
                Q(exclusive_status=ExclusiveStatus.AVAILABLE)
                | Q(exclusive_status=ExclusiveStatus.PENDING, exclusive_hold_until__lte=now)
            )
            .update(
                exclusive_status=ExclusiveStatus.PENDING,
                exclusive_hold_until=hold_until,
                updated_at=now,
            )
        )
        if not claimed:
            current = (
                Track.objects.filter(pk=track.pk)
                .values("exclusive_status", "exclusive_hold_until")
                .first()
            )
            if current is None:  # deleted meanwhile (the delete held the row)
                raise NotFound()
            if current["exclusive_status"] == ExclusiveStatus.SOLD:
                raise licensing_errors.ExclusiveSold()
            if Purchase.objects.filter(
                buyer=buyer, track=track, status=Purchase.Status.PENDING, hold_expires_at__gt=now
            ).exists():
                # The buyer's own request (a double click) is still creating the intent: the
                # purchase is theirs and ready in a moment, not when the hold ends.
                raise ExclusivePending(retry_after=1, message=ExclusivePending.YOURS)
            until = current["exclusive_hold_until"] or now
            raise ExclusivePending(retry_after=max(1, math.ceil((until - now).total_seconds())))
        # An earlier attempt whose hold ran out (not yet swept) gives way.
        _fail_pending(track_id=track.pk, code=HOLD_EXPIRED, message="The exclusive hold expired.")
        purchase = Purchase.objects.create(
            buyer=buyer,
            track=track,
            track_name=track.name,
            seller_artist=artist,
            status=Purchase.Status.PENDING,
            base_price=pricing.base_price,
            platform_fee=pricing.platform_fee,
            total_amount=pricing.total_amount,
            artist_amount=pricing.artist_amount,
            currency=pricing.currency,
            gateway=gateway.name,
            destination_account_id=account.account_id,
            hold_expires_at=hold_until,
            coupon=coupon,
            discount_amount=pricing.discount_amount,
        )
        if coupon is not None:
            # A use lost to a concurrent buyer rolls back the purchase and the hold.
            coupon_reserve(coupon=coupon, user=buyer, purchase=purchase)
    try:
        intent = gateway.create_payment_intent(
            amount=to_minor_units(pricing.total_amount, pricing.currency),
            currency=pricing.currency,
            idempotency_key=f"beatpass-purchase-{purchase.pk}-intent",
            metadata={
                "purchase_id": str(purchase.pk),
                "track_id": str(track.pk),
                "buyer_id": str(buyer.pk),
            },
            destination_account=account.account_id,
            application_fee=to_minor_units(pricing.application_fee, pricing.currency),
            description=f"Exclusive license: {track.name}"[:1000],
        )
    except GatewayError as exc:
        _finish_failed(purchase_id=purchase.pk, code="gateway_error", message=exc.detail[:500])
        raise
    Purchase.objects.filter(pk=purchase.pk).update(
        payment_intent_id=intent.id, updated_at=clock.now()
    )
    purchase.payment_intent_id = intent.id
    return purchase, intent


def _pricing_of(purchase: Purchase) -> Pricing:
    return Pricing(
        base_price=purchase.base_price,
        platform_fee=purchase.platform_fee,
        total_amount=purchase.total_amount,
        currency=purchase.currency,
        discount_amount=purchase.discount_amount,
        coupon_code=purchase.coupon.code if purchase.coupon_id else None,
    )


def _fail_pending(*, track_id: int, code: str, message: str) -> int:
    """Mark the track's pending purchases failed (caller holds the track's row lock) and give
    back the coupon uses they reserved."""
    pending = Purchase.objects.filter(track_id=track_id, status=Purchase.Status.PENDING)
    ids = list(pending.values_list("pk", flat=True))
    if not ids:
        return 0
    failed = Purchase.objects.filter(pk__in=ids, status=Purchase.Status.PENDING).update(
        status=Purchase.Status.FAILED,
        failure_code=code,
        failure_message=message,
        failed_at=clock.now(),
        updated_at=clock.now(),
    )
    coupon_release(purchase_ids=ids)
    return failed


def _release_hold(track: Track) -> None:
    """The locked ``track`` back to ``available`` if it is held (not sold)."""
    if track.exclusive_status == ExclusiveStatus.PENDING:
        track.exclusive_status = ExclusiveStatus.AVAILABLE
        track.exclusive_hold_until = None
        track.save(update_fields=["exclusive_status", "exclusive_hold_until", "updated_at"])


def _lock(purchase_id: int) -> tuple[Track | None, Purchase]:
    """Lock the purchase's track, then the purchase (the module's lock order)."""
    track_id = Purchase.objects.filter(pk=purchase_id).values_list("track_id", flat=True).get()
    track = Track.objects.select_for_update().filter(pk=track_id).first() if track_id else None
    return track, Purchase.objects.select_for_update().get(pk=purchase_id)


def _finish_failed(*, purchase_id: int, code: str, message: str) -> Purchase:
    with transaction.atomic():
        track, purchase = _lock(purchase_id)
        if purchase.status != Purchase.Status.PENDING:
            return purchase
        purchase.status = Purchase.Status.FAILED
        purchase.failure_code = code
        purchase.failure_message = message
        purchase.failed_at = clock.now()
        purchase.save()
        coupon_release(purchase_ids=[purchase.pk])
        if track is not None:
            _release_hold(track)
        return purchase


# --- payment outcomes (webhook events) ------------------------------------------------------------


def purchase_for_intent(intent: dict) -> Purchase | None:
    found = Purchase.objects.filter(payment_intent_id=intent.get("id")).first()
    if found is None:
        purchase_id = (intent.get("metadata") or {}).get("purchase_id")
        if purchase_id and str(purchase_id).isascii() and str(purchase_id).isdigit():
            found = Purchase.objects.filter(pk=int(purchase_id)).first()
    return found


def purchase_payment_succeeded(*, intent: dict) -> Purchase | None:
    """``payment_intent.succeeded``: the buyer paid. Unless the track went to someone else
    meanwhile (then the payment is refunded), the purchase succeeds even after its hold
    expired or a failure event: the exclusive license is issued, the track is sold, the
    producer's managers and the buyer are notified. Idempotent."""
    purchase = purchase_for_intent(intent)
    if purchase is None:
        return None
    with transaction.atomic():
        track, purchase = _lock(purchase.pk)
        if purchase.status in (Purchase.Status.SUCCEEDED, Purchase.Status.REFUNDED):
            return purchase  # duplicate, or refunded before this (late) event
        if purchase.payment_intent_id is None:
            purchase.payment_intent_id = intent.get("id")
        sold_elsewhere = (
            track is None
            or (
                track.exclusive_status == ExclusiveStatus.SOLD
                and track.exclusive_buyer_id != purchase.buyer_id
            )
            or purchase.buyer_id is None
        )
        if sold_elsewhere:
            return _refund(purchase, code=SOLD_TO_OTHER)
        if purchase.status != Purchase.Status.PENDING:
            # A late success after the hold expired: any other buyer's hold gives way.
            _fail_pending(track_id=track.pk, code=SOLD_TO_OTHER, message="Sold to another buyer.")
        now = clock.now()
        license, _ = license_issue(
            user=purchase.buyer,
            track=track,
            license_type=License.Type.EXCLUSIVE,
            context=IssuanceContext(platform="purchase", extra={"purchase_id": str(purchase.pk)}),
            terms_overrides=terms.certificate_terms(track.exclusive_terms),
        )
        if purchase.status != Purchase.Status.PENDING:
            coupon_retake(purchase=purchase)  # its use was given back when it failed
        purchase.status = Purchase.Status.SUCCEEDED
        purchase.succeeded_at = now
        purchase.failure_code = ""
        purchase.failure_message = ""
        purchase.license = license
        purchase.save()
        track.exclusive_status = ExclusiveStatus.SOLD
        track.exclusive_buyer_id = purchase.buyer_id
        track.exclusive_sold_at = now
        track.exclusive_hold_until = None
        track.save(
            update_fields=[
                "exclusive_status",
                "exclusive_buyer",
                "exclusive_sold_at",
                "exclusive_hold_until",
                "updated_at",
            ]
        )
        _notify_sale(purchase=purchase, track=track, license=license)
    return purchase


def _refund(purchase: Purchase, *, code: str) -> Purchase:
    """Give a buyer's money back through the gateway (caller holds the locks)."""
    refund_id = get_gateway(purchase.gateway).refund_payment(
        intent_id=purchase.payment_intent_id,
        idempotency_key=f"beatpass-purchase-{purchase.pk}-refund",
    )
    now = clock.now()
    purchase.status = Purchase.Status.REFUNDED
    purchase.refund_id = refund_id
    purchase.refunded_at = now
    purchase.amount_refunded = purchase.total_amount
    purchase.failure_code = code
    purchase.failure_message = "The exclusive was sold to another buyer; the payment is refunded."
    purchase.save()
    coupon_release(purchase_ids=[purchase.pk])
    if purchase.buyer_id:
        notify(
            user=purchase.buyer,
            kind="purchase.refunded",
            title=f"Your payment for “{purchase.track_name}” was refunded",
            body="The exclusive was sold to another buyer before your payment completed.",
            data={"purchase_id": purchase.pk},
        )
    return purchase


def _notify_sale(*, purchase: Purchase, track: Track, license: License) -> None:
    buyer = purchase.buyer
    amount = f"{purchase.total_amount} {purchase.currency}"
    earnings = f"{purchase.artist_amount} {purchase.currency}"
    data = {
        "purchase_id": purchase.pk,
        "track_id": track.pk,
        "buyer_id": buyer.pk,
        "buyer_name": buyer.display_name,
        "amount": str(purchase.total_amount),
        "artist_amount": str(purchase.artist_amount),
        "currency": purchase.currency,
        "license_uuid": str(license.uuid),
    }
    managers = purchase.seller_artist.managers.all() if purchase.seller_artist else []
    for manager in managers:
        notify(
            user=manager,
            kind="track.sold",
            title=f"“{track.name}” sold exclusively to {buyer.display_name}",
            body=f"Sale amount {amount}; your earnings {earnings}.",
            data=data,
        )
    notify(
        user=buyer,
        kind="purchase.succeeded",
        title=f"You own the exclusive license for “{track.name}”",
        body="Your license certificate and the files are ready to download.",
        data=data,
    )


def purchase_payment_failed(*, intent: dict) -> Purchase | None:
    """``payment_intent.payment_failed``: record the failure; the hold is released."""
    purchase = purchase_for_intent(intent)
    if purchase is None:
        return None
    error = intent.get("last_payment_error") or {}
    return _finish_failed(
        purchase_id=purchase.pk,
        code=(error.get("decline_code") or error.get("code") or "payment_failed")[:64],
        message=error.get("message") or "Payment failed",
    )


def purchase_charge_refunded(*, charge: dict) -> Purchase | None:
    """``charge.refunded``: a full refund undoes the sale (purchase ``refunded``, exclusive
    license revoked, track ``available`` again); a partial one is only recorded."""
    purchase = purchase_for_intent(
        {"id": charge.get("payment_intent"), "metadata": charge.get("metadata")}
    )
    if purchase is None:
        return None
    with transaction.atomic():
        track, purchase = _lock(purchase.pk)
        currency = (charge.get("currency") or purchase.currency).upper()
        refunded = from_minor_units(int(charge.get("amount_refunded") or 0), currency)
        purchase.amount_refunded = max(purchase.amount_refunded, refunded)
        full = bool(charge.get("refunded")) or refunded >= purchase.total_amount
        if not full or purchase.status == Purchase.Status.REFUNDED:
            purchase.save()
            return purchase
        was_sale = purchase.status == Purchase.Status.SUCCEEDED
        purchase.status = Purchase.Status.REFUNDED
        purchase.refunded_at = clock.now()
        purchase.save()
        coupon_release(purchase_ids=[purchase.pk])
        from content.commerce.services.refunds import refund_requests_mark_refunded

        refund_requests_mark_refunded(purchase=purchase)
        if was_sale:
            _notify_refunded_sale(purchase=purchase)
            license = License.objects.filter(
                pk=purchase.license_id, status=License.Status.ACTIVE
            ).first()
            if license is not None:
                license_revoke(license=license, actor=None, reason="The purchase was refunded.")
            if track is not None and track.exclusive_buyer_id == purchase.buyer_id:
                track.exclusive_status = ExclusiveStatus.AVAILABLE
                track.exclusive_buyer = None
                track.exclusive_sold_at = None
                track.save(
                    update_fields=[
                        "exclusive_status",
                        "exclusive_buyer",
                        "exclusive_sold_at",
                        "updated_at",
                    ]
                )
        elif (
            track is not None
            and not Purchase.objects.filter(track=track, status=Purchase.Status.PENDING).exists()
        ):
            _release_hold(track)
        return purchase


def _notify_refunded_sale(*, purchase: Purchase) -> None:
    amount = f"{purchase.total_amount} {purchase.currency}"
    data = {"purchase_id": purchase.pk, "track_id": purchase.track_id}
    if purchase.buyer_id:
        notify(
            user=purchase.buyer,
            kind="purchase.refunded",
            title=f"Your purchase of “{purchase.track_name}” was refunded",
            body=f"{amount} is on its way back to you. The exclusive license is revoked.",
            data=data,
        )
    managers = purchase.seller_artist.managers.all() if purchase.seller_artist else []
    for manager in managers:
        notify(
            user=manager,
            kind="sale.refunded",
            title=f"The exclusive sale of “{purchase.track_name}” was refunded",
            body=(
                f"Your payout of {purchase.artist_amount} {purchase.currency} for this sale is "
                "reversed, and the beat is listed as available again."
            ),
            data=data,
        )


# --- hold expiry ----------------------------------------------------------------------------------


def exclusive_holds_release() -> int:
    """Periodic: tracks whose exclusive hold ran out go back to ``available``; their pending
    purchases are marked ``failed`` (``hold_expired``; a payment that still succeeds later
    wins if nobody bought the track meanwhile). Returns the tracks released."""
    now = clock.now()
    released = 0
    expired = Track.objects.filter(
        exclusive_status=ExclusiveStatus.PENDING, exclusive_hold_until__lte=now
    ).values_list("pk", flat=True)
    for track_id in list(expired[:1000]):
        with transaction.atomic():
            track = (
                Track.objects.select_for_update(skip_locked=True)
                .filter(
                    pk=track_id,
                    exclusive_status=ExclusiveStatus.PENDING,
                    exclusive_hold_until__lte=now,
                )
                .first()
            )
            if track is None:
                continue
            _fail_pending(
                track_id=track.pk, code=HOLD_EXPIRED, message="The exclusive hold expired."
            )
            _release_hold(track)
            released += 1
    return released


# --- deleting a track that is sold or being paid for ----------------------------------------------

TRACK_DELETED = "track_deleted"


def tracks_delete_refusal(*, tracks) -> TrackSoldLocked | TrackPendingLocked | None:
    """The 409 deleting ``tracks`` gets when it is not a takedown, or None: a track sold
    exclusively (``exclusive_sold``: the buyer keeps the WAV, MP3 and stems they paid for) or
    one whose exclusive a buyer is paying for (``exclusive_pending`` while the hold lasts).
    Binding only on rows the caller locked; the admin also asks it first, to explain."""
    sold = [t.pk for t in tracks if t.exclusive_status == ExclusiveStatus.SOLD]
    if sold:
        return TrackSoldLocked(track_ids=sold)
    now = clock.now()
    held = [
        t.pk
        for t in tracks
        if t.exclusive_status == ExclusiveStatus.PENDING
        and (t.exclusive_hold_until is None or t.exclusive_hold_until > now)
    ]
    if held:
        return TrackPendingLocked(track_ids=held)
    return None


def tracks_delete_check(*, user, tracks, takedown: bool | None = None) -> None:
    """Called by ``content.catalog.services.tracks_delete`` with every track of the batch
    locked (``FOR UPDATE``), before anything is deleted. Unless it is a takedown (by default:
    the user is staff), a track sold or being paid for refuses the whole batch
    (``tracks_delete_refusal``; the body lists them in ``track_ids``). A hold that has run out
    gives way, as it does to a new buyer. In a takedown the pending purchases fail
    (``track_deleted``, see ``_fail_purchases_of_deleted_track``); a sold track's buyer keeps
    their license."""
    if not (user.is_staff if takedown is None else takedown):
        refusal = tracks_delete_refusal(tracks=tracks)
        if refusal is not None:
            raise refusal
    for track in tracks:
        if track.exclusive_status == ExclusiveStatus.PENDING:
            _fail_purchases_of_deleted_track(track)


def _fail_purchases_of_deleted_track(track: Track) -> None:
    """The locked ``track`` is about to be deleted: its pending purchases fail
    (``track_deleted``), their coupon uses and the hold are released, their buyers are told,
    and once the delete commits their PaymentIntents are cancelled at the gateway so nobody
    pays for a track that is gone. An intent paid meanwhile cannot be cancelled: its success
    event then finds no track and refunds it."""
    pending = list(
        Purchase.objects.filter(track_id=track.pk, status=Purchase.Status.PENDING).select_related(
            "buyer"
        )
    )
    _fail_pending(track_id=track.pk, code=TRACK_DELETED, message="The track was deleted.")
    _release_hold(track)
    for purchase in pending:
        if purchase.buyer is not None:
            notify(
                user=purchase.buyer,
                kind="purchase.canceled",
                title=f"Your purchase of “{purchase.track_name}” was cancelled",
                body="The track was taken down before your payment completed: the payment "
                "is cancelled, or refunded in full if it already went through.",
                data={"purchase_id": purchase.pk, "track_id": track.pk},
            )
        if purchase.payment_intent_id:
            transaction.on_commit(
                functools.partial(
                    purchase_cancel_payment,
                    purchase_id=purchase.pk,
                    gateway=purchase.gateway,
                    intent_id=purchase.payment_intent_id,
                )
            )


def purchase_cancel_payment(*, purchase_id: int, gateway: str, intent_id: str) -> str | None:
    """Cancel a failed purchase's PaymentIntent at the gateway (after commit: a gateway call
    never holds row locks); its new status, or None when the gateway refused or was down
    (logged: a payment that still succeeds is refunded by its webhook)."""
    try:
        return get_gateway(gateway).cancel_payment_intent(
            intent_id=intent_id, idempotency_key=f"beatpass-purchase-{purchase_id}-cancel"
        )
    except (GatewayError, GatewayNotConfigured) as exc:
        logger.warning("purchase %s: cancelling %s failed: %s", purchase_id, intent_id, exc)
        return None
