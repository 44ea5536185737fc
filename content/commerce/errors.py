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
    status_code = UNPROCESSABLE

    def __init__(self) -> None:
        super().__init__("Cannot purchase own track", code="cannot_purchase_own_track")


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
