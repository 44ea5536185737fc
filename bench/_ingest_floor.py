"""The ingest floor of bench/analytics.py: a bare WSGI app (no Django, no DRF) that answers
``POST /api/v1/tracks/{id}/plays`` with the same work the endpoint cannot avoid.

Per request: parse the path, read the body, hash the listener (salt + IP + user agent), look
the track up (kept per thread, as the endpoint keeps it per process), run the endpoint's own
start statement (the gate upsert chained to the event insert, committed on its own), answer
the same JSON. One psycopg connection per thread, kept. Served by the same gunicorn
configuration as the endpoint, so the ratio between the two is what Django, DRF, the
middleware, the throttle and our code add on top of HTTP + PostgreSQL on this machine.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import threading

import psycopg

# The statement the endpoint runs (``content.analytics.services.plays._START_SQL``), copied:
# importing the service would set Django up.
_START_SQL = """
WITH gate AS (
    INSERT INTO content_playgate AS g (track_id, listener, play_id, started_at)
    VALUES (%(track)s, %(listener)s, nextval('content_playevent_id_seq'::regclass), %(now)s)
    ON CONFLICT (track_id, listener) DO UPDATE
        SET play_id = EXCLUDED.play_id, started_at = EXCLUDED.started_at
        WHERE g.started_at <= %(window_start)s
    RETURNING g.play_id
), play AS (
    INSERT INTO content_playevent (id, track_id, user_id, listener, source, started_at, day,
                                   track_duration_ms, listened_ms, completed, folded_ms,
                                   folded_completed)
    SELECT play_id, %(track)s, NULL, %(listener)s, 'web', %(now)s, %(day)s,
           %(duration)s, 0, false, -1, false
    FROM gate
    RETURNING id
)
SELECT id, true FROM play
UNION ALL
SELECT play_id, false FROM content_playgate
WHERE track_id = %(track)s AND listener = %(listener)s AND NOT EXISTS (SELECT 1 FROM gate)
"""
_PATH = re.compile(r"^/api/v1/tracks/(\d+)/plays$")
_SALT = os.urandom(32)
_local = threading.local()


def _connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        conn = _local.conn = psycopg.connect(url, autocommit=True)
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
    conn = _connection()
    tracks = _local.__dict__.setdefault("tracks", {})
    row = tracks.get(track)
    if row is None:
        row = tracks[track] = conn.execute(
            "SELECT duration, visibility = 'public' FROM content_track WHERE id = %s", [track]
        ).fetchone()
    if row is None or not row[1]:
        return _answer(start_response, "404 Not Found", {"message": "Not found."})
    started = conn.execute(  # one statement, committed on its own (autocommit, as Django)
        _START_SQL,
        {
            "track": track,
            "listener": listener,
            "now": now,
            "day": now.date(),
            "duration": row[0],
            "window_start": now - datetime.timedelta(seconds=30),
        },
    ).fetchone()
    counted = bool(started and started[1])
    return _answer(
        start_response,
        "201 Created" if counted else "200 OK",
        {"status": "success", "play_id": started[0] if started else None, "counted": counted},
    )
