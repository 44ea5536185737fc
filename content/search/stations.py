"""Composing a radio station from scored candidates (pure, no Django).

Every candidate gets a score in [0, 1] from five signals and a small popularity prior:

==========  ======  ==========================================================================
harmonic     0.25   Camelot wheel: 1 for a seed key, 0.8 for its relative key or a step away
tempo        0.20   1 at a seed tempo, 0.5 at ±6 %; half or double time counts 0.8 of that
sound        0.25   cosine similarity of the audio descriptors (negative counts as 0)
labels       0.15   share of the seed's genres and tags the candidate has
co-liked     0.10   listeners who liked a seed track also liked it (log-scaled)
popularity   0.05   the search prior, relative to the most popular candidate
==========  ======  ==========================================================================

"Fresh every time": candidates are grouped in score bands 0.1 wide and shuffled within each
band with ``random.Random(seed)``, so a station keeps its best tracks first but changes order
and picks between equally good ones; the same seed gives the same station. Then at most three
tracks per main artist are kept, and 50 tracks in all.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Sequence

from content.search import camelot
from content.search.backends.base import RadioCandidate, RadioProfile

STATION_SIZE = 50
PER_ARTIST = 3
BAND_WIDTH = 0.1
TEMPO_TOLERANCE = 0.06
MAX_SEED = 2**31 - 1
WEIGHTS = {
    "harmonic": 0.25,
    "tempo": 0.20,
    "sound": 0.25,
    "labels": 0.15,
    "colistens": 0.10,
    "popularity": 0.05,
}


def tempo_match(seed_bpm: int, bpm: int | None) -> float:
    if not bpm or not seed_bpm:
        return 0.0
    best = 0.0
    for factor, weight in ((1.0, 1.0), (2.0, 0.8), (0.5, 0.8)):
        deviation = abs(bpm / (seed_bpm * factor) - 1)
        if deviation <= TEMPO_TOLERANCE:
            best = max(best, weight * (1 - 0.5 * deviation / TEMPO_TOLERANCE))
    return best


def centroid(vectors: Sequence[Sequence[float]]) -> tuple[float, ...] | None:
    """The unit mean of unit vectors (None for none)."""
    if not vectors:
        return None
    size = len(vectors[0])
    mean = [sum(v[i] for v in vectors) / len(vectors) for i in range(size)]
    norm = math.sqrt(sum(x * x for x in mean))
    if norm == 0:
        return None
    return tuple(x / norm for x in mean)


def signals(candidate: RadioCandidate, profile: RadioProfile, *, max_colistens: int,
            max_popularity: float) -> dict[str, float]:  # fmt: skip
    labels_total = len(profile.genre_ids) + len(profile.tag_ids)
    return {
        "harmonic": max(
            (camelot.compatibility(code, candidate.camelot) for code in profile.camelot_codes),
            default=0.0,
        ),
        "tempo": max((tempo_match(t, candidate.bpm) for t in profile.tempos), default=0.0),
        "sound": (0.0 if candidate.distance is None else max(0.0, 1 - candidate.distance**2 / 2)),
        "labels": (
            (candidate.shared_genres + candidate.shared_tags) / labels_total
            if labels_total
            else 0.0
        ),
        "colistens": (
            math.log1p(candidate.colistens) / math.log1p(max_colistens) if max_colistens else 0.0
        ),
        "popularity": candidate.popularity / max_popularity if max_popularity > 0 else 0.0,
    }


def score_all(
    candidates: Sequence[RadioCandidate], profile: RadioProfile
) -> list[tuple[float, RadioCandidate]]:
    """(score, candidate), best first, ties by track id (a stable order to shuffle from)."""
    max_colistens = max((c.colistens for c in candidates), default=0)
    max_popularity = max((c.popularity for c in candidates), default=0.0)
    scored = []
    for candidate in candidates:
        values = signals(
            candidate, profile, max_colistens=max_colistens, max_popularity=max_popularity
        )
        scored.append((sum(WEIGHTS[name] * value for name, value in values.items()), candidate))
    scored.sort(key=lambda pair: (-pair[0], pair[1].track_id))
    return scored


def compose(
    candidates: Sequence[RadioCandidate],
    *,
    profile: RadioProfile,
    seed: int,
    size: int = STATION_SIZE,
    per_artist: int = PER_ARTIST,
) -> list[int]:
    """Track ids of the station: banded seeded shuffle, then the per-artist cap."""
    excluded = set(profile.exclude_track_ids)
    scored = [(s, c) for s, c in score_all(candidates, profile) if c.track_id not in excluded]
    if not scored:
        return []
    rng = random.Random(seed)
    top = scored[0][0]
    bands: dict[int, list[RadioCandidate]] = defaultdict(list)
    for score, candidate in scored:
        bands[int((top - score) / BAND_WIDTH)].append(candidate)
    ordered: list[RadioCandidate] = []
    for band in sorted(bands):
        members = bands[band]
        rng.shuffle(members)
        ordered.extend(members)
    per_artist_count: dict[int, int] = defaultdict(int)
    station: list[int] = []
    for candidate in ordered:
        artist = candidate.main_artist_id
        if artist is not None:
            if per_artist_count[artist] >= per_artist:
                continue
            per_artist_count[artist] += 1
        station.append(candidate.track_id)
        if len(station) == size:
            break
    return station
