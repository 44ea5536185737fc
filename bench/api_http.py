"""Track endpoints over HTTP under gunicorn, against a raw-WSGI floor in the same server.

Method:
1. A scratch database is seeded like bench/api_lists.py (``--size 10k|100k|1M``; the quick
   mode 2,000 tracks) and Django is set up on it with the production settings.
2. For every endpoint (the list anonymous and signed in, a track detail, an artist's tracks,
   a genre filter, a deep page) the SQL statements Django issues are captured once, with their
   parameters bound, into a file.
3. gunicorn (production settings, ``--workers 2``, the Dockerfile's sync worker, a private
   redis-server as the cache so the throttle does its real round trip) serves
   ``bench/_http_floor.py``: Django's application, plus ``/__floor__/<endpoint>`` which
   replays that endpoint's statements on a plain psycopg connection and dumps the rows with
   orjson, no Django. Same process, same socket, same database: only the request path
   differs.
4. A bounded load generator (wrk when installed, else a small asyncio client; a fixed number
   of connections, so the server is never pushed past saturation into queueing) drives each
   endpoint and its floor in turn for ``--seconds`` each, ``--rounds`` times, interleaved
   (A, B then B, A), on 127.0.0.1. Medians over the rounds. ``BENCH_HTTP_CLIENT=asyncio``
   forces the fallback client.

One JSON line per endpoint (requests/s and p50/p99 of both sides, throughput as a fraction of
the floor's, its target: 0.6 for lists, 0.5 for the detail and an artist's tracks), then the
summary line (``ratio``: the worst floor/endpoint throughput ratio, i.e. cost ratio).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common
import api_lists

PORT = int(os.environ.get("BENCH_HTTP_PORT", "8117"))
TARGETS = {"detail": 0.5, "artist_tracks": 0.5}  # every other endpoint (a list): 0.6
LIST_TARGET = 0.6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(api_lists.SIZES), default="10k")
    parser.add_argument("--seconds", type=float, default=5.0, help="Per side, per round.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep-db", action="store_true", help="Leave the scratch db behind.")
    parser.add_argument("--quick", action="store_true", help="Tiny sizes: checks the bench runs.")
    args = parser.parse_args()
    args.sizes = dict(api_lists.SIZES[args.size])
    if args.quick:
        args.sizes = {"tracks": 2_000, "artists": 100, "albums": 200, "pages": 10}
        args.seconds, args.rounds = 1.0, 1

    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        redis, cache_url = start_redis(tmp)
        env = {
            "SECRET_KEY": "bench-http-secret-key-0123456789abcdef0123456789",
            "DEBUG": "false",
            "CACHE_URL": cache_url,
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            # Throttling stays on the request path but must never answer 429 here.
            "THROTTLE_RATE_ANON": "1000000/s",
            "THROTTLE_RATE_USER": "1000000/s",
            "LOG_LEVEL": "WARNING",
        }
        name = os.environ.get("BENCH_SCRATCH_DB", "bp_bench_http")
        try:
            with _common.django_scratch_database(
                name, settings_module="beatpass.settings.production", env=env, keep=args.keep_db
            ) as url:
                run(url, args, env, Path(tmp))
        finally:
            if redis is not None:
                redis.terminate()
                redis.wait(timeout=10)


def start_redis(directory: str):
    """A private redis-server on a Unix socket (the production cache backend), else locmem."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None, "locmemcache://bench-http"
    sock = os.path.join(directory, "redis.sock")
    server = subprocess.Popen(  # noqa: S603 - a fixed argv
        [binary, "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(200):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    return server, f"rediscache://{sock}"


def endpoints(sizes: dict, artist_id: int) -> dict[str, tuple[str, bool]]:
    """name → (path, signed in)."""
    deep = min(1000, int(0.9 * sizes["tracks"]) // api_lists.PER_PAGE)
    q = f"per_page={api_lists.PER_PAGE}"
    return {
        "list_anonymous": (f"/api/v1/tracks?{q}&page=3", False),
        "list_signed_in": (f"/api/v1/tracks?{q}&page=3", True),
        "detail": ("/api/v1/tracks/{track_id}", True),
        "artist_tracks": (f"/api/v1/artists/{artist_id}/tracks?{q}", True),
        "genre_filter": (f"/api/v1/tracks?{q}&genre=genre-3&page=2", True),
        "deep_page": (f"/api/v1/tracks?{q}&page={deep}", True),
    }


def capture(paths: dict[str, tuple[str, bool]], token: str) -> dict[str, list]:
    """The SQL each endpoint issues: parameters bound (what psycopg sent), or for a statement
    Django runs as a prepared statement (``beatpass.api.compiled.prepared_cursor``) the pair
    ``[sql, params]``, which the floor prepares too (else the floor would pay a planning
    that Django skips)."""
    import psycopg
    from django.db import connection
    from rest_framework.test import APIClient

    from beatpass.api.compiled import _PreparingCursor

    out = {}
    for name, (path, signed_in) in paths.items():
        client = APIClient()
        if signed_in:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        client.get(path)  # warm caches (compiled statements, content types)
        captured: list = []

        def record(execute, sql, params, many, context, captured=captured):
            prepared = isinstance(context["cursor"].cursor, _PreparingCursor)
            result = execute(sql, params, many, context)
            if prepared:
                captured.append([sql, list(params)])
            else:  # the statement as psycopg sent it, values bound
                raw = context["connection"].connection
                captured.append(psycopg.ClientCursor(raw).mogrify(sql, params))
            return result

        with connection.execute_wrapper(record):
            response = client.get(path)
        assert response.status_code == 200, (path, response.content[:300])
        assert response.json().get("data", True), path  # a list page with rows
        out[name] = captured
    return out


def run(url: str, args, env: dict, tmp: Path) -> None:
    from django.db import connection

    started = time.perf_counter()
    seeded = api_lists.seed(args.sizes)
    print(f"seeded {args.sizes['tracks']} tracks in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:  # a public track with its relations, an artist's
        cursor.execute(
            "SELECT id FROM content_track WHERE visibility = 'public' ORDER BY id DESC LIMIT 1"
        )
        track_id = cursor.fetchone()[0]
    paths = {
        name: (path.replace("{track_id}", str(track_id)), signed_in)
        for name, (path, signed_in) in endpoints(args.sizes, artist_id=5).items()
    }
    statements = capture(paths, seeded["token"])
    floor_file = tmp / "floor.json"
    floor_file.write_text(json.dumps(statements, default=str))
    for name, sqls in statements.items():
        print(f"{name}: {len(sqls)} statements")
    connection.close()

    server = subprocess.Popen(  # noqa: S603 - our own server, loopback only
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench._http_floor:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(args.workers),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],  # fmt: skip
        cwd=_common.REPO_ROOT,
        env={
            **os.environ,
            **env,
            "DJANGO_SETTINGS_MODULE": "beatpass.settings.production",
            "DATABASE_URL": url,
            "BENCH_FLOOR_FILE": str(floor_file),
            "BENCH_FLOOR_DSN": url.replace("postgres://", "postgresql://", 1),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_ready(server, paths["list_anonymous"][0])
        results = measure(paths, seeded["token"], args)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            _out, err = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _out, err = server.communicate()
    if server.returncode not in (0, -signal.SIGTERM):
        print(err.decode(errors="replace")[-2000:], file=sys.stderr)
    report(results, args)


def wait_ready(server: subprocess.Popen, path: str, timeout: float = 120) -> None:
    """Until both workers answer (each imports the whole app on its first request)."""
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {server.stderr.read().decode()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            for _ in range(4):
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status} for {path}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            return
        except (TimeoutError, ConnectionRefusedError, http.client.RemoteDisconnected):
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer on {PORT}")


def measure(paths, token: str, args) -> dict[str, dict[str, list[dict]]]:
    results: dict[str, dict[str, list[dict]]] = {n: {"django": [], "floor": []} for n in paths}
    for name, (path, signed_in) in paths.items():  # warm-up: each side once
        headers = {"Authorization": f"Bearer {token}"} if signed_in else {}
        load(path, headers, 0.5, args.connections)
        load(f"/__floor__/{name}", {}, 0.5, args.connections)
    for round_ in range(args.rounds):
        for name, (path, signed_in) in paths.items():
            headers = {"Authorization": f"Bearer {token}"} if signed_in else {}
            sides = [("django", path, headers), ("floor", f"/__floor__/{name}", {})]
            for side, target, side_headers in sides if round_ % 2 == 0 else sides[::-1]:
                result = load(target, side_headers, args.seconds, args.connections)
                if result["errors"]:
                    raise RuntimeError(f"{name} ({side}): {result['errors']} errors")
                results[name][side].append(result)
    return results


def report(results, args) -> None:
    worst, fractions = 0.0, {}
    for name, sides in results.items():
        django, floor = sides["django"], sides["floor"]

        def med(samples, key):
            return statistics.median(s[key] for s in samples if s[key] is not None)

        rps, floor_rps = med(django, "rps"), med(floor, "rps")
        fraction = rps / floor_rps
        fractions[name] = round(fraction, 2)
        worst = max(worst, floor_rps / rps)
        line = {
            "endpoint": name,
            "size": args.sizes["tracks"],
            "rps": round(rps, 1),
            "floor_rps": round(floor_rps, 1),
            "fraction_of_floor": round(fraction, 2),
            "target": TARGETS.get(name, LIST_TARGET),
            "p50_ms": round(med(django, "p50_ms"), 2),
            "p99_ms": round(med(django, "p99_ms"), 2),
            "floor_p50_ms": round(med(floor, "p50_ms"), 2),
            "floor_p99_ms": round(med(floor, "p99_ms"), 2),
            "tool": django[0]["tool"],
        }
        print(json.dumps(line), flush=True)
    missed = [n for n, f in fractions.items() if f < TARGETS.get(n, LIST_TARGET)]
    print(
        json.dumps(
            {
                "bench": "api_http",
                "size": args.sizes["tracks"],
                "ratio": round(worst, 2),
                "fraction_of_floor": fractions,
                "targets_missed": missed,
                "workers": args.workers,
                "connections": args.connections,
            }
        )
    )


# --- load generators ------------------------------------------------------------------------


def load(path: str, headers: dict, seconds: float, connections: int) -> dict:
    wrk = shutil.which("wrk")
    if wrk and os.environ.get("BENCH_HTTP_CLIENT") != "asyncio":  # the fallback, on request
        return wrk_load(wrk, path, headers, seconds, connections)
    return asyncio.run(asyncio_load(path, headers, seconds, connections))


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def wrk_load(wrk: str, path: str, headers: dict, seconds: float, connections: int) -> dict:
    argv = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for key, value in headers.items():
        argv += ["-H", f"{key}: {value}"]
    output = subprocess.run(  # noqa: S603
        [*argv, f"http://127.0.0.1:{PORT}{path}"],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    sock = re.search(r"Socket errors: (.*)", output)
    if sock:  # connect/read/write/timeout counts
        errors += sum(int(n) for n in re.findall(r"\d+", sock.group(1)))
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.MULTILINE))
    return {
        "tool": "wrk",
        "rps": rps,
        "errors": errors,
        "p50_ms": _ms(percentiles["50"]) if "50" in percentiles else None,
        "p99_ms": _ms(percentiles["99"]) if "99" in percentiles else None,
    }


async def asyncio_load(path: str, headers: dict, seconds: float, connections: int) -> dict:
    """``connections`` keep-alive clients in a loop (when wrk is not installed); slower than
    wrk, so the rates are lower bounds, for both sides alike. Reconnects when the server
    closes the connection (gunicorn's sync worker does after every response)."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        + "\r\n"
    ).encode()
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def one_client() -> None:
        nonlocal errors
        reader = writer = None
        while time.monotonic() < deadline:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors += 1
            if re.search(rb"(?i)connection:\s*close", head):
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    started = time.monotonic()
    await asyncio.gather(*(one_client() for _ in range(connections)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "tool": "asyncio",
        "rps": len(latencies) / elapsed,
        "errors": errors,
        "p50_ms": latencies[len(latencies) // 2] * 1e3 if latencies else None,
        "p99_ms": latencies[int(0.99 * (len(latencies) - 1))] * 1e3 if latencies else None,
    }


if __name__ == "__main__":
    main()
