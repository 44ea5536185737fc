"""`make run` uses the SQLite default: migrations and the demo seed must work there too.

Runs in a subprocess with the dev settings and a throwaway SQLite file, so a PostgreSQL-only
construct (a function, an index opclass, an extension) cannot silently break the first command
of the README.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("seed_demo", quiet=True)
call_command("seed_demo", quiet=True)
from django.test import Client
client = Client()
tracks = client.get("/api/v1/tracks?per_page=100")
login = client.post("/api/v1/auth/login", {"email": "producer@beatpass.local",
                    "password": "beatpass-demo-1"}, content_type="application/json")
docs = client.get("/api/v1/docs")
# Downloads signed in: the owner's, and a subscriber's twice (a first license, then the lean
# path that reuses it; its one-statement read-and-record is PostgreSQL's).
listener = client.post("/api/v1/auth/login", {"email": "listener@beatpass.local",
                       "password": "beatpass-demo-1"}, content_type="application/json")
track_id = client.get("/api/v1/tracks?query=glass").json()["data"][0]["id"]  # Nova Vance's
downloads = []
for token in (login.json()["access"], listener.json()["access"], listener.json()["access"]):
    got = client.get(f"/api/v1/tracks/{track_id}/download", HTTP_AUTHORIZATION=f"Bearer {token}")
    downloads.append(got.status_code)
    if got.streaming:
        b"".join(got.streaming_content)
# Audio Recon: the demo track's placement, and a rescan (from the peaks its scan stored)
# that finds it again.
from recon import services as recon_services
from recon.models import Match
placed = Match.objects.filter(confidence__gte=90).values_list("track_id", flat=True).first()
rescan = recon_services.scan_track(track_id=placed).status
placements = client.get(f"/api/v1/tracks/{placed}/placements",
                        HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}").json()
print(json.dumps({"tracks": tracks.status_code, "total": tracks.json()["total"],
                  "login": login.status_code, "docs": docs.status_code,
                  "downloads": downloads, "rescan": rescan,
                  "placements": placements["total_count"]}))
"""


def test_dev_settings_migrate_and_seed_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "beatpass.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    assert last == (
        '{"tracks": 200, "total": 26, "login": 200, "docs": 200, "downloads": [200, 200, 200], '
        '"rescan": "complete", "placements": 1}'
    )
