"""Exact copies: the same bytes, or the same decoded audio in another container, are refused
before any fingerprint logic, also when they arrive at the same moment."""

from __future__ import annotations

import numpy as np
import pytest

from beatpass.testing import run_concurrently
from conftest import bearer_client
from content import testing
from content.catalog.models import Track
from content.fingerprints.models import Fingerprint
from content.fingerprints.tests.helpers import SR, audio_entry, beat, create_track
from content.tests.factories import ArtistFactory, UserFactory
from content.uploads.models import FileEntry

pytestmark = pytest.mark.django_db


def _producer():
    user = UserFactory()
    ArtistFactory(managers=[user])
    return user


def test_the_same_file_uploaded_by_another_user_is_refused_as_an_exact_copy(
    producer, producer_client, other_user
):
    data = testing.wav_bytes(beat(1), SR)
    assert create_track(producer_client, audio_entry(producer, data)).status_code == 201
    ArtistFactory(managers=[other_user])

    response = create_track(bearer_client(other_user), audio_entry(other_user, data))

    assert response.status_code == 409
    body = response.json()
    assert body["error_code"] == "duplicate_audio"
    assert body["duplicates"][0]["similarity"] == 100


@pytest.mark.parametrize("fmt", ["flac", "aiff"])
def test_the_same_audio_in_another_container_is_refused_by_its_pcm_hash(
    producer, producer_client, fmt
):
    assert create_track(producer_client, audio_entry(producer, testing.wav_bytes(beat(1), SR)))
    copy = audio_entry(producer, testing.encode(beat(1), fmt, sample_rate=SR), ext=f".{fmt}")

    response = create_track(producer_client, copy)

    assert response.status_code == 409
    assert response.json()["duplicates"][0]["similarity"] == 100
    assert Track.objects.get().file.pcm_sha256 != ""  # stored when the original was published


def test_a_copy_padded_with_digital_silence_is_the_same_audio(producer, producer_client):
    samples = beat(1)
    silence = np.zeros((SR, 2), np.float32)
    padded = np.concatenate([silence, samples, silence[: SR // 3]])
    assert create_track(producer_client, audio_entry(producer, testing.wav_bytes(samples, SR)))

    response = create_track(producer_client, audio_entry(producer, testing.wav_bytes(padded, SR)))

    assert response.status_code == 409


def test_an_exact_copy_is_refused_before_any_fingerprint_logic(
    producer, producer_client, monkeypatch
):
    from content.fingerprints import services

    data = testing.wav_bytes(beat(2), SR)
    assert create_track(producer_client, audio_entry(producer, data)).status_code == 201
    Fingerprint.objects.update(status="failed", items=None, hash="", terms=[])
    monkeypatch.setattr(services, "audio_digest_of_file", _must_not_run)

    response = create_track(producer_client, audio_entry(producer, data))

    assert response.status_code == 409


def _must_not_run(*args, **kwargs):
    raise AssertionError("the byte-identical copy must be refused on its SHA-256 alone")


def test_silent_uploads_have_no_content_hash_and_do_not_block_each_other(producer, producer_client):
    first = testing.wav_bytes(np.zeros(SR * 10), SR)
    second = testing.wav_bytes(np.zeros(SR * 12), SR)  # other bytes, the same "audio"

    assert create_track(producer_client, audio_entry(producer, first)).status_code == 201
    assert create_track(producer_client, audio_entry(producer, second)).status_code == 201
    assert set(FileEntry.objects.values_list("pcm_sha256", flat=True)) == {""}


def test_replacing_a_tracks_audio_with_its_own_file_again_is_allowed(producer, producer_client):
    data = testing.wav_bytes(beat(3), SR)
    track_id = create_track(producer_client, audio_entry(producer, data)).json()["track"]["id"]

    response = producer_client.put(
        f"/api/v1/tracks/{track_id}", {"file_id": audio_entry(producer, data).pk}, format="json"
    )

    assert response.status_code == 200


# --- concurrency ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_uploads_of_one_file_by_twenty_users_publish_exactly_one():
    data = testing.wav_bytes(beat(4, seconds=12.0), SR)
    users = [_producer() for _ in range(20)]
    entries = [audio_entry(user, data, duration_ms=12000) for user in users]
    clients = [bearer_client(user) for user in users]

    responses = run_concurrently(lambda i: create_track(clients[i], entries[i]), 20)

    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 19
    refused = [r.json() for r in responses if r.status_code == 409]
    assert all(body["error_code"] == "duplicate_audio" for body in refused)
    assert Track.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_uploads_of_one_recording_in_three_containers_publish_exactly_one():
    samples = beat(5, seconds=12.0)
    files = [
        (testing.wav_bytes(samples, SR), ".wav"),
        (testing.encode(samples, "flac", sample_rate=SR), ".flac"),
        (testing.encode(samples, "aiff", sample_rate=SR), ".aiff"),
    ]
    users = [_producer() for _ in range(9)]
    entries = [
        audio_entry(user, files[i % 3][0], ext=files[i % 3][1], duration_ms=12000)
        for i, user in enumerate(users)
    ]
    clients = [bearer_client(user) for user in users]

    responses = run_concurrently(lambda i: create_track(clients[i], entries[i]), 9)

    assert sorted(r.status_code for r in responses) == [201] + [409] * 8
    assert Track.objects.count() == 1
