"""Every bench script runs in its quick mode, so a schema or API change that breaks a bench
fails the build instead of rotting until the next `make bench`.

The quick mode uses tiny sizes: it checks that the bench still works end to end (seeding,
the measured calls, the report), not the figures, which only the full run (`make bench`) gives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_"))


def test_every_bench_script_is_found():
    assert len(SCRIPTS) >= 5


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_bench_runs_in_quick_mode_and_ends_with_a_json_line(script):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # each bench sets up Django on its own database
    result = subprocess.run(
        [sys.executable, str(script), "--quick"],
        cwd=BENCH.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    last = result.stdout.strip().splitlines()[-1]
    report = json.loads(last)
    assert report["bench"]
    # A rate it reports (analytics' ingest_rps) measured something: 0 meant no request had
    # been answered (the quick mode's load phase once ended before gunicorn's workers served).
    rates = {key: value for key, value in report.items() if key.endswith("_rps")}
    assert all(value > 0 for value in rates.values()), rates
