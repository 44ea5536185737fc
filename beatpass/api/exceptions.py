"""One place that turns every error into the spec's wire format.

- validation → 422 ``{"message": first error, "errors": {field: [..]}}`` (Laravel style)
- 401 → ``{"message": "Unauthenticated."}``; 403/404 → ``{"message": ...}``
- 429 → ``{"message": "Too Many Attempts.", "retry_after": N}`` + ``Retry-After``
- ApplicationError → ``{"message", "error_code", **extra}`` with its status
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .errors import ApplicationError

UNAUTHENTICATED = "Unauthenticated."
FORBIDDEN = "This action is unauthorized."
NOT_FOUND = "Not found."


_GENERIC = {
    "This field is required.": "The {label} field is required.",
    "This field may not be blank.": "The {label} field is required.",
    "This field may not be null.": "The {label} field is required.",
    "No file was submitted.": "The {label} field is required.",
}


def _laravel_message(field: str, message: str) -> str:
    """DRF: "This field is required."; spec clients expect "The name field is required."."""
    template = _GENERIC.get(message)
    if template is None or field == api_settings.NON_FIELD_ERRORS_KEY:
        return message
    # The field's own name ("name" of "items.0.name"); an item of a list is named by its
    # path, as Laravel does ("The track ids.2 field is required."), never by its index alone.
    parent, _, last = field.rpartition(".")
    label = field if (last.isdigit() and parent) else last
    return template.format(label=label.replace("_", " "))


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten DRF's nested error structure into ``{"field.0.sub": ["msg", ...]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in flatten_errors(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            field = prefix or api_settings.NON_FIELD_ERRORS_KEY
            out.setdefault(field, []).extend(_laravel_message(field, str(i)) for i in detail)
        else:
            for index, item in enumerate(detail):
                if not item:
                    continue
                name = f"{prefix}.{index}" if prefix else str(index)
                for k, v in flatten_errors(item, name).items():
                    out.setdefault(k, []).extend(v)
    else:
        field = prefix or api_settings.NON_FIELD_ERRORS_KEY
        out.setdefault(field, []).append(_laravel_message(field, str(detail)))
    return out


def validation_body(errors: dict[str, list[str]]) -> dict[str, Any]:
    messages = [m for msgs in errors.values() for m in msgs]
    message = messages[0] if messages else "The given data was invalid."
    if len(messages) > 1:
        others = len(messages) - 1
        message = f"{message} (and {others} more error{'s' if others > 1 else ''})"
    return {"message": message, "errors": errors}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    headers: dict[str, str] = {}

    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"message": exc.message}
        if exc.code:
            body["error_code"] = exc.code
        body.update(exc.extra)
        if exc.status_code == 429 and "retry_after" in exc.extra:
            headers["Retry-After"] = str(exc.extra["retry_after"])
        return Response(body, status=exc.status_code, headers=headers)

    if isinstance(exc, (DataError, OverflowError)):
        # Input the serializers let through but the database cannot hold (e.g. an id beyond
        # bigint): still the client's fault, still nothing written (the atomic block rolled back).
        return Response(
            {"message": "A value in the request is out of range or malformed."},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )

    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: let Django log it and answer 500

    if isinstance(exc, exceptions.ValidationError):
        return Response(
            validation_body(flatten_errors(exc.detail)),
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        # Always 401 (never DRF's 403 fallback): every API view authenticates with Bearer tokens.
        return Response(
            {"message": UNAUTHENTICATED}, status=401, headers={"WWW-Authenticate": "Bearer"}
        )
    if isinstance(exc, exceptions.Throttled):
        wait = max(1, math.ceil(exc.wait or 1))
        headers["Retry-After"] = str(wait)
        return Response(
            {"message": "Too Many Attempts.", "retry_after": wait}, status=429, headers=headers
        )
    if isinstance(exc, exceptions.PermissionDenied):
        message = str(exc.detail)
        if message == exceptions.PermissionDenied.default_detail:
            message = FORBIDDEN
        return Response({"message": message}, status=403)
    if isinstance(exc, exceptions.NotFound):
        message = str(exc.detail)
        if message == exceptions.NotFound.default_detail or message.startswith("No "):
            message = NOT_FOUND
        return Response({"message": message}, status=404)

    body = {"message": str(exc.detail) if not isinstance(exc.detail, (dict, list)) else str(exc)}
    code = getattr(exc, "error_code", None)
    if code:
        body["error_code"] = code
    return Response(body, status=exc.status_code)
