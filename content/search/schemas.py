"""OpenAPI documentation of the search, suggestion, audio-similarity and radio output (the
runtime output is built by ``presenters.py``; a test compares documented keys with responses)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from content.catalog.schemas import AlbumOut, ArtistOut, GenreOut, TagOut, TrackOut
from content.playlists.schemas import PlaylistOut, UserRef


class SearchResultsOut(serializers.Serializer):
    tracks = TrackOut(many=True, required=False)
    artists = ArtistOut(many=True, required=False)
    albums = AlbumOut(many=True, required=False)
    playlists = PlaylistOut(many=True, required=False)
    users = UserRef(many=True, required=False)
    tags = TagOut(many=True, required=False)
    genres = GenreOut(many=True, required=False, help_text="Only with `types=genre`.")


class SearchOut(serializers.Serializer):
    status = serializers.CharField(default="success")
    query = serializers.CharField()
    results = SearchResultsOut(help_text="One list per requested type, best match first.")


SEARCH_PAGE = inline_serializer(
    "SearchPage",
    {
        "data": serializers.ListField(
            child=serializers.DictField(), help_text="Items in the shape of the type's list."
        ),
        "current_page": serializers.IntegerField(),
        "per_page": serializers.IntegerField(),
        "total": serializers.IntegerField(),
        "last_page": serializers.IntegerField(),
        "from": serializers.IntegerField(allow_null=True),
        "to": serializers.IntegerField(allow_null=True),
        "query": serializers.CharField(),
        "type": serializers.CharField(),
    },
)


class SuggestionOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    image = serializers.CharField(allow_null=True)
    description = serializers.CharField(
        allow_null=True, help_text="An artist's bio (cut); an album's artists."
    )
    model_type = serializers.CharField(help_text="artist or album")


SUGGESTIONS = inline_serializer(
    "Suggestions",
    {"status": serializers.CharField(default="success"), "results": SuggestionOut(many=True)},
)
SUGGESTION = inline_serializer(
    "Suggestion", {"status": serializers.CharField(default="success"), "model": SuggestionOut()}
)
SIMILAR = inline_serializer(
    "SimilarTracks",
    {
        "status": serializers.CharField(default="success"),
        "analysis": serializers.ChoiceField(
            choices=["completed", "pending", "failed"],
            help_text="The seed track's audio analysis; results only when completed.",
        ),
        "tracks": TrackOut(many=True),
    },
)


class StationOut(serializers.Serializer):
    name = serializers.CharField(help_text='e.g. "Nova Vance radio".')
    type = serializers.CharField(help_text="artist, track, genre or tag")
    seed = serializers.IntegerField(help_text="Pass it back as `seed` to get the same station.")


RADIO = inline_serializer(
    "RadioStation",
    {
        "status": serializers.CharField(default="success"),
        "station": StationOut(),
        "tracks": TrackOut(many=True),
    },
)

SEARCH_PARAMS = [
    OpenApiParameter(
        "query", str, required=True, description="What to look for (1-200 characters)."
    ),
    OpenApiParameter(
        "types",
        str,
        description=(
            "Comma-separated types: album, artist, playlist, track, user, tag (genre on "
            "request). All but genre when omitted."
        ),
    ),
    OpenApiParameter("limit", int, description="Results per type, 1-50 (default 3)."),
    OpenApiParameter(
        "page",
        int,
        description="Single-type mode (one type in `types`): the page of results to return.",
    ),
    OpenApiParameter("per_page", int, description="Single-type mode: 1-50 (default 15)."),
]
SUGGESTION_PARAMS = [
    OpenApiParameter(
        "query", str, description="What the user has typed so far (a name or its start)."
    ),
    OpenApiParameter("perPage", int, description="Results, 1-10 (default 10)."),
    OpenApiParameter("listAll", bool, description="With an empty query, list the most liked ones."),
    OpenApiParameter(
        "excludeSelf", bool, description="Leave out artists the signed-in user manages."
    ),
]
SUGGESTION_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Its id.")
AUDIO_PARAMS = [
    OpenApiParameter("trackId", int, OpenApiParameter.PATH, description="The seed track."),
    OpenApiParameter(
        "artistName", str, OpenApiParameter.PATH, description="For readable URLs; ignored."
    ),
    OpenApiParameter(
        "trackName", str, OpenApiParameter.PATH, description="For readable URLs; ignored."
    ),
    OpenApiParameter("limit", int, description="Tracks to return, 1-50 (default 20)."),
]
RADIO_PARAMS = [
    OpenApiParameter(
        "type",
        str,
        OpenApiParameter.PATH,
        enum=["artist", "track", "genre", "tag"],
        description="What the station is built around.",
    ),
    OpenApiParameter(
        "id",
        str,
        OpenApiParameter.PATH,
        description="The seed's id, or its name (artist name, track name, genre or tag name).",
    ),
    OpenApiParameter(
        "seed",
        int,
        description="Shuffle seed (0-2147483647): the same seed gives the same station. "
        "Random when omitted; the response says which one was used.",
    ),
]
