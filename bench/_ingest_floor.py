"""The ingest floor of bench/analytics.py: a bare WSGI app (no Django, no DRF) that answers
``POST /api/v1/tracks/{id}/plays`` with the same work the endpoint cannot avoid.

Per request: parse the path, read the body, hash the listener (salt + IP + user agent), run
the endpoint's own start statement (track lookup, gate upsert and event insert in one
statement, committed on its own), answer the same JSON. One psycopg connection per thread,
kept. Served by the same gunicorn configuration as the endpoint, so the ratio between the
two is what Django, DRF, the middleware, the throttle and our code add on top of HTTP +
PostgreSQL on this machine.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import threading

import psycopg

from content.analytics.sql import START_SQL

_PATH = re.compile(r"^/api/v1/tracks/(\d+)/plays$")
_SALT = b"bench-floor-salt"  # fixed: every worker hashes a listener alike
_local = threading.local()


def _connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        # Client-side binding, as Django binds: the same statement text reaches the server.
        conn = _local.conn = psycopg.connect(
            url, autocommit=True, cursor_factory=psycopg.ClientCursor
        )
    return conn


def _answer(start_response, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def application(environ, start_response):
    match = _PATH.match(environ.get("PATH_INFO", ""))
    if environ.get("REQUEST_METHOD") != "POST" or match is None:
        return _answer(start_response, "404 Not Found", {"message": "Not found."})
    length = int(environ.get("CONTENT_LENGTH") or 0)
    json.loads(environ["wsgi.input"].read(length) or b"{}")
    track = int(match.group(1))
    now = datetime.datetime.now(datetime.UTC)
    listener = (
        -(
            int.from_bytes(
                hashlib.sha256(
                    _SALT
                    + f"\x00{environ.get('REMOTE_ADDR', '')}\x00"
                    f"{environ.get('HTTP_USER_AGENT', '')}".encode()
                ).digest()[:8],
                "big",
            )
            >> 1
        )
        - 1
    )
    row = (
        _connection()
        .execute(
            START_SQL,
            {
                "sequence": "content_playevent_id_seq",
                "source": "web",
                "track": track,
                "user": None,
                "staff": False,
                "listener": listener,
                "now": now,
                "day": now.date(),
                "listened": 0,
                "window_start": now - datetime.timedelta(seconds=30),
            },
        )
        .fetchone()
    )  # one statement, committed on its own (autocommit, as Django)
    if row is None or not row[0]:
        return _answer(start_response, "404 Not Found", {"message": "Not found."})
    play_id = row[2] if row[2] is not None else row[3]
    counted = row[2] is not None
    return _answer(
        start_response,
        "201 Created" if counted else "200 OK",
        {"status": "success", "play_id": play_id, "counted": counted},
    )
