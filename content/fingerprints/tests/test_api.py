"""Fingerprint endpoints: regenerate, status, retry, check-duplicates; hostile audio."""

from __future__ import annotations

import os

import numpy as np
import pytest

from content import testing
from content.catalog.models import Track
from content.fingerprints.models import Fingerprint
from content.fingerprints.tests.helpers import SR, audio_entry, beat, beat_entry, create_track
from content.tests.factories import FileEntryFactory, TrackFactory
from content.uploads.models import FileEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def track(producer, producer_artist, producer_client, django_capture_on_commit_callbacks):
    entry = beat_entry(producer, 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = create_track(producer_client, entry, name="Original")
    assert response.status_code == 201
    return Track.objects.get(pk=response.json()["track"]["id"])


@pytest.fixture
def private_track(producer, producer_artist):
    track = TrackFactory(artists=[producer_artist], visibility="private")
    Fingerprint.objects.create(track=track, status="failed", error="boom")
    return track


# --- regenerate ----------------------------------------------------------------------------------


def test_owner_regenerates_a_fingerprint(
    track, producer_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = producer_client.post(f"/api/v1/tracks/{track.pk}/fingerprint")

    assert response.status_code == 200
    assert response.json() == {"status": "success", "message": "Fingerprint generation started"}
    fingerprint = Fingerprint.objects.get(track=track)
    assert fingerprint.status == "completed"
    assert fingerprint.attempts == 2


def test_staff_can_regenerate(track, staff_client):
    response = staff_client.post(f"/api/v1/tracks/{track.pk}/fingerprint")

    assert response.status_code == 200
    assert Fingerprint.objects.get(track=track).status == "pending"


@pytest.mark.parametrize(
    ("client_name", "code"), [("api_client", 401), ("other_client", 403), ("user_client", 403)]
)
def test_regenerate_is_for_managers_and_staff_only(request, track, client_name, code):
    client = request.getfixturevalue(client_name)

    response = client.post(f"/api/v1/tracks/{track.pk}/fingerprint")

    assert response.status_code == code
    assert Fingerprint.objects.get(track=track).status == "completed"


def test_a_hidden_track_is_404_for_others(private_track, other_client):
    assert other_client.post(f"/api/v1/tracks/{private_track.pk}/fingerprint").status_code == 404
    assert (
        other_client.get(f"/api/v1/tracks/{private_track.pk}/fingerprint/status").status_code == 404
    )
    fp = private_track.fingerprint
    assert other_client.post(f"/api/v1/fingerprints/{fp.pk}/retry").status_code == 404


def test_a_missing_track_is_404(producer_client):
    assert producer_client.post("/api/v1/tracks/999999/fingerprint").status_code == 404


# --- status --------------------------------------------------------------------------------------


def test_status_of_a_completed_fingerprint(track, producer_client):
    response = producer_client.get(f"/api/v1/tracks/{track.pk}/fingerprint/status")

    assert response.status_code == 200
    body = response.json()
    fingerprint = Fingerprint.objects.get(track=track)
    assert body["status"] == "success"
    assert body["fingerprint_status"] == "completed"
    assert body["fingerprint_id"] == fingerprint.pk
    assert body["hash"] == fingerprint.hash
    assert body["duration"] == pytest.approx(20, abs=0.2)
    assert body["fingerprinted_at"]


def test_status_of_a_failed_fingerprint_carries_its_error(private_track, producer_client):
    body = producer_client.get(f"/api/v1/tracks/{private_track.pk}/fingerprint/status").json()

    assert body["fingerprint_status"] == "failed"
    assert body["error"] == "boom"
    assert "hash" not in body


def test_status_without_a_fingerprint_row_is_pending(producer_client, producer_artist):
    track = TrackFactory(artists=[producer_artist])

    body = producer_client.get(f"/api/v1/tracks/{track.pk}/fingerprint/status").json()

    assert body == {"status": "success", "fingerprint_status": "pending"}


@pytest.mark.parametrize(
    ("client_name", "code"), [("api_client", 401), ("other_client", 403), ("staff_client", 200)]
)
def test_status_permissions(request, track, client_name, code):
    client = request.getfixturevalue(client_name)

    assert client.get(f"/api/v1/tracks/{track.pk}/fingerprint/status").status_code == code


# --- retry ---------------------------------------------------------------------------------------


def test_retry_of_a_failed_fingerprint_restarts_it(
    producer, producer_artist, producer_client, django_capture_on_commit_callbacks
):
    track = TrackFactory(artists=[producer_artist], file=beat_entry(producer, 2))
    fingerprint = Fingerprint.objects.create(track=track, status="failed", error="boom")

    with django_capture_on_commit_callbacks(execute=True):
        response = producer_client.post(f"/api/v1/fingerprints/{fingerprint.pk}/retry")

    assert response.status_code == 200
    assert response.json()["message"] == "Fingerprint generation started"
    fingerprint.refresh_from_db()
    assert fingerprint.status == "completed"


def test_retry_of_a_completed_fingerprint_is_409(track, producer_client):
    response = producer_client.post(f"/api/v1/fingerprints/{track.fingerprint.pk}/retry")

    assert response.status_code == 409
    assert response.json()["error_code"] == "fingerprint_not_failed"


@pytest.mark.parametrize(
    ("client_name", "code"), [("api_client", 401), ("other_client", 404), ("staff_client", 200)]
)
def test_retry_permissions(request, private_track, client_name, code):
    client = request.getfixturevalue(client_name)

    response = client.post(f"/api/v1/fingerprints/{private_track.fingerprint.pk}/retry")

    assert response.status_code == code


def test_retry_of_a_missing_fingerprint_is_404(producer_client):
    assert producer_client.post("/api/v1/fingerprints/424242/retry").status_code == 404


# --- check-duplicates ----------------------------------------------------------------------------


def test_check_duplicates_finds_a_reencoded_upload(track, other_user, other_client):
    upload = beat_entry(other_user, 1, fmt="mp3", bitrate=64000)

    response = other_client.post(
        "/api/v1/tracks/check-duplicates", {"file_entry_id": upload.pk}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["check_status"] == "duplicates_found"
    [duplicate] = body["duplicates"]
    assert duplicate["track"] == {
        "id": track.pk,
        "name": "Original",
        "artists": [{"id": track.artists.get().pk, "name": "Producer Artist"}],
    }
    assert 90 <= duplicate["similarity"] <= 100
    assert duplicate["fingerprinted_at"]


def test_check_duplicates_of_a_different_beat_is_unique(track, other_user, other_client):
    upload = beat_entry(other_user, 2)

    body = other_client.post(
        "/api/v1/tracks/check-duplicates", {"file_entry_id": upload.pk}, format="json"
    ).json()

    assert body["check_status"] == "unique"
    assert body["duplicates"] == []


def test_check_duplicates_of_a_head_trimmed_copy(track, other_user, other_client):
    trimmed = beat(1)[int(7.4 * SR) :]
    upload = audio_entry(other_user, testing.wav_bytes(trimmed, SR))

    body = other_client.post(
        "/api/v1/tracks/check-duplicates", {"file_entry_id": upload.pk}, format="json"
    ).json()

    assert [d["track"]["id"] for d in body["duplicates"]] == [track.pk]


def test_check_duplicates_of_silence_is_insufficient_audio(track, other_user, other_client):
    upload = audio_entry(other_user, testing.wav_bytes(np.zeros(SR * 15), SR))

    body = other_client.post(
        "/api/v1/tracks/check-duplicates", {"file_entry_id": upload.pk}, format="json"
    ).json()

    assert body["check_status"] == "insufficient_audio"
    assert body["duplicates"] == []
    assert "silent" in body["message"]


def test_check_duplicates_of_someone_elses_upload_is_404(track, other_client, producer):
    upload = beat_entry(producer, 1, fmt="flac")

    response = other_client.post(
        "/api/v1/tracks/check-duplicates", {"file_entry_id": upload.pk}, format="json"
    )

    assert response.status_code == 404


def test_check_duplicates_of_an_image_is_422(user, user_client):
    image = FileEntryFactory(owner=user, kind=FileEntry.Kind.IMAGE)

    response = user_client.post(
        "/api/v1/tracks/check-duplicates", {"file_entry_id": image.pk}, format="json"
    )

    assert response.status_code == 422
    assert "file_entry_id" in response.json()["errors"]


@pytest.mark.parametrize(
    "body",
    [{}, {"file_entry_id": 1, "track_ids": [1]}, {"track_ids": []}, {"track_ids": ["x"]},
     {"track_ids": list(range(1, 102))}, {"file_entry_id": "abc"}],
)  # fmt: skip
def test_check_duplicates_rejects_bad_input_with_422(user_client, body):
    response = user_client.post("/api/v1/tracks/check-duplicates", body, format="json")

    assert response.status_code == 422


def test_check_duplicates_needs_a_user(api_client):
    response = api_client.post("/api/v1/tracks/check-duplicates", {"track_ids": [1]}, format="json")

    assert response.status_code == 401


def test_check_duplicates_by_track_ids(track, producer, producer_artist, producer_client):
    # a copy that slipped in before duplicate detection existed (made without the API)
    copy = TrackFactory(artists=[producer_artist], file=beat_entry(producer, 1, fmt="flac"))
    from content.fingerprints.services import fingerprint_compute

    fingerprint_compute(track_id=copy.pk)
    unchecked = TrackFactory(artists=[producer_artist])

    response = producer_client.post(
        "/api/v1/tracks/check-duplicates",
        {"track_ids": [copy.pk, unchecked.pk]},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert [(d["duplicate_of"], d["track"]["id"]) for d in body["duplicates"]] == [
        (copy.pk, track.pk)
    ]
    assert body["unchecked_track_ids"] == [unchecked.pk]


def test_check_duplicates_of_tracks_you_do_not_manage(track, other_client, private_track):
    response = other_client.post(
        "/api/v1/tracks/check-duplicates", {"track_ids": [track.pk]}, format="json"
    )
    assert response.status_code == 403
    response = other_client.post(
        "/api/v1/tracks/check-duplicates", {"track_ids": [private_track.pk]}, format="json"
    )
    assert response.status_code == 404


# --- hostile audio -------------------------------------------------------------------------------


def _hostile_files() -> dict[str, tuple[bytes, str]]:
    music = beat(3)
    mp3 = testing.encode(music, "mp3", sample_rate=SR, bitrate=128000)
    flac = testing.encode(music, "flac", sample_rate=SR)
    wav = bytearray(testing.wav_bytes(music[: SR * 2], SR))
    wav[40:44] = (10**9).to_bytes(4, "little")  # data chunk claims ~1 GB
    return {
        "truncated mp3": (mp3[: len(mp3) // 3], ".mp3"),
        "truncated flac": (flac[: len(flac) // 3], ".flac"),
        "lying wav header": (bytes(wav), ".wav"),
        "45 ms clip": (testing.wav_bytes(testing.tone(0.045)), ".wav"),
        "silence": (testing.wav_bytes(np.zeros(SR * 20), SR), ".wav"),
        "random bytes": (os.urandom(50_000), ".mp3"),
    }


@pytest.mark.parametrize("name", list(_hostile_files()))
def test_hostile_audio_ends_in_a_clean_state(
    name, producer, producer_client, django_capture_on_commit_callbacks
):
    """Whatever slips past upload validation: no 5xx, and the fingerprint never stays stuck."""
    data, ext = _hostile_files()[name]
    entry = audio_entry(producer, data, ext=ext)

    check = producer_client.post(
        "/api/v1/tracks/check-duplicates", {"file_entry_id": entry.pk}, format="json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        created = create_track(producer_client, entry)

    assert check.status_code == 200
    assert check.json()["check_status"] in {"unique", "insufficient_audio", "failed"}
    assert created.status_code == 201
    fingerprint = Fingerprint.objects.get(track_id=created.json()["track"]["id"])
    assert fingerprint.status in {"completed", "failed"}
    if fingerprint.status == "failed":
        assert fingerprint.error


@pytest.mark.parametrize("name", list(_hostile_files()))
def test_hostile_uploads_get_a_clean_4xx_or_are_accepted(name, producer_client):
    data, ext = _hostile_files()[name]
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = producer_client.post(
        "/api/v1/uploads", {"file": SimpleUploadedFile(f"x{ext}", data)}, format="multipart"
    )

    assert response.status_code in {201, 422}


def test_check_duplicates_costs_the_same_queries_for_one_or_many_matches(
    producer, producer_artist, other_user, other_client, django_assert_num_queries
):
    from content.fingerprints.services import fingerprint_compute

    def copy_in_catalog(fmt):
        track = TrackFactory(artists=[producer_artist], file=beat_entry(producer, 1, fmt=fmt))
        fingerprint_compute(track_id=track.pk)

    upload = beat_entry(other_user, 1, fmt="mp3", bitrate=128000)
    url, body = "/api/v1/tracks/check-duplicates", {"file_entry_id": upload.pk}
    copy_in_catalog("wav")
    other_client.post(url, body, format="json")  # warm the upload's fingerprint cache
    # pinned (8: with the two exact-content lookups; the candidate lookup is one statement):
    # same count for 3 matches below
    with django_assert_num_queries(8) as one:
        assert len(other_client.post(url, body, format="json").json()["duplicates"]) == 1

    copy_in_catalog("flac")
    copy_in_catalog("aiff")

    with django_assert_num_queries(len(one.captured_queries)):
        assert len(other_client.post(url, body, format="json").json()["duplicates"]) == 3
