"""Search, suggestions, audio similarity and radio. Thin: parse → selector → presenter."""

from __future__ import annotations

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from beatpass.api.pagination import Page
from beatpass.api.params import parse_pk
from beatpass.api.schema import errors
from content.catalog.models import Album, Artist
from content.catalog.selectors import track_get
from content.search import inputs, presenters, selectors
from content.search.schemas import (
    AUDIO_PARAMS,
    RADIO,
    RADIO_PARAMS,
    SEARCH_PAGE,
    SEARCH_PARAMS,
    SIMILAR,
    SUGGESTION,
    SUGGESTION_ID,
    SUGGESTION_PARAMS,
    SUGGESTIONS,
    SearchOut,
)


class SearchView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["Search"],
        operation_id="search",
        summary="Search tracks, artists, albums, playlists, users and tags",
        description=(
            "Typo-tolerant full-text search. Each type is ranked on its own: exact names "
            "first, then relevance (name, then artists, then genres/tags, then description; "
            "a BPM like `140` and a key like `Am`, `F#m`, `A minor` or Camelot `8A` in the "
            "query boost matching tracks, genre and tag words boost rather than require), "
            "then popularity (plays and likes, log-damped), then the newest. Private and "
            "exclusively sold tracks never appear. Items have the shape of the type's list "
            "endpoint (two tiers: anonymous viewers get the public fields). With `page` or "
            "`per_page` and exactly one type, the answer is that type's results as a page "
            "(the search page's tabs)."
        ),
        parameters=SEARCH_PARAMS,
        responses={
            200: PolymorphicProxySerializer(
                component_name="SearchResponse",
                serializers=[SearchOut, SEARCH_PAGE],
                resource_type_field_name=None,
            ),
            **errors(422, 429),
        },
    )
    def get(self, request):
        params = inputs.SearchInput.from_params(request.query_params)
        prepared = selectors.search_prepare(query=params.query)
        if params.page is not None:
            kind = params.types[0]
            found = selectors.search_page(
                prepared=prepared, kind=kind, page=params.page, per_page=params.per_page
            )
            items = presenters.present_hits(kind, found, viewer=request.user)
            page = Page(items, number=params.page, per_page=params.per_page, total=found.total)
            return Response({**page.envelope(items), "query": params.query, "type": kind})
        results = selectors.search_types(prepared=prepared, kinds=params.types, limit=params.limit)
        return Response(
            {
                "status": "success",
                "query": params.query,
                "results": {
                    presenters.RESULT_KEYS[kind]: presenters.present_hits(
                        kind, found, viewer=request.user
                    )
                    for kind, found in results.items()
                },
            }
        )


class _Suggestions(APIView):
    permission_classes = [AllowAny]
    kind = ""

    def get(self, request):
        params = inputs.SuggestionInput.from_params(request.query_params)
        if not params.query and not params.list_all:
            return Response({"status": "success", "results": []})
        exclude = (
            selectors.managed_artist_ids(user=request.user)
            if params.exclude_self and self.kind == "artist"
            else []
        )
        ids = selectors.suggestion_ids(
            kind=self.kind, query=params.query, limit=params.limit, exclude_ids=exclude
        )
        return Response(
            {"status": "success", "results": presenters.present_suggestions(self.kind, ids)}
        )


class _Suggestion(APIView):
    permission_classes = [AllowAny]
    kind = ""
    model = Artist

    def get(self, request, pk):
        found = presenters.present_suggestions(self.kind, [parse_pk(pk)])
        if not found:
            raise NotFound()
        return Response({"status": "success", "model": found[0]})


SUGGEST_DESCRIPTION = (
    "Autocomplete for pickers and the search bar: up to 10 {kinds} whose name, or a word "
    "of it, starts with what was typed (accents and case ignored), names starting with it "
    "first, then the most liked. Cheap enough to call on every keystroke. An empty query "
    "answers an empty list, or with `listAll=true` the most liked {kinds}."
)


@extend_schema_view(
    get=extend_schema(
        tags=["Search"],
        operation_id="search_suggestions_artists",
        summary="Suggest artists as the user types",
        description=SUGGEST_DESCRIPTION.format(kinds="artists"),
        parameters=SUGGESTION_PARAMS,
        responses={200: SUGGESTIONS, **errors(422, 429)},
    )
)
class ArtistSuggestionsView(_Suggestions):
    kind = "artist"


@extend_schema_view(
    get=extend_schema(
        tags=["Search"],
        operation_id="search_suggestions_albums",
        summary="Suggest albums as the user types",
        description=SUGGEST_DESCRIPTION.format(kinds="albums"),
        parameters=[p for p in SUGGESTION_PARAMS if p.name != "excludeSelf"],
        responses={200: SUGGESTIONS, **errors(422, 429)},
    )
)
class AlbumSuggestionsView(_Suggestions):
    kind = "album"


@extend_schema_view(
    get=extend_schema(
        tags=["Search"],
        operation_id="search_suggestion_artist",
        summary="One artist in the suggestion shape",
        description="The artist a picker has stored (by id), in the same shape as its suggestions.",
        parameters=[SUGGESTION_ID],
        responses={200: SUGGESTION, **errors(404, 429)},
    )
)
class ArtistSuggestionView(_Suggestion):
    kind = "artist"
    model = Artist


@extend_schema_view(
    get=extend_schema(
        tags=["Search"],
        operation_id="search_suggestion_album",
        summary="One album in the suggestion shape",
        description="The album a picker has stored (by id), in the same shape as its suggestions.",
        parameters=[SUGGESTION_ID],
        responses={200: SUGGESTION, **errors(404, 429)},
    )
)
class AlbumSuggestionView(_Suggestion):
    kind = "album"
    model = Album


class AudioSearchView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["Search"],
        operation_id="search_audio",
        summary="Tracks that sound like a track",
        description=(
            "The public tracks nearest to the seed track's audio descriptor (timbre, rhythm, "
            "tonality statistics computed from its audio), closest first. The seed must be "
            "visible to you (404 otherwise); the artist and track names in the path only make "
            "the URL readable and are ignored. `analysis` says whether the seed's audio has "
            "been analysed yet; until it is `completed` the list is empty."
        ),
        parameters=AUDIO_PARAMS,
        responses={200: SIMILAR, **errors(404, 422, 429)},
    )
    def get(self, request, track_id, artist_name, track_name):
        track = track_get(viewer=request.user, track_id=parse_pk(track_id))
        limit = inputs.similar_limit(request.query_params)
        analysis = selectors.descriptor_status(track=track)
        ids = (
            selectors.similar_track_ids(track=track, limit=limit) if analysis == "completed" else []
        )
        return Response(
            {
                "status": "success",
                "analysis": analysis,
                "tracks": presenters.present_tracks_by_id(ids, viewer=request.user),
            }
        )


class RadioView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["Radio"],
        operation_id="radio_station",
        summary="A radio station around an artist, track, genre or tag",
        description=(
            "Up to 50 public tracks mixing harmonic compatibility (Camelot wheel: same key, "
            "relative major/minor, one step either way), tempo (±6 %, or half/double time), "
            "sound (audio descriptors), shared genres and tags, and tracks liked by the same "
            "listeners; at most 3 per artist, never the seed track. Genre and tag stations "
            "only play that genre or tag. Fresh every time: equally good tracks are shuffled; "
            "pass the returned `station.seed` back as `seed` to get the same station again."
        ),
        parameters=RADIO_PARAMS,
        responses={200: RADIO, **errors(404, 422, 429)},
    )
    def get(self, request, kind, identifier):
        if kind not in selectors.RADIO_TYPES:
            raise NotFound()
        seed = inputs.radio_seed(request.query_params)
        station = selectors.radio_station(
            viewer=request.user, kind=kind, identifier=identifier, seed=seed
        )
        return Response(
            {
                "status": "success",
                "station": {"name": station.name, "type": station.type, "seed": station.seed},
                "tracks": presenters.present_tracks_by_id(station.track_ids, viewer=request.user),
            }
        )
