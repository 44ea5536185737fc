"""Test helpers shared across apps (imported by tests only)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def run_together(*calls: Callable[[], Any], timeout: float = 60) -> list:
    """Start every call at the same moment, each in its own thread with its own DB connection.

    Returns each call's result, or the exception it raised, in call order. Connections are
    closed at thread end so the test database can be flushed afterwards.
    """
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def run_concurrently(fn: Callable[[int], Any], n: int, *, timeout: float = 60) -> list:
    """``run_together`` for ``n`` calls of ``fn(i)``."""
    return run_together(*(lambda i=i: fn(i) for i in range(n)), timeout=timeout)
