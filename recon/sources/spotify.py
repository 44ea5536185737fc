"""Spotify: search through spotipy (client credentials), 30 s ``preview_url`` audio.

Reuses the credits adapter's plumbing (settings ``SPOTIFY_*``, token cache, bounded retries).
Spotify stopped returning ``preview_url`` for apps created after November 2024; tracks without
one are yielded with ``audio_url=None`` (their metadata still links matches found otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator

import spotipy
from django.conf import settings
from spotipy.exceptions import SpotifyException, SpotifyOauthError

from content.credits.spotify import ConfiguredClientCredentials, DjangoCacheTokenHandler, _session
from recon.models import ReferenceSource as SourceName
from recon.sources.base import SourceError, SourceRecording, download, parse_date


class SpotifySource:
    name = SourceName.SPOTIFY

    def __init__(self) -> None:
        if not settings.SPOTIFY_CLIENT_ID or not settings.SPOTIFY_CLIENT_SECRET:
            raise SourceError("Spotify is not configured (SPOTIFY_CLIENT_ID/SECRET).")
        self.session = _session(settings.SPOTIFY_MAX_RETRIES)
        auth = ConfiguredClientCredentials(
            client_id=settings.SPOTIFY_CLIENT_ID,
            client_secret=settings.SPOTIFY_CLIENT_SECRET,
            token_url=settings.SPOTIFY_TOKEN_URL,
            requests_session=self.session,
            requests_timeout=settings.SPOTIFY_TIMEOUT_SECONDS,
            cache_handler=DjangoCacheTokenHandler(settings.SPOTIFY_CLIENT_ID),
        )
        self.client = spotipy.Spotify(
            auth_manager=auth,
            requests_session=self.session,
            requests_timeout=settings.SPOTIFY_TIMEOUT_SECONDS,
            retries=0,
        )
        prefix = settings.SPOTIFY_API_PREFIX
        self.client.prefix = prefix if prefix.endswith("/") else prefix + "/"

    def search(self, query: str, *, limit: int = 20) -> Iterator[SourceRecording]:
        offset = 0
        while offset < limit:
            try:
                body = self.client.search(
                    q=query, type="track", limit=min(50, limit - offset), offset=offset
                )
            except (SpotifyException, SpotifyOauthError) as exc:
                raise SourceError(f"Spotify search failed: {exc}") from exc
            paging = (body or {}).get("tracks") or {}
            items = paging.get("items") or []
            for item in items:
                yield self._recording(item)
            offset += len(items)
            if not items or not paging.get("next"):
                return

    @staticmethod
    def _recording(item: dict) -> SourceRecording:
        album = item.get("album") or {}
        return SourceRecording(
            source=SourceName.SPOTIFY,
            external_id=item["id"],
            title=item.get("name") or "",
            artist_name=", ".join(a.get("name", "") for a in item.get("artists") or []),
            album_name=album.get("name") or "",
            release_date=parse_date(album.get("release_date")),
            isrc=((item.get("external_ids") or {}).get("isrc") or "")[:12],
            duration=(item.get("duration_ms") or 0) / 1000 or None,
            spotify_url=(item.get("external_urls") or {}).get("spotify") or "",
            audio_url=item.get("preview_url"),
        )

    def fetch_audio(self, recording: SourceRecording) -> bytes | None:
        if not recording.audio_url:
            return None
        return download(
            self.session,
            recording.audio_url,
            timeout=settings.SPOTIFY_TIMEOUT_SECONDS,
            max_bytes=settings.RECON_MAX_PREVIEW_BYTES,
        )
