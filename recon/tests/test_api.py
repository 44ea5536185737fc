"""GET /api/v1/tracks/{track}/placements and POST …/placements/rescan."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from conftest import bearer_client
from content.catalog.models import Visibility
from content.tests.factories import ArtistFactory, UserFactory
from recon.models import Match, ReferenceRecording, ReferenceSource, ScanStatus, TrackScan
from recon.tests.conftest import make_track

pytestmark = pytest.mark.django_db


def url(track_id) -> str:
    return f"/api/v1/tracks/{track_id}/placements"


def recording(title, **fields) -> ReferenceRecording:
    return ReferenceRecording.objects.create(
        title=title, source=ReferenceSource.SPOTIFY, external_id=title, **fields
    )


@pytest.fixture
def setup(beat_wav):
    """A collaborative beat: verified main producer, unverified co-producer, a vocalist."""
    main_user, co_user, vocalist_user = UserFactory(), UserFactory(), UserFactory()
    main = ArtistFactory(verified=True, managers=[main_user])
    co = ArtistFactory(verified=False, managers=[co_user])
    vocalist = ArtistFactory(managers=[vocalist_user])
    track = make_track(main=main, producers=[co], featured=[vocalist], data=beat_wav)
    return {"track": track, "main": main_user, "co": co_user, "vocalist": vocalist_user}


def test_placements_exact_json_sorted_90_plus_only(setup):
    track = setup["track"]
    scanned = datetime(2026, 2, 26, 2, 15, tzinfo=UTC)
    TrackScan.objects.create(track=track, status=ScanStatus.COMPLETE, scanned_at=scanned)
    full = recording(
        "Song Title",
        artist_name="Artist Name",
        album_name="Album Name",
        release_date=date(2025, 6, 15),
        spotify_url="https://open.spotify.com/track/abc",
        youtube_url="https://youtube.com/watch?v=abc",
        deezer_url="https://deezer.com/track/1",
    )
    bare = recording("Bare", artist_name="Someone")
    low = recording("Low")
    m95 = Match.objects.create(track=track, recording=full, confidence=95, votes=300, offset=3.0)
    m91 = Match.objects.create(track=track, recording=bare, confidence=91, votes=200, offset=1.0)
    Match.objects.create(track=track, recording=low, confidence=85, votes=80, offset=0.0)
    Match.objects.filter(pk=m95.pk).update(created_at=datetime(2026, 2, 20, 12, tzinfo=UTC))

    response = bearer_client(setup["main"]).get(url(track.pk))

    assert response.status_code == 200
    m91.refresh_from_db()
    assert response.json() == {
        "placements": [
            {
                "id": m95.pk,
                "title": "Song Title",
                "artist_name": "Artist Name",
                "album_name": "Album Name",
                "release_date": "2025-06-15",
                "confidence_score": 95,
                "spotify_url": "https://open.spotify.com/track/abc",
                "youtube_url": "https://youtube.com/watch?v=abc",
                "deezer_url": "https://deezer.com/track/1",
                "created_at": "2026-02-20T12:00:00+00:00",
            },
            {
                "id": m91.pk,
                "title": "Bare",
                "artist_name": "Someone",
                "album_name": "",
                "release_date": None,
                "confidence_score": 91,
                "spotify_url": None,
                "youtube_url": None,
                "deezer_url": None,
                "created_at": m91.created_at.astimezone(UTC).isoformat(timespec="seconds"),
            },
        ],
        "scan_status": "complete",
        "scanned_at": "2026-02-26T02:15:00+00:00",
        "total_count": 2,
        "artist_verified": True,
    }


def test_never_scanned_shape(setup):
    response = bearer_client(setup["co"]).get(url(setup["track"].pk))
    assert response.status_code == 200
    assert response.json() == {
        "placements": [],
        "scan_status": None,
        "scanned_at": None,
        "total_count": 0,
        "artist_verified": True,
    }


def test_scanned_without_results_shape(setup):
    scanned = datetime(2026, 3, 1, 2, 15, 30, 123456, tzinfo=UTC)
    TrackScan.objects.create(track=setup["track"], status=ScanStatus.NO_RESULTS, scanned_at=scanned)
    body = bearer_client(setup["main"]).get(url(setup["track"].pk)).json()
    assert body == {
        "placements": [],
        "scan_status": "no_results",
        "scanned_at": "2026-03-01T02:15:30+00:00",
        "total_count": 0,
        "artist_verified": True,
    }


def test_unverified_producers_see_an_empty_list_and_artist_verified_false(beat_wav):
    user = UserFactory()
    track = make_track(main=ArtistFactory(verified=False, managers=[user]), data=beat_wav)
    Match.objects.create(track=track, recording=recording("X"), confidence=99, votes=1, offset=0)
    body = bearer_client(user).get(url(track.pk)).json()
    assert body["placements"] == []
    assert body["total_count"] == 0
    assert body["artist_verified"] is False


def test_anonymous_is_401(api_client, setup):
    response = api_client.get(url(setup["track"].pk))
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


@pytest.mark.parametrize("who", ["vocalist", "stranger"])
def test_anyone_not_a_credited_producer_is_403(setup, who):
    user = setup["vocalist"] if who == "vocalist" else UserFactory()
    response = bearer_client(user).get(url(setup["track"].pk))
    assert response.status_code == 403
    assert response.json() == {"message": "You are not a credited producer on this track."}


def test_staff_may_read_any_track(setup, staff_client):
    assert staff_client.get(url(setup["track"].pk)).status_code == 200


@pytest.mark.parametrize("raw", ["999999", "abc", "0"])
def test_missing_track_is_404(user_client, raw):
    assert user_client.get(url(raw)).status_code == 404


def test_private_track_is_404_to_strangers_and_visible_to_its_producers(setup):
    track = setup["track"]
    track.visibility = Visibility.PRIVATE
    track.save()
    assert bearer_client(UserFactory()).get(url(track.pk)).status_code == 404
    assert bearer_client(setup["co"]).get(url(track.pk)).status_code == 200


def test_placements_query_count_does_not_grow_with_matches(setup, django_assert_num_queries):
    track = setup["track"]
    client = bearer_client(setup["main"])
    Match.objects.create(track=track, recording=recording("A"), confidence=99, votes=1, offset=0)
    with django_assert_num_queries(6) as one:
        client.get(url(track.pk))
    for i in range(5):
        Match.objects.create(
            track=track, recording=recording(f"B{i}"), confidence=95, votes=1, offset=0
        )
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(client.get(url(track.pk)).json()["placements"]) == 6


# --- rescan -------------------------------------------------------------------------------------


def rescan(client, track_id):
    return client.post(f"{url(track_id)}/rescan")


def test_manager_rescan_scans_now_and_is_throttled(setup, django_capture_on_commit_callbacks):
    client = bearer_client(setup["main"])
    with django_capture_on_commit_callbacks(execute=True):
        response = rescan(client, setup["track"].pk)
    assert response.status_code == 202
    assert response.json()["message"] == "Scan queued."
    scan = TrackScan.objects.get(track=setup["track"])
    assert scan.status == ScanStatus.NO_RESULTS  # eager Celery ran the queued scan
    assert scan.attempts == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert rescan(client, setup["track"].pk).status_code == 202
    third = rescan(client, setup["track"].pk)
    assert third.status_code == 429
    assert TrackScan.objects.get(track=setup["track"]).attempts == 2


def test_staff_rescan_is_not_throttled(setup, staff_client):
    codes = [rescan(staff_client, setup["track"].pk).status_code for _ in range(4)]
    assert codes == [202] * 4


def test_co_producer_and_strangers_may_not_rescan(setup):
    assert rescan(bearer_client(setup["co"]), setup["track"].pk).status_code == 403
    assert rescan(bearer_client(UserFactory()), setup["track"].pk).status_code == 403
    assert not TrackScan.objects.exists()


def test_rescan_of_an_ineligible_track_is_422(beat_wav):
    user = UserFactory()
    track = make_track(main=ArtistFactory(verified=False, managers=[user]), data=beat_wav)
    response = rescan(bearer_client(user), track.pk)
    assert response.status_code == 422
    assert response.json()["error_code"] == "recon_not_eligible"


def test_rescan_anonymous_401_missing_404(api_client, user_client):
    assert rescan(api_client, 1).status_code == 401
    assert rescan(user_client, 987654).status_code == 404


def test_placements_paths_are_in_the_schema(api_client):
    schema = api_client.get("/api/v1/schema", {"format": "json"}).json()
    assert "get" in schema["paths"]["/api/v1/tracks/{track}/placements"]
    assert "post" in schema["paths"]["/api/v1/tracks/{track}/placements/rescan"]
