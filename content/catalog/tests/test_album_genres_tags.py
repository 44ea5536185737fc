"""Albums have genres and tags like tracks: set on create/update, shown with ``with=``, listed by
``GET /tags/{tagName}/albums``, searchable."""

from __future__ import annotations

import pytest

from content.tests.factories import AlbumFactory, TagFactory

pytestmark = pytest.mark.django_db


def create_album(client, artist, **extra):
    response = client.post(
        "/api/v1/albums",
        {"name": "Night Shift", "artists": [artist.pk], **extra},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["album"]


def test_genres_and_tags_are_set_on_create_and_shown_on_request(producer_client, producer_artist):
    album = create_album(
        producer_client, producer_artist, genres=["Trap", "Lo-Fi"], tags=["Dark", "808"]
    )

    plain = producer_client.get(f"/api/v1/albums/{album['id']}").json()["album"]
    detailed = producer_client.get(f"/api/v1/albums/{album['id']}?with=genres,tags").json()["album"]

    assert "genres" not in plain
    assert "tags" not in plain
    assert [g["name"] for g in detailed["genres"]] == ["lo-fi", "trap"]
    assert detailed["genres"][0] == {
        "id": detailed["genres"][0]["id"],
        "name": "lo-fi",
        "display_name": "Lo-Fi",
        "model_type": "genre",
    }
    assert [t["name"] for t in detailed["tags"]] == ["808", "dark"]


def test_updating_replaces_the_tags_and_leaves_genres_alone(producer_client, producer_artist):
    album = create_album(producer_client, producer_artist, genres=["trap"], tags=["dark"])

    response = producer_client.put(
        f"/api/v1/albums/{album['id']}?with=genres,tags", {"tags": ["chill"]}, format="json"
    )

    body = response.json()["album"]
    assert [t["name"] for t in body["tags"]] == ["chill"]
    assert [g["name"] for g in body["genres"]] == ["trap"]


def test_too_many_tags_is_422(producer_client, producer_artist):
    response = producer_client.post(
        "/api/v1/albums",
        {"name": "x", "artists": [producer_artist.pk], "tags": [f"t{n}" for n in range(21)]},
        format="json",
    )

    assert response.status_code == 422
    assert "tags" in response.json()["errors"]


def test_albums_by_tag_are_paginated_newest_first(api_client):
    dark = TagFactory(name="dark")
    older = AlbumFactory(name="Older")
    newer = AlbumFactory(name="Newer")
    AlbumFactory(name="Untagged")
    for album in (older, newer):
        album.tags.add(dark)

    body = api_client.get("/api/v1/tags/DARK/albums?per_page=1").json()

    assert (body["total"], body["last_page"]) == (2, 2)
    assert [a["name"] for a in body["data"]] == ["Newer"]
    assert api_client.get("/api/v1/tags/nothing/albums").status_code == 404


def test_albums_are_found_by_their_tags(api_client):
    album = AlbumFactory(name="Rainy Window Tapes")
    album.tags.add(TagFactory(name="study"))

    response = api_client.get("/api/v1/search", {"query": "study", "types": "album"})

    assert [a["name"] for a in response.json()["results"]["albums"]] == ["Rainy Window Tapes"]
