"""Helpers shared by the bench scripts (``bench/*.py``, run with ``make bench``).

A bench script does, in this order::

    from _common import django_scratch_database, interleaved, summary, result_line

    with django_scratch_database("bp_bench_waveform"):   # create db, django.setup(), migrate
        ...seed, warm up...
        a, b = interleaved(run_candidate, run_floor, repetitions=200, warmup=20)
        ratio = summary(a)["median"] / summary(b)["median"]
    print(result_line("waveform", ratio, target=3.0))     # the one JSON line, last

* ``django_scratch_database(name, env=...)`` creates the PostgreSQL database ``name`` on the
  server of ``$DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432``), dropping a
  leftover of an earlier run first, points Django at it (``beatpass.settings.test`` unless
  ``settings_module`` says otherwise; extra environment variables in ``env`` are set before
  settings load, e.g. ``THROTTLE_RATE_USER``), runs the migrations and drops the database on
  exit, even after an error or Ctrl-C (``keep=True`` leaves it for inspection). Django can
  be set up once per process, so use it once.
* ``interleaved(*callables, repetitions, warmup)`` calls the callables in turn (A, B, A, B, ...)
  so drift (other processes, CPU frequency, cache warmth) hits every side alike. Each callable
  gets the iteration number (warm-up iterations are negative) so sides can vary their input
  identically. Returns one list of durations (seconds) per callable, warm-up excluded.
* ``summary(samples)`` gives median, p95, mean, min in seconds; ``fmt_ms`` pretty-prints one.
* ``result_line(bench, ratio, target)`` is the single JSON line a bench must end with.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432"

if str(REPO_ROOT) not in sys.path:  # scripts run as `python bench/x.py` from the repo root
    sys.path.insert(0, str(REPO_ROOT))


def database_url(name: str, *, base: str | None = None) -> str:
    """``$DATABASE_URL`` (or the default server) with its database name replaced by ``name``."""
    parts = urlsplit(base or os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _admin_execute(sql: str) -> None:
    import psycopg

    url = database_url("postgres")
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(sql)


def create_database(name: str) -> str:
    """Create (or recreate) the scratch database ``name``; returns its URL."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"Unsafe database name {name!r}.")
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin_execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def drop_database(name: str) -> None:
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def django_scratch_database(
    name: str,
    *,
    settings_module: str = "beatpass.settings.test",
    env: Mapping[str, str] | None = None,
    migrate: bool = True,
    keep: bool = False,
    reuse: bool = False,
) -> Iterator[str]:
    """Scratch database + Django set up on it (+ migrations); dropped on exit. Yields its URL.

    The process id is appended to ``name`` so concurrent runs (two checkouts, the test suite's
    quick runs) never drop each other's database. ``reuse=True``: the database is ``name``
    exactly, created only if missing, migrated (new migrations apply) and kept on exit, so a
    slow seed is paid once across runs (the caller checks whether it is seeded); one migrated
    by a migration since renamed stops with ``StaleDatabase`` (reseed it)."""
    if reuse:
        keep = True
        if not name.replace("_", "").isalnum():
            raise ValueError(f"Unsafe database name {name!r}.")
        url = database_url(name)
        try:
            _admin_execute(f'CREATE DATABASE "{name}"')
        except Exception as e:  # noqa: BLE001 - already there is the point of reusing
            if "already exists" not in str(e):
                raise
    else:
        name = f"{name}_{os.getpid()}"
        url = create_database(name)
    try:
        os.environ["DATABASE_URL"] = url
        os.environ.update(env or {})
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
        import django

        django.setup()
        if migrate:
            from django.core.management import call_command

            if reuse:
                _check_reusable(name)
            call_command("migrate", verbosity=0, interactive=False)
        yield url
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not be set up yet; the drop still matters
            pass
        if not keep:
            drop_database(name)


class StaleDatabase(SystemExit):
    """A reused scratch database was migrated by migrations that no longer exist."""


def _check_reusable(name: str) -> None:
    """A reused database records every migration applied to it; one that is no longer on disk
    (renamed or renumbered since, e.g. on a merge) means its schema may differ from what the
    current migrations build, and ``migrate`` would try to apply the new name over it. Say
    so instead of failing half-way."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    stale = sorted(
        f"{app}.{migration}"
        for app, migration in loader.applied_migrations
        if app in loader.migrated_apps and (app, migration) not in loader.disk_migrations
    )
    if stale:
        raise StaleDatabase(
            f"The reused database {name} was migrated by migrations that no longer exist "
            f"({', '.join(stale)}): it was seeded before a migration was renamed. Reseed it: "
            f'rerun with --reseed, or drop it (DROP DATABASE "{name}").'
        )


def interleaved(
    *callables: Callable[[int], object], repetitions: int = 200, warmup: int = 20
) -> list[list[float]]:
    """Run the callables in turn, ``warmup`` + ``repetitions`` rounds; durations in seconds."""
    samples: list[list[float]] = [[] for _ in callables]
    for i in range(-warmup, repetitions):
        for side, fn in enumerate(callables):
            start = time.perf_counter()
            fn(i)
            elapsed = time.perf_counter() - start
            if i >= 0:
                samples[side].append(elapsed)
    return samples


def summary(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "mean": statistics.fmean(ordered),
        "min": ordered[0],
    }


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:8.3f} ms"


def result_line(bench: str, ratio: float, *, target: float) -> str:
    return json.dumps({"bench": bench, "ratio": round(ratio, 3), "target": target})


if __name__ == "__main__":
    # `make bench` runs every bench/*.py; this one only holds helpers.
    print("bench/_common.py: helpers only, nothing to measure.")


def redis_cache_url() -> str | None:
    """The Redis the throttle counters live in (``REDIS_URL``, else the local default) as a
    Django ``CACHE_URL``, or None when nothing answers there."""
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    parts = urlsplit(redis_url)
    with socket.socket() as sock:
        sock.settimeout(1)
        if sock.connect_ex((parts.hostname or "127.0.0.1", parts.port or 6379)) != 0:
            return None
    return "rediscache://" + redis_url.split("://", 1)[1]


def add_cache_option(parser, *, what: str) -> None:
    """``--cache auto|redis|locmem``: where ``what`` (a bench's throttle counters) live."""
    parser.add_argument(
        "--cache",
        choices=("auto", "redis", "locmem"),
        default="auto",
        help=f"{what}: Redis at $REDIS_URL (else 127.0.0.1:6379/0), as deployed; auto: Redis "
        "when it answers, else locmem (default auto)",
    )


def chosen_cache_url(choice: str) -> str | None:
    """The Django ``CACHE_URL`` of ``--cache`` (``add_cache_option``): Redis's, or None for
    local memory; ``redis`` with nothing answering stops the bench."""
    cache_url = None if choice == "locmem" else redis_cache_url()
    if choice == "redis" and cache_url is None:
        raise SystemExit("--cache redis: nothing answers at $REDIS_URL")
    return cache_url
