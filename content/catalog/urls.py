"""Routes of the catalog. Its router's ``tracks/{id}`` pattern takes any single segment, so
``content.urls`` mounts the other sub-domains' ``tracks/...`` routes before these."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from content.catalog import api

router = SimpleRouter(trailing_slash=False)
router.register("tracks", api.TrackViewSet, basename="track")
router.register("albums", api.AlbumViewSet, basename="album")
router.register("artists", api.ArtistViewSet, basename="artist")
router.register("genres", api.GenreViewSet, basename="genre")

urlpatterns = [
    path("tags/<str:name>/tracks", api.TagTracksView.as_view(), name="tag-tracks"),
    path("tags/<str:name>/albums", api.TagAlbumsView.as_view(), name="tag-albums"),
    path("users/me/liked-tracks", api.LikedTracksView.as_view(), name="liked-tracks"),
    path("users/me/liked-albums", api.LikedAlbumsView.as_view(), name="liked-albums"),
    path("users/me/liked-artists", api.LikedArtistsView.as_view(), name="liked-artists"),
    *router.urls,
]
