"""Spotify Web API adapter for credits (search, album, track) on spotipy's client-credentials flow.

Everything Spotify-specific stays here: the views get normalized dicts or a domain error.

- Unconfigured (no client id/secret) → :class:`SpotifyNotConfigured` (503 ``spotify_unavailable``).
- 429 → :class:`SpotifyRateLimited` (503, ``retry_after``). The ``Retry-After`` deadline is kept in
  the Django cache, and until it passes no request is sent to Spotify at all (we never hammer
  an API that asked us to wait); every caller gets the remaining seconds instead.
- 5xx, bad JSON, refused credentials → :class:`SpotifyBadGateway` (502); timeouts and connection
  failures → :class:`SpotifyUnreachable` (503). 404/400 on an id → :class:`SpotifyNotFound`.
- spotipy's own retry loop is replaced by a session with a short urllib3 policy: a bounded number
  of retries on connection errors and 5xx, none on read timeouts or 429.
- Successful responses are cached in the Django cache for ``SPOTIFY_CACHE_TTL`` seconds; the
  client-credentials token too, for its lifetime, so workers share one token.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
from datetime import date
from typing import Any

import requests
import spotipy
from django.conf import settings
from django.core.cache import cache
from requests.adapters import HTTPAdapter
from spotipy.cache_handler import CacheHandler
from spotipy.exceptions import SpotifyException, SpotifyOauthError
from urllib3.util.retry import Retry

from beatpass.api.errors import ApplicationError

logger = logging.getLogger(__name__)

PAGE_SIZE = 10  # Spotify's development-mode cap per search request
MAX_OFFSET = 1000  # Spotify refuses offsets past this
MAX_ALBUM_TRACKS = 500
SPOTIFY_ID = re.compile(r"^[0-9A-Za-z]{1,64}$")
SEARCH_TYPES = ("track", "album")

COOLDOWN_KEY = "spotify:cooldown-until"


# --- errors -------------------------------------------------------------------------------------


class SpotifyError(ApplicationError):
    status_code = 502


class SpotifyNotConfigured(SpotifyError):
    status_code = 503

    def __init__(self) -> None:
        super().__init__("Spotify integration is not configured.", code="spotify_unavailable")


class SpotifyRateLimited(SpotifyError):
    status_code = 503

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Spotify is rate limiting requests. Try again in {retry_after} seconds.",
            code="spotify_rate_limited",
            extra={"retry_after": retry_after},
        )
        self.retry_after = retry_after


class SpotifyUnreachable(SpotifyError):
    status_code = 503


class SpotifyBadGateway(SpotifyError):
    status_code = 502


class SpotifyNotFound(SpotifyError):
    status_code = 404


# --- spotipy plumbing ---------------------------------------------------------------------------


class DjangoCacheTokenHandler(CacheHandler):
    """Keeps the client-credentials token in the Django cache (shared by all workers)."""

    def __init__(self, client_id: str) -> None:
        digest = hashlib.sha256(client_id.encode()).hexdigest()[:16]
        self.key = f"spotify:token:{digest}"

    def get_cached_token(self):
        return cache.get(self.key)

    def save_token_to_cache(self, token_info) -> None:
        ttl = max(int(token_info.get("expires_in") or 0) - 60, 1)
        cache.set(self.key, token_info, ttl)


class ConfiguredClientCredentials(spotipy.SpotifyClientCredentials):
    """spotipy reads the token URL from a class attribute; this instance takes it from settings."""

    def __init__(self, *, token_url: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.OAUTH_TOKEN_URL = token_url


def _session(max_retries: int) -> requests.Session:
    retry = Retry(
        total=max_retries,
        connect=max_retries,
        read=False,  # re-raise read timeouts: Spotify is slow, retrying only doubles the wait
        status=max_retries,
        status_forcelist=(500, 502, 503, 504),  # not 429: that one is honoured, not retried
        allowed_methods=frozenset({"GET", "POST"}),
        backoff_factor=0.2,
        raise_on_status=False,  # hand the last 5xx back so the caller sees a real status
        respect_retry_after_header=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _retry_after_seconds(headers) -> int:
    raw = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
    try:
        return max(1, math.ceil(float(raw)))
    except (TypeError, ValueError):
        return 30


# --- normalization ------------------------------------------------------------------------------


def pick_image(images: list[dict] | None) -> str | None:
    """The image closest to a 300px card (Spotify lists 640, 300 and 64)."""
    if not images:
        return None
    best = min(images, key=lambda i: abs((i.get("width") or 300) - 300))
    return best.get("url")


def parse_release_date(raw: str | None) -> date | None:
    """Spotify dates come as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; missing parts become 1."""
    if not raw:
        return None
    parts = raw.split("-")
    try:
        numbers = [int(p) for p in parts[:3]] + [1] * (3 - min(len(parts), 3))
        return date(*numbers[:3])
    except ValueError:
        return None


def _year(raw: str | None) -> int | None:
    parsed = parse_release_date(raw)
    return parsed.year if parsed else None


def _artists(items: list[dict] | None) -> list[dict]:
    return [{"id": a.get("id"), "name": a.get("name") or ""} for a in items or []]


def _url(obj: dict) -> str | None:
    return (obj.get("external_urls") or {}).get("spotify")


def normalize_track(track: dict, *, album: dict | None = None) -> dict[str, Any]:
    album = album or track.get("album") or {}
    return {
        "id": track["id"],
        "type": "track",
        "name": track.get("name") or "",
        "artists": _artists(track.get("artists")),
        "album": {"id": album.get("id"), "name": album.get("name") or ""} if album else None,
        "image": pick_image(album.get("images")),
        "release_date": album.get("release_date"),
        "release_year": _year(album.get("release_date")),
        "track_count": None,
        "track_number": track.get("track_number"),
        "disc_number": track.get("disc_number"),
        "duration_ms": track.get("duration_ms"),
        "popularity": track.get("popularity"),
        "spotify_url": _url(track),
    }


def normalize_album(album: dict) -> dict[str, Any]:
    return {
        "id": album["id"],
        "type": "album",
        "album_type": album.get("album_type"),
        "name": album.get("name") or "",
        "artists": _artists(album.get("artists")),
        "album": None,
        "image": pick_image(album.get("images")),
        "release_date": album.get("release_date"),
        "release_year": _year(album.get("release_date")),
        "track_count": album.get("total_tracks"),
        "spotify_url": _url(album),
    }


def valid_spotify_id(value: str) -> bool:
    return bool(SPOTIFY_ID.match(value or ""))


# --- the adapter --------------------------------------------------------------------------------


class SpotifyCatalog:
    """Read-only view of Spotify's catalog. Build one per request with :func:`spotify_catalog`."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        api_prefix: str,
        token_url: str,
        timeout: float,
        max_retries: int,
        cache_ttl: int,
        market: str | None = None,
    ) -> None:
        session = _session(max_retries)
        auth = ConfiguredClientCredentials(
            client_id=client_id,
            client_secret=client_secret,
            token_url=token_url,
            requests_session=session,
            requests_timeout=timeout,
            cache_handler=DjangoCacheTokenHandler(client_id),
        )
        self.token_cache = auth.cache_handler
        self.client = spotipy.Spotify(
            auth_manager=auth, requests_session=session, requests_timeout=timeout
        )
        self.client.prefix = api_prefix if api_prefix.endswith("/") else api_prefix + "/"
        self.cache_ttl = cache_ttl
        self.market = market or None

    # -- public operations (normalized, cached) --

    def search(self, *, query: str, kind: str, page: int) -> tuple[list[dict], int]:
        """One page of 10 ``track``/``album`` results and Spotify's (capped) total."""
        offset = (page - 1) * PAGE_SIZE
        if offset >= MAX_OFFSET:
            return [], MAX_OFFSET
        digest = hashlib.sha256(" ".join(query.casefold().split()).encode()).hexdigest()[:32]
        key = f"spotify:search:{kind}:{page}:{self.market}:{digest}"

        def fetch():
            body = self.client.search(
                q=query, type=kind, limit=PAGE_SIZE, offset=offset, market=self.market
            )
            paging = (body or {}).get(f"{kind}s") or {}
            normalize = normalize_track if kind == "track" else normalize_album
            items = [normalize(i) for i in paging.get("items") or [] if i and i.get("id")]
            return {"items": items, "total": min(int(paging.get("total") or 0), MAX_OFFSET)}

        result = self._cached(key, fetch)
        return result["items"], result["total"]

    def album(self, album_id: str) -> dict[str, Any]:
        """The album with all its tracks (``tracks``: normalized, in disc/track order)."""

        def fetch():
            body = self.client.album(album_id, market=self.market)
            album = normalize_album(body)
            raw_tracks = list((body.get("tracks") or {}).get("items") or [])
            paging = body.get("tracks") or {}
            while paging.get("next") and len(raw_tracks) < MAX_ALBUM_TRACKS:
                paging = self.client.next(paging) or {}
                raw_tracks.extend(paging.get("items") or [])
            album["tracks"] = [
                normalize_track(t, album=body) for t in raw_tracks[:MAX_ALBUM_TRACKS] if t.get("id")
            ]
            return album

        return self._cached(f"spotify:album:{album_id}:{self.market}", fetch, lookup=album_id)

    def track(self, track_id: str) -> dict[str, Any]:
        def fetch():
            return normalize_track(self.client.track(track_id, market=self.market))

        return self._cached(f"spotify:track:{track_id}:{self.market}", fetch, lookup=track_id)

    # -- error mapping, cooldown and cache --

    def _cached(self, key: str, fetch, *, lookup: str | None = None):
        hit = cache.get(key)
        if hit is not None:
            return hit
        value = self._call(fetch, lookup=lookup)
        cache.set(key, value, self.cache_ttl)
        return value

    def _call(self, fetch, *, lookup: str | None, token_refreshed: bool = False):
        cooldown_until = cache.get(COOLDOWN_KEY)
        if cooldown_until is not None:
            remaining = math.ceil(cooldown_until - time.time())
            if remaining > 0:
                raise SpotifyRateLimited(remaining)
        try:
            return fetch()
        except SpotifyException as exc:
            if exc.http_status == 401 and not token_refreshed:
                # The cached token was revoked or expired early: fetch a fresh one, once.
                cache.delete(self.token_cache.key)
                return self._call(fetch, lookup=lookup, token_refreshed=True)
            raise self._translate(exc, lookup=lookup) from exc
        except SpotifyOauthError as exc:
            logger.warning("Spotify token request failed: %s", exc)
            raise SpotifyBadGateway(
                "Spotify refused our credentials or failed to issue a token.",
                code="spotify_auth_failed",
            ) from exc
        except requests.Timeout as exc:
            raise SpotifyUnreachable(
                "Spotify did not answer in time. Please try again.", code="spotify_timeout"
            ) from exc
        except requests.RequestException as exc:
            raise SpotifyUnreachable(
                "Spotify could not be reached. Please try again.", code="spotify_unreachable"
            ) from exc
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            logger.warning("Unexpected Spotify response shape: %r", exc)
            raise SpotifyBadGateway(
                "Spotify returned an unexpected response.", code="spotify_error"
            ) from exc

    def _translate(self, exc: SpotifyException, *, lookup: str | None) -> SpotifyError:
        status = exc.http_status
        if status == 429:
            retry_after = _retry_after_seconds(exc.headers)
            cache.set(COOLDOWN_KEY, time.time() + retry_after, retry_after)
            logger.warning("Spotify rate limit hit; pausing calls for %ss", retry_after)
            return SpotifyRateLimited(retry_after)
        if lookup is not None and status in (400, 404):
            return SpotifyNotFound("Not found on Spotify.", code="spotify_not_found")
        logger.warning("Spotify error %s: %s", status, exc.msg)
        return SpotifyBadGateway(
            f"Spotify returned an error (HTTP {status}). Please try again later.",
            code="spotify_error",
        )


def spotify_is_configured() -> bool:
    return bool(settings.SPOTIFY_CLIENT_ID and settings.SPOTIFY_CLIENT_SECRET)


def spotify_catalog() -> SpotifyCatalog:
    """The adapter built from settings, or :class:`SpotifyNotConfigured` (503)."""
    if not spotify_is_configured():
        raise SpotifyNotConfigured()
    return SpotifyCatalog(
        client_id=settings.SPOTIFY_CLIENT_ID,
        client_secret=settings.SPOTIFY_CLIENT_SECRET,
        api_prefix=settings.SPOTIFY_API_PREFIX,
        token_url=settings.SPOTIFY_TOKEN_URL,
        timeout=settings.SPOTIFY_TIMEOUT_SECONDS,
        max_retries=settings.SPOTIFY_MAX_RETRIES,
        cache_ttl=settings.SPOTIFY_CACHE_TTL,
        market=settings.SPOTIFY_MARKET,
    )
