"""A refused request must not poison its keep-alive connection: after a 400 for a 5,000-character
file name (or a 401 before the body was read), the next request on the same socket is answered.

Raw sockets against real servers on loopback: gunicorn's threaded worker (keep-alive; it drains
only 64 KB of an unread body and then drops a connection it announced as kept alive) and
Django's runserver handler (``live_server``).
"""

from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from content.tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[3]
BODY_BYTES = 3 * 1024 * 1024  # far more than gunicorn drains on its own (64 KB)


@pytest.fixture
def gunicorn_url(transactional_db):
    """gunicorn (gthread, keep-alive) on an OS-assigned loopback port, on the test database."""
    database = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="beatpass.settings.test",
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
    )
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable, "-m", "gunicorn", "beatpass.wsgi:application",
            "--bind", "127.0.0.1:0", "--workers", "1", "--threads", "2", "--keep-alive", "10",
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        port = _listening_port(server)
        _wait_until_answering(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _listening_port(server: subprocess.Popen) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([server.stderr], [], [], 1)
        if ready:
            line = server.stderr.readline()
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            if found:
                return int(found.group(1))
        if server.poll() is not None:
            break
    raise AssertionError("gunicorn did not start")


def _wait_until_answering(port: int) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        # The first request imports the whole app in the worker: slow on a loaded machine.
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.sendall(b"GET /api/v1/genres HTTP/1.1\r\nHost: localhost\r\n\r\n")
            if read_response(sock)[0] == 200:
                return
        time.sleep(0.2)
    raise AssertionError("gunicorn does not answer")


def read_response(sock: socket.socket) -> tuple[int | None, dict[str, str]]:
    """(status, headers) of one response, its body consumed; (None, {}) if the server closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, {}
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    length = int(headers.get("Content-Length", 0))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(lines[0].split()[1]), headers


def upload_request(*, filename: str, token: str | None) -> bytes:
    boundary = "----beatpass-test"
    disposition = f'Content-Disposition: form-data; name="file"; filename="{filename}"'
    body = (
        f"--{boundary}\r\n{disposition}\r\nContent-Type: audio/wav\r\n\r\n".encode()
        + b"RIFF"
        + bytes(BODY_BYTES)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = (
        "POST /api/v1/uploads HTTP/1.1\r\nHost: localhost\r\n" + auth
        + f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n"
    )  # fmt: skip
    return head.encode() + body


def refused_then_next(base_url: str, request: bytes) -> tuple[int, dict, int | None]:
    port = int(base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(request)
        status, headers = read_response(sock)
        sock.sendall(b"GET /api/v1/genres HTTP/1.1\r\nHost: localhost\r\n\r\n")
        try:
            following, _ = read_response(sock)
        except (ConnectionResetError, TimeoutError):
            following = None
    return status, headers, following


@pytest.fixture
def token(transactional_db) -> str:
    return str(RefreshToken.for_user(UserFactory()).access_token)


@pytest.mark.parametrize("server", ["gunicorn", "runserver"])
def test_after_a_400_for_a_5000_character_file_name_the_connection_still_answers(
    request, server, token
):
    base_url = request.getfixturevalue("gunicorn_url" if server == "gunicorn" else "live_server")

    status, headers, following = refused_then_next(
        str(base_url), upload_request(filename="a" * 5000 + ".wav", token=token)
    )

    assert status == 400
    assert headers.get("Connection") != "close"  # the server promised to keep it open...
    assert following == 200  # ...and keeps that promise


@pytest.mark.parametrize("server", ["gunicorn", "runserver"])
def test_after_a_401_before_the_body_was_read_the_connection_still_answers(
    request, server, transactional_db
):
    base_url = request.getfixturevalue("gunicorn_url" if server == "gunicorn" else "live_server")

    status, _, following = refused_then_next(
        str(base_url), upload_request(filename="beat.wav", token=None)
    )

    assert status == 401
    assert following == 200
