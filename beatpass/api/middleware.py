"""Middleware for the API's cross-cutting wire rules."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

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
