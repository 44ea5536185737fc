"""WSGI entry for bench/downloads.py: the project's URLs plus a floor view that serves a stored
file with Django's FileResponse and no checks at all."""

from __future__ import annotations

import os

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

# Persistent connections, as in production (the test settings close them per request).
settings.DATABASES["default"]["CONN_MAX_AGE"] = 600
django.setup()

from django.http import FileResponse, Http404  # noqa: E402
from django.urls import include, path  # noqa: E402


def floor(request, name: str):
    full = os.path.join(settings.MEDIA_ROOT, name)
    if not os.path.isfile(full):
        raise Http404
    return FileResponse(open(full, "rb"), as_attachment=True)  # noqa: SIM115 - closed by Django


urlpatterns = [path("floor/<path:name>", floor), path("", include("beatpass.urls"))]
settings.ROOT_URLCONF = __name__
application = WSGIHandler()
