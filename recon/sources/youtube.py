"""YouTube: Data API v3 ``search`` (videos) for metadata only. YouTube offers no audio through its
API; an operator supplies the audio of candidate videos through the local source
(``recon_ingest`` with the ``youtube_url`` column)."""

from __future__ import annotations

from collections.abc import Iterator

import requests
from django.conf import settings

from recon.models import ReferenceSource as SourceName
from recon.sources.base import SourceError, SourceRecording, parse_date


class YouTubeSource:
    name = SourceName.YOUTUBE

    def __init__(self) -> None:
        if not settings.RECON_YOUTUBE_API_KEY:
            raise SourceError("YouTube is not configured (RECON_YOUTUBE_API_KEY).")
        prefix = settings.RECON_YOUTUBE_API_PREFIX
        self.prefix = prefix if prefix.endswith("/") else prefix + "/"
        self.session = requests.Session()
        self.timeout = settings.RECON_SOURCE_TIMEOUT_SECONDS

    def search(self, query: str, *, limit: int = 20) -> Iterator[SourceRecording]:
        token, seen = None, 0
        while seen < limit:
            params = {
                "part": "snippet",
                "type": "video",
                "videoCategoryId": "10",  # Music
                "q": query,
                "maxResults": min(50, limit - seen),
                "key": settings.RECON_YOUTUBE_API_KEY,
            }
            if token:
                params["pageToken"] = token
            try:
                response = self.session.get(
                    self.prefix + "search", params=params, timeout=self.timeout
                )
            except requests.RequestException as exc:
                raise SourceError(f"YouTube unreachable: {exc.__class__.__name__}") from exc
            if response.status_code != 200:
                raise SourceError(f"YouTube answered {response.status_code}")
            body = response.json()
            items = body.get("items") or []
            for item in items:
                video_id = (item.get("id") or {}).get("videoId")
                if not video_id:
                    continue
                snippet = item.get("snippet") or {}
                yield SourceRecording(
                    source=SourceName.YOUTUBE,
                    external_id=video_id,
                    title=snippet.get("title") or "",
                    artist_name=snippet.get("channelTitle") or "",
                    release_date=parse_date(snippet.get("publishedAt")),
                    youtube_url=f"https://youtube.com/watch?v={video_id}",
                )
            seen += len(items)
            token = body.get("nextPageToken")
            if not items or not token:
                return

    def fetch_audio(self, recording: SourceRecording) -> bytes | None:
        return None  # metadata only (see the module docstring)
