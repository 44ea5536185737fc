"""A loopback Spotify Web API for tests: the real adapter and spotipy talk HTTP to it.

Serves the JSON shapes of ``POST /api/token``, ``GET /v1/search``, ``GET /v1/albums/{id}``
(+ ``/tracks`` paging), ``GET /v1/tracks/{id}``, and can misbehave on demand:
``mode = "error"`` (500), ``"rate_limit"`` (429 + Retry-After), ``"slow"`` (answers after
``slow_seconds``), ``"bad_credentials"`` (token endpoint refuses the client), ``"unauthorized"``
(every API call is a 401).
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

CLIENT_ID = "stub-client-id"
CLIENT_SECRET = "stub-client-secret"
TOKEN = "stub-access-token"
ALBUM_PAGE = 2  # small on purpose, so the adapter has to follow ``next``


def _image(size: int, key: str) -> dict:
    return {"url": f"https://i.scdn.co/image/{key}-{size}", "width": size, "height": size}


ARTISTS = {
    "luna": {"id": "artLuna", "name": "Luna Ray"},
    "kid": {"id": "artKid", "name": "Kid Nova"},
    "echo": {"id": "artEcho", "name": "The Echoes"},
}

ALBUMS = {
    "albNight": {
        "name": "Night Drive",
        "artists": ["luna"],
        "release_date": "2021-03-05",
        "album_type": "album",
        "tracks": [
            ("trkNeon", "Neon Lights", ["luna"], 71),
            ("trkMidnight", "Midnight Run", ["luna", "kid"], 55),
            ("trkAfter", "Afterglow", ["luna"], 20),
        ],
    },
    "albSummer": {
        "name": "Summer Tape",
        "artists": ["kid"],
        "release_date": "2019",
        "album_type": "single",
        "tracks": [("trkSummer", "Summer Heat", ["kid"], 44)],
    },
    "albEcho": {
        "name": "Echo Chamber",
        "artists": ["echo"],
        "release_date": "2018-07",
        "album_type": "album",
        "tracks": [(f"trkEcho{n}", f"Echo {n}", ["echo"], 30) for n in range(1, 24)],
    },
}


class SpotifyStub:
    def __init__(self) -> None:
        self.mode: str | None = None
        self.token = TOKEN  # change it to simulate a revoked token
        self.retry_after = 7
        self.slow_seconds = 1.5
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- bookkeeping --

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))

    def calls(self, prefix: str) -> int:
        return sum(1 for _, path in self.requests if path.startswith(prefix))

    # -- catalog in Spotify's shapes --

    def album_simple(self, album_id: str) -> dict:
        album = ALBUMS[album_id]
        return {
            "id": album_id,
            "type": "album",
            "album_type": album["album_type"],
            "name": album["name"],
            "artists": [ARTISTS[a] for a in album["artists"]],
            "images": [_image(640, album_id), _image(300, album_id), _image(64, album_id)],
            "release_date": album["release_date"],
            "release_date_precision": "day",
            "total_tracks": len(album["tracks"]),
            "external_urls": {"spotify": f"https://open.spotify.com/album/{album_id}"},
            "uri": f"spotify:album:{album_id}",
        }

    def track_simple(self, album_id: str, index: int) -> dict:
        track_id, name, artists, _ = ALBUMS[album_id]["tracks"][index]
        return {
            "id": track_id,
            "type": "track",
            "name": name,
            "artists": [ARTISTS[a] for a in artists],
            "track_number": index + 1,
            "disc_number": 1,
            "duration_ms": 180000 + index * 1000,
            "external_urls": {"spotify": f"https://open.spotify.com/track/{track_id}"},
            "uri": f"spotify:track:{track_id}",
        }

    def track_full(self, album_id: str, index: int) -> dict:
        return {
            **self.track_simple(album_id, index),
            "album": self.album_simple(album_id),
            "popularity": ALBUMS[album_id]["tracks"][index][3],
        }

    def find_track(self, track_id: str) -> dict | None:
        for album_id, album in ALBUMS.items():
            for index, track in enumerate(album["tracks"]):
                if track[0] == track_id:
                    return self.track_full(album_id, index)
        return None

    def tracks_page(self, album_id: str, offset: int, limit: int) -> dict:
        count = len(ALBUMS[album_id]["tracks"])
        items = [self.track_simple(album_id, i) for i in range(offset, min(offset + limit, count))]
        nxt = None
        if offset + limit < count:
            nxt = f"{self.base}/v1/albums/{album_id}/tracks?offset={offset + limit}&limit={limit}"
        return {"items": items, "limit": limit, "offset": offset, "total": count, "next": nxt}

    def search(self, query: str, kind: str, limit: int, offset: int) -> dict:
        needle = query.casefold()
        if kind == "track":
            found = [
                self.track_full(album_id, i)
                for album_id, album in ALBUMS.items()
                for i, track in enumerate(album["tracks"])
                if needle in track[1].casefold()
            ]
        else:
            found = [
                self.album_simple(album_id)
                for album_id, album in ALBUMS.items()
                if needle in album["name"].casefold()
            ]
        return {
            f"{kind}s": {
                "items": found[offset : offset + limit],
                "limit": limit,
                "offset": offset,
                "total": len(found),
                "next": None,
            }
        }

    # -- HTTP --

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def _error(self, status: int, message: str, headers=None) -> None:
                self._send(status, {"error": {"status": status, "message": message}}, headers)

            def do_POST(self):
                url = urlparse(self.path)
                stub.record("POST", url.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                if url.path != "/api/token":
                    return self._error(404, "Not found")
                expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
                if (
                    stub.mode == "bad_credentials"
                    or self.headers.get("Authorization") != f"Basic {expected}"
                    or form.get("grant_type") != ["client_credentials"]
                ):
                    return self._send(
                        400, {"error": "invalid_client", "error_description": "Invalid client"}
                    )
                return self._send(
                    200, {"access_token": stub.token, "token_type": "Bearer", "expires_in": 3600}
                )

            def do_GET(self):
                url = urlparse(self.path)
                stub.record("GET", url.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if stub.mode == "unauthorized" or (
                    self.headers.get("Authorization") != f"Bearer {stub.token}"
                ):
                    return self._error(401, "No token provided")
                if stub.mode == "error":
                    return self._error(500, "Server error")
                if stub.mode == "rate_limit":
                    return self._error(
                        429, "API rate limit exceeded", {"Retry-After": str(stub.retry_after)}
                    )
                if stub.mode == "slow":
                    time.sleep(stub.slow_seconds)
                parts = url.path.strip("/").split("/")
                if parts == ["v1", "search"]:
                    if not query.get("q") or query.get("type") not in ("track", "album"):
                        return self._error(400, "Bad search")
                    return self._send(
                        200,
                        stub.search(
                            query["q"],
                            query["type"],
                            int(query.get("limit", 20)),
                            int(query.get("offset", 0)),
                        ),
                    )
                if len(parts) in (3, 4) and parts[:2] == ["v1", "albums"]:
                    album_id = parts[2]
                    if album_id not in ALBUMS:
                        return self._error(404, "Non existing id")
                    if len(parts) == 4 and parts[3] == "tracks":
                        return self._send(
                            200,
                            stub.tracks_page(
                                album_id,
                                int(query.get("offset", 0)),
                                int(query.get("limit", ALBUM_PAGE)),
                            ),
                        )
                    body = stub.album_simple(album_id)
                    body["tracks"] = stub.tracks_page(album_id, 0, ALBUM_PAGE)
                    return self._send(200, body)
                if len(parts) == 3 and parts[:2] == ["v1", "tracks"]:
                    track = stub.find_track(parts[2])
                    if track is None:
                        return self._error(404, "Non existing id")
                    return self._send(200, track)
                return self._error(404, "Service not found")

        return Handler


@contextlib.contextmanager
def running_stub(settings):
    """Start the stub and point the adapter's settings at it for the duration."""
    stub = SpotifyStub()
    stub.thread.start()
    settings.SPOTIFY_CLIENT_ID = CLIENT_ID
    settings.SPOTIFY_CLIENT_SECRET = CLIENT_SECRET
    settings.SPOTIFY_API_PREFIX = f"{stub.base}/v1/"
    settings.SPOTIFY_TOKEN_URL = f"{stub.base}/api/token"
    settings.SPOTIFY_TIMEOUT_SECONDS = 0.4
    settings.SPOTIFY_MAX_RETRIES = 1
    settings.SPOTIFY_CACHE_TTL = 60
    settings.SPOTIFY_MARKET = ""
    try:
        yield stub
    finally:
        stub.server.shutdown()
        stub.server.server_close()
