"""Audio descriptors in the pipeline (task after commit, backfill, periodic re-queue) and
GET /search/audio/{trackId}/{artistName}/{trackName}."""

from __future__ import annotations

import math
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content import testing
from content.audio import descriptor
from content.beatgen import render_beat
from content.catalog.models import Track, Visibility
from content.search import services
from content.search.models import TrackDescriptor
from content.tests.factories import FileEntryFactory, TrackFactory

pytestmark = pytest.mark.django_db
RATE = 22050


def beat_entry(seed: int = 1, seconds: float = 4.0, **spec):
    spec = {"bpm": 140, "key": "A", "scale": "minor", "style": "trap", **spec}
    samples = render_beat(seed=seed, seconds=seconds, sample_rate=RATE, **spec)
    data = testing.wav_bytes(samples, RATE)
    return FileEntryFactory(
        file=ContentFile(data, name="beat.wav"),
        size=len(data),
        duration_ms=int(seconds * 1000),
        sample_rate=RATE,
        channels=2,
    )


def stored_descriptor(track, angle: float) -> TrackDescriptor:
    """A completed descriptor pointing ``angle`` radians away from the first axis."""
    vector = [math.cos(angle), math.sin(angle)] + [0.0] * (descriptor.DIMENSIONS - 2)
    return TrackDescriptor.objects.create(
        track=track,
        status=TrackDescriptor.Status.COMPLETED,
        vector=vector,
        signature=descriptor.signature(vector),
        version=descriptor.VERSION,
        source_file=track.file,
        computed_at=track.created_at,
    )


# --- computing ------------------------------------------------------------------------------------


def test_setting_a_tracks_audio_computes_its_descriptor_after_commit(
    producer_client, producer_artist, django_capture_on_commit_callbacks
):
    entry = beat_entry()
    entry.owner = producer_client.user
    entry.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = producer_client.post(
            "/api/v1/tracks",
            {"name": "Fresh", "file_id": entry.pk, "bpm": 140, "key": "A", "scale": "minor",
             "genres": ["trap"]},
            format="json",
        )  # fmt: skip

    assert response.status_code == 201, response.content
    row = TrackDescriptor.objects.get(track_id=response.json()["track"]["id"])
    assert row.status == TrackDescriptor.Status.COMPLETED
    assert row.source_file_id == entry.pk
    assert row.version == descriptor.VERSION
    assert len(row.vector) == descriptor.DIMENSIONS
    assert math.isclose(sum(x * x for x in row.vector), 1.0, abs_tol=1e-4)
    assert (row.tempo, row.key, row.scale) == (140.0, "A", "minor")  # the producer's, not guessed


def test_computing_again_for_the_same_audio_changes_nothing():
    track = TrackFactory(file=beat_entry())
    first = services.descriptor_compute(track_id=track.pk)

    again = services.descriptor_compute(track_id=track.pk)

    assert again.pk == first.pk
    assert again.computed_at == first.computed_at


def test_audio_too_short_to_describe_is_recorded_as_failed():
    track = TrackFactory(file=FileEntryFactory())  # 1.5 s

    row = services.descriptor_compute(track_id=track.pk)

    assert row.status == TrackDescriptor.Status.FAILED
    assert "3 seconds" in row.error
    assert row.vector is None


def test_a_result_for_replaced_audio_is_not_stored(monkeypatch):
    track = TrackFactory(file=beat_entry(seed=1))
    replacement = beat_entry(seed=2)
    real_describe = services.describe_file

    def describe_while_replaced(path, **known):
        Track.objects.filter(pk=track.pk).update(file=replacement)
        return real_describe(path, **known)

    monkeypatch.setattr(services, "describe_file", describe_while_replaced)

    assert services.descriptor_compute(track_id=track.pk) is None
    assert not TrackDescriptor.objects.filter(track=track).exists()


def test_backfill_computes_what_is_missing_and_resumes(django_capture_on_commit_callbacks):
    done = TrackFactory(file=beat_entry(seed=1))
    services.descriptor_compute(track_id=done.pk)
    missing = TrackFactory(file=beat_entry(seed=2))
    stale = TrackFactory(file=beat_entry(seed=3))
    stored_descriptor(stale, 0.0)
    TrackDescriptor.objects.filter(track=stale).update(version=descriptor.VERSION - 1)
    TrackFactory()  # no audio: nothing to do

    out = StringIO()
    call_command("backfill_descriptors", "--dry-run", stdout=out)
    assert "2 track(s)" in out.getvalue()

    call_command("backfill_descriptors", verbosity=0, stdout=out)

    assert "2 completed" in out.getvalue()
    assert TrackDescriptor.objects.get(track=missing).status == "completed"
    assert TrackDescriptor.objects.get(track=stale).version == descriptor.VERSION
    assert not services.tracks_needing_descriptors().exists()


def test_the_periodic_job_queues_missing_descriptors(django_capture_on_commit_callbacks):
    track = TrackFactory(file=beat_entry())

    with django_capture_on_commit_callbacks(execute=True):
        queued = services.descriptors_queue_missing()

    assert queued == 1
    assert TrackDescriptor.objects.get(track=track).status == "completed"
    assert services.descriptors_queue_missing() == 0


# --- GET /search/audio ------------------------------------------------------------------------


def audio_url(track, artist="any-artist", name="any-name") -> str:
    return f"/api/v1/search/audio/{track.pk}/{artist}/{name}"


def test_the_nearest_public_tracks_come_first(api_client):
    seed = TrackFactory(name="Seed", file=FileEntryFactory())
    near = TrackFactory(name="Near", file=FileEntryFactory())
    nearer = TrackFactory(name="Nearer", file=FileEntryFactory())
    far = TrackFactory(name="Far", file=FileEntryFactory())
    hidden = TrackFactory(name="Hidden", file=FileEntryFactory(), visibility=Visibility.PRIVATE)
    for track, angle in ((seed, 0.0), (near, 0.4), (nearer, 0.1), (far, 2.0), (hidden, 0.05)):
        stored_descriptor(track, angle)

    body = api_client.get(audio_url(seed), {"limit": 2}).json()

    assert body["status"] == "success"
    assert body["analysis"] == "completed"
    assert [t["name"] for t in body["tracks"]] == ["Nearer", "Near"]
    assert set(body["tracks"][0]) == {
        "id", "name", "image", "created_at", "model_type", "duration_text", "artists",
    }  # fmt: skip


def test_the_names_in_the_path_are_ignored(api_client):
    seed = TrackFactory(name="Seed", file=FileEntryFactory())
    other = TrackFactory(name="Other", file=FileEntryFactory())
    stored_descriptor(seed, 0.0)
    stored_descriptor(other, 0.3)

    plain = api_client.get(audio_url(seed)).json()
    lying = api_client.get(audio_url(seed, "Someone Else", "%27%3B drop table")).json()

    assert plain == lying
    assert [t["name"] for t in plain["tracks"]] == ["Other"]


def test_an_unanalysed_seed_answers_pending_with_no_tracks(api_client):
    seed = TrackFactory(file=FileEntryFactory())

    assert api_client.get(audio_url(seed)).json() == {
        "status": "success",
        "analysis": "pending",
        "tracks": [],
    }


def test_a_hidden_or_missing_seed_is_404(api_client):
    hidden = TrackFactory(visibility=Visibility.PRIVATE)

    assert api_client.get(audio_url(hidden)).status_code == 404
    assert api_client.get("/api/v1/search/audio/999999/a/b").status_code == 404
    assert api_client.get("/api/v1/search/audio/abc/a/b").status_code == 404


def test_audio_search_query_count_is_constant(user_client):
    seed = TrackFactory(file=FileEntryFactory())
    stored_descriptor(seed, 0.0)
    counts = set()
    for batch in (1, 10):
        for n in range(batch):
            stored_descriptor(TrackFactory(file=FileEntryFactory()), 0.01 * (n + 1))
        with CaptureQueriesContext(connection) as ctx:
            response = user_client.get(audio_url(seed))
        assert response.status_code == 200
        counts.add(len(ctx.captured_queries))

    # user, seed, analysis status, neighbours, tracks (rows, relations in one query)
    assert counts == {6}
