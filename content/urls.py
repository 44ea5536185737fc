"""Routes of the content app: only collects the sub-domains' ``urls.py``.

Order matters: the catalog comes last because its router reads any ``tracks/<segment>`` as a
track id (``tracks/wave-batch``, ``tracks/check-duplicates`` belong to other sub-domains).
"""

from django.urls import include, path

SUBDOMAINS = (
    "media",
    "fingerprints",
    "credits",
    "lyrics",
    "playlists",
    "uploads",
    "licensing",
    "commerce",
    "search",
    # "analytics" is mounted first of all, in beatpass/urls.py.
    "catalog",
)

urlpatterns = [path("", include(f"content.{name}.urls")) for name in SUBDOMAINS]
