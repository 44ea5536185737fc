"""The rate window (GCRA): exact limits, headers, refill, and the same answers from Redis (one
atomic script per hit) as from the locmem cache the tests use elsewhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from beatpass.api.throttling import RateWindow


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def locmem():
    return LocMemCache(f"throttle-{uuid.uuid4()}", {})


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A private redis-server on a Unix socket (scripts/system-deps.sh --browser installs it),
    or ``$THROTTLE_TEST_REDIS_URL``."""
    if os.environ.get("THROTTLE_TEST_REDIS_URL"):
        yield os.environ["THROTTLE_TEST_REDIS_URL"]
        return
    socket = tmp_path_factory.mktemp("redis") / "redis.sock"
    server = subprocess.Popen(  # noqa: S603 - a fixed argv
        [shutil.which("redis-server") or "redis-server", "--port", "0", "--unixsocket",
         str(socket), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            if socket.exists():
                break
            time.sleep(0.05)
        yield f"unix://{socket}"
    finally:
        server.terminate()
        server.wait(10)


def redis_cache(url):
    cache = RedisCache(url, {"KEY_PREFIX": f"test-{uuid.uuid4()}"})
    cache.get("ping")  # fail here, loudly, when Redis is not running
    return cache


@pytest.fixture(params=["locmem", "redis"])
def cache(request):
    if request.param == "locmem":
        return locmem()
    return redis_cache(request.getfixturevalue("redis_url"))


def test_allows_exactly_the_limit_then_refuses_with_the_wait(cache):
    clock = Clock()
    window = RateWindow("k", "5/15min", cache=cache, timer=clock)
    remaining = []
    for _ in range(5):
        allowed, info, wait = window.hit()
        assert allowed
        assert wait == 0
        remaining.append(info.remaining)
    assert remaining == [4, 3, 2, 1, 0]
    allowed, info, wait = window.hit()
    assert not allowed
    assert (info.limit, info.remaining) == (5, 0)
    assert wait == pytest.approx(180)  # one slot frees every 15 min / 5
    assert info.reset == pytest.approx(clock.now + 180, abs=1)


def test_refused_hits_do_not_count_and_slots_refill_over_time(cache):
    clock = Clock()
    window = RateWindow("k", "3/min", cache=cache, timer=clock)
    for _ in range(3):
        assert window.hit()[0]
    for _ in range(10):
        assert not window.hit()[0]
    clock.now += 20  # one slot back
    assert window.hit()[0]
    assert not window.hit()[0]
    clock.now += 60
    assert [window.hit()[0] for _ in range(4)] == [True, True, True, False]


def test_peek_does_not_count(cache):
    clock = Clock()
    window = RateWindow("k", "2/min", cache=cache, timer=clock)
    for _ in range(5):
        assert window.peek()[0]
    window.hit()
    window.hit()
    allowed, info, wait = window.peek()
    assert not allowed
    assert info.remaining == 0
    assert wait == pytest.approx(30)


def test_undo_takes_back_exactly_one_hit(cache):
    clock = Clock()
    window = RateWindow("k", "3/min", cache=cache, timer=clock)
    window.hit()
    window.undo()  # back to a whole limit: nothing stored
    assert window.peek()[1].remaining == 3
    for _ in range(3):
        window.hit()
    assert not window.peek()[0]
    window.undo()
    allowed, info, _wait = window.hit()
    assert (allowed, info.remaining) == (True, 0)
    assert not window.hit()[0]


def test_clear_restores_the_whole_limit(cache):
    window = RateWindow("k", "2/min", cache=cache, timer=Clock())
    window.hit()
    window.hit()
    window.clear()
    assert window.hit()[1].remaining == 1


def test_redis_counts_concurrent_hits_atomically(redis_url):
    cache = redis_cache(redis_url)
    allowed = race(lambda clock: RateWindow("shared", "50/min", cache=cache, timer=clock))
    assert allowed.count(True) == 50
    assert len(allowed) == 160


def race(make_window) -> list[bool]:
    """8 threads × 20 hits on windows made by ``make_window(clock)`` at one frozen instant."""
    clock = Clock()
    allowed = []

    def worker():
        window = make_window(clock)
        for _ in range(20):
            allowed.append(window.hit()[0])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return allowed


def test_the_default_cache_proxy_takes_the_atomic_redis_path(redis_url, settings):
    """DRF's throttles and ``RateWindow`` default to ``django.core.cache.cache``, a proxy: with
    Redis as the default cache they must reach the one-script path, not the get + set
    fallback (which loses hits under concurrency)."""
    from django.core.cache import cache as default_cache
    from django.core.cache import caches

    from beatpass.api.throttling import _redis_client

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"test-{uuid.uuid4()}",
        }
    }
    # (pytest-django's ``settings`` fixture fires setting_changed: Django rebuilds the caches.)
    assert isinstance(caches["default"], RedisCache)
    assert _redis_client(default_cache) is not None
    allowed = race(lambda clock: RateWindow("proxy", "50/min", timer=clock))  # default cache
    assert allowed.count(True) == 50


# --- the scripts' kept connection --------------------------------------------------------------


def _client_ids(cache) -> set[str]:
    """The ids of the clients connected to the server (CLIENT LIST), seen from the pool."""
    from beatpass.api.throttling import _redis_client

    listing = _redis_client(cache).client_list()
    return {entry["id"] for entry in listing}


def test_hits_use_one_kept_connection_per_thread_not_the_pool(redis_url):
    from beatpass.api.throttling import _redis_client, script_connection

    cache = redis_cache(redis_url)
    window = RateWindow("kept", "100/min", cache=cache, timer=Clock())
    client = _redis_client(cache)
    window.hit()
    kept = script_connection(client)
    assert kept.is_connected
    in_use = len(client.connection_pool._in_use_connections)
    created = client.connection_pool._created_connections
    sock = kept._sock

    for _ in range(5):
        window.hit()

    assert script_connection(client) is kept
    assert kept._sock is sock
    assert client.connection_pool._created_connections == created  # no pooled connection made
    assert len(client.connection_pool._in_use_connections) == in_use
    assert window.peek()[1].remaining == 94

    seen = []
    thread = threading.Thread(target=lambda: seen.append(script_connection(client)))
    thread.start()
    thread.join()
    assert seen[0] is not kept  # another thread, its own connection


def test_a_connection_killed_by_the_server_is_replaced_and_the_hit_counts_once(redis_url):
    from beatpass.api.throttling import _redis_client, script_connection

    cache = redis_cache(redis_url)
    window = RateWindow("killed", "10/min", cache=cache, timer=Clock())
    window.hit()
    client = _redis_client(cache)
    kept = script_connection(client)
    before = _client_ids(cache)
    kept.send_command("CLIENT", "ID")
    kept_id = kept.read_response()
    assert str(kept_id) in before
    client.client_kill_filter(_id=kept_id)  # from a pooled connection

    allowed, info, _wait = window.hit()

    assert allowed
    assert info.remaining == 8
    assert kept.is_connected
    assert str(kept_id) not in _client_ids(cache)


def test_a_flushed_script_is_loaded_again(redis_url):
    from beatpass.api.throttling import _redis_client

    cache = redis_cache(redis_url)
    window = RateWindow("flushed", "10/min", cache=cache, timer=Clock())
    window.hit()
    _redis_client(cache).script_flush()

    assert window.hit()[1].remaining == 8
    window.undo()
    _redis_client(cache).script_flush()
    window.undo()
    assert window.peek()[1].remaining == 10


def test_a_forked_child_makes_its_own_connection(redis_url, monkeypatch):
    from beatpass.api import throttling

    cache = redis_cache(redis_url)
    window = RateWindow("forked", "10/min", cache=cache, timer=Clock())
    window.hit()
    client = throttling._redis_client(cache)
    parent = throttling.script_connection(client)
    parent_pid = os.getpid()
    monkeypatch.setattr(throttling.os, "getpid", lambda: parent_pid + 1)  # as in a child

    window.hit()

    child = throttling.script_connection(client)
    assert child is not parent
    assert child.is_connected
    assert window.peek()[1].remaining == 8


def test_while_a_reply_is_awaited_a_hit_borrows_from_the_pool(redis_url):
    from beatpass.api import throttling

    cache = redis_cache(redis_url)
    client = throttling._redis_client(cache)
    kept = throttling.script_connection(client)
    kept.send_command("ECHO", "awaited")
    throttling.script_awaiting(True)
    try:
        window = RateWindow("awaiting", "10/min", cache=cache, timer=Clock())
        assert throttling.script_connection(client) is None
        assert window.hit()[1].remaining == 9  # counted on a pooled connection
        assert kept.read_response() == b"awaited"  # the kept connection's reply, not mixed up
    finally:
        throttling.script_awaiting(False)
    assert throttling.script_connection(client) is kept
