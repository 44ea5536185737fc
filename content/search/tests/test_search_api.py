"""GET /search: ranking, visibility, the response envelope, validation and query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.catalog.models import Visibility
from content.playlists.models import Playlist
from content.tests.factories import (
    AlbumFactory,
    ArtistFactory,
    GenreFactory,
    TagFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/search"


def names(response, key: str = "tracks") -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["results"][key]]


def search(client, query: str, types: str = "track", **params):
    return client.get(URL, {"query": query, "types": types, **params})


# --- ranking -------------------------------------------------------------------------------------


def test_an_exact_name_beats_a_partial_match_even_when_less_popular(api_client):
    TrackFactory(name="Midnight Run", plays=50_000, likes_count=900)
    TrackFactory(name="Midnight", plays=3)

    assert names(search(api_client, "midnight")) == ["Midnight", "Midnight Run"]


def test_a_popular_track_beats_an_unpopular_one_at_equal_relevance(api_client):
    TrackFactory(name="Cold Open", plays=12)
    TrackFactory(name="Cold Front", plays=40_000, likes_count=300)

    assert names(search(api_client, "cold")) == ["Cold Front", "Cold Open"]


def test_recency_breaks_ties_of_relevance_and_popularity(api_client):
    TrackFactory(name="Neon Static")
    TrackFactory(name="Neon Lights")

    assert names(search(api_client, "neon")) == ["Neon Lights", "Neon Static"]


def test_a_name_match_beats_an_artist_match_beats_a_tag_match(api_client):
    TrackFactory(name="Velvet Sky", plays=5)
    TrackFactory(name="Untitled 4", artists=[ArtistFactory(name="Velvet")], plays=50)
    TrackFactory(name="Untitled 5", tags=[TagFactory(name="velvet")], plays=500)

    assert names(search(api_client, "velvet sky")) == ["Velvet Sky"]
    assert names(search(api_client, "velvet")) == ["Velvet Sky", "Untitled 4", "Untitled 5"]


def test_a_misspelled_producer_name_still_finds_the_artist(api_client):
    artist = ArtistFactory(name="Drillmatic")
    TrackFactory(name="Grey Block", artists=[artist])
    ArtistFactory(name="Paper Lanterns")

    response = search(api_client, "drilmatic", "artist,track")

    assert names(response, "artists") == ["Drillmatic"]
    assert names(response, "tracks") == ["Grey Block"]


@pytest.mark.parametrize("typo", ["midnigt", "midngiht", "midnighht", "mudnight"])
def test_one_edit_in_a_title_still_finds_it(api_client, typo):
    TrackFactory(name="Midnight Run")
    TrackFactory(name="Minute Man")

    assert names(search(api_client, f"{typo} run")) == ["Midnight Run"]


def test_a_correction_ranks_below_the_word_as_typed(api_client):
    TrackFactory(name="Koriel", plays=10_000)  # one edit from the query
    TrackFactory(name="Korel Dreams", plays=1)

    assert names(search(api_client, "korel")) == ["Korel Dreams", "Koriel"]


def test_dark_trap_140_prefers_trap_near_140_with_the_tag_dark(api_client):
    trap = GenreFactory(name="trap", display_name="Trap")
    boom_bap = GenreFactory(name="boom-bap", display_name="Boom Bap")
    dark = TagFactory(name="dark")
    TrackFactory(name="Wanted", genres=[trap], tags=[dark], bpm=141, plays=10)
    TrackFactory(name="Too Slow", genres=[trap], tags=[dark], bpm=90, plays=9000)
    TrackFactory(name="No Tag", genres=[trap], bpm=140, plays=9000)
    TrackFactory(name="Other Genre", genres=[boom_bap], tags=[dark], bpm=140, plays=9000)
    TrackFactory(name="Unrelated", genres=[boom_bap], bpm=140, plays=90_000)

    ranked = names(search(api_client, "dark trap 140", limit=10))

    assert ranked[0] == "Wanted"
    assert set(ranked) == {"Wanted", "Too Slow", "No Tag", "Other Genre"}


def test_genre_and_tag_words_boost_rather_than_require(api_client):
    trap = GenreFactory(name="trap", display_name="Trap")
    TrackFactory(name="Glass City", genres=[trap])
    TrackFactory(name="Glass House")

    assert names(search(api_client, "glass trap")) == ["Glass City", "Glass House"]


def test_a_key_in_the_query_boosts_that_key_and_its_camelot_neighbours(api_client):
    TrackFactory(name="Beat One", key="D", scale="major", plays=900)
    TrackFactory(name="Beat Two", key="C", scale="major", plays=500)  # 8B: relative of 8A
    TrackFactory(name="Beat Three", key="A", scale="minor", plays=1)

    for query in ("beat Am", "beat 8A", "beat A minor"):
        assert names(search(api_client, query)) == ["Beat Three", "Beat Two", "Beat One"]


def test_a_bare_bpm_lists_tracks_at_that_tempo(api_client):
    TrackFactory(name="At 141", bpm=141)
    TrackFactory(name="At 90", bpm=90)

    assert names(search(api_client, "140")) == ["At 141"]


def test_prefixes_match_as_the_user_types(api_client):
    TrackFactory(name="Southside Hymn")

    assert names(search(api_client, "souths")) == ["Southside Hymn"]
    assert names(search(api_client, "hymn souths")) == ["Southside Hymn"]
    assert names(search(api_client, "souths hymn")) == []  # only the last word is a prefix


# --- visibility ----------------------------------------------------------------------------------


def test_private_tracks_never_appear_not_even_to_their_producer(producer_client, producer_artist):
    TrackFactory(name="Vault Idea", artists=[producer_artist], visibility=Visibility.PRIVATE)
    TrackFactory(name="Vault Open", artists=[producer_artist])

    assert names(search(producer_client, "vault")) == ["Vault Open"]


def test_private_playlists_and_inactive_users_are_not_found(api_client):
    owner = UserFactory(name="Lena Listener")
    UserFactory(name="Lena Gone", is_active=False)
    Playlist.objects.create(owner=owner, name="Late Night Rotation", public=True)
    Playlist.objects.create(owner=owner, name="Late Night Secrets", public=False)

    playlists = names(search(api_client, "late night", "playlist"), "playlists")
    users = search(api_client, "lena", "user").json()["results"]["users"]

    assert playlists == ["Late Night Rotation"]
    assert users == [
        {"id": owner.pk, "display_name": "Lena Listener", "avatar": None, "model_type": "user"}
    ]


def test_anonymous_visitors_get_the_public_fields_only(api_client, user_client):
    TrackFactory(name="Glass City", artists=[ArtistFactory(name="Nova")])

    public = search(api_client, "glass").json()["results"]["tracks"][0]
    rich = search(user_client, "glass").json()["results"]["tracks"][0]

    assert set(public) == {
        "id",
        "name",
        "image",
        "created_at",
        "model_type",
        "duration_text",
        "artists",
    }
    assert {"bpm", "key", "plays", "tags", "genres", "is_liked"} <= set(rich)
    assert "file_id" not in rich
    assert "email" not in str(rich)


# --- the envelope and item shapes -----------------------------------------------------------------


def test_items_have_exactly_the_shape_of_their_lists(user_client):
    track = TrackFactory(name="Honey Dusk", tags=[TagFactory(name="chill")])
    album = AlbumFactory(name="Honey Tapes", artists=[ArtistFactory(name="Honey Crew")])

    results = search(user_client, "honey", "track,album,artist").json()["results"]
    listed_track = user_client.get("/api/v1/tracks").json()["data"][0]
    listed_album = user_client.get("/api/v1/albums").json()["data"][0]
    listed_artist = user_client.get("/api/v1/artists?query=honey").json()["data"][0]

    assert results["tracks"] == [listed_track]
    assert listed_track["id"] == track.pk
    assert results["albums"] == [listed_album]
    assert listed_album["id"] == album.pk
    assert results["artists"] == [listed_artist]


def test_the_envelope_has_one_list_per_requested_type(api_client):
    TrackFactory(name="Sunday Dust", tags=[TagFactory(name="sunday")])

    body = search(api_client, "sunday", "track,tag,user").json()
    everything = api_client.get(URL, {"query": "sunday"}).json()

    assert set(body) == {"status", "query", "results"}
    assert body["status"] == "success"
    assert body["query"] == "sunday"
    assert set(body["results"]) == {"tracks", "tags", "users"}
    assert body["results"]["tags"] == [
        {"id": body["results"]["tags"][0]["id"], "name": "sunday", "model_type": "tag"}
    ]
    assert set(everything["results"]) == {
        "tracks",
        "artists",
        "albums",
        "playlists",
        "users",
        "tags",
    }


def test_limit_applies_per_type(api_client):
    for n in range(6):
        TrackFactory(name=f"Echo {n}")
        ArtistFactory(name=f"Echo Artist {n}")

    results = search(api_client, "echo", "track,artist").json()["results"]
    more = search(api_client, "echo", "track,artist", limit=5).json()["results"]

    assert (len(results["tracks"]), len(results["artists"])) == (3, 3)
    assert (len(more["tracks"]), len(more["artists"])) == (5, 5)


def test_one_type_with_a_page_answers_a_laravel_page(api_client):
    for n in range(5):
        TrackFactory(name=f"Storm {n}", plays=n)

    first = search(api_client, "storm", page=1, per_page=2).json()
    second = search(api_client, "storm", page=2, per_page=2).json()
    beyond = search(api_client, "storm", page=9, per_page=2).json()

    assert set(first) == {
        "data", "current_page", "per_page", "total", "last_page", "from", "to", "query", "type",
    }  # fmt: skip
    assert (first["total"], first["last_page"], first["from"], first["to"]) == (5, 3, 1, 2)
    assert [t["name"] for t in first["data"]] == ["Storm 4", "Storm 3"]
    assert [t["name"] for t in second["data"]] == ["Storm 2", "Storm 1"]
    assert (beyond["data"], beyond["total"], beyond["from"]) == ([], 5, None)


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "query"),
        ({"query": "   "}, "query"),
        ({"query": "x" * 201}, "query"),
        ({"query": "dark", "types": "track,song"}, "types"),
        ({"query": "dark", "limit": "many"}, "limit"),
        ({"query": "dark", "page": "2"}, "types"),
        ({"query": "dark", "types": "track,artist", "page": "2"}, "types"),
        ({"query": "dark", "types": "track", "page": "two"}, "page"),
    ],
)
def test_bad_parameters_are_422_with_the_field(api_client, params, field):
    response = api_client.get(URL, params)

    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_limits_are_clamped_and_plural_types_accepted(api_client):
    TrackFactory(name="Ocean Drive")

    assert names(api_client.get(URL, {"query": "ocean", "types": "tracks", "limit": 999})) == [
        "Ocean Drive"
    ]
    assert names(api_client.get(URL, {"query": "ocean", "types": "track", "limit": -3})) == [
        "Ocean Drive"
    ]


@pytest.mark.parametrize("query", ["'", "\\", "&|!()", "a:*", "''' OR 1=1 --", "ñ", "%_"])
def test_hostile_queries_are_harmless(api_client, query):
    TrackFactory(name="Fire")

    response = api_client.get(URL, {"query": query})

    assert response.status_code == 200


# --- query counts --------------------------------------------------------------------------------


@pytest.fixture
def everything_matches():
    """Several hits of every type for the query "nova"."""
    owner = UserFactory(name="Nova Fan")
    for n in range(12):
        artist = ArtistFactory(name=f"Nova {n}")
        TrackFactory(name=f"Nova Track {n}", artists=[artist], tags=[TagFactory(name=f"nova{n}")])
        AlbumFactory(name=f"Nova Album {n}", artists=[artist])
        Playlist.objects.create(owner=owner, name=f"Nova Mix {n}", public=True)
        UserFactory(name=f"Nova User {n}")


def count_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, {"query": "nova", **params})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_constant_in_limit(everything_matches, user_client, api_client):
    signed_in = {count_queries(user_client, limit=limit) for limit in (1, 10, 50)}
    anonymous = {count_queries(api_client, limit=limit) for limit in (1, 10, 50)}

    # signed in: JWT user 1, prepare 1, tracks 3 (search, rows, relations in one query),
    # artists 2, albums 3, playlists 2, users 1, tags 1
    assert signed_in == {14}
    # anonymous: no user, tracks 3 (search, rows, artists)
    assert anonymous == {13}


def test_the_page_mode_query_count_is_constant_in_page_size(everything_matches, user_client):
    counts = {count_queries(user_client, types="track", page=1, per_page=size) for size in (1, 10)}

    assert counts == {5}  # the track relations in one query


def test_documented_search_fields_match_the_responses(user_client):
    from content.search.schemas import SearchResultsOut, StationOut, SuggestionOut

    seed = TrackFactory(name="Glass City", artists=[ArtistFactory(name="Glass Band")])
    TrackFactory(name="Glass House")

    results = search(user_client, "glass", "track,artist,album,playlist,user,tag,genre")
    suggestion = user_client.get("/api/v1/search/suggestions/artist", {"query": "glass"})
    radio = user_client.get(f"/api/v1/radio/track/{seed.pk}")

    assert set(results.json()["results"]) == set(SearchResultsOut().fields)
    assert set(suggestion.json()["results"][0]) == set(SuggestionOut().fields)
    assert set(radio.json()["station"]) == set(StationOut().fields)
