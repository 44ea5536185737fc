"""The licensing errors of the download flow (error codes are part of the API)."""

from __future__ import annotations

from beatpass.api.errors import ApplicationError, Conflict, Gone, LimitReached

FINGERPRINT_RETRY_SECONDS = 60


class SubscriptionRequired(ApplicationError):
    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            "An active subscription is required to download and license this track.",
            code="subscription_required",
        )


class FingerprintPending(Conflict):
    def __init__(self, *, retry_after: int = FINGERPRINT_RETRY_SECONDS) -> None:
        super().__init__(
            "This track's audio fingerprint is not complete yet; licenses need it. "
            f"Try again in {retry_after} seconds.",
            code="fingerprint_pending",
            extra={"retry_after": retry_after},
        )


class FingerprintFailed(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "This track's audio could not be fingerprinted, so it cannot be licensed until the "
            "producer fixes it.",
            code="fingerprint_failed",
        )


class ExclusiveSold(Gone):
    def __init__(self) -> None:
        super().__init__(
            "This track has been sold exclusively and is no longer available",
            code="exclusive_sold",
        )


class LicenseRevoked(Gone):
    def __init__(self) -> None:
        super().__init__(
            "Your license for this track was revoked. Contact support.", code="license_revoked"
        )


class QuotaExceeded(LimitReached):
    def __init__(self, *, limit: int, retry_after: int) -> None:
        super().__init__(
            f"You have used all {limit} downloads of your plan for this billing period.",
            code="download_quota_exceeded",
            extra={"retry_after": retry_after, "downloads_per_period": limit},
        )


class LicenseNotNeeded(ApplicationError):
    status_code = 422

    def __init__(self) -> None:
        super().__init__(
            "You manage this track: you can download it without a license.",
            code="license_not_needed",
        )


class SigningUnavailable(ApplicationError):
    status_code = 503

    def __init__(self, detail: str) -> None:
        super().__init__(
            "License certificates cannot be issued right now (signing is not configured).",
            code="license_signing_unavailable",
            extra={"detail": detail},
        )


class RetryAfterMixin:
    """For views: a domain error's ``retry_after`` also goes into the ``Retry-After`` header
    (the exception handler does it for 429s only; 409 ``fingerprint_pending`` needs it too)."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, ApplicationError) and "retry_after" in exc.extra:
            response["Retry-After"] = str(exc.extra["retry_after"])
        return response
