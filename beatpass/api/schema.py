"""drf-spectacular glue shared by every app: the Bearer scheme and the building blocks of
response documentation (path and page parameters, the Laravel page, the success envelope).

These only describe responses for the OpenAPI document; the runtime output is built by each
domain's presenters.
"""

from __future__ import annotations

import inspect
import re

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import permissions, serializers

from beatpass.api.permissions import PublicReadAuthenticatedWrite


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


# --- the schema class every view uses ---------------------------------------------------------


def access_note(*, public: bool) -> str:
    """The sentence every operation's description ends with: who may call it."""
    if public:
        return "No token needed."
    return "Requires a bearer token."


# Resource names whose singular is not the plural minus "s".
_SINGULAR = {"lyrics": "lyrics entry", "cover-art": "cover art", "search": "search"}

# Standard actions, documented once here instead of on every viewset: (summary, description).
_STANDARD_ACTIONS = {
    ("GET", "list"): ("List {plural}", "One page of {plural} (Laravel pagination)."),
    ("POST", "create"): ("Create a {one}", "Creates a {one} and answers it with 201."),
    ("GET", "retrieve"): ("Get a {one}", "One {one} by its id; hidden and missing both give 404."),
    ("PUT", "update"): ("Update a {one}", "Updates the {one} with the fields sent."),
    ("PATCH", "partial_update"): (
        "Update some fields of a {one}",
        "Updates only the fields of the {one} that are sent; the others keep their values.",
    ),
    ("DELETE", "destroy"): ("Delete a {one}", "Deletes the {one}; you must be allowed to edit it."),
    ("POST", "like"): (
        "Like a {one}",
        "Adds the {one} to your likes; liking it again is harmless.",
    ),
    ("DELETE", "like"): ("Unlike a {one}", "Removes the {one} from your likes."),
}

# Status codes added to every operation that can answer them (an operation's own
# ``errors(...)`` wins). A new endpoint gets these for free.
_AUTO_ERRORS = {
    400: "The body is not valid JSON or multipart.",
    401: 'Unauthenticated: `{"message": "Unauthenticated."}`.',
    403: "Signed in but not allowed.",
    404: "Missing, or hidden from you.",
    422: "Validation failed: `message` and `errors` per field.",
    429: "Too many requests: `Retry-After` header and `retry_after` seconds.",
}
_PUBLIC_401 = "The token sent is invalid or expired (send none to read anonymously)."
_BASIC_PERMISSIONS = (
    permissions.AllowAny,
    permissions.IsAuthenticated,
    permissions.IsAuthenticatedOrReadOnly,
    PublicReadAuthenticatedWrite,
)


def _words(segment: str) -> str:
    return segment.replace("-", " ").replace("_", " ")


def _title(tag: str) -> str:
    return " ".join(word[:1].upper() + word[1:] for word in _words(tag).split())


class AutoSchema(SpectacularAutoSchema):
    """Documents what every endpoint shares, so a view only declares what is its own:

    - one Title Case tag per resource (the first path segment unless the view names one);
    - a summary and description for the standard actions (list, create, retrieve, update,
      partial update, destroy, like), phrased for the resource;
    - descriptions only from the view's own method or class, never inherited from a mixin;
    - who may call it: anonymous-friendly operations get the ``{}`` security alternative
      and say so; the others require the bearer token;
    - the error responses the route implies (400, 401, 403, 404, 422, 429), with the error
      body (an operation's own ``errors(...)`` entries win);
    - a DELETE's declared body under 200 (spectacular would document a bare 204);
    - a Laravel page (``paginated(...)``) as the response itself, not an array of pages;
    - a description for path parameters.
    """

    def get_tags(self) -> list[str]:
        return [_title(tag) for tag in super().get_tags()[:1]]

    def get_description(self) -> str:
        action = getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)
        own = getattr(action, "__doc__", None)
        if not own and not hasattr(self.view, "action"):  # an APIView's own class docstring
            own = type(self.view).__dict__.get("__doc__")
        return inspect.cleandoc(own) if own else ""

    def get_summary(self) -> str | None:
        standard = self._standard_text()
        return standard[0] if standard else None

    def _get_response_bodies(self, direction="response"):
        # spectacular documents every DELETE as a bare 204; ours answer 200 with the body they
        # declare (`{"status", "deleted"}`), unless they declare a status code themselves.
        if self.method == "DELETE":
            declared = self.get_response_serializers()
            if declared is not None and not isinstance(declared, dict):
                return {"200": self._get_response_for_code(declared, "200", direction=direction)}
        return super()._get_response_bodies(direction)

    def _is_list_view(self, serializer=None) -> bool:
        # A documented Laravel page (``paginated(...)``) is already the whole response.
        if "current_page" in getattr(serializer, "fields", {}):
            return False
        return super()._is_list_view(serializer)

    # -- helpers ---------------------------------------------------------------------------

    def _resource(self) -> tuple[str, str]:
        segments = [s for s in self.path.removeprefix("/api/v1/").split("/") if s]
        plural = segments[0] if segments else "resource"
        one = _SINGULAR.get(plural, plural.removesuffix("s"))
        return _words(one), _words(plural)

    def _standard_text(self) -> tuple[str, str] | None:
        action = getattr(self.view, "action", None)
        template = _STANDARD_ACTIONS.get((self.method, action))
        if template is None:
            return None
        one, plural = self._resource()
        return template[0].format(one=one, plural=plural), template[1].format(
            one=one, plural=plural
        )

    def _is_public(self) -> bool:
        """Would an anonymous request pass the view's permission checks?"""
        request = self.view.request
        had_user, previous = hasattr(request, "_user"), getattr(request, "_user", None)
        request._user = AnonymousUser()
        try:
            return all(p.has_permission(request, self.view) for p in self.view.get_permissions())
        except Exception:  # noqa: BLE001 - a check that needs a real request is not public
            return False
        finally:
            if had_user:
                request._user = previous
            else:
                del request._user

    def _has_special_permissions(self) -> bool:
        return any(not isinstance(p, _BASIC_PERMISSIONS) for p in self.view.get_permissions())

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        public = self._is_public()
        view_class = type(self.view)
        if self.method == "PATCH" and getattr(view_class, "patch", None) is getattr(
            view_class, "put", object()
        ):  # ``patch = put``: one handler, two operations that need their own summary
            operation["summary"] = f"{operation.get('summary', '')} (partial)".strip()

        standard = self._standard_text()
        description = operation.get("description") or (standard[1] if standard else "")
        operation["description"] = "\n\n".join(
            part for part in (description.strip(), access_note(public=public)) if part
        )

        security = [s for s in operation.get("security", []) if s]
        operation["security"] = [*security, {}] if public else security

        for param in operation.get("parameters", []):
            if param["in"] == "path" and not param.get("description"):
                param["description"] = self._path_parameter_description(param["name"])

        responses = operation["responses"]
        wanted = set()
        if self.view.get_authenticators():
            wanted.add(401)
        if not public and self._has_special_permissions():
            wanted.add(403)
        if re.search(r"{\w+}", path):
            wanted.add(404)
        if "requestBody" in operation:
            wanted |= {400, 422}
        if any(p["in"] == "query" for p in operation.get("parameters", [])):
            wanted.add(422)
        if self.view.get_throttles():
            wanted.add(429)
        for code in sorted(wanted):
            if str(code) in responses:
                continue
            text = _PUBLIC_401 if code == 401 and public else _AUTO_ERRORS[code]
            responses[str(code)] = self._get_response_for_code(
                OpenApiResponse(ErrorOut, description=text), str(code)
            )
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _path_parameter_description(self, name: str) -> str:
        one, _ = self._resource()
        if name in ("id", "pk"):
            return f"The {one}'s id."
        if name == "name":
            return f"The {one}'s name."
        return f"The {_words(name.removesuffix('_id'))}'s id."
