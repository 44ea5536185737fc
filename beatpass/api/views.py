"""Views of the API's edges: the index at ``/api/v1/``, the site root, and unknown paths."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

# The resources a client starts from; every path is relative to /api/v1/.
API_INDEX = {
    "auth": "auth/login",
    "tracks": "tracks",
    "albums": "albums",
    "artists": "artists",
    "genres": "genres",
    "playlists": "playlists",
    "uploads": "uploads",
    "lyrics": "lyrics",
    "credit_roles": "credits/roles",
    "backstage_requests": "backstage-request",
    "me": "users/me",
    "notifications": "notifications",
}


@csrf_exempt  # the API authenticates with Bearer tokens, never with the session cookie
def api_not_found(request, rest=""):
    """Unknown /api/ paths answer in the API's wire format, whatever the method.

    Without ``csrf_exempt`` a POST/PUT/DELETE here would meet Django's CSRF check first and get
    its HTML 403 page instead of the 404 a client can parse.
    """
    return JsonResponse({"message": "Not found."}, status=404)


def _method_not_allowed() -> JsonResponse:
    response = JsonResponse({"message": "Method not allowed."}, status=405)
    response["Allow"] = "GET, HEAD"
    return response


@csrf_exempt
def api_index(request):
    """``GET /api/v1/``: what this API is and where to start (absolute links)."""
    if request.method not in ("GET", "HEAD"):
        return _method_not_allowed()
    base = request.build_absolute_uri("/api/v1/")
    return JsonResponse(
        {
            "name": settings.SPECTACULAR_SETTINGS["TITLE"],
            "version": settings.SPECTACULAR_SETTINGS["VERSION"],
            "docs": base + "docs",
            "schema": base + "schema",
            "resources": {name: base + path for name, path in API_INDEX.items()},
        }
    )


@csrf_exempt
def site_root(request):
    """``/``: there is no web front end here; the interactive API docs are the way in."""
    if request.method not in ("GET", "HEAD"):
        return _method_not_allowed()
    return redirect("docs")


# --- errors Django answers itself ----------------------------------------------------------------
# DRF maps the exceptions it knows; anything else (a bug, a SuspiciousOperation while reading the
# request) reaches Django's handlers. Under /api/ they answer in the API's wire
# format; elsewhere (admin, docs) Django's own pages stay.


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def server_error(request, *args, **kwargs):
    if _is_api(request):
        return JsonResponse({"message": "Server Error."}, status=500)
    return defaults.server_error(request, *args, **kwargs)


def bad_request(request, exception, *args, **kwargs):
    if _is_api(request):
        return JsonResponse({"message": "Bad Request."}, status=400)
    return defaults.bad_request(request, exception, *args, **kwargs)


def permission_denied(request, exception, *args, **kwargs):
    if _is_api(request):
        return JsonResponse({"message": "This action is unauthorized."}, status=403)
    return defaults.permission_denied(request, exception, *args, **kwargs)
