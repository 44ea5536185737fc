"""Hot analytics statements as PostgreSQL prepared statements.

Django's PostgreSQL cursors bind parameters on the client (psycopg's ``ClientCursor``), so
every execution is parsed and planned again. The track analytics statement (21 FILTER
aggregates over a year of rollups) spent about half its server time planning: 0.53 ms
client-bound against 0.29 ms prepared (bench/analytics.py's scratch data, 200k plays). Its
floor, a plain psycopg connection, prepares a statement by itself from its fifth run.

``prepared_fetchone`` runs one statement through a server-side binding cursor, still wrapped
by Django (query logging, ``execute_wrapper`` hooks, error translation). On a kept connection
(``CONN_MAX_AGE`` not 0) it is prepared on its first run, one extra round trip per connection,
and then only bound and executed; psycopg keeps the statement per connection (at most
``prepared_max``, 100) and re-prepares it after a reconnection. On a connection closed after
each request preparing would only add that round trip: it runs unprepared. A transaction
pooler that does not track prepared statements (PgBouncer before 1.21 in transaction mode)
would need ``CONN_MAX_AGE=0`` here; BeatPass connects to PostgreSQL directly. PostgreSQL
re-plans a prepared statement after a migration by itself; one that changes the type of a
column it returns fails it ("cached plan must not change result type") until the workers
reconnect, as a deployment's restart after migrating does.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.backends.postgresql.base import ServerBindingCursor

_NEVER_BY_COUNT = 2**62


class _PreparingCursor(ServerBindingCursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def prepared_fetchone(connection, sql: str, params: Sequence) -> tuple | None:
    """``cursor.execute(sql, params); cursor.fetchone()`` on ``connection`` (PostgreSQL), as
    a prepared statement when the connection is kept between requests."""
    if connection.settings_dict.get("CONN_MAX_AGE") == 0:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    pg = connection.connection
    if pg.prepare_threshold is None:
        # Django connects with ``prepare_threshold=None``, which psycopg reads as "never
        # prepare", even when asked to. Only server-side binding cursors ever prepare (Django's
        # own client-binding cursors never do), so this enables no one else's statements; the
        # threshold itself is out of reach: nothing is prepared unless asked, as here.
        pg.prepare_threshold = _NEVER_BY_COUNT
    raw = _PreparingCursor(pg)
    cursor = (
        connection.make_debug_cursor(raw)
        if connection.queries_logged
        else connection.make_cursor(raw)
    )
    with cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()
