"""Demo data for Audio Recon (``seed_demo``): a few generated "released songs", one of which
contains a demo beat under a voice, so the beat's placements endpoint shows a match."""

from __future__ import annotations

import datetime

import numpy as np

from content.audio.decode import iter_mono_chunks
from content.beatgen import render_beat
from content.catalog.models import Track
from content.uploads.services import local_path
from recon import selectors, services
from recon.matching import default_matcher
from recon.matching.synth import compress, song_with_excerpt, voice
from recon.models import ReferenceSource, TrackScan

SR = 22050


def seed_placements(*, tracks: list[Track]) -> int:
    """Ingest the demo reference set (idempotent) and scan the first eligible demo track.
    Returns the number of recordings created."""
    track = next((t for t in tracks if selectors.track_is_eligible(track_id=t.pk)), None)
    matcher = default_matcher()
    created = 0
    songs = []
    if track is not None:
        with local_path(track.file) as path:
            beat = np.concatenate(list(iter_mono_chunks(path, sample_rate=SR)))
        length = len(beat) / SR
        song = song_with_excerpt(
            beat,
            sample_rate=SR,
            excerpt_start=0.0,
            excerpt_seconds=length,
            place_at=4.0,
            song_seconds=length + 8.0,
            voice_db=0.0,
            seed=1,
        )
        songs.append(("demo-placed", "Midnight Verses", "Jae Sol", "Late Nights", song))
    for i, (title, artist) in enumerate((("Summer Static", "Kiro"), ("Glass Hearts", "Vela"))):
        other = render_beat(
            seed=900 + i, bpm=96 + 20 * i, key="E", scale="minor", seconds=20, sample_rate=SR
        ).mean(axis=1)
        mixed = compress(other + 0.6 * voice(20.0, SR, seed=50 + i), sample_rate=SR)
        songs.append((f"demo-other-{i}", title, artist, "", mixed))
    for external_id, title, artist, album, audio in songs:
        if (
            selectors.indexed_recordings()
            .filter(source=ReferenceSource.LOCAL, external_id=external_id)
            .exists()
        ):
            continue
        slug = external_id.replace("demo-", "")
        services.reference_ingest(
            metadata=services.ReferenceMetadata(
                title=title,
                source=ReferenceSource.LOCAL,
                external_id=external_id,
                artist_name=artist,
                album_name=album,
                release_date=datetime.date(2025, 6, 15),
                spotify_url=f"https://open.spotify.com/track/demo{slug}",
                youtube_url=f"https://youtube.com/watch?v=demo{slug}",
                deezer_url=f"https://www.deezer.com/track/{3135550 + len(slug)}",
            ),
            landmarks=matcher.landmarks(audio, SR),
            match=False,
        )
        created += 1
    if (
        track is not None
        and not TrackScan.objects.filter(track=track, status__isnull=False).exists()
    ):
        services.scan_track(track_id=track.pk)
    return created
