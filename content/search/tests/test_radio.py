"""GET /radio/{type}/{id}: harmonic and tempo matching, diversity, reproducibility, visibility."""

from __future__ import annotations

import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.audio import descriptor
from content.catalog import services as catalog
from content.catalog.models import Visibility
from content.search.models import TrackDescriptor
from content.tests.factories import (
    ArtistFactory,
    GenreFactory,
    TagFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def station(client, path: str, **params) -> dict:
    response = client.get(f"/api/v1/radio/{path}", params)
    assert response.status_code == 200, response.content
    return response.json()


def names(body: dict) -> list[str]:
    return [t["name"] for t in body["tracks"]]


def test_track_radio_mixes_camelot_neighbours_and_skips_clashing_keys(api_client):
    seed = TrackFactory(name="Seed", key="A", scale="minor", bpm=140)
    TrackFactory(name="Same Key", key="A", scale="minor", bpm=140)
    TrackFactory(name="Relative Major", key="C", scale="major", bpm=140)
    TrackFactory(name="One Up", key="E", scale="minor", bpm=140)
    TrackFactory(name="One Down", key="D", scale="minor", bpm=140)
    TrackFactory(name="Clash", key="F#", scale="major", bpm=140)

    body = station(api_client, f"track/{seed.pk}", seed=1)

    assert set(names(body)) == {"Same Key", "Relative Major", "One Up", "One Down"}


def test_tempo_matches_within_six_percent_and_at_half_or_double_time(api_client):
    seed = TrackFactory(name="Seed", key="A", scale="minor", bpm=140)
    TrackFactory(name="Close", key="A", scale="minor", bpm=146)
    TrackFactory(name="Half Time", key="A", scale="minor", bpm=70)
    TrackFactory(name="Exact", key="A", scale="minor", bpm=140)
    TrackFactory(name="Too Fast", key="A", scale="minor", bpm=152)
    TrackFactory(name="Off Beat", key="A", scale="minor", bpm=100)

    found = set(names(station(api_client, f"track/{seed.pk}", seed=1)))

    assert {"Close", "Half Time", "Exact"} <= found
    assert not {"Too Fast", "Off Beat"} & found


def test_double_time_of_a_slow_seed_is_on_the_station(api_client):
    seed = TrackFactory(name="Slow Seed", key="A", scale="minor", bpm=72)
    TrackFactory(name="Double", key="A", scale="minor", bpm=144)

    assert names(station(api_client, f"track/{seed.pk}", seed=1)) == ["Double"]


def test_shared_genres_and_tags_bring_tracks_in_a_clashing_key(api_client):
    drill = GenreFactory(name="drill")
    seed = TrackFactory(name="Seed", key="A", scale="minor", bpm=140, genres=[drill])
    TrackFactory(name="Same Genre", key="F#", scale="major", bpm=100, genres=[drill])
    TrackFactory(name="Nothing In Common", key="F#", scale="major", bpm=100)

    assert names(station(api_client, f"track/{seed.pk}", seed=1)) == ["Same Genre"]


def test_tracks_liked_by_the_same_listeners_come_along(api_client):
    seed = TrackFactory(name="Seed", key="A", scale="minor", bpm=140)
    liked_too = TrackFactory(name="Liked Too", key="F#", scale="major", bpm=100)
    TrackFactory(name="Stranger", key="F#", scale="major", bpm=100)
    for _ in range(2):
        fan = UserFactory()
        catalog.like(user=fan, obj=seed)
        catalog.like(user=fan, obj=liked_too)

    assert names(station(api_client, f"track/{seed.pk}", seed=1)) == ["Liked Too"]


def test_tracks_that_sound_alike_play_first(api_client):
    seed = TrackFactory(name="Seed", key="A", scale="minor", bpm=140)
    twin = TrackFactory(name="Sound Twin", key="A", scale="minor", bpm=140)
    for n in range(12):
        TrackFactory(name=f"Other {n}", artists=[ArtistFactory()], key="A", scale="minor", bpm=140)
    for track, angle in ((seed, 0.0), (twin, 0.1)):
        TrackDescriptor.objects.create(
            track=track,
            status=TrackDescriptor.Status.COMPLETED,
            vector=(vector := [math.cos(angle), math.sin(angle)] + [0.0] * 33),
            signature=descriptor.signature(vector),
            version=1,
            computed_at=track.created_at,
        )

    for shuffle in range(5):
        assert names(station(api_client, f"track/{seed.pk}", seed=shuffle))[0] == "Sound Twin"


def test_no_more_than_three_tracks_per_artist(api_client):
    prolific = ArtistFactory(name="Prolific")
    seed = TrackFactory(name="Seed", key="A", scale="minor", bpm=140)
    for n in range(8):
        TrackFactory(name=f"Prolific {n}", artists=[prolific], key="A", scale="minor", bpm=140)
    for n in range(4):
        TrackFactory(name=f"Other {n}", artists=[ArtistFactory()], key="A", scale="minor", bpm=140)

    found = names(station(api_client, f"track/{seed.pk}", seed=1))

    assert sum(name.startswith("Prolific") for name in found) == 3
    assert sum(name.startswith("Other") for name in found) == 4


def test_the_same_seed_gives_the_same_station(api_client):
    seed = TrackFactory(name="Seed", key="A", scale="minor", bpm=140)
    for n in range(40):
        TrackFactory(
            name=f"Candidate {n}", artists=[ArtistFactory()], key="A", scale="minor", bpm=140
        )

    first = station(api_client, f"track/{seed.pk}", seed=7)
    again = station(api_client, f"track/{seed.pk}", seed=7)
    other = station(api_client, f"track/{seed.pk}", seed=8)
    fresh = station(api_client, f"track/{seed.pk}")

    assert first == again
    assert names(first) != names(other)
    assert set(names(first)) == set(names(other))
    assert 0 <= fresh["station"]["seed"] <= 2**31 - 1
    assert station(api_client, f"track/{seed.pk}", seed=fresh["station"]["seed"]) == fresh


def test_the_seed_track_and_hidden_tracks_never_play(producer_client, producer_artist):
    seed = TrackFactory(name="Seed", artists=[producer_artist], key="A", scale="minor", bpm=140)
    TrackFactory(
        name="Private Draft",
        artists=[producer_artist],
        key="A",
        scale="minor",
        bpm=140,
        visibility=Visibility.PRIVATE,
    )
    TrackFactory(name="Public", key="A", scale="minor", bpm=140)

    assert names(station(producer_client, f"track/{seed.pk}", seed=1)) == ["Public"]


def test_a_private_seed_is_404_to_strangers_and_playable_by_its_producer(
    api_client, producer_client, producer_artist
):
    seed = TrackFactory(
        name="Draft", artists=[producer_artist], key="A", scale="minor", visibility="private"
    )
    TrackFactory(name="Public", key="A", scale="minor", bpm=140)

    assert api_client.get(f"/api/v1/radio/track/{seed.pk}").status_code == 404
    assert names(station(producer_client, f"track/{seed.pk}", seed=1)) == ["Public"]


def test_artist_radio_by_id_or_name_plays_the_artist_and_similar_ones(api_client):
    nova = ArtistFactory(name="Nova Vance")
    TrackFactory(name="Nova 1", artists=[nova], key="A", scale="minor", bpm=140, plays=50)
    TrackFactory(name="Similar", key="A", scale="minor", bpm=141)
    TrackFactory(name="Clash", key="F#", scale="major", bpm=100)

    by_id = station(api_client, f"artist/{nova.pk}", seed=3)
    by_name = station(api_client, "artist/nova vance", seed=3)

    assert by_id == by_name
    assert by_id["station"] == {"name": "Nova Vance radio", "type": "artist", "seed": 3}
    assert set(names(by_id)) == {"Nova 1", "Similar"}


def test_genre_and_tag_radio_only_play_that_genre_or_tag(api_client):
    drill = GenreFactory(name="drill", display_name="Drill")
    dark = TagFactory(name="dark")
    TrackFactory(name="Drill One", genres=[drill], key="A", scale="minor", bpm=140)
    TrackFactory(name="Drill Two", genres=[drill], tags=[dark], key="C", scale="major", bpm=70)
    TrackFactory(name="Not Drill", tags=[dark], key="A", scale="minor", bpm=140)

    genre = station(api_client, "genre/drill", seed=1)
    tag = station(api_client, f"tag/{dark.pk}", seed=1)

    assert genre["station"]["name"] == "Drill radio"
    assert set(names(genre)) == {"Drill One", "Drill Two"}
    assert tag["station"] == {"name": "dark radio", "type": "tag", "seed": 1}
    assert set(names(tag)) == {"Drill Two", "Not Drill"}


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("album/1", {}, 404),
        ("artist/999999", {}, 404),
        ("genre/no-such-genre", {}, 404),
        ("track/no such track", {}, 404),
        ("track/1", {"seed": "-1"}, 422),
        ("track/1", {"seed": "abc"}, 422),
        ("track/1", {"seed": str(2**31)}, 422),
    ],
)
def test_unknown_seeds_are_404_and_bad_shuffle_seeds_422(api_client, path, params, status):
    TrackFactory(pk=1)

    assert api_client.get(f"/api/v1/radio/{path}", params).status_code == status


def test_the_station_shape_and_constant_query_count(user_client):
    seed = TrackFactory(name="Seed", key="A", scale="minor", bpm=140, genres=[GenreFactory()])
    counts = set()
    for batch in (1, 20):
        for _n in range(batch):
            TrackFactory(artists=[ArtistFactory()], key="A", scale="minor", bpm=140)
        with CaptureQueriesContext(connection) as ctx:
            body = station(user_client, f"track/{seed.pk}", seed=1)
        counts.add(len(ctx.captured_queries))

    assert set(body) == {"status", "station", "tracks"}
    assert body["status"] == "success"
    assert set(body["station"]) == {"name", "type", "seed"}
    assert {"bpm", "key", "artists", "tags", "is_liked"} <= set(body["tracks"][0])
    # user, seed track, profile (seed rows, genres, tags), candidates, tracks (rows, their
    # artists, genres and tags in one query)
    assert counts == {8}
