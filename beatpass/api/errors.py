"""Domain errors raised by services, mapped to the spec's wire format by the exception handler."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business-rule failure: ``{"message": ..., "error_code": ...}`` with an HTTP status.

    ``extra`` is merged into the body (e.g. the list of duplicates on a 409).
    """

    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        if status is not None:
            self.status_code = status
        self.extra = extra or {}


class InvalidCredentials(ApplicationError):
    """Wrong email or password: 401 with a message that says so (not "Unauthenticated.")."""

    status_code = 401


class Conflict(ApplicationError):
    status_code = 409


class Gone(ApplicationError):
    status_code = 410


class LimitReached(ApplicationError):
    status_code = 429


class ServiceUnavailable(ApplicationError):
    status_code = 503


def validation_error(field: str, message: str) -> Exception:
    """A 422 for one field, raised from services where a serializer cannot see the problem."""
    from rest_framework.exceptions import ValidationError

    return ValidationError({field: [message]})
