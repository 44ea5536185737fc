"""Querysets compiled once and replayed with each request's values.

Building and compiling a rich ORM queryset (visibility subqueries, ``Exists`` annotations,
joins) can cost more Python time than PostgreSQL spends planning and running it. A
:class:`CompiledQuery` builds its queryset once per *shape* (whatever changes the SQL text: a
viewer tier, an ``include``, a format…) with **stand-in** values for what changes between
requests (ids, "now", …), keeps the SQL, the positions of the stand-ins among its parameters
and Django's converters, then runs that SQL with the real values::

    def _rows(shape, *, track_id, viewer_id=None):
        ...  # any queryset ending in .values() / .values_list()

    _detail = CompiledQuery(_rows, track_id=int, viewer_id=int)
    rows = _detail.rows((tier, album), track_id=pk, viewer_id=user.pk)

Rules that keep the replay equal to the ORM path:

- everything that changes the SQL text must be in the shape (a ``None``, a bool, a list's
  length, a tier); the stood-in values may only change parameters. The names passed are part
  of the shape too (an anonymous shape simply passes no ``viewer_id``);
- every stand-in must reach the parameters untouched: one that Django inlined into the SQL
  text, folded away (e.g. ``EmptyResultSet``) or transformed (a ``str()`` of an int) raises
  :class:`StandInError` when the shape is compiled, never a wrong answer later;
- rows go through the compiler's converters (JSON, decimals, custom fields), as in
  ``QuerySet.values()``.

On a non-PostgreSQL connection the queryset is built with the real values and evaluated by the
ORM on every call. Compiled statements are kept per instance, shape, names and database alias,
behind a lock (threads of a gthread worker share them).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import FlatValuesListIterable, ValuesIterable, ValuesListIterable
from psycopg import _queries as psycopg_queries

__all__ = [
    "Around",
    "CompiledQuery",
    "PendingRow",
    "StandInError",
    "inline_constants",
    "prepared_cursor",
    "prepared_fetchall",
    "prepared_fetchone",
    "prepared_send",
]


class StandInError(RuntimeError):
    """A stand-in value did not reach the compiled query's parameters unchanged."""


def _stand_in(kind: type, index: int) -> Any:
    """A value of ``kind`` no real value can equal: negative ids (real ones count up from 1),
    instants in 1901, a marked string. Within int4 so that Django does not fold a lookup on an
    ``IntegerField`` as out of range."""
    if kind is int:
        return -1_987_654_321 - index
    if kind is datetime:
        return datetime(1901, 2, 3, 4, 5, 6, 789_000 + index, tzinfo=UTC)
    if kind is date:
        return date(1901, 2, 3 + index)
    if kind is str:
        return f"\u27e6stand-in {index} 5f3c9a\u27e7"
    raise TypeError(f"no stand-in for {kind.__name__}: use int, datetime, date or str")


def _traces(value: Any) -> str:
    """The text a stand-in leaves when Django inlines or stringifies it."""
    if isinstance(value, int):
        return str(abs(value))
    if isinstance(value, datetime | date):
        return value.strftime("1901-02-%d")
    return value


def _is(param: Any, stand_in: Any) -> bool:
    return type(param) is type(stand_in) and param == stand_in


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]  # (position in params, value name)
    names: tuple[str, ...] | None  # dict keys of a values() row; None for tuples
    flat: bool
    col_count: int
    converters: tuple


def prepared_cursor(connection):
    """A cursor of ``connection`` (Django's wrapper: query logging, execute wrappers, error
    translation) whose statements run as server-side prepared statements, prepared on first
    use per connection; an ordinary cursor when they are off (``_may_prepare``). For a hot
    statement whose planning costs more than its run. Its SQL must suit server-side binding
    (Django's ORM SQL does; a literal ``%`` is still written ``%%``)."""
    cursor = connection.cursor()
    if _may_prepare(connection):
        cursor.cursor.close()
        cursor.cursor = _PreparingCursor(connection.connection)
    return cursor


def prepared_fetchone(connection, sql: str, params) -> tuple | None:
    """The first row of ``sql`` run as ``prepared_cursor`` runs it. When nothing observes the
    connection's queries (no query log such as ``CaptureQueriesContext`` or ``DEBUG``, no
    execute wrapper), without Django's cursor wrapper around psycopg's: the same connection
    checks and error translation, a sixth of a one-statement request's CPU less."""
    return _prepared_fetch(connection, sql, params, all_rows=False)


def prepared_fetchall(connection, sql: str, params) -> list[tuple]:
    """``prepared_fetchone``, every row."""
    return _prepared_fetch(connection, sql, params, all_rows=True)


def _prepared_fetch(connection, sql: str, params, *, all_rows: bool):
    if connection.queries_logged or connection.execute_wrappers or not _may_prepare_now(connection):
        with prepared_cursor(connection) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if all_rows else cursor.fetchone()
    connection.validate_thread_sharing()
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors:
        cursor = _kept_cursor(connection)
        cursor.execute(sql, params)
        return cursor.fetchall() if all_rows else cursor.fetchone()


_DONE = object()


class PendingRow:
    """A prepared statement sent and not read yet (``prepared_send``): the caller works while
    PostgreSQL runs it, without using this connection meanwhile (psycopg would refuse a second
    statement while a result is pending). ``fetchone()`` reads its first row; ``close()``
    (always, in a ``finally``) reads and drops a result never fetched, so that the connection
    is left ready."""

    __slots__ = ("_connection", "_cursor", "_first", "_gen")

    def __init__(self, connection, cursor, gen, first) -> None:
        self._connection, self._cursor, self._gen, self._first = connection, cursor, gen, first

    def fetchone(self) -> tuple | None:
        self._finish()
        with self._connection.wrap_database_errors:
            return self._cursor.fetchone()

    def close(self) -> None:
        self._finish()

    def _finish(self) -> None:
        gen, self._gen = self._gen, None
        if gen is None or self._first is _DONE:
            return
        conn = self._cursor._conn
        with self._connection.wrap_database_errors, conn.lock:
            conn.wait(_resumed(gen, self._first))


def _resumed(gen, first):
    """``gen`` (a psycopg generator already run to its first wait, ``first``) to hand to
    ``Connection.wait``."""
    ready = yield first
    while True:
        try:
            waiting = gen.send(ready)
        except StopIteration as stop:
            return stop.value
        ready = yield waiting


def prepared_send(connection, sql: str, params) -> PendingRow | None:
    """``prepared_fetchone`` in two halves: the statement is sent (prepared first, a round trip,
    on its first use by the connection) and a ``PendingRow`` returned, whose ``fetchone()``
    waits for its row. None where ``prepared_fetchone`` takes Django's cursor wrapper (a query
    log or an execute wrapper observes the connection, prepared statements are off): the
    caller runs it whole then. Uses psycopg's statement generator (``Cursor._execute_gen``)
    as ``Cursor.execute`` does, run to its first wait here and to its end by ``fetchone()``."""
    if connection.queries_logged or connection.execute_wrappers or not _may_prepare_now(connection):
        return None
    connection.validate_thread_sharing()
    connection.validate_no_broken_transaction()
    cursor = _kept_cursor(connection)
    with connection.wrap_database_errors, cursor._conn.lock:
        gen = cursor._execute_gen(sql, params, prepare=True)
        try:
            first = next(gen)
        except StopIteration:
            first = _DONE
    return PendingRow(connection, cursor, gen, first)


def _kept_cursor(connection) -> _PreparingCursor:
    """One ``_PreparingCursor`` per database connection, reused (its row loaders stay set up:
    a fresh cursor per statement cost a fifth of the statement's client CPU). A connection
    wrapper belongs to one thread; a new psycopg connection gets a new cursor."""
    kept = getattr(connection, "_beatpass_kept_cursor", None)
    if kept is None or kept.connection is not connection.connection or kept.closed:
        kept = connection._beatpass_kept_cursor = _PreparingCursor(connection.connection)
    return kept


def _may_prepare_now(connection) -> bool:
    connection.close_if_health_check_failed()  # as ``connection.cursor()`` starts
    connection.ensure_connection()
    return _may_prepare(connection)


def _may_prepare(connection) -> bool:
    """Prepared statements are on (``DATABASE_PREPARED_STATEMENTS``, default on; off behind a
    pooler that cannot follow them, such as PgBouncer in transaction mode before 1.21) and the
    driver is psycopg 3; on first use the connection's ``prepare_threshold``, which Django sets
    to None (never), is raised out of reach: only ``_PreparingCursor`` asks to prepare, and
    Django's own cursors bind client-side, which never prepares."""
    if not getattr(settings, "DATABASE_PREPARED_STATEMENTS", True):
        return False
    if connection.settings_dict["OPTIONS"].get("server_side_binding"):
        return False  # Django's own cursors prepare then, after prepare_threshold runs
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = 2**31 - 1
    return True


_CONVERTED_MAX = 256


def inline_constants(sql: str, params, slots=()) -> tuple[str, list, list[tuple[int, Any]]]:
    """``sql`` with its string parameters written as literals, except those at the positions
    of ``slots`` (``(position, name)``: the values that change between runs), which stay
    placeholders (renumbered). For a prepared statement: PostgreSQL then plans the generic
    plan with the shape's constants (a visibility, a scope, a status) as it plans one run,
    instead of guessing their selectivity. With placeholders for them, its generic plans of
    the list pages were estimated at one row and sorted the whole table (0.5-1 s at 1M
    tracks), so it re-planned every run (1-2 ms a statement). ``(sql, params, slots)``."""
    parts = sql.split("%s")
    if len(parts) != len(params) + 1:
        raise ValueError("the placeholders do not match the parameters")
    kept = {position for position, _ in slots}
    text, out_params, out_slots, renumbered = [parts[0]], [], [], {}
    for i, (param, part) in enumerate(zip(params, parts[1:], strict=True)):
        if i not in kept and isinstance(param, str) and "\\" not in param and "\0" not in param:
            text.append("'" + param.replace("%", "%%").replace("'", "''") + "'" + part)
        else:
            renumbered[i] = len(out_params)
            out_params.append(param)
            text.append("%s" + part)
    out_slots = [(renumbered[position], name) for position, name in slots]
    return "".join(text), out_params, out_slots


class _ConvertedOnce(psycopg_queries.PostgresQuery):
    """psycopg rewrites a statement's ``%s`` placeholders to ``$n`` on every run, caching the
    result only for statements under 4 KB and 50 parameters (``MAX_CACHED_STATEMENT_LENGTH``);
    the hot compiled statements are longer (the download's read-and-record is ~9 KB), and the
    rewrite cost ~13 % of a download's CPU (cProfile). The statements a preparing cursor runs
    are a small fixed set (one per compiled shape), so every one is converted once per
    process; the cache is bounded all the same (cleared when full)."""

    _converted: dict = {}

    def convert(self, query, vars) -> None:
        if vars is None or not isinstance(query, str | bytes):
            return super().convert(query, vars)
        query = self._ensure_bytes(query)
        key = (query, self._tx.encoding)
        converted = self._converted.get(key)
        if converted is None:
            converted = psycopg_queries._query2pg_nocache(query, self._tx.encoding)
            if len(self._converted) >= _CONVERTED_MAX:
                self._converted.clear()
            self._converted[key] = converted
        self.query, self._want_formats, self._order, self._parts = converted
        self.dump(vars)
        return None


class _PreparingCursor(psycopg.Cursor):
    """A server-side binding cursor that prepares its statement on first use and then only
    executes it (per connection; psycopg keeps up to ``prepared_max`` of them and forgets them
    on a rollback). PostgreSQL plans a prepared statement with its values for the first five
    runs, then keeps a generic plan when it costs no more: planning a statement with some
    twenty subqueries took longer than running it. Its placeholders are rewritten once per
    statement text (``_ConvertedOnce``)."""

    _query_cls = _ConvertedOnce

    def execute(self, query, params=None, *, prepare=True, binary=None):
        return super().execute(query, params, prepare=prepare, binary=binary)

    def _send_query_prepared(self, name, pgq, *, binary=None):
        # psycopg leaves ``_query`` unset on this path; Django's debug cursor reads the SQL
        # it logs (``connection.queries``, ``django_assert_num_queries``) from it.
        self._query = pgq
        return super()._send_query_prepared(name, pgq, binary=binary)


@dataclass(frozen=True)
class Around:
    """A statement around a compiled one: ``sql(inner)`` is the SQL text, where ``inner``
    comes before any placeholder of the outer text, whose values are ``params``; it selects
    the inner rows' columns first (``inner_alias.*``) and then ``names``, raw (no converters)."""

    sql: Callable[[str], str]
    params: tuple
    names: tuple[str, ...]


class CompiledQuery:
    """``build(shape, **values)`` -> a ``values()`` / ``values_list()`` queryset, compiled
    once per shape with stand-ins for ``values`` (declared as ``name=type``)."""

    def __init__(
        self, build: Callable[..., QuerySet], /, *, prepared: bool = False, **types: type
    ) -> None:
        """``prepared``: run the statement as a server-side prepared statement (see
        ``_prepared_cursor``) — for hot statements whose planning costs more than their run."""
        if not types:
            raise TypeError("declare the stood-in values as name=type")
        self._prepared = prepared
        self._build = build
        self._types = types
        self._stand_ins = {name: _stand_in(kind, i) for i, (name, kind) in enumerate(types.items())}
        self._statements: dict[tuple, _Statement] = {}
        self._lock = threading.Lock()

    def rows(
        self,
        shape: Hashable,
        /,
        *,
        using: str = DEFAULT_DB_ALIAS,
        around: Around | None = None,
        **values,
    ) -> list:
        """The rows of ``build(shape, **values)`` on database ``using``: dicts, tuples or
        scalars as the queryset's ``values()`` / ``values_list()`` would give.

        ``around`` (PostgreSQL only, ``values()`` querysets): run the statement inside a larger
        one, e.g. a CTE that also writes; its extra columns join each row under their names."""
        self._check(values)
        connection = connections[using]
        if connection.vendor != "postgresql":
            if around is not None:
                raise TypeError("around needs PostgreSQL")
            return list(self._build(shape, **values).using(using))
        key = (shape, tuple(sorted(values)), using)
        statement = self._statements.get(key)
        if statement is None:
            with self._lock:
                statement = self._statements.get(key)
                if statement is None:
                    statement = self._statements[key] = self._compile(shape, sorted(values), using)
        params = list(statement.params)
        for position, name in statement.slots:
            params[position] = values[name]
        sql = statement.sql
        if around is not None:
            if statement.names is None:
                raise TypeError("around needs a values() queryset")
            sql, params = around.sql(sql), [*params, *around.params]
        if self._prepared:
            fetched = prepared_fetchall(connection, sql, params)
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                fetched = cursor.fetchall()
        out = []
        for raw in fetched:
            if around is not None:
                extra = dict(zip(around.names, raw[len(raw) - len(around.names) :], strict=True))
            row = list(raw[: statement.col_count])
            for position, (converters, expression) in statement.converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
            if statement.names is not None:
                out.append(dict(zip(statement.names, row, strict=True)))
                if around is not None:
                    out[-1].update(extra)
            else:
                out.append(row[0] if statement.flat else tuple(row))
        return out

    def first(self, shape: Hashable, /, *, using: str = DEFAULT_DB_ALIAS, **values):
        """The first row, or None (the queryset must order or limit itself if it matters)."""
        rows = self.rows(shape, using=using, **values)
        return rows[0] if rows else None

    def _check(self, values: dict) -> None:
        for name, value in values.items():
            kind = self._types.get(name)
            if kind is None:
                raise TypeError(f"{name!r} is not a declared value ({', '.join(self._types)})")
            # None changes the SQL (IS NULL); a bool passes for an int but is no id.
            if (
                not isinstance(value, kind)
                or isinstance(value, bool)
                or (kind is date and isinstance(value, datetime))
            ):
                raise TypeError(f"{name!r} must be a {kind.__name__}, got {value!r}")

    def _compile(self, shape: Hashable, names: list[str], using: str) -> _Statement:
        stand_ins = {name: self._stand_ins[name] for name in names}
        queryset = self._build(shape, **stand_ins).using(using)
        if queryset._iterable_class not in (
            ValuesIterable,
            ValuesListIterable,
            FlatValuesListIterable,
        ):
            raise TypeError("a compiled queryset must end in values() or values_list()")
        query = queryset.query
        compiler = query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except Exception as e:  # EmptyResultSet, FullResultSet: a stand-in was folded
            raise StandInError(f"compiling with stand-ins {stand_ins} failed: {e!r}") from e
        slots = []
        for name, stand_in in stand_ins.items():
            positions = [i for i, p in enumerate(params) if _is(p, stand_in)]
            trace = _traces(stand_in)
            if not positions:
                raise StandInError(f"stand-in for {name!r} is not among the parameters: {sql}")
            if trace in sql:
                raise StandInError(f"stand-in for {name!r} was inlined into the SQL: {sql}")
            if any(trace in str(p) for i, p in enumerate(params) if i not in positions):
                raise StandInError(f"stand-in for {name!r} was transformed: {params}")
            slots += [(i, name) for i in positions]
        if queryset._iterable_class is ValuesIterable:
            if query.selected:
                row_keys = tuple(query.selected)
            else:
                row_keys = (*query.extra_select, *query.values_select, *query.annotation_select)
        else:
            row_keys = None
        fields = [column for column, _, _ in compiler.select[: compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise TypeError("composite fields are not supported by CompiledQuery")
        if self._prepared:
            sql, params, slots = inline_constants(sql, params, slots)
        return _Statement(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            names=row_keys,
            flat=queryset._iterable_class is FlatValuesListIterable,
            col_count=compiler.col_count,
            converters=tuple(compiler.get_converters(fields).items()),
        )
