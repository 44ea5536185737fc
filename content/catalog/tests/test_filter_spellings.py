"""Key, genre and tag filters compare what the values mean, not how they are spelled."""

from __future__ import annotations

import pytest

from content.catalog.models import Track
from content.tests.factories import GenreFactory, TagFactory, TrackFactory


def names(client, query) -> set[str]:
    response = client.get(f"/api/v1/tracks?{query}")
    assert response.status_code == 200, response.json()
    return {t["name"] for t in response.json()["data"]}


@pytest.fixture
def keyed(producer_artist):
    TrackFactory(name="Sharp", key="D#", scale="minor", artists=[producer_artist])
    TrackFactory(name="Flat", key="Eb", scale="major", artists=[producer_artist])
    TrackFactory(name="Other", key="E", scale="minor", artists=[producer_artist])


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("Eb", {"Sharp", "Flat"}),
        ("D%23", {"Sharp", "Flat"}),
        ("eb", {"Sharp", "Flat"}),
        ("EB", {"Sharp", "Flat"}),
        ("E%E2%99%AD", {"Sharp", "Flat"}),  # E♭
        ("d%E2%99%AF", {"Sharp", "Flat"}),  # d♯
        ("Fb", {"Other"}),  # F flat is E
        ("Ebm", {"Sharp"}),
        ("Eb%20minor", {"Sharp"}),
        ("D%23%20maj", {"Flat"}),
    ],
)
def test_key_filter_matches_enharmonic_spellings_in_any_case(api_client, keyed, key, expected):
    assert names(api_client, f"key={key}") == expected


def test_key_filter_combines_with_scale(api_client, keyed):
    assert names(api_client, "key=eb&scale=major") == {"Flat"}


def test_producer_spelling_is_kept_for_display(user_client, keyed):
    shown = {t["name"]: t["key"] for t in user_client.get("/api/v1/tracks?key=Eb").json()["data"]}
    assert shown == {"Sharp": "D#", "Flat": "Eb"}


@pytest.mark.parametrize("key", ["H", "E##", "Ebx", "minor", "C%23%23m"])
def test_unknown_key_is_422(api_client, key):
    response = api_client.get(f"/api/v1/tracks?key={key}")
    assert response.status_code == 422
    assert "key" in response.json()["errors"]


@pytest.mark.django_db
def test_pitch_class_column_follows_writes(producer_artist):
    track = TrackFactory(key="Gb", scale="minor", artists=[producer_artist])
    assert Track.objects.get(pk=track.pk).key_pitch_class == 6
    Track.objects.filter(pk=track.pk).update(key="")
    assert Track.objects.get(pk=track.pk).key_pitch_class is None


@pytest.fixture
def genred(producer_artist):
    hip_hop = GenreFactory(name="hip-hop", display_name="Hip Hop")
    lofi = GenreFactory(name="lo-fi", display_name="Lo-Fi Beats")
    trap = GenreFactory(name="trap", display_name="Trap")
    dark, chill = TagFactory(name="dark night"), TagFactory(name="Chill")
    TrackFactory(name="HH", genres=[hip_hop], tags=[dark], artists=[producer_artist])
    TrackFactory(name="LF", genres=[lofi], tags=[chill], artists=[producer_artist])
    TrackFactory(name="TR", genres=[trap], artists=[producer_artist])
    TrackFactory(name="Both", genres=[hip_hop, trap], tags=[dark, chill], artists=[producer_artist])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("genre=Hip%20Hop", {"HH", "Both"}),
        ("genre=hip-hop", {"HH", "Both"}),
        ("genre=HIPHOP", {"HH", "Both"}),
        ("genre=%20hip%20hop%20", {"HH", "Both"}),
        ("genre=lofibeats", {"LF"}),
        ("genre=hip-hop,lo-fi", {"HH", "LF", "Both"}),
        ("genre=Trap&genre=Lo-Fi", {"LF", "TR", "Both"}),
        ("genre=nothing", set()),
        ("tag=Dark%20Night", {"HH", "Both"}),
        ("tag=darknight", {"HH", "Both"}),
        ("tag=chill,dark%20night", {"HH", "LF", "Both"}),
        ("tag=CHILL&tag=nope", {"LF", "Both"}),
        ("genre=trap&tag=chill", {"Both"}),
    ],
)
def test_genre_and_tag_filters_ignore_case_and_spaces_and_take_any_of(
    api_client, genred, query, expected
):
    assert names(api_client, query) == expected


def test_track_with_two_matching_genres_is_listed_once(api_client, genred):
    body = api_client.get("/api/v1/tracks?genre=hip-hop,trap").json()
    assert sorted(t["name"] for t in body["data"]) == ["Both", "HH", "TR"]
    assert body["total"] == 3
