"""Routes of lyrics."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from content.lyrics import api

router = SimpleRouter(trailing_slash=False)
router.register("lyrics", api.LyricViewSet, basename="lyric")

urlpatterns = [
    # under the tracks prefix: mounted before the catalog's router, not read as a track action
    path("tracks/<int:track_id>/lyrics", api.TrackLyricView.as_view(), name="track-lyrics"),
    *router.urls,
]
