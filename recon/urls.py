"""Routes of Audio Recon. ``beatpass.urls`` mounts them before ``content.urls``, whose catalog
router reads any ``tracks/<segment>`` as a track id."""

from django.urls import path

from recon import api

urlpatterns = [
    path("tracks/<str:track>/placements", api.PlacementsView.as_view(), name="track-placements"),
    path(
        "tracks/<str:track>/placements/rescan",
        api.RescanView.as_view(),
        name="track-placements-rescan",
    ),
]
