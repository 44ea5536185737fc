"""Routes of playlists and their collaboration."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from content.playlists import api

router = SimpleRouter(trailing_slash=False)
router.register("playlists", api.PlaylistViewSet, basename="playlist")

urlpatterns = [
    path("users/me/playlists", api.MyPlaylistsView.as_view(), name="my-playlists"),
    *router.urls,
]
