"""Deployment files and the README's two commands, checked statically (no Docker engine needed).

docker-compose.yml and the Dockerfile cannot be built here, so these tests pin what they must
say; the Makefile is dry-run (`make -n`) so `make run` / `make test` cannot silently rot.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> str:
    # Join continuation lines so each instruction is one line.
    return (ROOT / "Dockerfile").read_text().replace("\\\n", " ")


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose-style ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}`` substitution."""

    def replace(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op == "?":
            raise KeyError(f"{name}: {arg}")
        return arg or ""

    return re.sub(r"\$\{(\w+)(?::([-?])([^}]*))?\}", replace, value)


def compose_env(service: dict, **overrides: str) -> dict[str, str]:
    return {k: interpolate(str(v), overrides) for k, v in service["environment"].items()}


# --- docker-compose.yml ---------------------------------------------------------------------


def test_compose_defines_the_five_services(compose):
    assert {"web", "worker", "beat", "db", "redis"} <= set(compose["services"])


def test_web_runs_gunicorn_on_the_wsgi_app(compose):
    command = command_of(compose["services"]["web"])
    assert command.split()[0] == "gunicorn"
    assert "beatpass.wsgi:application" in command


def test_worker_runs_celery_worker_for_the_project(compose):
    assert re.match(r"celery -A beatpass worker\b", command_of(compose["services"]["worker"]))


def test_beat_uses_the_database_scheduler(compose):
    command = command_of(compose["services"]["beat"])
    assert re.match(r"celery -A beatpass beat\b", command)
    assert "--scheduler django_celery_beat.schedulers:DatabaseScheduler" in command


def test_db_is_postgres_16_with_a_healthcheck_and_redis_is_7(compose):
    db, redis = compose["services"]["db"], compose["services"]["redis"]
    assert db["image"] == "postgres:16"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert redis["image"] == "redis:7"
    assert "healthcheck" in redis


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_share_settings_broker_and_media(compose, name):
    service = compose["services"][name]
    env = compose_env(service, SECRET_KEY="k")
    assert env["DJANGO_SETTINGS_MODULE"] == "beatpass.settings.production"
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert env["CACHE_URL"].startswith("rediscache://redis:6379/")
    assert env["DATABASE_URL"].startswith("postgres://")
    assert "@db:5432/" in env["DATABASE_URL"]
    # web stores uploads, the worker reads them: the same named volume at MEDIA_ROOT.
    assert f"media:{env['MEDIA_ROOT']}" in service["volumes"]
    assert "media" in compose["volumes"]


def test_db_sizes_its_shared_buffers_from_the_environment(compose):
    db = compose["services"]["db"]
    assert db["command"][:2] == ["postgres", "-c"]
    assert db["command"][2] == "shared_buffers=${POSTGRES_SHARED_BUFFERS:-1GB}"
    assert db["shm_size"] == "256mb"


def test_secret_key_must_be_provided(compose):
    with pytest.raises(KeyError, match="SECRET_KEY"):
        compose_env(compose["services"]["web"])


def test_migrations_run_before_web_worker_and_beat_start(compose):
    services = compose["services"]
    migrate = [n for n, s in services.items() if "manage.py migrate" in command_of(s)]
    assert migrate, "no service runs manage.py migrate"
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends[migrate[0]]["condition"] == "service_completed_successfully", name
        assert depends["db"]["condition"] == "service_healthy", name


def test_compose_environment_boots_production_settings(compose, tmp_path):
    """The web service's environment passes `check --deploy` and serves the Swagger UI assets."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "CACHE_", "MAKE"))
    }
    env.update(compose_env(compose["services"]["web"], SECRET_KEY="s" * 64))
    env["STATIC_ROOT"] = str(tmp_path / "static")
    script = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('check', deploy=True, fail_level='ERROR', verbosity=0)\n"
        "call_command('collectstatic', interactive=False, verbosity=0)\n"
        "from django.test import Client\n"
        # behind the TLS proxy the stack expects (a plain request is redirected to HTTPS)
        "r = Client(HTTP_HOST='localhost', HTTP_X_FORWARDED_PROTO='https').get("
        "'/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js')\n"
        "print(r.status_code)\n"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "200"


# --- Dockerfile / .dockerignore -------------------------------------------------------------


def instructions(dockerfile: str, keyword: str) -> list[str]:
    return [
        line.split(None, 1)[1]
        for line in dockerfile.splitlines()
        if line.strip().upper().startswith(keyword + " ")
    ]


def test_dockerfile_builds_from_python_311_slim_bookworm(dockerfile):
    assert instructions(dockerfile, "FROM") == ["python:3.11-slim-bookworm"]


def test_dockerfile_installs_fpcalc(dockerfile):
    installs = [r for r in instructions(dockerfile, "RUN") if "apt-get install" in r]
    assert any("libchromaprint-tools" in r.split() for r in installs)


def test_dockerfile_installs_requirements_and_collects_static(dockerfile):
    runs = " ".join(instructions(dockerfile, "RUN"))
    assert "pip install -r requirements.txt" in runs
    assert "manage.py collectstatic --noinput" in runs


def test_dockerfile_runs_as_non_root_and_serves_gunicorn(dockerfile):
    users = instructions(dockerfile, "USER")
    assert users
    assert users[-1].strip() not in ("root", "0")
    cmd = " ".join(instructions(dockerfile, "CMD"))
    assert "gunicorn" in cmd
    assert "beatpass.wsgi:application" in cmd


def test_requirements_pin_what_the_image_runs():
    pinned = (ROOT / "requirements.txt").read_text().split()
    for package in ("gunicorn", "whitenoise", "celery", "django-celery-beat"):
        assert any(line.lower().startswith(package + "==") for line in pinned), package


def test_dockerignore_keeps_local_state_and_secrets_out():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".env", "media", "db.sqlite3"} <= ignored


# --- Makefile: the README's two commands ----------------------------------------------------


def dry_run(target: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    result = subprocess.run(  # noqa: S603
        # --always-make: what a fresh machine runs, even where this venv is already installed.
        ["make", "--dry-run", "--always-make", target],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def position(lines: list[str], pattern: str) -> int:
    for i, line in enumerate(lines):
        if re.search(pattern, line):
            return i
    raise AssertionError(f"{pattern!r} not in:\n" + "\n".join(lines))


def test_make_run_migrates_seeds_and_serves_locally():
    lines = dry_run("run")
    migrate = position(lines, r"manage\.py migrate\b")
    seed = position(lines, r"manage\.py seed_demo\b")
    serve = position(lines, r"manage\.py runserver 127\.0\.0\.1:8000\b")
    assert migrate < seed < serve
    assert position(lines, r"pip install .*-r requirements\.txt") < migrate


def test_make_test_ensures_postgres_then_runs_pytest():
    lines = dry_run("test")
    postgres = position(lines, r"ensure-postgres\.sh")
    pytest_run = position(lines, r"(^|/)pytest\b")
    assert postgres < pytest_run
    assert shlex.split(lines[pytest_run])[0].endswith(".venv/bin/pytest")
