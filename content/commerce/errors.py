"""Commerce errors (the error codes are part of the API; messages follow commerce.mdx and the
error catalog's purchase rows)."""

from __future__ import annotations

from beatpass.api.errors import ApplicationError, Conflict

UNPROCESSABLE = 422


class PurchasesDisabled(ApplicationError):
    status_code = 403

    def __init__(self) -> None:
        super().__init__("Track purchases not enabled", code="purchases_disabled")


class TrackNotForSale(ApplicationError):
    status_code = 400

    def __init__(self) -> None:
        super().__init__("Track not for sale", code="track_not_for_sale")


class OwnTrack(ApplicationError):
    """The buyer manages an artist credited on the track (main, featured or co-producer):
    commerce.mdx's "Buyer is the track artist"."""

    status_code = UNPROCESSABLE

    def __init__(self) -> None:
        super().__init__("Cannot purchase own track", code="cannot_purchase_own_track")


class StaffCannotPurchase(ApplicationError):
    """A staff account sees private drafts, takes tracks down and decides refunds: it does not
    also buy exclusives. Staff buy with a personal account like anyone else."""

    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            "Staff accounts cannot buy exclusives. Use a personal account.",
            code="staff_cannot_purchase",
        )


class AlreadyPurchased(ApplicationError):
    status_code = UNPROCESSABLE

    def __init__(self) -> None:
        super().__init__("Already purchased", code="already_purchased")


class ArtistNotPayable(ApplicationError):
    status_code = UNPROCESSABLE

    def __init__(self) -> None:
        super().__init__("Artist not set up for payments", code="artist_payments_not_setup")


class ExclusivePending(Conflict):
    OTHER_BUYER = (
        "Another buyer is completing the exclusive purchase of this track. Try again later."
    )
    YOURS = "Your purchase of this track is being set up. Try again in a moment."

    def __init__(self, *, retry_after: int, message: str = OTHER_BUYER) -> None:
        super().__init__(
            message,
            code="exclusive_pending",
            extra={"retry_after": retry_after},
        )


class TooManyHolds(Conflict):
    def __init__(self, *, limit: int, retry_after: int) -> None:
        super().__init__(
            f"You are already paying for {limit} exclusive beats. Finish or cancel one of those "
            "checkouts first.",
            code="too_many_pending_purchases",
            extra={"retry_after": retry_after},
        )


class PriceChanged(Conflict):
    def __init__(self, *, pricing: dict) -> None:
        super().__init__("Price changed", code="price_changed", extra={"pricing": pricing})


class LicensingLocked(Conflict):
    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code)


class GatewayError(ApplicationError):
    """The payment gateway failed or is unreachable (error catalog: "Processing error")."""

    status_code = 502

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "Processing error: the payment provider could not be reached. Retry in a moment.",
            code="payment_processing_error",
        )
        self.detail = detail


class GatewayNotConfigured(ApplicationError):
    status_code = 503

    def __init__(self) -> None:
        super().__init__(
            "Payments are not configured on this server.", code="payments_not_configured"
        )


# --- stems ----------------------------------------------------------------------------------------


class StemsForbidden(ApplicationError):
    """Stems go to the track's managers, staff and its exclusive buyer only."""

    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            "Stems are delivered only to the exclusive buyer of this track.",
            code="stems_exclusive_buyer_only",
        )


class StemsNotIncluded(ApplicationError):
    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            "Stems are not among the files of your exclusive license.", code="stems_not_included"
        )


class StemsDelivered(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "This track's exclusive is sold: its stems belong to the delivery and cannot be "
            "removed.",
            code="stems_delivered",
        )


# --- a sold or pending track stays as its buyer bought it -----------------------------------------


class TrackSoldLocked(Conflict):
    """A producer may not delete a track sold exclusively: the buyer keeps the files they paid
    for (help: "the buyer receives … WAV, MP3, stems")."""

    def __init__(self, *, track_ids: list[int]) -> None:
        super().__init__(
            "This track has been sold exclusively: its buyer keeps its files, so it cannot be "
            "deleted. Contact support if it must be taken down.",
            code="exclusive_sold",
            extra={"track_ids": track_ids},
        )


class TrackPendingLocked(Conflict):
    """A buyer is paying for the track's exclusive: it cannot be deleted, nor its stems
    removed, until the payment ends (sold, or failed / hold expired → available again)."""

    DELETE = (
        "A buyer is paying for this track's exclusive: it cannot be deleted until the payment ends."
    )
    STEMS = (
        "A buyer is paying for this track's exclusive: its stems belong to the delivery and "
        "cannot be removed until the payment ends."
    )

    def __init__(self, *, track_ids: list[int], message: str = DELETE) -> None:
        super().__init__(
            message,
            code="exclusive_pending",
            extra={"track_ids": track_ids},
        )


# --- refund requests (help: refund policy — 24 hours, nothing downloaded) -------------------------


class RefundWindowClosed(ApplicationError):
    status_code = UNPROCESSABLE

    def __init__(self, *, refundable_until: str) -> None:
        super().__init__(
            "Refund requests are only considered within 24 hours of purchase.",
            code="refund_window_closed",
            extra={"refundable_until": refundable_until},
        )


class RefundFilesDownloaded(ApplicationError):
    status_code = UNPROCESSABLE

    def __init__(self) -> None:
        super().__init__(
            "Refund requests are only considered if you have not downloaded any files of the "
            "track.",
            code="refund_files_downloaded",
        )


class PurchaseNotRefundable(Conflict):
    def __init__(self, *, purchase_status: str, message: str | None = None) -> None:
        super().__init__(
            message or "Only a completed purchase can be refunded.",
            code="purchase_not_refundable",
            extra={"purchase_status": purchase_status},
        )


class RefundRequestOpen(Conflict):
    def __init__(self, *, refund_request_id: int | None) -> None:
        super().__init__(
            "A refund request for this purchase is already being reviewed.",
            code="refund_request_open",
            extra={"refund_request_id": refund_request_id},
        )


class RefundRequestDenied(Conflict):
    def __init__(self, *, refund_request_id: int) -> None:
        super().__init__(
            "A refund for this purchase was already requested and denied. Contact support.",
            code="refund_request_denied",
            extra={"refund_request_id": refund_request_id},
        )


class RefundDecisionRefused(Conflict):
    """Staff cannot approve or deny this request (any more): the reason says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="refund_decision_refused")
