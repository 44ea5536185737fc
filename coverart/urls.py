"""Routes of cover art. ``beatpass.urls`` mounts them before ``content.urls``, whose catalog
router reads any ``tracks/<segment>`` as a track id."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from coverart import api

router = SimpleRouter(trailing_slash=False)
router.register("cover-art/templates", api.TemplateViewSet, basename="cover-template")

urlpatterns = [
    path("cover-art/preview", api.PreviewView.as_view(), name="cover-art-preview"),
    path(
        "cover-art/matching-templates",
        api.MatchingView.as_view(),
        name="cover-art-matching-templates",
    ),
    path("tracks/<str:pk>/cover-art", api.TrackCoverView.as_view(), name="track-cover-art"),
    path("albums/<str:pk>/cover-art", api.AlbumCoverView.as_view(), name="album-cover-art"),
    *router.urls,
]
