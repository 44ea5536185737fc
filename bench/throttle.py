"""Throttle cost per request at 10 and 1,000 requests per second.

The throttle must cost the same per request whatever the request rate. The previous one (a
sliding log, reproduced here as the baseline) kept every hit's timestamp inside the window and
read and rewrote the whole list per request, so at 1,000 req/s a 1-minute window meant a
60,000-item list per hit. The current one (``beatpass.api.throttling.RateWindow``, GCRA) keeps
one integer per key, read and written by one Lua script: one Redis round trip.

Each side runs a steady stream of hits on one key with a simulated clock advancing by
``1/rate`` per hit, after the window has filled (the log is pre-seeded with a full window of
timestamps), with a limit that admits the stream (``100000/min``: nothing is refused, the
log's worst case). Backends: a private ``redis-server`` on a Unix socket (as in production,
``RedisCache``) and the locmem cache (the test settings).

Prints per-hit medians (µs) and ends with one JSON line whose ratio is the GCRA's cost at
1,000 req/s over its cost at 10 req/s on Redis (target ≤ 1.5: independent of the rate).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import result_line, summary  # noqa: E402

LIMIT = "100000/min"
WINDOW_SECONDS = 60


class SlidingLog:
    """The previous throttle (the sliding log before the GCRA rewrite), for comparison."""

    def __init__(self, key, cache, timer):
        self.key, self.cache, self.timer = key, cache, timer
        self.num_requests, self.duration = 100_000, WINDOW_SECONDS

    def hit(self):
        now = self.timer()
        history = [t for t in self.cache.get(self.key, []) if t > now - self.duration]
        allowed = len(history) < self.num_requests
        if allowed:
            history.insert(0, now)
            self.cache.set(self.key, history, self.duration)
        return allowed, math.ceil(history[-1] + self.duration) if history else 0


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


def start_redis(directory: str):
    socket = os.path.join(directory, "redis.sock")
    server = subprocess.Popen(  # noqa: S603 - a fixed argv
        [shutil.which("redis-server") or "redis-server", "--port", "0", "--unixsocket", socket,
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        if os.path.exists(socket):
            break
        time.sleep(0.05)
    return server, f"unix://{socket}"


def per_hit(make, rate: int, hits: int, *, seed_log=None) -> dict[str, float]:
    clock = Clock()
    window = make(clock)
    if seed_log is not None:  # the log after a full window at this rate
        seed_log(window, [clock.now - i / rate for i in range(rate * WINDOW_SECONDS)])
    for _ in range(5):
        clock.now += 1 / rate
        window.hit()
    samples = []
    for _ in range(hits):
        clock.now += 1 / rate
        start = time.perf_counter()
        window.hit()
        samples.append(time.perf_counter() - start)
    return summary(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few hits, seconds")
    args = parser.parse_args()
    hits = 30 if args.quick else 2000
    old_hits = 5 if args.quick else 200

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beatpass.settings.test")
    import django

    django.setup()
    from django.core.cache.backends.locmem import LocMemCache
    from django.core.cache.backends.redis import RedisCache

    from beatpass.api.throttling import RateWindow

    with tempfile.TemporaryDirectory() as directory:
        server, url = start_redis(directory)
        try:
            backends = {
                "redis": lambda: RedisCache(url, {"KEY_PREFIX": str(uuid.uuid4())}),
                "locmem": lambda: LocMemCache(str(uuid.uuid4()), {}),
            }
            results = {}
            floor_cache = backends["redis"]()
            floor_cache.set("floor", 1)
            client = floor_cache._cache.get_client("floor")
            floor = []
            for _ in range(hits):
                start = time.perf_counter()
                client.get("floor")
                floor.append(time.perf_counter() - start)
            floor_us = summary(floor)["median"] * 1e6
            print(f"redis GET round trip (floor) {floor_us:8.1f} µs")
            for backend, new_cache in backends.items():
                for rate in (10, 1000):
                    cache = new_cache()
                    gcra = per_hit(
                        lambda c, cache=cache: RateWindow("k", LIMIT, cache=cache, timer=c),
                        rate,
                        hits,
                    )
                    cache = new_cache()
                    log = per_hit(
                        lambda c, cache=cache: SlidingLog("k", cache, c),
                        rate,
                        old_hits,
                        seed_log=lambda w, history: w.cache.set(w.key, history, WINDOW_SECONDS),
                    )
                    results[(backend, rate)] = (gcra["median"], log["median"])
                    print(
                        f"{backend:6} {rate:5} req/s  GCRA {gcra['median'] * 1e6:8.1f} µs/hit"
                        f"   sliding log (before) {log['median'] * 1e6:10.1f} µs/hit"
                    )
        finally:
            server.terminate()
            server.wait(10)

    ratio = results[("redis", 1000)][0] / results[("redis", 10)][0]
    print(
        json.dumps(
            {
                backend: {
                    f"{rate}/s": {"gcra_us": round(g * 1e6, 1), "sliding_log_us": round(s * 1e6, 1)}
                    for (b, rate), (g, s) in results.items()
                    if b == backend
                }
                for backend in ("redis", "locmem")
            }
        )
    )
    print(result_line("throttle", ratio, target=1.5))


if __name__ == "__main__":
    main()
