"""Lyrics API: public read per track, manager/staff writes, LRC validation, pinned list queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import bearer_client
from content.catalog.models import Visibility
from content.lyrics.models import Lyric
from content.tests.factories import ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/lyrics"
LRC = "[ar:Producer]\n[00:01.50] First line\n[00:04.00] Second line\n[01:02.25] Third"


@pytest.fixture
def track(producer_artist):
    return TrackFactory(artists=[producer_artist])


def test_track_lyrics_are_public_with_lines(api_client, track):
    lyric = Lyric.objects.create(track=track, text=LRC, is_synced=True)

    response = api_client.get(f"/api/v1/tracks/{track.pk}/lyrics")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["lyric"]["id"] == lyric.pk
    assert body["lyric"]["text"] == LRC
    assert body["lyric"]["is_synced"] is True
    assert body["lyric"]["lines"] == [
        {"time_ms": 1500, "text": "First line"},
        {"time_ms": 4000, "text": "Second line"},
        {"time_ms": 62250, "text": "Third"},
    ]


def test_plain_lyrics_have_no_timed_lines(api_client, track):
    Lyric.objects.create(track=track, text="just words\nmore words")

    body = api_client.get(f"/api/v1/tracks/{track.pk}/lyrics").json()

    assert body["lyric"]["lines"] is None
    assert body["lyric"]["text"] == "just words\nmore words"


def test_track_without_lyrics_or_hidden_track_is_404(api_client, other_client, producer_artist):
    bare = TrackFactory(artists=[producer_artist])
    private = TrackFactory(artists=[producer_artist], visibility=Visibility.PRIVATE)
    Lyric.objects.create(track=private, text="secret")

    assert api_client.get(f"/api/v1/tracks/{bare.pk}/lyrics").status_code == 404
    assert api_client.get(f"/api/v1/tracks/{private.pk}/lyrics").status_code == 404
    assert other_client.get(f"/api/v1/tracks/{private.pk}/lyrics").status_code == 404
    assert api_client.get("/api/v1/tracks/999999/lyrics").status_code == 404


def test_manager_sees_lyrics_of_their_private_track(producer_client, producer_artist):
    private = TrackFactory(artists=[producer_artist], visibility=Visibility.PRIVATE)
    Lyric.objects.create(track=private, text="draft words")

    assert producer_client.get(f"/api/v1/tracks/{private.pk}/lyrics").status_code == 200


def test_track_routes_still_work_next_to_lyrics(api_client, track):
    assert api_client.get(f"/api/v1/tracks/{track.pk}").status_code == 200


# --- create -------------------------------------------------------------------------------------


def test_manager_creates_synced_lyrics(producer_client, producer, track):
    response = producer_client.post(
        URL, {"track_id": track.pk, "text": LRC, "is_synced": True}, format="json"
    )

    assert response.status_code == 201, response.json()
    lyric = Lyric.objects.get(track=track)
    assert lyric.is_synced
    assert lyric.created_by == producer
    assert response.json()["lyric"]["lines"][0] == {"time_ms": 1500, "text": "First line"}


def test_create_defaults_to_plain_lyrics(producer_client, track):
    response = producer_client.post(URL, {"track_id": track.pk, "text": "no times"}, format="json")

    assert response.status_code == 201
    assert response.json()["lyric"]["is_synced"] is False


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("[00:01.00] a\n[00:0x.00] b", 2),
        ("[00:01.00] a\n[00:99.00] b", 2),
        ("[00:05.00] a\n[00:06.00] b\n[00:02.00] c", 3),
        ("words without time", 1),
    ],
)
def test_bad_lrc_is_422_with_the_line_number(producer_client, track, text, line):
    response = producer_client.post(
        URL, {"track_id": track.pk, "text": text, "is_synced": True}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["errors"]["text"][0].startswith(f"Line {line}: ")
    assert response.json()["message"].startswith(f"Line {line}: ")
    assert not Lyric.objects.exists()


def test_second_lyric_for_a_track_is_409(producer_client, track):
    Lyric.objects.create(track=track, text="first")

    response = producer_client.post(URL, {"track_id": track.pk, "text": "again"}, format="json")

    assert response.status_code == 409
    assert response.json()["error_code"] == "lyric_exists"


def test_create_permission_matrix(api_client, user_client, staff_client, track):
    hidden = TrackFactory(artists=[ArtistFactory()], visibility=Visibility.PRIVATE)
    body = {"track_id": track.pk, "text": "words"}

    assert api_client.post(URL, body, format="json").status_code == 401
    assert user_client.post(URL, body, format="json").status_code == 403
    hidden_response = user_client.post(URL, {"track_id": hidden.pk, "text": "x"}, format="json")
    assert hidden_response.status_code == 422
    assert "track_id" in hidden_response.json()["errors"]
    assert staff_client.post(URL, body, format="json").status_code == 201


@pytest.mark.parametrize("payload", [{}, {"track_id": "x", "text": "a"}, {"track_id": 1}])
def test_create_with_malformed_input_is_422(producer_client, payload):
    assert producer_client.post(URL, payload, format="json").status_code == 422


# --- update / delete ----------------------------------------------------------------------------


def test_update_revalidates_the_resulting_text(producer_client, track):
    lyric = Lyric.objects.create(track=track, text="plain\nwords")

    bad = producer_client.put(f"{URL}/{lyric.pk}", {"is_synced": True}, format="json")
    good = producer_client.put(
        f"{URL}/{lyric.pk}", {"is_synced": True, "text": "[00:01.00] hi"}, format="json"
    )

    assert bad.status_code == 422
    assert bad.json()["errors"]["text"][0].startswith("Line 1: ")
    assert good.status_code == 200
    assert good.json()["lyric"]["lines"] == [{"time_ms": 1000, "text": "hi"}]


def test_update_permission_matrix(api_client, user_client, staff_client, producer_client, track):
    lyric = Lyric.objects.create(track=track, text="x")
    url = f"{URL}/{lyric.pk}"

    assert api_client.put(url, {"text": "y"}, format="json").status_code == 401
    assert user_client.put(url, {"text": "y"}, format="json").status_code == 403
    assert staff_client.put(url, {"text": "staff"}, format="json").status_code == 200
    assert producer_client.put(url, {"text": "mine"}, format="json").status_code == 200
    lyric.refresh_from_db()
    assert lyric.text == "mine"


def test_update_of_a_lyric_on_a_hidden_track_is_404(user_client):
    private = TrackFactory(artists=[ArtistFactory()], visibility=Visibility.PRIVATE)
    lyric = Lyric.objects.create(track=private, text="x")

    assert user_client.put(f"{URL}/{lyric.pk}", {"text": "y"}, format="json").status_code == 404


def test_delete_is_all_or_nothing(producer_client, user, producer_artist):
    mine = [
        Lyric.objects.create(track=TrackFactory(artists=[producer_artist]), text="x")
        for _ in range(2)
    ]
    theirs = Lyric.objects.create(track=TrackFactory(artists=[ArtistFactory()]), text="x")

    forbidden = producer_client.delete(f"{URL}/{mine[0].pk},{theirs.pk}")
    missing = producer_client.delete(f"{URL}/{mine[0].pk},999999")
    done = producer_client.delete(f"{URL}/{mine[0].pk},{mine[1].pk}")

    assert forbidden.status_code == 403
    assert missing.status_code == 404
    assert done.json() == {"status": "success", "deleted": 2}
    assert list(Lyric.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_delete_permission_matrix(api_client, user_client, staff_client, track):
    lyric = Lyric.objects.create(track=track, text="x")

    assert api_client.delete(f"{URL}/{lyric.pk}").status_code == 401
    assert user_client.delete(f"{URL}/{lyric.pk}").status_code == 403
    assert staff_client.delete(f"{URL}/{lyric.pk}").status_code == 200


# --- list ---------------------------------------------------------------------------------------


def test_list_is_scoped_to_managed_tracks(producer_client, staff_client, producer_artist):
    mine = Lyric.objects.create(
        track=TrackFactory(artists=[producer_artist]), text="[00:01.00] a", is_synced=True
    )
    theirs = Lyric.objects.create(track=TrackFactory(artists=[ArtistFactory()]), text="b")

    producer_ids = [r["id"] for r in producer_client.get(URL).json()["data"]]
    staff_ids = {r["id"] for r in staff_client.get(URL).json()["data"]}

    assert producer_ids == [mine.pk]
    assert staff_ids == {mine.pk, theirs.pk}
    row = producer_client.get(URL).json()["data"][0]
    assert row["track"]["id"] == mine.track_id
    assert row["lines"] == [{"time_ms": 1000, "text": "a"}]


def test_list_is_for_managers_and_staff(api_client, user_client):
    assert api_client.get(URL).status_code == 401
    assert user_client.get(URL).status_code == 403


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, {"per_page": 100})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_is_the_same_for_1_and_50_lyrics(producer_client, producer_artist):
    Lyric.objects.create(track=TrackFactory(artists=[producer_artist]), text="x")
    one = _queries(producer_client)
    for _ in range(49):
        Lyric.objects.create(
            track=TrackFactory(artists=[producer_artist]), text="[00:01.00] y", is_synced=True
        )

    assert _queries(producer_client) == one
    assert producer_client.get(URL, {"per_page": 100}).json()["total"] == 50


def test_retrieve_by_id(producer_client, track):
    lyric = Lyric.objects.create(track=track, text="words")

    assert producer_client.get(f"{URL}/{lyric.pk}").json()["lyric"]["id"] == lyric.pk
    assert bearer_client(UserFactory()).get(f"{URL}/{lyric.pk}").status_code == 200
    assert producer_client.get(f"{URL}/999999").status_code == 404
