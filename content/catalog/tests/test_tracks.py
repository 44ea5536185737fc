"""Tracks: two-tier reads, visibility, filters, create/update/delete with a permission matrix."""

import pytest

from content.catalog.models import Track, TrackArtist
from content.tests.factories import (
    AlbumFactory,
    ArtistFactory,
    FileEntryFactory,
    GenreFactory,
    TagFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def audio_entry(producer):
    return FileEntryFactory(owner=producer, duration_ms=183_000)


def payload(entry, **extra):
    data = {
        "name": "Midnight Trap Vibes",
        "file_id": entry.pk,
        "bpm": 140,
        "key": "F#",
        "scale": "minor",
        "genres": ["Trap", "Hip Hop"],
        "tags": ["Dark", "808 heavy"],
        "description": "Moody trap beat",
    }
    data.update(extra)
    return data


# --- reads ----------------------------------------------------------------------------------


def test_anonymous_list_shows_only_minimal_public_fields(api_client, producer_artist):
    TrackFactory(artists=[producer_artist], genres=[GenreFactory()], duration=205_000)
    item = api_client.get("/api/v1/tracks").json()["data"][0]
    assert set(item) == {
        "id",
        "name",
        "image",
        "created_at",
        "model_type",
        "duration_text",
        "artists",
    }
    assert item["model_type"] == "track"
    assert item["duration_text"] == "3:25"
    assert item["artists"] == [
        {"id": producer_artist.pk, "name": producer_artist.name, "model_type": "artist"}
    ]


def test_authenticated_list_shows_rich_fields(user_client, user, producer_artist):
    genre, tag = GenreFactory(name="trap", display_name="Trap"), TagFactory(name="dark")
    track = TrackFactory(artists=[producer_artist], genres=[genre], tags=[tag], plays=12)
    user_client.post(f"/api/v1/tracks/{track.pk}/like")
    item = user_client.get("/api/v1/tracks").json()["data"][0]
    for field in (
        "duration",
        "bpm",
        "key",
        "scale",
        "plays",
        "likes_count",
        "description",
        "tags",
        "genres",
        "is_liked",
    ):
        assert field in item
    assert item["is_liked"] is True
    assert item["likes_count"] == 1
    assert item["plays"] == 12
    assert item["genres"][0]["display_name"] == "Trap"
    assert item["tags"][0]["name"] == "dark"


def test_private_track_is_404_for_everyone_but_managers_and_staff(
    api_client, user_client, producer_client, staff_client, producer_artist
):
    track = TrackFactory(artists=[producer_artist], visibility="private")
    assert api_client.get(f"/api/v1/tracks/{track.pk}").status_code == 404
    assert user_client.get(f"/api/v1/tracks/{track.pk}").status_code == 404
    assert producer_client.get(f"/api/v1/tracks/{track.pk}").status_code == 200
    assert staff_client.get(f"/api/v1/tracks/{track.pk}").status_code == 200
    assert user_client.get("/api/v1/tracks").json()["total"] == 0
    assert producer_client.get("/api/v1/tracks").json()["total"] == 1


def test_detail_envelope_and_with_album(user_client, producer_artist):
    album = AlbumFactory(name="Night Tape", artists=[producer_artist])
    track = TrackFactory(artists=[producer_artist], album=album, number=1)
    body = user_client.get(f"/api/v1/tracks/{track.pk}?with=album,genres,tags").json()
    assert body["status"] == "success"
    assert body["track"]["id"] == track.pk
    assert body["track"]["album"]["name"] == "Night Tape"
    plain = user_client.get(f"/api/v1/tracks/{track.pk}").json()["track"]
    assert "album" not in plain


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("query=night", {"Night Drive"}),
        ("genre=trap", {"Night Drive", "Cold"}),
        ("tag=dark", {"Cold"}),
        ("bpm_min=100&bpm_max=150", {"Night Drive", "Sunny"}),
        ("key=C&scale=major", {"Sunny"}),
    ],
)
def test_list_filters(api_client, producer_artist, query, expected):
    trap = GenreFactory(name="trap")
    TrackFactory(
        name="Night Drive",
        bpm=140,
        key="A",
        scale="minor",
        genres=[trap],
        artists=[producer_artist],
    )
    TrackFactory(
        name="Cold",
        bpm=160,
        key="D",
        scale="minor",
        genres=[trap],
        tags=[TagFactory(name="dark")],
        artists=[producer_artist],
    )
    TrackFactory(name="Sunny", bpm=100, key="C", scale="major", artists=[producer_artist])
    names = {t["name"] for t in api_client.get(f"/api/v1/tracks?{query}").json()["data"]}
    assert names == expected


def test_filter_by_artist_and_album(api_client, producer_artist):
    other = ArtistFactory()
    album = AlbumFactory(artists=[producer_artist])
    mine = TrackFactory(artists=[producer_artist, other], album=album)
    TrackFactory(artists=[other])
    by_artist = api_client.get(f"/api/v1/tracks?artist={producer_artist.pk}").json()
    assert [t["id"] for t in by_artist["data"]] == [mine.pk]
    assert api_client.get(f"/api/v1/tracks?album={album.pk}").json()["total"] == 1
    # A track credited to two artists is listed once.
    assert api_client.get("/api/v1/tracks").json()["total"] == 2


def test_ordering(api_client, producer_artist):
    a = TrackFactory(name="B side", plays=5, artists=[producer_artist])
    b = TrackFactory(name="A side", plays=50, artists=[producer_artist])

    def ids(order):
        return [t["id"] for t in api_client.get(f"/api/v1/tracks?order={order}").json()["data"]]

    assert ids("newest") == [b.pk, a.pk]
    assert ids("popular") == [b.pk, a.pk]
    assert ids("name") == [b.pk, a.pk]
    assert ids("oldest") == [a.pk, b.pk]
    assert api_client.get("/api/v1/tracks?order=random").status_code == 422


# --- create -------------------------------------------------------------------------------------


def test_producer_creates_track_from_own_upload(producer_client, producer_artist, audio_entry):
    response = producer_client.post("/api/v1/tracks", payload(audio_entry), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "success"
    track = Track.objects.get(pk=body["track"]["id"])
    assert track.file_id == audio_entry.pk
    assert track.duration == 183_000
    assert list(track.artists.all()) == [producer_artist]
    assert {g.name for g in track.genres.all()} == {"trap", "hip-hop"}
    assert {t.name for t in track.tags.all()} == {"dark", "808 heavy"}
    assert body["track"]["key"] == "F#"
    assert body["track"]["bpm"] == 140


def test_create_ignores_read_only_fields(producer_client, audio_entry, staff_user):
    response = producer_client.post(
        "/api/v1/tracks",
        payload(
            audio_entry,
            plays=10**6,
            likes_count=999,
            id=424242,
            created_by=staff_user.pk,
            duration=1,
        ),
        format="json",
    )
    assert response.status_code == 201
    track = Track.objects.get()
    assert (track.plays, track.likes_count, track.duration) == (0, 0, 183_000)
    assert track.pk != 424242
    assert track.created_by_id != staff_user.pk


def test_create_requires_the_musical_attributes_and_a_genre(producer_client, audio_entry):
    response = producer_client.post(
        "/api/v1/tracks", {"name": "x", "file_id": audio_entry.pk}, format="json"
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"bpm", "key", "scale", "genres"}
    assert not Track.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bpm", 49),
        ("bpm", 201),
        ("bpm", "fast"),
        ("key", "H"),
        ("scale", "dorian"),
        ("genres", "trap"),
        ("visibility", "secret"),
        ("release_date", "yesterday"),
    ],
)
def test_create_rejects_bad_values_with_422(producer_client, audio_entry, field, value):
    response = producer_client.post(
        "/api/v1/tracks", payload(audio_entry, **{field: value}), format="json"
    )
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not Track.objects.exists()


def test_create_accepts_the_openapi_single_genre_field(producer_client, audio_entry):
    data = payload(audio_entry)
    del data["genres"]
    data["genre"] = "Rock"
    assert producer_client.post("/api/v1/tracks", data, format="json").status_code == 201
    assert Track.objects.get().genres.get().name == "rock"


def test_cannot_use_someone_elses_upload(producer_client, other_user):
    foreign = FileEntryFactory(owner=other_user)
    response = producer_client.post("/api/v1/tracks", payload(foreign), format="json")
    assert response.status_code == 422
    assert "file_id" in response.json()["errors"]


def test_an_upload_backs_at_most_one_track(producer_client, audio_entry):
    assert (
        producer_client.post("/api/v1/tracks", payload(audio_entry), format="json").status_code
        == 201
    )
    again = producer_client.post("/api/v1/tracks", payload(audio_entry, name="Copy"), format="json")
    assert again.status_code == 422
    assert Track.objects.count() == 1


def test_image_upload_cannot_be_used_as_audio(producer_client, producer):
    image = FileEntryFactory(owner=producer, kind="image", mime="image/png", name="a.png")
    response = producer_client.post("/api/v1/tracks", payload(image), format="json")
    assert response.status_code == 422


def test_create_permission_matrix(
    api_client, user_client, staff_client, producer_artist, user, staff_user
):
    # anonymous → 401
    entry = FileEntryFactory(owner=user)
    assert api_client.post("/api/v1/tracks", payload(entry), format="json").status_code == 401
    # a user who manages no artist → 422 (nothing to publish under)
    response = user_client.post("/api/v1/tracks", payload(entry), format="json")
    assert response.status_code == 422
    assert "artists" in response.json()["errors"]
    # ... and cannot publish under someone else's artist
    response = user_client.post(
        "/api/v1/tracks", payload(entry, artists=[producer_artist.pk]), format="json"
    )
    assert response.status_code == 403
    # staff may publish under any artist
    staff_entry = FileEntryFactory(owner=staff_user)
    response = staff_client.post(
        "/api/v1/tracks", payload(staff_entry, artists=[producer_artist.pk]), format="json"
    )
    assert response.status_code == 201
    assert Track.objects.count() == 1


def test_producer_can_credit_a_featured_artist(producer_client, producer_artist, audio_entry):
    guest = ArtistFactory(name="Guest")
    response = producer_client.post(
        "/api/v1/tracks",
        payload(audio_entry, artists=[producer_artist.pk, guest.pk]),
        format="json",
    )
    assert response.status_code == 201
    roles = list(TrackArtist.objects.order_by("position").values_list("artist__name", "role"))
    assert roles == [("Producer Artist", "main"), ("Guest", "featured")]


def test_producer_cannot_lead_with_someone_elses_artist(
    producer_client, producer_artist, audio_entry
):
    guest = ArtistFactory(name="Guest")
    response = producer_client.post(
        "/api/v1/tracks",
        payload(audio_entry, artists=[guest.pk, producer_artist.pk]),
        format="json",
    )
    assert response.status_code == 403


# --- update -------------------------------------------------------------------------------------


def test_update_permission_matrix(
    api_client, user_client, producer_client, staff_client, producer_artist
):
    track = TrackFactory(artists=[producer_artist], name="Old")
    url = f"/api/v1/tracks/{track.pk}"
    assert api_client.put(url, {"name": "A"}, format="json").status_code == 401
    assert user_client.put(url, {"name": "B"}, format="json").status_code == 403
    assert producer_client.put(url, {"name": "C"}, format="json").status_code == 200
    assert staff_client.put(url, {"name": "D"}, format="json").status_code == 200
    track.refresh_from_db()
    assert track.name == "D"


def test_update_private_track_of_someone_else_is_404(user_client, producer_artist):
    track = TrackFactory(artists=[producer_artist], visibility="private")
    assert (
        user_client.put(f"/api/v1/tracks/{track.pk}", {"name": "x"}, format="json").status_code
        == 404
    )


def test_partial_update_changes_only_given_fields(producer_client, producer_artist):
    track = TrackFactory(
        artists=[producer_artist], bpm=90, key="C", scale="major", genres=[GenreFactory()]
    )
    response = producer_client.put(
        f"/api/v1/tracks/{track.pk}",
        {"bpm": 95, "plays": 77, "visibility": "private"},
        format="json",
    )
    assert response.status_code == 200
    track.refresh_from_db()
    assert (track.bpm, track.key, track.plays, track.visibility) == (95, "C", 0, "private")
    assert track.genres.count() == 1


def test_update_can_replace_audio_with_another_own_upload(
    producer_client, producer, producer_artist
):
    track = TrackFactory(artists=[producer_artist], file=FileEntryFactory(owner=producer))
    new = FileEntryFactory(owner=producer, duration_ms=99_000)
    response = producer_client.put(f"/api/v1/tracks/{track.pk}", {"file_id": new.pk}, format="json")
    assert response.status_code == 200
    track.refresh_from_db()
    assert track.file_id == new.pk
    assert track.duration == 99_000


# --- delete -------------------------------------------------------------------------------------


def test_bulk_delete_removes_all_given_tracks(producer_client, producer_artist):
    a, b, keep = TrackFactory.create_batch(3, artists=[producer_artist])
    response = producer_client.delete(f"/api/v1/tracks/{a.pk},{b.pk}")
    assert response.status_code == 200
    assert response.json() == {"status": "success", "deleted": 2}
    assert list(Track.objects.values_list("pk", flat=True)) == [keep.pk]


def test_bulk_delete_is_all_or_nothing(producer_client, producer_artist):
    mine = TrackFactory(artists=[producer_artist])
    theirs = TrackFactory(artists=[ArtistFactory()])
    response = producer_client.delete(f"/api/v1/tracks/{mine.pk},{theirs.pk}")
    assert response.status_code == 403
    assert Track.objects.count() == 2
    missing = producer_client.delete(f"/api/v1/tracks/{mine.pk},999999")
    assert missing.status_code == 404
    assert Track.objects.filter(pk=mine.pk).exists()


@pytest.mark.parametrize("ids", ["abc", "1,,x", "-1", ",", "1;2"])
def test_bulk_delete_with_malformed_ids_is_422(producer_client, ids):
    assert producer_client.delete(f"/api/v1/tracks/{ids}").status_code == 422


def test_delete_permission_matrix(api_client, user_client, staff_client, producer_artist):
    track = TrackFactory(artists=[producer_artist])
    assert api_client.delete(f"/api/v1/tracks/{track.pk}").status_code == 401
    assert user_client.delete(f"/api/v1/tracks/{track.pk}").status_code == 403
    assert staff_client.delete(f"/api/v1/tracks/{track.pk}").status_code == 200
    assert not Track.objects.exists()


def test_tags_endpoint_lists_tagged_public_tracks(api_client, producer_artist):
    dark = TagFactory(name="dark")
    tagged = TrackFactory(artists=[producer_artist], tags=[dark])
    TrackFactory(artists=[producer_artist], tags=[dark], visibility="private")
    TrackFactory(artists=[producer_artist])
    body = api_client.get("/api/v1/tags/Dark/tracks").json()
    assert [t["id"] for t in body["data"]] == [tagged.pk]
    assert api_client.get("/api/v1/tags/unknown/tracks").status_code == 404


def test_genres_list_and_detail(api_client):
    GenreFactory(name="trap", display_name="Trap")
    GenreFactory(name="drill", display_name="Drill")
    body = api_client.get("/api/v1/genres").json()
    assert [g["name"] for g in body["data"]] == ["drill", "trap"]
    detail = api_client.get("/api/v1/genres/trap").json()
    assert detail == {
        "status": "success",
        "genre": {
            "id": detail["genre"]["id"],
            "name": "trap",
            "display_name": "Trap",
            "model_type": "genre",
        },
    }
    assert api_client.get("/api/v1/genres/nope").status_code == 404
