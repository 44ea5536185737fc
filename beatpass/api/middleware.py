"""Middleware for the API's cross-cutting wire rules."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import JsonResponse

from .parsers import NUL_MESSAGE


class RejectNulBytesMiddleware:
    """400 for a NUL byte in the path or query string, before any view or ORM sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if b"\x00" in unquote_to_bytes(query) or "\x00" in request.path:
            return JsonResponse({"message": NUL_MESSAGE}, status=400)
        return self.get_response(request)


class RateLimitHeadersMiddleware:
    """Copies the tightest throttle's numbers (recorded by our throttles) onto the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        info = getattr(request, "ratelimit", None)
        if info is not None:
            response["X-RateLimit-Limit"] = str(info.limit)
            response["X-RateLimit-Remaining"] = str(max(0, info.remaining))
            response["X-RateLimit-Reset"] = str(info.reset)
        return response


class DrainUnreadBodyMiddleware:
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

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
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
