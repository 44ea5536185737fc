"""Production settings: `check --deploy` has nothing to say, and the served responses carry HTTPS,
HSTS, CSP and CORS as configured; an unexpected error still answers the API's JSON body."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
HOST = "api.beatpass.example"
FRONT_END = "https://app.beatpass.example"


@pytest.fixture
def production_env(db) -> dict[str, str]:
    """What a deployment must provide, and nothing from this test process's own settings."""
    database = connection.settings_dict  # the migrated test database, read-only use
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "CACHE_", "SECURE_", "CORS_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="beatpass.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        CACHE_URL="locmemcache://",
        CORS_ALLOWED_ORIGINS=FRONT_END,
    )
    return env


def run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_deployment_checks_pass_without_a_single_warning(production_env):
    result = run(
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('check', deploy=True, fail_level='WARNING')\n",
        production_env,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert "System check identified no issues (0 silenced)." in result.stdout + result.stderr


RESPONSES = """
import django, json
django.setup()
from django.test import Client
from content.catalog import selectors

client = Client(HTTP_HOST="%(host)s", raise_request_exception=False)
https = {"secure": True}
out = {}

plain = client.get("/api/v1/genres")
out["plain_http"] = [plain.status_code, plain.get("Location")]
proxied = client.get("/api/v1/genres", HTTP_X_FORWARDED_PROTO="https")
out["behind_the_proxy"] = proxied.status_code

api = client.get("/api/v1/genres", **https)
out["hsts"] = api.get("Strict-Transport-Security")
out["nosniff"] = api.get("X-Content-Type-Options")

docs = client.get("/api/v1/docs", **https)
out["docs"] = [docs.status_code, docs.get("Content-Security-Policy")]
html = docs.content.decode()
out["docs_inline_scripts"] = html.count("<script>")
script = client.get("/api/v1/docs?script=", **https)
out["docs_script"] = [script.status_code, script["Content-Type"]]
admin = client.get("/admin/login/", **https)
out["admin_csp"] = admin.get("Content-Security-Policy")

preflight = client.options(
    "/api/v1/tracks", HTTP_ORIGIN="%(front)s", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type", **https,
)
out["cors_preflight"] = [
    preflight.status_code,
    preflight.get("Access-Control-Allow-Origin"),
    preflight.get("Access-Control-Allow-Headers"),
]
simple = client.get("/api/v1/genres", HTTP_ORIGIN="%(front)s", **https)
out["cors_expose"] = simple.get("Access-Control-Expose-Headers")
stranger = client.get("/api/v1/genres", HTTP_ORIGIN="https://evil.example", **https)
out["cors_stranger"] = stranger.get("Access-Control-Allow-Origin")

def broken(**kwargs):
    raise RuntimeError("a bug")
selectors.track_counts = broken  # the plain list reads it
failure = client.get("/api/v1/tracks", **https)
out["server_error"] = [failure.status_code, failure["Content-Type"], failure.content.decode()]
print(json.dumps(out))
"""


def test_responses_under_production_settings(production_env):
    result = run(RESPONSES % {"host": HOST, "front": FRONT_END}, production_env)

    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    # HTTPS only, remembered by browsers for a year, subdomains included
    assert out["plain_http"] == [301, f"https://{HOST}/api/v1/genres"]
    assert out["behind_the_proxy"] == 200
    assert out["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert out["nosniff"] == "nosniff"
    # the docs and the admin run under a CSP without inline scripts
    status, policy = out["docs"]
    assert status == 200
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert out["docs_inline_scripts"] == 0
    assert out["docs_script"] == [200, "application/javascript"]
    assert "script-src 'self'" in out["admin_csp"]
    # CORS for the configured front end only, exposing the headers clients need
    status, origin, allowed = out["cors_preflight"]
    assert (status, origin) == (200, FRONT_END)
    assert "authorization" in allowed
    assert "X-RateLimit-Remaining" in out["cors_expose"]
    assert "Retry-After" in out["cors_expose"]
    assert out["cors_stranger"] is None
    # a bug still answers the API's JSON error body, not Django's HTML page
    assert out["server_error"] == [500, "application/json", '{"message": "Server Error."}']


def test_the_compose_healthcheck_speaks_as_the_tls_proxy():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    probe = " ".join(compose["services"]["web"]["healthcheck"]["test"])

    # a plain http probe would only get the redirect to https and report the web unhealthy
    assert "'X-Forwarded-Proto': 'https'" in probe
    assert compose["x-app"]["environment"]["SECURE_SSL_REDIRECT"] == "${SECURE_SSL_REDIRECT:-true}"
