"""Reads for fingerprints: the status of a track's fingerprint and the duplicate search.

The duplicate search is two steps (see ``content/audio/fpmatch.py``): the inverted index gives a
few candidates sharing the most terms with the query, then each candidate is scored exactly at
its best alignment. On PostgreSQL the index is a postings table (``FingerprintTerm``: one row
per term and fingerprint); elsewhere the candidates come from a scan (development only).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Q

from content.audio import fpmatch
from content.catalog.models import Track
from content.fingerprints.models import Fingerprint

CANDIDATES = 10  # exact re-scoring is ~1 ms each; the true match is first in practice
MIN_SHARED_TERMS = 2


@dataclass(frozen=True)
class Duplicate:
    track_id: int
    similarity: float
    fingerprinted_at: datetime | None
    offset_seconds: float


def fingerprint_of_track(*, track: Track) -> Fingerprint | None:
    return Fingerprint.objects.filter(track=track).first()


EXACT_SIMILARITY = 100.0


def tracks_with_same_audio(
    *, sha256: str = "", pcm_sha256: str = "", exclude_track_ids: Iterable[int] = ()
) -> list[Duplicate]:
    """Tracks whose audio file has exactly these bytes (``sha256``) or decodes to exactly this
    audio (``pcm_sha256``, see ``content.audio.digest``), whatever their fingerprint's state:
    similarity 100. One query on the indexed hash columns."""
    condition = Q()
    if sha256:
        condition |= Q(file__sha256=sha256)
    if pcm_sha256:
        condition |= Q(file__pcm_sha256=pcm_sha256)
    if not condition:
        return []
    rows = (
        Track.objects.filter(condition)
        .exclude(pk__in=list(exclude_track_ids))
        .order_by("pk")
        .values_list("pk", "fingerprint__fingerprinted_at")[:CANDIDATES]
    )
    return [Duplicate(pk, EXACT_SIMILARITY, at, 0.0) for pk, at in rows]


# ``fingerprint_candidates`` (migrations 0022, 0024): the postings' primary key counts the terms
# each fingerprint shares with the query (one B-tree descent per term, no fingerprint read), the
# best are fetched by primary key for their fingerprints. It carries its own planner settings,
# so the lookup is one statement. Rows that are not completed have no terms (services clear
# them, the trigger drops their postings); its status filter is a safety net.
_CANDIDATES_SQL = "SELECT * FROM fingerprint_candidates(%s::int4[], %s::int8[], %s, %s)"


def int4_array(data: bytes | memoryview | None) -> np.ndarray | None:
    """A one-dimensional ``integer[]`` without NULL elements from PostgreSQL's binary array
    format (``array_send``): a 12-byte header (dimensions, NULL flag, element type), then per
    dimension its size and lower bound, then each element's length (4) and big-endian value."""
    if data is None:
        return None
    header = np.frombuffer(data, ">i4", count=3)
    if header[0] == 0:
        return np.empty(0, np.int32)
    if header[0] != 1 or header[1] != 0:
        raise ValueError("Expected a one-dimensional integer array without NULLs.")
    pairs = np.frombuffer(data, ">i4", offset=20).reshape(-1, 2)
    return pairs[:, 1].astype(np.int32)


def _candidates(
    query: list[int], *, exclude: Sequence[int], limit: int
) -> list[tuple[int, Any, Any, datetime | None]]:
    if not query:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_CANDIDATES_SQL, [query, list(exclude), MIN_SHARED_TERMS, limit])
            return [
                (track_id, int4_array(items), int4_array(tuned), at)
                for track_id, items, tuned, at in cursor.fetchall()
            ]
    rows = (
        Fingerprint.objects.filter(status=Fingerprint.Status.COMPLETED)
        .exclude(track_id__in=exclude)
        .values_list("track_id", "terms")
    )
    ranked = fpmatch.rank_candidates(query, rows, limit=limit, min_hits=MIN_SHARED_TERMS)
    details = {
        track_id: (items, tuned, at)
        for track_id, items, tuned, at in Fingerprint.objects.filter(
            track_id__in=[k for k, _ in ranked]
        ).values_list("track_id", "items", "tuned_items", "fingerprinted_at")
    }
    return [(k, *details[k]) for k, _ in ranked if k in details]


def fingerprint_find_duplicates(
    *,
    items,
    tuned: Sequence[Any] = (),
    exclude_track_ids: Iterable[int] = (),
    threshold: float | None = None,
    limit: int = CANDIDATES,
) -> list[Duplicate]:
    """Tracks whose completed fingerprint matches ``items`` at or above ``threshold`` (0–100),
    best first.

    ``tuned`` are the upload's retuned fingerprints (``content.audio.digest``: the audio moved
    onto the A440 grid, and a semitone below and above it): they find copies played faster or
    slower (pitch and tempo), by comparison with the stored tracks' retuned fingerprints. Their
    terms join the lookup; a candidate keeps its best score. One SQL query on PostgreSQL,
    whatever the catalogue size."""
    threshold = settings.DUPLICATE_SIMILARITY_THRESHOLD if threshold is None else threshold
    plain = fpmatch.as_items(items)
    retuned = [fpmatch.as_items(t) for t in tuned if t is not None and len(t)]
    terms = fpmatch.lookup_terms(plain, retuned)
    found = []
    for track_id, stored, stored_tuned, fingerprinted_at in _candidates(
        terms, exclude=list(exclude_track_ids), limit=limit
    ):
        match = fpmatch.best_match(stored, stored_tuned, plain, retuned, enough=threshold)
        if match.similarity >= threshold:
            found.append(
                Duplicate(track_id, match.similarity, fingerprinted_at, match.offset_seconds)
            )
    found.sort(key=lambda d: (-d.similarity, d.track_id))
    return found
