"""Routes of search, suggestions, audio similarity and radio."""

from django.urls import path

from content.search import api

urlpatterns = [
    path("search", api.SearchView.as_view(), name="search"),
    path(
        "search/suggestions/artist",
        api.ArtistSuggestionsView.as_view(),
        name="search-suggestions-artist",
    ),
    path(
        "search/suggestions/artist/<str:pk>",
        api.ArtistSuggestionView.as_view(),
        name="search-suggestion-artist",
    ),
    path(
        "search/suggestions/album",
        api.AlbumSuggestionsView.as_view(),
        name="search-suggestions-album",
    ),
    path(
        "search/suggestions/album/<str:pk>",
        api.AlbumSuggestionView.as_view(),
        name="search-suggestion-album",
    ),
    path(
        "search/audio/<str:track_id>/<str:artist_name>/<str:track_name>",
        api.AudioSearchView.as_view(),
        name="search-audio",
    ),
    path("radio/<str:kind>/<str:identifier>", api.RadioView.as_view(), name="radio"),
]
