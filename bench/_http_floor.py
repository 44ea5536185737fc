"""WSGI entry point of bench/api_http.py: the project's Django application, plus a raw floor.

``/__floor__/<endpoint>`` replays the SQL statements that Django issued for that endpoint
(captured by bench/api_http.py into ``$BENCH_FLOOR_FILE``, parameters already bound) on a plain
psycopg connection, turns every result into dicts and answers them as one orjson document:
the least work a server can do to answer the same request. Every other path goes to Django.
Both run in the same gunicorn workers, so the server, the socket and the database are the
same for both sides; only the request path in between differs.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import orjson
import psycopg

from beatpass.wsgi import application as django_application

STATEMENTS: dict[str, list] = orjson.loads(Path(os.environ["BENCH_FLOOR_FILE"]).read_bytes())
PREFIX = "/__floor__/"
_local = threading.local()


def _connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        # Same session settings as Django's connection (settings: DB_DISABLE_JIT), and like
        # Django's client-side binding cursors, never a prepared statement: psycopg would
        # otherwise prepare a statement run 5 times and skip its planning, which Django's
        # statements pay on every request.
        conn = psycopg.connect(os.environ["BENCH_FLOOR_DSN"], autocommit=True, options="-c jit=off")
        conn.prepare_threshold = None
        _local.conn = conn
    return conn


def floor(statements: list) -> bytes:
    """``statements``: SQL with its values bound, or ``[sql, params]`` for one that Django
    runs as a prepared statement (prepared here too, on first use per connection)."""
    out = []
    with _connection().cursor() as cursor:
        for statement in statements:
            if isinstance(statement, list):
                cursor.execute(statement[0], statement[1], prepare=True)
            else:
                cursor.execute(statement)
            if cursor.description is None:
                continue
            names = [column.name for column in cursor.description]
            out.append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
    return orjson.dumps(out, default=str)


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if not path.startswith(PREFIX):
        return django_application(environ, start_response)
    statements = STATEMENTS.get(path[len(PREFIX) :])
    if statements is None:
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]
    body = floor(statements)
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
