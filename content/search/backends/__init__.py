"""The configured search backend (``SEARCH_BACKEND``): ``auto`` (PostgreSQL full-text search on
PostgreSQL, the simple fallback elsewhere), ``postgres``, ``simple``, or the dotted path of a
class implementing ``content.search.backends.base.SearchBackend``."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

from content.search.backends.base import SearchBackend

BACKENDS = {
    "postgres": "content.search.backends.postgres.PostgresSearchBackend",
    "simple": "content.search.backends.simple.SimpleSearchBackend",
}


@cache
def _backend(path: str) -> SearchBackend:
    return import_string(path)()


def get_backend() -> SearchBackend:
    name = getattr(settings, "SEARCH_BACKEND", "auto") or "auto"
    if name == "auto":
        name = "postgres" if connection.vendor == "postgresql" else "simple"
    return _backend(BACKENDS.get(name, name))
