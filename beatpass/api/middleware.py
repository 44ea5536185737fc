"""Middleware for the API's cross-cutting wire rules."""

from __future__ import annotations

import functools
from urllib.parse import unquote_to_bytes

from corsheaders import middleware as cors_middleware
from csp import middleware as csp_middleware
from csp.utils import build_policy as csp_build_policy
from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.contrib.messages import middleware as message_middleware
from django.contrib.sessions import middleware as session_middleware
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin

from .parsers import NUL_MESSAGE

# The API's own middleware are ``MiddlewareMixin`` ones (a request half, a response half): the
# project's handler runs them in its flat lane for API requests (``beatpass.api.handler``).


class RejectNulBytesMiddleware(MiddlewareMixin):
    """400 for a NUL byte in the path or query string, before any view or ORM sees it."""

    def process_request(self, request):
        query = request.META.get("QUERY_STRING", "")
        # Without a "%" the query decodes to itself (its UTF-8 bytes): no decoding to look at.
        if (
            "\x00" in query
            or ("%" in query and b"\x00" in unquote_to_bytes(query))
            or "\x00" in request.path
        ):
            return JsonResponse({"message": NUL_MESSAGE}, status=400)
        return None


class RateLimitHeadersMiddleware(MiddlewareMixin):
    """Copies the tightest throttle's numbers (recorded by our throttles) onto the response."""

    def process_response(self, request, response):
        info = getattr(request, "ratelimit", None)
        if info is not None:
            response["X-RateLimit-Limit"] = str(info.limit)
            response["X-RateLimit-Remaining"] = str(max(0, info.remaining))
            response["X-RateLimit-Reset"] = str(info.reset)
        return response


class DrainUnreadBodyMiddleware(MiddlewareMixin):
    """Reads and discards the rest of a request body an error answer left unread.

    A view may refuse a request before reading its body (401, 429, a NUL in the query) or
    after reading part of it (a multipart parse error such as a 5,000-character file name).
    The unread bytes are still on the connection: runserver reads them as the next request,
    and gunicorn's threaded worker, having announced keep-alive, drains only 64 KB before it
    drops the connection, so the client's next request on it gets no answer. Draining here
    leaves the connection at the start of the next request. Bodies larger than any request we
    accept (``UPLOAD_MAX_BYTES``) are left to the server, which then closes the connection.
    Outermost middleware, so it also covers answers given by other middleware.
    """

    BLOCK = 64 * 1024

    def process_response(self, request, response):
        if response.status_code >= 400:
            self._drain(request)
        return response

    def _drain(self, request) -> None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return
        if length <= 0 or length > settings.UPLOAD_MAX_BYTES + self.BLOCK:
            return
        try:
            while request.read(self.BLOCK):
                pass
        except OSError:  # the client went away; nothing left to protect
            pass


@functools.cache
def _static_policy(report_only: bool) -> str:
    """The policy built from settings alone (no nonce, no per-view decorator)."""
    return csp_build_policy(report_only=report_only)


@functools.cache
def _static_headers() -> tuple:
    """(header, policy, exemption attribute, excluded path prefixes) of each policy that the
    settings alone make non-empty: what ``CSPMiddleware`` writes on a plain response."""
    rows = []
    for header, report_only, exempt, setting in (
        (csp_middleware.HEADER, False, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
        (
            csp_middleware.HEADER_REPORT_ONLY,
            True,
            "_csp_exempt_ro",
            "CONTENT_SECURITY_POLICY_REPORT_ONLY",
        ),
    ):
        policy = _static_policy(report_only)
        if policy:
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            rows.append((header, policy, exempt, tuple(prefixes)))
    return tuple(rows)


@receiver(setting_changed)
def _settings_changed(*, setting, **kwargs):
    if setting in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        _static_policy.cache_clear()
        _static_headers.cache_clear()


_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's middleware, with the policy of a plain response built once per process.

    django-csp rebuilds the header from settings on every response (a dataclass copy and the
    directive join, about a tenth of a cheap API request's CPU), though it only differs when the
    request used a nonce or the view set a per-response policy (``@csp_update`` and friends).
    Those responses, and DEBUG's exempted error pages, still go through django-csp as is."""

    def process_response(self, request, response):
        if settings.DEBUG or getattr(request, "_csp_nonce", None) is not None:
            return super().process_response(request, response)
        # The decorators set these on the response itself: read from its ``__dict__`` (a
        # missed ``getattr`` raises and catches an AttributeError, eight per answer) unless
        # its class defines one.
        if _class_sets_csp(type(response)):
            read = functools.partial(getattr, response)
        else:
            read = response.__dict__.get
        for name in _PER_RESPONSE:
            if read(name, None) is not None:
                return super().process_response(request, response)
        for header, policy, exempt, prefixes in _static_headers():
            if header in response or read(exempt, False):
                continue
            if not request.path_info.startswith(prefixes):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error, not a
        # silently missing nonce.
        request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


@functools.cache
def _class_sets_csp(response_class) -> bool:
    """Whether ``response_class`` itself defines a per-response policy or an exemption (then
    its answers are checked attribute by attribute, as django-csp reads them)."""
    return any(
        getattr(response_class, name, None) is not None
        for name in (*_PER_RESPONSE, "_csp_exempt", "_csp_exempt_ro")
    )


class _NotForTheAPI:
    """Mixed into a site middleware (a ``MiddlewareMixin`` one): API requests
    (``SITE_ONLY_SKIP_PREFIX``, ``/api/``) go straight through it.

    The API authenticates with Bearer tokens only and never reads a session, ``request.user``
    from the session, or a flash message, but Django's stack built all three for every API
    request: about 32 µs of CPU on a 110 µs stack (measured through the WSGI handler with a
    no-op view), a tenth of a cheap API answer. The admin and every other page get them as
    before. Subclasses keep the admin's middleware checks (they look for subclasses); CSRF's
    middleware stays Django's own (it costs ~6 µs and ``check --deploy`` looks for it by name)."""

    async_capable = False  # under ASGI Django adapts it and it runs for every path

    def __call__(self, request):
        if request.path_info.startswith(settings.SITE_ONLY_SKIP_PREFIX):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_NotForTheAPI, session_middleware.SessionMiddleware):
    """Django's, for every path but the API's."""


class AuthenticationMiddleware(_NotForTheAPI, auth_middleware.AuthenticationMiddleware):
    """Django's, for every path but the API's."""


class MessageMiddleware(_NotForTheAPI, message_middleware.MessageMiddleware):
    """Django's, for every path but the API's."""


class CorsMiddleware(cors_middleware.CorsMiddleware):
    """django-cors-headers', without building ``request.headers`` for a request that has no
    ``Origin`` (most API calls: servers, apps, same-origin pages' GETs).

    Its response half reads the origin through ``request.headers``, which parses every header
    of the request into a new mapping, to find none; without an ``Origin`` header (the only
    one that mapping's ``origin`` key reads) it then only adds ``Vary: origin`` where CORS
    applies. That is what this does, straight from ``META``; a request with an ``Origin``
    goes through django-cors-headers as is."""

    def add_response_headers(self, request, response):
        if request.META.get("HTTP_ORIGIN"):
            return super().add_response_headers(request, response)
        enabled = getattr(request, "_cors_enabled", None)
        if enabled is None:
            enabled = self.is_enabled(request)
        if enabled:
            if "Vary" in response:
                patch_vary_headers(response, ("origin",))
            else:
                response["Vary"] = "origin"  # what patch_vary_headers writes when none is set
        return response
