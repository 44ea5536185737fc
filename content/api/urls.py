"""Routes for the content app. Each sub-domain registers its own viewsets here."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import fingerprints, views

router = SimpleRouter(trailing_slash=False)
router.register("tracks", views.TrackViewSet, basename="track")
router.register("albums", views.AlbumViewSet, basename="album")
router.register("artists", views.ArtistViewSet, basename="artist")
router.register("genres", views.GenreViewSet, basename="genre")
router.register("uploads", views.UploadViewSet, basename="upload")

urlpatterns = [
    path(
        "tracks/check-duplicates",
        fingerprints.CheckDuplicatesView.as_view(),
        name="track-check-duplicates",
    ),
    path(
        "tracks/<int:track_id>/fingerprint",
        fingerprints.FingerprintGenerateView.as_view(),
        name="track-fingerprint",
    ),
    path(
        "tracks/<int:track_id>/fingerprint/status",
        fingerprints.FingerprintStatusView.as_view(),
        name="track-fingerprint-status",
    ),
    path(
        "fingerprints/<int:fingerprint_id>/retry",
        fingerprints.FingerprintRetryView.as_view(),
        name="fingerprint-retry",
    ),
    path("tags/<str:name>/tracks", views.TagTracksView.as_view(), name="tag-tracks"),
    path("users/me/liked-tracks", views.LikedTracksView.as_view(), name="liked-tracks"),
    path("users/me/liked-albums", views.LikedAlbumsView.as_view(), name="liked-albums"),
    path("users/me/liked-artists", views.LikedArtistsView.as_view(), name="liked-artists"),
    *router.urls,
]
