"""Routes for the content app. Each sub-domain registers its own viewsets here."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import audio, credits, fingerprints, lyrics, playlists, views

router = SimpleRouter(trailing_slash=False)
router.register("tracks", views.TrackViewSet, basename="track")
router.register("albums", views.AlbumViewSet, basename="album")
router.register("artists", views.ArtistViewSet, basename="artist")
router.register("genres", views.GenreViewSet, basename="genre")
router.register("uploads", views.UploadViewSet, basename="upload")
router.register("playlists", playlists.PlaylistViewSet, basename="playlist")
router.register("lyrics", lyrics.LyricViewSet, basename="lyric")

urlpatterns = [
    # audio pipeline (before the router: "tracks/wave-batch" is not a track id)
    path("tracks/wave-batch", audio.WaveBatchView.as_view(), name="track-wave-batch"),
    path(
        "tracks/<str:file_entry_id>/extract-metadata",
        audio.ExtractMetadataView.as_view(),
        name="track-extract-metadata",
    ),
    path("tracks/<str:track_id>/wave", audio.TrackWaveView.as_view(), name="track-wave"),
    path(
        "tracks/<str:track_id>/download", audio.TrackDownloadView.as_view(), name="track-download"
    ),
    # credits & pinning (before the router so the artist sub-routes win)
    path("credits/roles", credits.CreditRolesView.as_view(), name="credit-roles"),
    path(
        "credits/spotify-search", credits.SpotifySearchView.as_view(), name="credit-spotify-search"
    ),
    path("credits/spotify-album", credits.SpotifyAlbumView.as_view(), name="credit-spotify-album"),
    path(
        "artists/<int:artist_id>/credits",
        credits.ArtistCreditsView.as_view(),
        name="artist-credits",
    ),
    path(
        "artists/<int:artist_id>/credits/album",
        credits.ArtistAlbumCreditsView.as_view(),
        name="artist-credits-album",
    ),
    path(
        "artists/<int:artist_id>/credits/reorder",
        credits.ArtistCreditsReorderView.as_view(),
        name="artist-credits-reorder",
    ),
    path(
        "artists/<int:artist_id>/credits/<int:credit_id>",
        credits.ArtistCreditDetailView.as_view(),
        name="artist-credit-detail",
    ),
    path(
        "artists/<int:artist_id>/tracks/<int:track_id>/pin",
        credits.ArtistTrackPinView.as_view(),
        name="artist-track-pin",
    ),
    path(
        "artists/<int:artist_id>/tracks/<int:track_id>/unpin",
        credits.ArtistTrackUnpinView.as_view(),
        name="artist-track-unpin",
    ),
    path(
        "artists/<int:artist_id>/pinned-track",
        credits.ArtistPinnedTrackView.as_view(),
        name="artist-pinned-track",
    ),
    # lyrics under the tracks prefix (before the router so it is not read as a track action)
    path("tracks/<int:track_id>/lyrics", lyrics.TrackLyricView.as_view(), name="track-lyrics"),
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
    path("users/me/playlists", playlists.MyPlaylistsView.as_view(), name="my-playlists"),
    path("users/me/liked-tracks", views.LikedTracksView.as_view(), name="liked-tracks"),
    path("users/me/liked-albums", views.LikedAlbumsView.as_view(), name="liked-albums"),
    path("users/me/liked-artists", views.LikedArtistsView.as_view(), name="liked-artists"),
    *router.urls,
]
