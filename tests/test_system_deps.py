"""`make run` needs no browser; only `make test` installs Chromium and chromedriver."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.test_deployment import dry_run, position

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "system-deps.sh"


@pytest.fixture
def machine_with_only_fpcalc(tmp_path) -> dict[str, str]:
    """A PATH holding fpcalc and a non-root ``id``: no Chromium, no chromedriver, no apt-get."""
    for name, body in (("fpcalc", "exit 0"), ("id", "echo 1000")):
        stub = tmp_path / name
        stub.write_text(f"#!/bin/sh\n{body}\n")
        stub.chmod(0o755)
    return {"PATH": str(tmp_path), "HOME": os.environ.get("HOME", "/tmp")}


def run_script(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        ["/bin/bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=30
    )


def test_server_dependencies_do_not_include_a_browser(machine_with_only_fpcalc):
    result = run_script(machine_with_only_fpcalc)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_test_dependencies_ask_for_chromium_and_its_driver(machine_with_only_fpcalc):
    result = run_script(machine_with_only_fpcalc, "--browser")

    assert result.returncode == 1
    assert "chromium chromium-driver" in result.stderr


def test_test_dependencies_ask_for_the_real_music_tools(machine_with_only_fpcalc):
    # content/audio/tests/test_estimate_real.py renders MMA grooves and OpenMSX MIDI files
    result = run_script(machine_with_only_fpcalc, "--browser")

    # (the soundfont and the MIDI files are found by path, present or not on this machine)
    for package in ("fluidsynth", "mma"):
        assert package in result.stderr.split()
    assert "fluidsynth" not in run_script(machine_with_only_fpcalc).stderr


def test_make_run_installs_server_dependencies_only():
    lines = dry_run("run")
    deps = position(lines, r"scripts/system-deps\.sh")
    assert "--browser" not in lines[deps]
    assert deps < position(lines, r"manage\.py runserver")


def test_make_test_installs_the_browser_for_the_admin_browser_test():
    lines = dry_run("test")
    assert position(lines, r"scripts/system-deps\.sh --browser") < position(lines, r"bin/pytest")


def test_bench_dependencies_ask_for_wrk(machine_with_only_fpcalc):
    result = run_script(machine_with_only_fpcalc, "--bench")

    assert result.returncode == 1
    assert "wrk" in result.stderr
    assert "chromium" not in result.stderr


def test_make_bench_installs_the_load_generator_before_the_benches():
    lines = dry_run("bench")
    assert position(lines, r"scripts/system-deps\.sh --bench") < position(lines, r"bench/")
