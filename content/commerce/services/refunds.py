"""Refund requests of exclusive purchases (help: refund policy — "only considered within 24
hours of purchase, and only if the buyer has not downloaded any files; if approved the
exclusive license is revoked, the beat re-listed, the payout reversed").

The buyer asks (``refund_request_create``), the producers are told, staff approve or deny in
the admin. Approving revokes the exclusive license at once (no download slips in while the
money travels back) and asks the gateway for the refund (Stripe reverses the transfer to the
producer and the application fee); the gateway's ``charge.refunded`` then runs the existing
refund path (``purchases.purchase_charge_refunded``: purchase ``refunded``, track available
again), which closes the request (``refund_requests_mark_refunded``).

Locks: the purchase's track row, then the purchase row (``purchases``' lock order), then the
request row.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from rest_framework.exceptions import NotFound

from beatpass.accounts.services import notify
from beatpass.api.errors import validation_error
from content import clock
from content.commerce.errors import (
    GatewayError,
    GatewayNotConfigured,
    PurchaseNotRefundable,
    RefundDecisionRefused,
    RefundFilesDownloaded,
    RefundRequestDenied,
    RefundRequestOpen,
    RefundWindowClosed,
)
from content.commerce.gateways import get_gateway
from content.commerce.models import Purchase, RefundRequest
from content.commerce.services.purchases import _lock
from content.licensing.models import License
from content.licensing.services import license_revoke

logger = logging.getLogger(__name__)

REFUND_WINDOW = timedelta(hours=24)


def refund_key(purchase: Purchase) -> str:
    """The gateway idempotency key of a purchase's refund: one refund per purchase, whoever
    asks for it (an approval, its retry, the sold-to-another-buyer path)."""
    return f"beatpass-purchase-{purchase.pk}-refund"


def _downloaded(purchase: Purchase) -> bool:
    """Has the buyer downloaded any file of the track — the WAV/MP3, one stem or the stems
    zip (all recorded as ``Download`` rows of the track) — since the payment succeeded?
    Downloads before it (a subscriber's non-exclusive copy, which the refund leaves alone)
    don't make the exclusive sale final."""
    from content.media.models import Download

    return Download.objects.filter(
        track_id=purchase.track_id,
        user_id=purchase.buyer_id,
        created_at__gte=purchase.succeeded_at,
    ).exists()


def refund_request_create(*, buyer, purchase_id: int, reason: str) -> RefundRequest:
    """The buyer asks for ``purchase_id`` (one of theirs, else 404) to be refunded. Refused
    (nothing stored) when the purchase is not a completed sale or its track is gone (409
    ``purchase_not_refundable``), a request is already in review (409
    ``refund_request_open``) or was denied (409 ``refund_request_denied``), more than 24 hours
    passed since the payment (422 ``refund_window_closed``) or the buyer downloaded any file of
    the track since the payment (422 ``refund_files_downloaded``). The producers are notified.

    Holds the track and purchase row locks: two simultaneous requests run one after the
    other, the second sees the first; the partial unique constraint backs it."""
    if not Purchase.objects.filter(pk=purchase_id, buyer=buyer).exists():
        raise NotFound()
    with transaction.atomic():
        track, purchase = _lock(purchase_id)
        if purchase.status != Purchase.Status.SUCCEEDED:
            raise PurchaseNotRefundable(purchase_status=purchase.status)
        previous = list(RefundRequest.objects.filter(purchase=purchase).values_list("pk", "status"))
        for pk, status in previous:
            if status in RefundRequest.IN_FLIGHT:
                raise RefundRequestOpen(refund_request_id=pk)
        for pk, status in previous:
            if status == RefundRequest.Status.DENIED:
                raise RefundRequestDenied(refund_request_id=pk)
        if track is None:
            raise PurchaseNotRefundable(
                purchase_status=purchase.status,
                message="This track was taken down; contact support about a refund.",
            )
        now = clock.now()
        until = purchase.succeeded_at + REFUND_WINDOW
        if now > until:
            raise RefundWindowClosed(refundable_until=until.isoformat())
        if _downloaded(purchase):
            raise RefundFilesDownloaded()
        try:
            with transaction.atomic():
                request = RefundRequest.objects.create(
                    purchase=purchase, requested_by=buyer, reason=reason
                )
        except IntegrityError as exc:  # the constraint, should the locks ever be bypassed
            raise RefundRequestOpen(refund_request_id=None) from exc
        _notify_producers(request=request, purchase=purchase)
    return request


def _notify_producers(*, request: RefundRequest, purchase: Purchase) -> None:
    if purchase.seller_artist is None:
        return
    for manager in purchase.seller_artist.managers.all():
        notify(
            user=manager,
            kind="sale.refund_requested",
            title=f"The buyer of “{purchase.track_name}” asked for a refund",
            body=(
                f"Reason: {request.reason}\nBeatPass reviews the request. If it is approved, "
                "the exclusive license is revoked, the beat is listed again and your payout "
                "for this sale is reversed."
            ),
            data={
                "refund_request_id": request.pk,
                "purchase_id": purchase.pk,
                "track_id": purchase.track_id,
            },
        )


def refund_request_approve(*, refund_request: RefundRequest, actor) -> RefundRequest:
    """Staff approve: nothing may have been downloaded since the request (else 409
    ``refund_decision_refused``: deny it); the decision is recorded and the exclusive license
    revoked in one transaction, then — no lock held — the gateway is asked for the refund
    (``refund_key``: a retry never refunds twice). A gateway failure is kept in
    ``refund_error`` and re-raised; approving the approved request again retries the call.
    The gateway's ``charge.refunded`` does the rest."""
    with transaction.atomic():
        track, purchase = _lock(refund_request.purchase_id)
        request = RefundRequest.objects.select_for_update().get(pk=refund_request.pk)
        if request.status == RefundRequest.Status.APPROVED and request.refund_id:
            raise RefundDecisionRefused(
                "Already approved; the refund is waiting for the payment provider's confirmation."
            )
        if request.status not in RefundRequest.IN_FLIGHT:
            raise RefundDecisionRefused(f"This request is already {request.status}.")
        if request.status == RefundRequest.Status.OPEN:
            if purchase.status != Purchase.Status.SUCCEEDED:
                raise RefundDecisionRefused(f"The purchase is {purchase.status}, not refundable.")
            if _downloaded(purchase):
                raise RefundDecisionRefused(
                    "The buyer downloaded files of the track since asking: deny the request."
                )
            request.status = RefundRequest.Status.APPROVED
            request.decided_by = actor
            request.decided_at = clock.now()
            request.save()
            license = License.objects.filter(
                pk=purchase.license_id, status=License.Status.ACTIVE
            ).first()
            if license is not None:
                license_revoke(
                    license=license,
                    actor=actor,
                    reason="Your refund request was approved: the payment is being returned.",
                )
    try:
        refund_id = get_gateway(purchase.gateway).refund_payment(
            intent_id=purchase.payment_intent_id, idempotency_key=refund_key(purchase)
        )
    except (GatewayError, GatewayNotConfigured) as exc:
        detail = getattr(exc, "detail", "") or str(exc)
        RefundRequest.objects.filter(pk=request.pk).update(
            refund_error=str(detail)[:2000], updated_at=clock.now()
        )
        logger.warning("refund request %s: the gateway refused: %s", request.pk, detail)
        raise
    now = clock.now()
    RefundRequest.objects.filter(pk=request.pk).update(
        refund_id=refund_id, refund_error="", updated_at=now
    )
    Purchase.objects.filter(pk=purchase.pk, refund_id="").update(
        refund_id=refund_id, updated_at=now
    )
    request.refresh_from_db()
    return request


def refund_request_deny(*, refund_request: RefundRequest, actor, note: str) -> RefundRequest:
    """Staff deny an open request, saying why (required: 422 under ``decision_note``); the
    buyer is told. The purchase stands; the buyer cannot ask again."""
    note = (note or "").strip()
    if not note:
        raise validation_error("decision_note", "Say why the refund is denied.")
    with transaction.atomic():
        request = (
            RefundRequest.objects.select_for_update(of=("self",))
            .select_related("purchase", "requested_by")
            .get(pk=refund_request.pk)
        )
        if request.status != RefundRequest.Status.OPEN:
            raise RefundDecisionRefused(f"This request is already {request.status}.")
        request.status = RefundRequest.Status.DENIED
        request.decided_by = actor
        request.decided_at = clock.now()
        request.decision_note = note
        request.save()
        if request.requested_by is not None:
            notify(
                user=request.requested_by,
                kind="purchase.refund_denied",
                title=f"Your refund request for “{request.purchase.track_name}” was denied",
                body=f"Reason: {note}",
                data={"refund_request_id": request.pk, "purchase_id": request.purchase_id},
            )
    return request


def refund_requests_mark_refunded(*, purchase: Purchase) -> int:
    """The gateway confirmed the full refund of ``purchase`` (caller holds its row lock): the
    request in flight, if any, is ``refunded`` (also one still open: the refund was made at
    the gateway directly). Returns the requests closed."""
    now = clock.now()
    closed = 0
    for request in RefundRequest.objects.select_for_update().filter(
        purchase=purchase, status__in=RefundRequest.IN_FLIGHT
    ):
        request.status = RefundRequest.Status.REFUNDED
        request.refunded_at = now
        request.decided_at = request.decided_at or now
        request.save()
        closed += 1
    return closed
