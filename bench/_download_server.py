"""WSGI entry for bench/downloads.py, served by the project's WSGI handler (as beatpass.wsgi):
the project's URLs plus a floor view that serves a stored file with Django's FileResponse and no
checks at all, and a second reference that pays only the shared request path (the API's
middleware, DRF, Bearer JWT authentication, throttles) and then serves the same FileResponse:
what any authenticated API view costs before its own work."""

from __future__ import annotations

import os

import django
from django.conf import settings

# Persistent connections, as in production (the test settings close them per request).
settings.DATABASES["default"]["CONN_MAX_AGE"] = 600
if os.environ.get("BENCH_CACHE_URL"):  # the throttle counters in Redis, as deployed
    import environ

    settings.CACHES = {"default": environ.Env.cache_url_config(os.environ["BENCH_CACHE_URL"])}
if os.environ.get("BENCH_DB_SOCKET_DIR"):  # PostgreSQL over its Unix-domain socket
    settings.DATABASES["default"]["HOST"] = os.environ["BENCH_DB_SOCKET_DIR"]
    settings.DATABASES["default"]["PORT"] = ""
django.setup()

from django.http import FileResponse, Http404  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework.exceptions import NotAuthenticated  # noqa: E402
from rest_framework.permissions import AllowAny  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


def floor(request, name: str):
    full = os.path.join(settings.MEDIA_ROOT, name)
    if not os.path.isfile(full):
        raise Http404
    return FileResponse(open(full, "rb"), as_attachment=True)  # noqa: SIM115 - closed by Django


class SharedPathOnly(APIView):
    """The download view's request path (same base class settings: default authentication and
    throttles, ``AllowAny``) without the download's own work."""

    permission_classes = [AllowAny]

    def get(self, request, name: str):
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        return floor(request, name)


urlpatterns = [
    path("floor/<path:name>", floor),
    path("api/v1/bench-shared-path/<path:name>", SharedPathOnly.as_view()),
    path("", include("beatpass.urls")),
]
if os.environ.get("BENCH_DOWNLOAD_ROUTE_FIRST"):
    # What resolving the download before the API's other routes would give (the project's
    # URLconf including ``content.media.download_urls`` first): ``--route-first``.
    urlpatterns.insert(2, path("api/v1/", include("content.media.download_urls")))
settings.ROOT_URLCONF = __name__
from beatpass.api.handler import WSGIHandler  # noqa: E402 - what beatpass.wsgi serves

application = WSGIHandler()
