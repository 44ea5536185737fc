"""Routes of fingerprints and duplicate checks."""

from django.urls import path

from content.fingerprints import api

urlpatterns = [
    # "tracks/check-duplicates" is not a track id: mounted before the catalog's router.
    path(
        "tracks/check-duplicates",
        api.CheckDuplicatesView.as_view(),
        name="track-check-duplicates",
    ),
    path(
        "tracks/<int:track_id>/fingerprint",
        api.FingerprintGenerateView.as_view(),
        name="track-fingerprint",
    ),
    path(
        "tracks/<int:track_id>/fingerprint/status",
        api.FingerprintStatusView.as_view(),
        name="track-fingerprint-status",
    ),
    path(
        "fingerprints/<int:fingerprint_id>/retry",
        api.FingerprintRetryView.as_view(),
        name="fingerprint-retry",
    ),
]
