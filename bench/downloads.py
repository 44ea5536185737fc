"""Time to first byte of a licensed download (cached MP3, WAV original) against Django's
``FileResponse`` serving the same file with no checks, over real HTTP, in the same run.

Method:
1. A scratch database gets a producer, a subscriber with an active plan, a track with a WAV
   original and a completed fingerprint; the subscriber's license is issued and the MP3
   rendition transcoded once, before measuring (the cached case).
2. A gunicorn server (one sync worker, loopback, a port in 8380-8399 or ``--port``) serves
   the project plus a floor view: ``FileResponse(open(path))`` of the same stored file, no
   auth, no queries. Kept database connections and, when Redis answers (``--cache``), the
   throttle counters in Redis, as deployed.
3. Each sample opens a connection, sends the GET (Bearer token for the endpoint) and stops the
   clock at the first byte of the body. Endpoint and floor run interleaved (A, B, A, B ...);
   the reported ratio is the worse of the two formats' median ratios. Target <= 1.5.
   The time to the last byte (whole file) is printed too, for information: it shows whether
   the body is copied through Python or handed to the kernel (``sendfile``).

Every endpoint request is a full licensed download: JWT auth, throttles, the download policy
(owner? subscription, fingerprint, exclusive sale, license reuse), the rendition lookup, and
the Download row written (by the lean path: all in one statement, see README "Subscriptions,
downloads and license certificates").
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import _common

TARGET = 1.5
PORTS = range(8380, 8400)


def free_port(ports: range = PORTS) -> int:
    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def seed(seconds: float) -> dict:
    from datetime import timedelta
    from decimal import Decimal

    from django.core.files.base import ContentFile
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import RefreshToken

    from beatpass.accounts.models import User
    from content import testing
    from content.catalog.models import Artist, Track, TrackArtist
    from content.commerce.models import Plan, Subscription
    from content.fingerprints.models import Fingerprint
    from content.licensing.selectors import download_policy
    from content.licensing.services import IssuanceContext, license_for_download
    from content.media.models import AudioRendition
    from content.media.services.renditions import rendition_compute
    from content.uploads.models import FileEntry

    producer = User.objects.create_user("producer@bench.local", "bench-password-1")
    artist = Artist.objects.create(name="Bench Artist")
    artist.managers.add(producer)
    wav = testing.wav_bytes(testing.tone(seconds, sample_rate=44100, channels=2), 44100)
    entry = FileEntry(
        owner=producer, kind="audio", name="bench.wav", extension=".wav", mime="audio/wav",
        size=len(wav), sha256="0" * 64, duration_ms=int(seconds * 1000),
    )  # fmt: skip
    entry.file.save("bench.wav", ContentFile(wav), save=True)
    track = Track.objects.create(name="Bench Beat", file=entry, duration=int(seconds * 1000))
    TrackArtist.objects.create(track=track, artist=artist, role="main")
    Fingerprint.objects.create(
        track=track, status="completed", items=[1, 2, 3], hash="ab" * 32, duration=seconds,
        fingerprinted_at=timezone.now(),
    )  # fmt: skip
    listener = User.objects.create_user("listener@bench.local", "bench-password-1")
    plan = Plan.objects.create(name="Bench", price=Decimal("9.99"))
    Subscription.objects.create(
        user=listener, plan=plan, current_period_start=timezone.now() - timedelta(days=1),
        current_period_end=timezone.now() + timedelta(days=30),
    )  # fmt: skip
    decision = download_policy(user=listener, track=track)
    license_for_download(user=listener, track=track, decision=decision, context=IssuanceContext())
    rendition = AudioRendition.objects.create(source_file=entry, format="mp3")
    rendition = rendition_compute(rendition_id=rendition.pk)
    assert rendition.status == "completed", rendition.error
    return {
        "track": track.pk,
        "token": str(RefreshToken.for_user(listener).access_token),
        "wav_name": entry.file.name,
        "mp3_name": rendition.file.name,
        "wav_size": entry.size,
        "mp3_size": rendition.size,
    }


def first_byte(port: int, path: str, headers: dict) -> tuple[float, float]:
    """(time to the first byte of the body, time to the last byte), in seconds."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status} {response.read()[:300]!r}")
        response.read(1)
        first = time.perf_counter() - start
        response.read()
        return first, time.perf_counter() - start
    finally:
        conn.close()


def _start_server(port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [
            sys.executable, "-m", "gunicorn", "_download_server:application",
            f"--bind=127.0.0.1:{port}", "--workers=1", "--log-level=warning",
            f"--pythonpath={_common.REPO_ROOT / 'bench'},{_common.REPO_ROOT}",
        ],
        cwd=_common.REPO_ROOT,
        env=env,
    )  # fmt: skip


def _wait_for(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)


def interleaved_timings(*sides, repetitions: int, warmup: int) -> list[list[tuple[float, float]]]:
    """``_common.interleaved``, but keeping each side's own (first byte, last byte) timings:
    the call's duration would include reading the whole body."""
    samples: list[list[tuple[float, float]]] = [[] for _ in sides]
    for i in range(-warmup, repetitions):
        for side, fn in enumerate(sides):
            timing = fn(i)
            if i >= 0:
                samples[side].append(timing)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a few seconds")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("BENCH_DOWNLOADS_PORT", 0)) or None,
        help="gunicorn's loopback port (default: $BENCH_DOWNLOADS_PORT, else 8380-8399)",
    )
    parser.add_argument("--database", default="bp_bench_downloads", help="scratch database name")
    parser.add_argument("--repetitions", type=int, help="samples per side (default 300)")
    _common.add_cache_option(parser, what="the throttles' cache in the server")
    parser.add_argument(
        "--db-socket",
        metavar="DIR",
        help="also run a second gunicorn whose PostgreSQL connection goes through the Unix-domain "
        "socket in DIR (e.g. /var/run/postgresql), its downloads interleaved with the others",
    )
    parser.add_argument(
        "--route-first",
        action="store_true",
        help="also run a second gunicorn whose URLconf resolves the download's route before the "
        "API's other routes (content.media.download_urls first), its downloads interleaved",
    )
    args = parser.parse_args()
    seconds, repetitions, warmup = (2.0, 15, 3) if args.quick else (180.0, 300, 30)
    repetitions = args.repetitions or repetitions

    media_root = Path(f"/tmp/bp_bench_downloads_media_{os.getpid()}")
    env = {
        "MEDIA_ROOT": str(media_root),
        "TEST_MEDIA_ROOT": str(media_root),  # what the test settings read (else ./.test-media)
        "THROTTLE_RATE_USER": "1000000/min",
        "THROTTLE_RATE_ANON": "1000000/min",
    }
    with _common.django_scratch_database(args.database, env=env) as url:
        data = seed(seconds)
        port = free_port(range(args.port, args.port + 1) if args.port else PORTS)
        server_env = {
            **os.environ,
            **env,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "beatpass.settings.test",
        }
        cache_url = _common.chosen_cache_url(args.cache)
        if cache_url:
            server_env["BENCH_CACHE_URL"] = cache_url
        servers = [_start_server(port, server_env)]
        socket_port = first_port = None
        if args.db_socket:
            socket_port = free_port(range(port + 1, port + 20))
            socket_env = {**server_env, "BENCH_DB_SOCKET_DIR": args.db_socket}
            servers.append(_start_server(socket_port, socket_env))
        if args.route_first:
            first_port = free_port(range((socket_port or port) + 1, port + 20))
            servers.append(
                _start_server(first_port, {**server_env, "BENCH_DOWNLOAD_ROUTE_FIRST": "1"})
            )
        try:
            for server_port in (port, socket_port, first_port):
                if server_port is not None:
                    _wait_for(server_port)
            auth = {"Authorization": f"Bearer {data['token']}"}
            endpoint = f"/api/v1/tracks/{data['track']}/download"
            sides = [
                lambda i: first_byte(port, endpoint + "?format=mp3", auth),
                lambda i: first_byte(port, f"/floor/{data['mp3_name']}", {}),
                lambda i: first_byte(port, endpoint + "?format=wav", auth),
                lambda i: first_byte(port, f"/floor/{data['wav_name']}", {}),
            ]
            # For information (not the ratio): the shared request path alone, to tell the
            # download's own cost from what every authenticated API request pays.
            sides.append(
                lambda i: first_byte(port, f"/api/v1/bench-shared-path/{data['mp3_name']}", auth)
            )
            extra = {}
            if socket_port is not None:
                extra["socket"] = len(sides)
                sides.append(lambda i: first_byte(socket_port, endpoint + "?format=mp3", auth))
            if first_port is not None:
                extra["first"] = len(sides)
                sides.append(lambda i: first_byte(first_port, endpoint + "?format=mp3", auth))
                sides.append(lambda i: first_byte(first_port, f"/floor/{data['mp3_name']}", {}))
            timings = interleaved_timings(*sides, repetitions=repetitions, warmup=warmup)
            mp3, mp3_floor, wav, wav_floor, shared = timings[:5]
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
            import shutil

            shutil.rmtree(media_root, ignore_errors=True)

    rows = []
    ratios = {}
    transfer = {}
    for name, side, floor, size in (
        ("mp3 (cached)", mp3, mp3_floor, data["mp3_size"]),
        ("wav (original)", wav, wav_floor, data["wav_size"]),
    ):
        a = _common.summary([first for first, _ in side])
        b = _common.summary([first for first, _ in floor])
        ratios[name] = a["median"] / b["median"]
        a_all = _common.summary([last for _, last in side])
        b_all = _common.summary([last for _, last in floor])
        transfer[name] = a_all["median"] / b_all["median"]
        rows.append(
            f"{name:<15} {size / 1e6:6.1f} MB  first byte: endpoint {_common.fmt_ms(a['median'])} "
            f"(p95 {_common.fmt_ms(a['p95'])})  FileResponse {_common.fmt_ms(b['median'])}  "
            f"ratio {ratios[name]:.2f}  |  whole file: endpoint {_common.fmt_ms(a_all['median'])}"
            f"  FileResponse {_common.fmt_ms(b_all['median'])}  ratio {transfer[name]:.2f}"
        )
    c = _common.summary([first for first, _ in shared])
    b = _common.summary([first for first, _ in mp3_floor])
    rows.append(
        f"shared request path only (middleware, DRF, JWT, throttles; mp3 file): first byte "
        f"{_common.fmt_ms(c['median'])}  ratio {c['median'] / b['median']:.2f}; the mp3 download "
        f"over it: ratio {_common.summary([first for first, _ in mp3])['median'] / c['median']:.2f}"
    )
    if socket_port is not None:
        u = _common.summary([first for first, _ in timings[extra["socket"]]])
        m = _common.summary([first for first, _ in mp3])
        rows.append(
            f"mp3 with PostgreSQL over the Unix socket (second gunicorn): first byte "
            f"{_common.fmt_ms(u['median'])} vs {_common.fmt_ms(m['median'])} over TCP loopback; "
            f"ratio {u['median'] / _common.summary([f for f, _ in mp3_floor])['median']:.2f}"
        )
    if first_port is not None:
        r = _common.summary([first for first, _ in timings[extra["first"]]])
        f = _common.summary([first for first, _ in timings[extra["first"] + 1]])
        rows.append(
            f"mp3 with the download's route resolved first (third gunicorn, --route-first): "
            f"first byte {_common.fmt_ms(r['median'])}, its floor {_common.fmt_ms(f['median'])}: "
            f"ratio {r['median'] / f['median']:.2f} (not the reported ratio)"
        )
    load = os.getloadavg()[0]
    print(
        f"median of {repetitions}, one gunicorn worker, loopback HTTP, throttle counters in "
        f"{'Redis' if cache_url else 'locmem'}, load average {load:.2f}"
    )
    print("\n".join(rows))
    print(_common.result_line("downloads", max(ratios.values()), target=TARGET))


if __name__ == "__main__":
    main()
