"""Ingest a folder of released songs into the Audio Recon reference catalog (the local source).

``recon_ingest DIR --metadata FILE.csv``: one CSV row per audio file, columns
``filename,title,artist_name,album_name,release_date,isrc,spotify_url,youtube_url,deezer_url``
(empty cells allowed). Resumable: a file whose recording is already ingested is skipped, and a
recording is committed with all its landmarks or not at all, so an interrupted run is simply run
again. Each new recording is matched against the scanned catalog unless ``--no-match`` (bulk
loads, followed by the rolling scans).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recon import selectors, services
from recon.models import ReferenceSource

COLUMNS = (
    "filename",
    "title",
    "artist_name",
    "album_name",
    "release_date",
    "isrc",
    "spotify_url",
    "youtube_url",
    "deezer_url",
)


def read_metadata(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("filename", "title") if c not in (reader.fieldnames or [])]
        if missing:
            raise CommandError(f"{path}: missing column(s) {', '.join(missing)}.")
        rows = []
        for n, row in enumerate(reader, start=2):
            row = {c: (row.get(c) or "").strip() for c in COLUMNS}
            if not row["filename"] or not row["title"]:
                raise CommandError(f"{path}:{n}: filename and title are required.")
            if row["release_date"]:
                try:
                    row["release_date"] = date.fromisoformat(row["release_date"])
                except ValueError as exc:
                    raise CommandError(f"{path}:{n}: release_date must be YYYY-MM-DD.") from exc
            else:
                row["release_date"] = None
            rows.append(row)
        return rows


class Command(BaseCommand):
    help = "Ingest a folder of audio files (with a metadata CSV) as Audio Recon references."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--metadata", required=True, help="CSV file (see the module doc).")
        parser.add_argument("--no-match", action="store_true", help="Index only; no matching.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, directory, metadata, no_match=False, no_progress=False, **options):
        folder = Path(directory)
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a directory.")
        rows = read_metadata(Path(metadata))
        # indexed by the current matcher: a matcher change re-indexes every file on the next run
        done = set(
            selectors.indexed_recordings()
            .filter(source=ReferenceSource.LOCAL)
            .values_list("external_id", flat=True)
        )
        todo = [r for r in rows if r["filename"] not in done]
        ingested = failed = matched = 0
        for row in tqdm(todo, desc="recon ingest", unit="file", disable=no_progress):
            path = folder / row["filename"]
            try:
                landmarks = services.landmarks_from_path(str(path))
            except (OSError, ValueError) as exc:
                failed += 1
                self.stderr.write(f"{row['filename']}: {exc}")
                continue
            metadata_row = services.ReferenceMetadata(
                source=ReferenceSource.LOCAL,
                external_id=row["filename"],
                **{k: row[k] for k in COLUMNS if k != "filename"},
            )
            recording = services.reference_ingest(
                metadata=metadata_row, landmarks=landmarks, match=not no_match
            )
            ingested += 1
            matched += recording.matches.count()
        self.stdout.write(
            f"{ingested} ingested, {len(rows) - len(todo)} already present, {failed} failed, "
            f"{matched} match(es)."
        )
