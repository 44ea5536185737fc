"""A loopback HTTP fake of the three reference sources' APIs (the adapters talk real HTTP).

Spotify: ``POST /api/token`` (client credentials), ``GET /v1/search`` (Bearer required).
Deezer: ``GET /deezer/search``, ``GET /deezer/track/{id}`` (errors as HTTP 200 + ``error``).
YouTube: ``GET /youtube/search`` (``key`` required, else 403 as Google answers).
Audio: ``GET /audio/{name}`` serves the bytes put in ``stub.audio[name]``.
"""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

TOKEN = "recon-stub-token"
YOUTUBE_KEY = "yt-stub-key"


class Stub:
    def __init__(self) -> None:
        self.base = ""
        self.audio: dict[str, bytes] = {}
        self.requests: list[str] = []

    def spotify_tracks(self) -> list[dict]:
        return [
            {
                "id": "spPlaced",
                "name": "Placed Song",
                "artists": [{"name": "Rapper"}, {"name": "Singer"}],
                "album": {"name": "Big LP", "release_date": "2025-06"},
                "external_ids": {"isrc": "USABC2500001"},
                "duration_ms": 30000,
                "external_urls": {"spotify": "https://open.spotify.com/track/spPlaced"},
                "preview_url": f"{self.base}/audio/placed.mp3",
            },
            {
                "id": "spNoPreview",
                "name": "No Preview",
                "artists": [{"name": "Other"}],
                "album": {"name": "", "release_date": "2019"},
                "external_urls": {"spotify": "https://open.spotify.com/track/spNoPreview"},
                "preview_url": None,
            },
        ]

    def deezer_tracks(self) -> dict[int, dict]:
        return {
            3135556: {
                "id": 3135556,
                "title": "Deezer Placed",
                "link": "https://www.deezer.com/track/3135556",
                "duration": 30,
                "preview": f"{self.base}/audio/placed.mp3",
                "artist": {"name": "Rapper"},
                "album": {"title": "Big LP"},
                "isrc": "GBDUW0000059",
                "release_date": "2025-06-15",
            }
        }


def _handler(stub: Stub):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _json(self, status: int, body) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):  # noqa: N802
            stub.requests.append(f"POST {self.path}")
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            if self.path == "/api/token":
                return self._json(
                    200, {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}
                )
            return self._json(404, {"error": "not found"})

        def do_GET(self):  # noqa: N802
            stub.requests.append(f"GET {self.path}")
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/v1/search":
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._json(401, {"error": {"status": 401, "message": "No token"}})
                items = stub.spotify_tracks()
                return self._json(
                    200, {"tracks": {"items": items, "total": len(items), "next": None}}
                )
            if url.path == "/deezer/search":
                items = list(stub.deezer_tracks().values())
                summary = [{k: v for k, v in i.items() if k != "isrc"} for i in items]
                return self._json(200, {"data": summary, "total": len(summary)})
            if url.path.startswith("/deezer/track/"):
                track = stub.deezer_tracks().get(int(url.path.rsplit("/", 1)[1]))
                if track is None:
                    return self._json(
                        200, {"error": {"type": "DataException", "message": "no data", "code": 800}}
                    )
                return self._json(200, track)
            if url.path == "/youtube/search":
                if query.get("key") != YOUTUBE_KEY:
                    return self._json(403, {"error": {"code": 403, "message": "bad key"}})
                return self._json(
                    200,
                    {
                        "items": [
                            {
                                "id": {"kind": "youtube#video", "videoId": "dQw4w9WgXcQ"},
                                "snippet": {
                                    "title": "Placed Song (Official Video)",
                                    "channelTitle": "RapperVEVO",
                                    "publishedAt": "2025-06-20T10:00:00Z",
                                },
                            },
                            {"id": {"kind": "youtube#channel", "channelId": "UCx"}, "snippet": {}},
                        ]
                    },
                )
            if url.path.startswith("/audio/"):
                data = stub.audio.get(url.path.rsplit("/", 1)[1])
                if data is None:
                    return self._json(404, {})
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return None
            return self._json(404, {"error": "not found"})

    return Handler


@contextlib.contextmanager
def running_stub(settings):
    stub = Stub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    stub.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SPOTIFY_CLIENT_ID = "recon-client"
    settings.SPOTIFY_CLIENT_SECRET = "recon-secret"
    settings.SPOTIFY_API_PREFIX = f"{stub.base}/v1/"
    settings.SPOTIFY_TOKEN_URL = f"{stub.base}/api/token"
    settings.RECON_DEEZER_API_PREFIX = f"{stub.base}/deezer/"
    settings.RECON_YOUTUBE_API_PREFIX = f"{stub.base}/youtube/"
    settings.RECON_YOUTUBE_API_KEY = YOUTUBE_KEY
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
