"""drf-spectacular glue shared by every app: the Bearer scheme and the building blocks of
response documentation (path and page parameters, the Laravel page, the success envelope).

These only describe responses for the OpenAPI document; the runtime output is built by each
domain's presenters.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers


class BearerAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "beatpass.accounts.authentication.BearerAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


RICH = "Authenticated requests only (two-tier access)."


ID_PATH = OpenApiParameter("id", int, OpenApiParameter.PATH)


IDS_PATH = OpenApiParameter(
    "id", str, OpenApiParameter.PATH, description="One id, or comma-separated ids (bulk delete)."
)


PAGE_PARAMS = [
    OpenApiParameter("page", int, description="Page number (default 1)."),
    OpenApiParameter("per_page", int, description="Items per page, 1-100 (default 15)."),
]
# Track lists also read in keyset mode (beatpass/api/pagination.py).
CURSOR_PARAM = OpenApiParameter(
    "cursor",
    str,
    description="Keyset mode for deep scrolling: empty for the first page, then the "
    "previous response's `next_cursor`. The response is then `{data, per_page, "
    "next_cursor, prev_cursor}` (no totals).",
)


WITH_PARAM = OpenApiParameter("with", str, description="Comma-separated relations to include.")


_BUILT: dict[str, serializers.Serializer] = {}


def _once(name: str, build):
    """Each named component is built once; spectacular warns about same-name twins."""
    if name not in _BUILT:
        _BUILT[name] = build()
    return _BUILT[name]


def paginated(name: str, item: serializers.Serializer):
    return _once(
        f"Paginated{name}",
        lambda: inline_serializer(
            f"Paginated{name}",
            {
                "data": item.__class__(many=True),
                # Absent in cursor mode (``?cursor=``).
                "current_page": serializers.IntegerField(required=False),
                "per_page": serializers.IntegerField(),
                "total": serializers.IntegerField(required=False),
                "total_is_estimate": serializers.BooleanField(
                    required=False,
                    help_text="True when `total` (and `last_page`) is the planner's estimate "
                    "of a filtered list larger than PAGINATION_COUNT_CAP.",
                ),
                "last_page": serializers.IntegerField(required=False),
                "from": serializers.IntegerField(allow_null=True, required=False),
                "to": serializers.IntegerField(allow_null=True, required=False),
                "next_cursor": serializers.CharField(allow_null=True, required=False),
                "prev_cursor": serializers.CharField(allow_null=True, required=False),
            },
        ),
    )


def envelope(name: str, key: str, item: serializers.Serializer):
    return _once(
        f"{name}Envelope",
        lambda: inline_serializer(
            f"{name}Envelope", {"status": serializers.CharField(default="success"), key: item}
        ),
    )


def status_only(name: str, **fields):
    return inline_serializer(name, {"status": serializers.CharField(default="success"), **fields})


# --- error responses ------------------------------------------------------------------------------


class ErrorOut(serializers.Serializer):
    """The error body every endpoint answers with (the exception handler's wire format)."""

    message = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="422 only: field name (dotted for nested fields) → messages.",
    )
    error_code = serializers.CharField(
        required=False, help_text="Domain errors only: a stable machine-readable code."
    )
    retry_after = serializers.IntegerField(required=False, help_text="429 only: seconds.")


ERROR_DESCRIPTIONS = {
    400: "Malformed request (bad JSON, a NUL byte).",
    401: 'Unauthenticated: `{"message": "Unauthenticated."}`.',
    403: "Signed in but not allowed.",
    404: "Missing, or hidden from you.",
    409: "Conflicts with the current state.",
    410: "Gone.",
    422: "Validation failed: `message` and `errors` per field.",
    429: "Too many requests: `Retry-After` header and `retry_after` seconds.",
    503: "A required external service is unavailable.",
}


def errors(*statuses: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """``responses={200: ..., **errors(401, 404, 422)}``: the error statuses an operation can
    answer, each with the shared error body. Override a description with ``e409="..."``."""
    out = {}
    for code in statuses:
        text = descriptions.get(f"e{code}", ERROR_DESCRIPTIONS.get(code, "Error."))
        out[code] = OpenApiResponse(ErrorOut, description=text)
    return out
