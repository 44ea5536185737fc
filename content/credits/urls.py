"""Routes of credits, the Spotify look-ups and pinning (mounted before the catalog's router so
the artist sub-routes win)."""

from django.urls import path

from content.credits import api

urlpatterns = [
    path("credits/roles", api.CreditRolesView.as_view(), name="credit-roles"),
    path("credits/spotify-search", api.SpotifySearchView.as_view(), name="credit-spotify-search"),
    path("credits/spotify-album", api.SpotifyAlbumView.as_view(), name="credit-spotify-album"),
    path("artists/<int:artist_id>/credits", api.ArtistCreditsView.as_view(), name="artist-credits"),
    path(
        "artists/<int:artist_id>/credits/album",
        api.ArtistAlbumCreditsView.as_view(),
        name="artist-credits-album",
    ),
    path(
        "artists/<int:artist_id>/credits/reorder",
        api.ArtistCreditsReorderView.as_view(),
        name="artist-credits-reorder",
    ),
    path(
        "artists/<int:artist_id>/credits/<int:credit_id>",
        api.ArtistCreditDetailView.as_view(),
        name="artist-credit-detail",
    ),
    path(
        "artists/<int:artist_id>/tracks/<int:track_id>/pin",
        api.ArtistTrackPinView.as_view(),
        name="artist-track-pin",
    ),
    path(
        "artists/<int:artist_id>/tracks/<int:track_id>/unpin",
        api.ArtistTrackUnpinView.as_view(),
        name="artist-track-unpin",
    ),
    path(
        "artists/<int:artist_id>/pinned-track",
        api.ArtistPinnedTrackView.as_view(),
        name="artist-pinned-track",
    ),
]
