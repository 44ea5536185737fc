"""The discovery endpoints on SQLite (the ``make run`` database), end to end in a subprocess:
search, suggestions, audio similarity and radio answer through the simple backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from content.search.models import TrackDescriptor
from content.tests.factories import ArtistFactory, GenreFactory, TagFactory, TrackFactory
nova = ArtistFactory(name="Nova Vance")
trap = GenreFactory(name="trap", display_name="Trap")
dark = TagFactory(name="dark")
seed = TrackFactory(name="Midnight Run", artists=[nova], genres=[trap], tags=[dark], bpm=140)
TrackFactory(name="Midnight", artists=[ArtistFactory(name="Other")], bpm=90, plays=5)
twin = TrackFactory(name="Glass City", artists=[nova], genres=[trap], key="C", scale="major")
TrackFactory(name="Hidden Midnight", visibility="private")
for track, vector in ((seed, [1.0, 0.0]), (twin, [0.9, 0.1])):
    TrackDescriptor.objects.create(track=track, status="completed", vector=vector, version=1,
                                   computed_at=track.created_at)
client = Client()
def names(response, key):
    return [item["name"] for item in response.json()[key]]
search = client.get("/api/v1/search", {"query": "midnigt", "types": "track,artist"})
print(json.dumps({
    "search": {k: [i["name"] for i in v] for k, v in search.json()["results"].items()},
    "exact": [i["name"] for i in client.get("/api/v1/search", {"query": "midnight",
              "types": "track"}).json()["results"]["tracks"]],
    "suggest": names(client.get("/api/v1/search/suggestions/artist", {"query": "nov"}),
                     "results"),
    "audio": names(client.get(f"/api/v1/search/audio/{seed.pk}/a/b"), "tracks"),
    "radio": names(client.get(f"/api/v1/radio/track/{seed.pk}", {"seed": 1}), "tracks"),
}))
"""


def test_discovery_endpoints_work_on_sqlite(tmp_path):
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
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {
        "search": {"tracks": ["Midnight", "Midnight Run"], "artists": []},
        "exact": ["Midnight", "Midnight Run"],
        "suggest": ["Nova Vance"],
        "audio": ["Glass City"],
        "radio": ["Glass City"],
    }
