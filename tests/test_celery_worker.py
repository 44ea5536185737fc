"""The asynchronous path with a real Celery worker and a real broker, end to end.

Every other test runs tasks eagerly, in the request's own process. Here a worker process
(``celery -A beatpass worker``, solo pool) consumes from a private redis-server and writes to the
test database, so what only deployment exercises is exercised: the task is sent after the
request's transaction commits (the worker must find the rows), its arguments cross a real
serializer, the worker opens its own database connection and files written by one process are
read by the other. A producer uploads a beat and creates its track through the API; the worker
fingerprints it and draws its waveform; a subscriber's MP3 download is refused with a
``Retry-After`` until the worker has transcoded it, then served, and the MP3 lasts as long as
the original.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import av
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from beatpass.api.tests.test_throttling import redis_url  # noqa: F401 - a fixture
from beatpass.celery import app as celery_app
from conftest import bearer_client
from content import testing
from content.beatgen import render_beat
from content.licensing.tests.conftest import subscribe
from content.tests.factories import ArtistFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
SR = 22050
SECONDS = 14.0
WAIT = 90.0  # seconds a task may take on a loaded machine


def _broker_url(redis_url: str) -> str:  # noqa: F811 - the fixture's value
    """kombu's spelling of a redis-server's Unix socket."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url


def _database_url() -> str:
    db = connection.settings_dict  # the test database (pytest-django's test_… name)
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{port}/{db['NAME']}"


@pytest.fixture
def broker(redis_url):  # noqa: F811
    """This process sends tasks to the private Redis instead of running them eagerly."""
    url = _broker_url(redis_url)
    saved = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = url
    celery_app._pool = None  # connection and producer pools are made from the broker URL
    celery_app.amqp._producer_pool = None
    try:
        yield url
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


@pytest.fixture
def worker(broker, transactional_db, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "beatpass.settings.test",
        "DATABASE_URL": _database_url(),
        "TEST_CELERY_BROKER_URL": broker,
        "TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONWARNINGS": "ignore",
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - a fixed argv
            [sys.executable, "-m", "celery", "-A", "beatpass", "worker", "--pool", "solo",
             "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield lambda: log.read_text(errors="replace")
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _until(condition, what: str, log) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    pytest.fail(f"{what} within {WAIT:g} s; the worker's log:\n{log()[-4000:]}")


def test_a_real_worker_fingerprints_an_upload_and_transcodes_its_mp3(worker):
    from content.catalog.models import Track
    from content.fingerprints.models import Fingerprint
    from content.media.models import AudioRendition

    producer = UserFactory(name="Producer")
    artist = ArtistFactory(name="Worker Beats", managers=[producer])
    producer_client = bearer_client(producer)
    audio = render_beat(seed=7, bpm=120, key="A", scale="minor", seconds=SECONDS, sample_rate=SR)
    flac = testing.encode(audio, "flac", sample_rate=SR)
    response = producer_client.post(
        "/api/v1/uploads",
        {"file": SimpleUploadedFile("beat.flac", flac)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    entry_id = response.json()["file_entry"]["id"]
    response = producer_client.post(
        "/api/v1/tracks",
        {
            "name": "Queued Beat",
            "file_id": entry_id,
            "artists": [artist.pk],
            "genres": ["trap"],
            "bpm": 120,
            "key": "A",
            "scale": "minor",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    track = Track.objects.get(pk=response.json()["track"]["id"])

    def fingerprinted() -> bool:
        fingerprint = Fingerprint.objects.filter(track=track).first()
        assert fingerprint is None or fingerprint.status != Fingerprint.Status.FAILED, (
            fingerprint.error
        )
        return fingerprint is not None and fingerprint.status == Fingerprint.Status.COMPLETED

    _until(fingerprinted, "the worker did not fingerprint the track", worker)
    fingerprint = Fingerprint.objects.get(track=track)
    assert len(fingerprint.hash) == 64
    assert abs(fingerprint.duration - SECONDS) < 0.5
    wave_url = f"/api/v1/tracks/{track.pk}/wave"
    _until(
        lambda: producer_client.get(wave_url).status_code == 200,
        "the worker did not draw the waveform",
        worker,
    )
    assert len(producer_client.get(wave_url).json()["peaks"]) > 100

    subscriber = UserFactory(name="Sub Scriber")
    subscribe(subscriber)
    client = bearer_client(subscriber)
    url = f"/api/v1/tracks/{track.pk}/download?format=mp3"
    first = client.get(url)
    assert first.status_code == 409  # queued for the worker, not transcoded in the request
    assert first.json()["error_code"] == "transcode_pending"
    assert int(first["Retry-After"]) > 0

    def transcoded() -> bool:
        rendition = AudioRendition.objects.filter(source_file_id=entry_id, format="mp3").first()
        return rendition is not None and rendition.status == "completed"

    _until(transcoded, "the worker did not transcode the MP3", worker)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert response["X-License-Id"]
    body = b"".join(response.streaming_content)
    with av.open(io.BytesIO(body)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name.startswith("mp3")
        decoded = sum(frame.samples for frame in container.decode(stream))
        rate = stream.codec_context.sample_rate
    # MP3 pads with encoder delay; the decoder (PyAV, as the acceptance asks) trims what the
    # LAME header declares: within 50 ms of the original.
    assert abs(decoded / rate - SECONDS) < 0.05
    # Done by the worker, not eagerly in this process: its log names each task succeeding.
    for task in ("content.compute_fingerprint", "content.compute_waveform",
                 "content.transcode_rendition"):  # fmt: skip
        assert re.search(rf"Task {re.escape(task)}\[[0-9a-f-]+\] succeeded", worker()), task
