"""Suggestions for pickers and the search bar: /search/suggestions/{artist,album}[/{id}]."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.tests.factories import AlbumFactory, ArtistFactory

pytestmark = pytest.mark.django_db
ARTISTS = "/api/v1/search/suggestions/artist"
ALBUMS = "/api/v1/search/suggestions/album"


def suggested(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["results"]]


def test_names_starting_with_the_prefix_come_first_then_word_starts(api_client):
    ArtistFactory(name="Paper Nova", likes_count=900)
    ArtistFactory(name="Nova Vance", likes_count=3)
    ArtistFactory(name="Novak", likes_count=50)
    ArtistFactory(name="Casanova")  # "nova" inside a word: not a suggestion

    assert suggested(api_client.get(ARTISTS, {"query": "nov"})) == [
        "Novak",
        "Nova Vance",
        "Paper Nova",
    ]
    assert suggested(api_client.get(ARTISTS, {"query": "nova va"})) == ["Nova Vance"]


def test_accents_and_case_are_ignored(api_client):
    ArtistFactory(name="Beyoncé Knowles")

    assert suggested(api_client.get(ARTISTS, {"query": "BEYONCE"})) == ["Beyoncé Knowles"]
    assert suggested(api_client.get(ARTISTS, {"query": "knowl"})) == ["Beyoncé Knowles"]


def test_at_most_ten_and_per_page_below_that(api_client):
    for n in range(14):
        ArtistFactory(name=f"Echo {n:02d}")

    assert len(suggested(api_client.get(ARTISTS, {"query": "echo"}))) == 10
    assert len(suggested(api_client.get(ARTISTS, {"query": "echo", "perPage": 3}))) == 3
    assert len(suggested(api_client.get(ARTISTS, {"query": "echo", "perPage": 99}))) == 10


def test_an_empty_query_lists_nothing_unless_asked_to_list_all(api_client):
    ArtistFactory(name="Quiet", likes_count=1)
    ArtistFactory(name="Loud", likes_count=100)

    assert suggested(api_client.get(ARTISTS)) == []
    assert suggested(api_client.get(ARTISTS, {"listAll": "true"})) == ["Loud", "Quiet"]


def test_exclude_self_leaves_out_the_artists_you_manage(producer_client, producer_artist):
    ArtistFactory(name="Producer Twin")

    everyone = suggested(producer_client.get(ARTISTS, {"query": "producer"}))
    others = suggested(producer_client.get(ARTISTS, {"query": "producer", "excludeSelf": "true"}))

    assert everyone == ["Producer Artist", "Producer Twin"]
    assert others == ["Producer Twin"]


def test_the_picker_shape_for_artists_and_albums(api_client):
    artist = ArtistFactory(
        name="Nova Vance", bio="Dark cinematic trap.", image="https://x.io/a.jpg"
    )
    album = AlbumFactory(name="Night Shift", artists=[artist])

    artists = api_client.get(ARTISTS, {"query": "nova"}).json()
    albums = api_client.get(ALBUMS, {"query": "night s"}).json()

    assert artists == {
        "status": "success",
        "results": [
            {
                "id": artist.pk,
                "name": "Nova Vance",
                "image": "https://x.io/a.jpg",
                "description": "Dark cinematic trap.",
                "model_type": "artist",
            }
        ],
    }
    assert albums["results"] == [
        {
            "id": album.pk,
            "name": "Night Shift",
            "image": None,
            "description": "Nova Vance",
            "model_type": "album",
        }
    ]


def test_detail_endpoints_return_one_model_or_404(api_client):
    artist = ArtistFactory(name="Kofi Mensah")
    album = AlbumFactory(name="Golden Era")

    assert api_client.get(f"{ARTISTS}/{artist.pk}").json() == {
        "status": "success",
        "model": {
            "id": artist.pk,
            "name": "Kofi Mensah",
            "image": None,
            "description": None,
            "model_type": "artist",
        },
    }
    assert api_client.get(f"{ALBUMS}/{album.pk}").json()["model"]["name"] == "Golden Era"
    assert api_client.get(f"{ARTISTS}/999999").status_code == 404
    assert api_client.get(f"{ALBUMS}/abc").status_code == 404


def test_an_over_long_query_is_422(api_client):
    response = api_client.get(ARTISTS, {"query": "n" * 201})

    assert response.status_code == 422
    assert "query" in response.json()["errors"]


def test_suggestions_cost_two_queries_whatever_the_page_size(api_client):
    for n in range(12):
        ArtistFactory(name=f"Nova {n}")

    counts = set()
    for per_page in (1, 10):
        with CaptureQueriesContext(connection) as ctx:
            api_client.get(ARTISTS, {"query": "nov", "perPage": per_page})
        counts.add(len(ctx.captured_queries))

    assert counts == {2}
