"""Deezer: the public API (no key): ``/search`` for tracks, ``/track/{id}`` for ISRC and release
date; ``preview`` is a 30 s MP3."""

from __future__ import annotations

from collections.abc import Iterator

import requests
from django.conf import settings

from recon.models import ReferenceSource as SourceName
from recon.sources.base import SourceError, SourceRecording, download, parse_date


class DeezerSource:
    name = SourceName.DEEZER

    def __init__(self) -> None:
        prefix = settings.RECON_DEEZER_API_PREFIX
        self.prefix = prefix if prefix.endswith("/") else prefix + "/"
        self.session = requests.Session()
        self.timeout = settings.RECON_SOURCE_TIMEOUT_SECONDS

    def _get(self, path: str, params: dict | None = None) -> dict:
        try:
            response = self.session.get(self.prefix + path, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SourceError(f"Deezer unreachable: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise SourceError(f"Deezer answered {response.status_code}")
        body = response.json()
        # Deezer reports errors (quota, bad id) with HTTP 200 and an "error" object.
        if isinstance(body, dict) and "error" in body:
            error = body["error"] or {}
            raise SourceError(f"Deezer error {error.get('code')}: {error.get('message')}")
        return body

    def search(self, query: str, *, limit: int = 20) -> Iterator[SourceRecording]:
        index = 0
        while index < limit:
            page = self._get(
                "search", {"q": query, "index": index, "limit": min(25, limit - index)}
            )
            items = page.get("data") or []
            for item in items:
                detail = self._get(f"track/{int(item['id'])}")
                yield self._recording({**item, **detail})
            index += len(items)
            if not items or not page.get("next"):
                return

    @staticmethod
    def _recording(item: dict) -> SourceRecording:
        return SourceRecording(
            source=SourceName.DEEZER,
            external_id=str(item["id"]),
            title=item.get("title") or "",
            artist_name=(item.get("artist") or {}).get("name") or "",
            album_name=(item.get("album") or {}).get("title") or "",
            release_date=parse_date(item.get("release_date")),
            isrc=(item.get("isrc") or "")[:12],
            duration=float(item["duration"]) if item.get("duration") else None,
            deezer_url=item.get("link") or "",
            audio_url=item.get("preview") or None,
        )

    def fetch_audio(self, recording: SourceRecording) -> bytes | None:
        if not recording.audio_url:
            return None
        return download(
            self.session,
            recording.audio_url,
            timeout=self.timeout,
            max_bytes=settings.RECON_MAX_PREVIEW_BYTES,
        )
