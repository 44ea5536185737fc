"""The source interface and the value it yields."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import requests


class SourceError(Exception):
    """The source is unreachable, refused us or answered something unusable."""


@dataclass(frozen=True)
class SourceRecording:
    """One recording's metadata at a source; ``audio_url`` is a preview to download, or None
    when the source gives no audio (YouTube)."""

    source: str
    external_id: str
    title: str
    artist_name: str = ""
    album_name: str = ""
    release_date: date | None = None
    isrc: str = ""
    duration: float | None = None
    spotify_url: str = ""
    youtube_url: str = ""
    deezer_url: str = ""
    audio_url: str | None = None


class ReferenceSource(Protocol):
    name: str

    def search(self, query: str, *, limit: int = 20) -> Iterator[SourceRecording]:
        """Recordings matching ``query`` (an artist, a title, an ISRC as the source allows)."""

    def fetch_audio(self, recording: SourceRecording) -> bytes | None:
        """The recording's audio bytes (a preview), or None when the source has none."""


def parse_date(raw: str | None) -> date | None:
    """``2025-06-15`` / ``2025-06`` / ``2025`` → a date (missing parts are 1); else None."""
    if not raw:
        return None
    parts = str(raw)[:10].split("-")
    try:
        numbers = [int(p) for p in parts] + [1] * (3 - len(parts))
        return date(*numbers[:3])
    except ValueError:
        return None


def download(session: requests.Session, url: str, *, timeout: float, max_bytes: int) -> bytes:
    """GET ``url`` streamed, refusing bodies over ``max_bytes`` (a preview is ~0.5 MB)."""
    try:
        with session.get(url, timeout=timeout, stream=True) as response:
            if response.status_code != 200:
                raise SourceError(f"audio download answered {response.status_code}")
            data = bytearray()
            for chunk in response.iter_content(64 * 1024):
                data += chunk
                if len(data) > max_bytes:
                    raise SourceError("audio download is larger than allowed")
            return bytes(data)
    except requests.RequestException as exc:
        raise SourceError(f"audio download failed: {exc.__class__.__name__}") from exc
