"""Audio Recon test material: a generated beat, a "released song" containing it under a voice,
and tracks wired for eligibility (audio, completed fingerprint, producer artists)."""

from __future__ import annotations

import numpy as np
import pytest

from content import testing
from content.beatgen import render_beat
from content.catalog.models import TrackArtist
from content.fingerprints.models import Fingerprint
from content.tests.audio_helpers import stored_entry
from content.tests.factories import ArtistFactory, TrackFactory, UserFactory
from recon import services
from recon.matching import default_matcher
from recon.matching.synth import song_with_excerpt, voice
from recon.models import ReferenceSource

SR = 22050


@pytest.fixture(autouse=True)
def _fresh_common_hashes():
    """The common hashes are cached per process: a test's set must not outlive its rollback."""
    from recon import store

    store.forget_common_hashes()
    yield
    store.forget_common_hashes()


@pytest.fixture(scope="session")
def beat_audio() -> np.ndarray:
    return render_beat(seed=7, bpm=140, key="A", scale="minor", seconds=30, sample_rate=SR)


@pytest.fixture(scope="session")
def beat_wav(beat_audio) -> bytes:
    return testing.wav_bytes(beat_audio, SR)


@pytest.fixture(scope="session")
def song_landmarks(beat_audio):
    song = song_with_excerpt(
        beat_audio,
        sample_rate=SR,
        excerpt_start=5.0,
        excerpt_seconds=20.0,
        place_at=8.0,
        song_seconds=32.0,
        voice_db=0.0,
        seed=1,
    )
    return default_matcher().landmarks(song, SR)


@pytest.fixture(scope="session")
def unrelated_landmarks():
    other = render_beat(seed=99, bpm=90, key="D", scale="major", seconds=30, sample_rate=SR)
    mixed = other.mean(axis=1) + 0.5 * voice(30.0, SR, seed=4)
    return default_matcher().landmarks(mixed, SR)


def make_track(*, main, producers=(), featured=(), fingerprint=True, data: bytes, owner=None):
    """A track with audio; ``main`` is the main artist, ``producers`` co-producers."""
    owner = owner or UserFactory()
    entry = stored_entry(owner, data, duration_ms=30000, sample_rate=SR)
    track = TrackFactory(file=entry, artists=[main], name="Night Drive")
    for i, artist in enumerate(producers, start=1):
        TrackArtist.objects.create(
            track=track, artist=artist, role=TrackArtist.Role.PRODUCER, position=i
        )
    for i, artist in enumerate(featured, start=10):
        TrackArtist.objects.create(
            track=track, artist=artist, role=TrackArtist.Role.FEATURED, position=i
        )
    if fingerprint:
        Fingerprint.objects.create(
            track=track, status=Fingerprint.Status.COMPLETED, items=[1, 2, 3], hash="x" * 64
        )
    return track


def ingest(landmarks, *, title="Song Title", external_id=None, match=True, **fields):
    return services.reference_ingest(
        metadata=services.ReferenceMetadata(
            title=title,
            source=ReferenceSource.LOCAL,
            external_id=external_id or title,
            artist_name=fields.pop("artist_name", "Artist Name"),
            **fields,
        ),
        landmarks=landmarks,
        match=match,
    )


@pytest.fixture
def verified_producer(db):
    user = UserFactory(name="Main Producer")
    artist = ArtistFactory(name="Main Producer", verified=True, managers=[user])
    return user, artist


@pytest.fixture
def recon_track(verified_producer, beat_wav):
    _, artist = verified_producer
    return make_track(main=artist, data=beat_wav)
