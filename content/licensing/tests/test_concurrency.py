"""Races with real threads and real transactions: one license however many first downloads,
a quota that holds under a burst, an MP3 transcoded once."""

from __future__ import annotations

import threading

import pytest

from beatpass.testing import run_concurrently
from conftest import bearer_client
from content import testing
from content.licensing.models import License
from content.licensing.tests.conftest import (
    body_of,
    complete_fingerprint,
    download,
    licensable_track,
    make_plan,
    subscribe,
)
from content.media.models import AudioRendition, Download
from content.tests.audio_helpers import stored_entry
from content.tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_concurrent_first_downloads_make_one_license(producer_artist):
    user = UserFactory()
    subscribe(user)
    track = licensable_track(producer_artist)

    responses = run_concurrently(lambda i: download(bearer_client(user), track), 20)

    assert [getattr(r, "status_code", r) for r in responses] == [200] * 20
    license = License.objects.get()
    assert {r["X-License-Id"] for r in responses} == {str(license.uuid)}
    assert Download.objects.filter(license=license).count() == 20


def test_twenty_concurrent_generate_license_calls_make_one(producer_artist):
    user = UserFactory()
    subscribe(user)
    track = licensable_track(producer_artist)

    def generate(_):
        client = bearer_client(user)
        return client.post(f"/api/v1/tracks/{track.pk}/generate-license", {}, format="json")

    responses = run_concurrently(generate, 20)

    codes = sorted(getattr(r, "status_code", r) for r in responses)
    assert codes == [200] * 19 + [201]
    assert License.objects.count() == 1


def test_quota_holds_under_a_burst_of_different_tracks(producer_artist):
    user = UserFactory()
    subscribe(user, make_plan(name="Three", quota=3))
    tracks = [licensable_track(producer_artist, name=f"Beat {n}") for n in range(8)]

    responses = run_concurrently(lambda i: download(bearer_client(user), tracks[i]), 8)

    codes = sorted(getattr(r, "status_code", r) for r in responses)
    assert codes == [200] * 3 + [429] * 5
    assert License.objects.count() == 3


def test_quota_holds_while_licensed_tracks_are_re_downloaded_on_the_lean_path(producer_artist):
    """Re-downloads (the lean path: one statement, committed asynchronously) interleaved with a
    burst of first downloads (the DRF path: the subscription's row lock, the quota re-checked
    under it): the re-downloads are all served and use no quota, the quota still issues
    exactly its remaining licenses, and every served download has its row."""
    user = UserFactory()
    subscribe(user, make_plan(name="Three", quota=3))
    licensed = [licensable_track(producer_artist, name=f"Owned {n}") for n in range(2)]
    for track in licensed:
        first = download(bearer_client(user), track)
        body_of(first)
        assert first.status_code == 200
    fresh = [licensable_track(producer_artist, name=f"New {n}") for n in range(6)]
    jobs = [licensed[i % 2] for i in range(10)] + fresh

    responses = run_concurrently(lambda i: download(bearer_client(user), jobs[i]), len(jobs))

    codes = [getattr(r, "status_code", r) for r in responses]
    assert codes[:10] == [200] * 10
    assert sorted(codes[10:]) == [200] + [429] * 5
    assert License.objects.filter(user=user).count() == 3
    assert Download.objects.filter(user=user).count() == 2 + 10 + 1


def test_concurrent_first_mp3_requests_transcode_once(producer, producer_artist, monkeypatch):
    from content.media.services import renditions

    data = testing.encode(testing.tone(3.0, sample_rate=22050), "flac", sample_rate=22050)
    track = TrackFactory(
        file=stored_entry(producer, data, fmt="flac"), artists=[producer_artist], name="Race"
    )
    complete_fingerprint(track)
    user = UserFactory()
    subscribe(user)
    calls = []
    lock = threading.Lock()
    real = renditions.transcode

    def counting(*args, **kwargs):
        with lock:
            calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(renditions, "transcode", counting)

    responses = run_concurrently(lambda i: download(bearer_client(user), track, "mp3"), 6)

    codes = [getattr(r, "status_code", r) for r in responses]
    assert set(codes) <= {200, 409}, codes
    assert 200 in codes
    assert len(calls) == 1
    assert AudioRendition.objects.get().status == "completed"
    bodies = {body_of(r) for r in responses if r.status_code == 200}
    assert len(bodies) == 1
