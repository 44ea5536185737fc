"""Helpers for fingerprint tests: real audio file entries and tracks made through the API."""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np
from django.core.files.base import ContentFile

from content import testing
from content.beatgen import render_beat
from content.tests.factories import FileEntryFactory

SR = 22050


@lru_cache(maxsize=16)
def beat(seed: int, seconds: float = 20.0) -> np.ndarray:
    bpm = (90, 140, 120, 100)[seed % 4]
    return render_beat(seed=seed, bpm=bpm, key="A", scale="minor", seconds=seconds, sample_rate=SR)


def audio_entry(owner, data: bytes, *, ext: str = ".wav", duration_ms: int = 20000):
    return FileEntryFactory(
        owner=owner,
        file=ContentFile(data, name=f"upload{ext}"),
        name=f"upload{ext}",
        extension=ext,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        duration_ms=duration_ms,
        sample_rate=SR,
        channels=2,
    )


def beat_entry(owner, seed: int, *, fmt: str = "wav", bitrate: int | None = None):
    data = testing.encode(beat(seed), fmt, sample_rate=SR, bitrate=bitrate)
    return audio_entry(owner, data, ext=f".{fmt}")


def create_track(client, entry, *, name: str = "My beat", artists=None):
    body = {
        "name": name,
        "file_id": entry.pk,
        "bpm": 140,
        "key": "A",
        "scale": "minor",
        "genres": ["trap"],
    }
    if artists:
        body["artists"] = artists
    return client.post("/api/v1/tracks", body, format="json")
