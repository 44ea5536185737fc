"""Which templates suit a track: genre names, the mood table, genre families, ranking.

Pure Python (no Django), so the rules are testable on their own and readable in one place.

**Mood** (when the request or the track does not give one), first rule that applies:

1. a genre with a mood of its own (``GENRE_MOODS``: drill → dark, lo-fi → chill, house →
   energetic, afrobeats → uplifting, …), the track's first such genre;
2. scale × tempo (``SCALE_TEMPO_MOODS``):

   ========  =============  ============  ===========
   scale     < 90 BPM       90–129 BPM    ≥ 130 BPM
   ========  =============  ============  ===========
   minor     melancholic    dark          dark
   major     chill          uplifting     energetic
   ========  =============  ============  ===========

3. otherwise no mood (ranking then ignores mood).

**Ranking**: templates sharing the most genres with the request first, then those made for
its mood, then a stable per-track shuffle (SHA-256 of the seed and the template slug), so a
track always sees the same order and two tracks see different ones. When no template shares
a genre, templates of related genres (same family in ``GENRE_FAMILIES``) are offered; when
none of those exist either, every template, by mood and shuffle.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MOODS = ("dark", "chill", "energetic", "melancholic", "uplifting")

# Spellings people type → the catalog's genre slugs.
GENRE_ALIASES = {
    "rnb": "r-n-b",
    "r-b": "r-n-b",
    "r-and-b": "r-n-b",
    "rhythm-and-blues": "r-n-b",
    "hiphop": "hip-hop",
    "rap": "hip-hop",
    "lofi": "lo-fi",
    "lo-fi-hip-hop": "lo-fi",
    "chillhop": "lo-fi",
    "boombap": "boom-bap",
    "afrobeat": "afrobeats",
    "afro": "afrobeats",
    "edm": "electronic",
    "uk-drill": "drill",
    "ny-drill": "drill",
    "neo-soul": "soul",
    "deep-house": "house",
}

GENRE_MOODS = {
    "drill": "dark",
    "phonk": "dark",
    "horrorcore": "dark",
    "lo-fi": "chill",
    "ambient": "chill",
    "jazz": "chill",
    "house": "energetic",
    "electronic": "energetic",
    "techno": "energetic",
    "dancehall": "energetic",
    "reggaeton": "energetic",
    "afrobeats": "uplifting",
    "amapiano": "uplifting",
    "gospel": "uplifting",
    "pop": "uplifting",
}
SLOW_BELOW_BPM = 90
FAST_FROM_BPM = 130
SCALE_TEMPO_MOODS = {
    ("minor", "slow"): "melancholic",
    ("minor", "mid"): "dark",
    ("minor", "fast"): "dark",
    ("major", "slow"): "chill",
    ("major", "mid"): "uplifting",
    ("major", "fast"): "energetic",
}

GENRE_FAMILIES: dict[str, frozenset[str]] = {
    "hip-hop": frozenset({"hip-hop", "trap", "drill", "boom-bap", "phonk", "grime", "lo-fi"}),
    "r-n-b": frozenset({"r-n-b", "soul", "gospel", "funk", "neo-soul"}),
    "electronic": frozenset(
        {"electronic", "house", "techno", "dubstep", "drum-and-bass", "synthwave", "ambient"}
    ),
    "pop": frozenset({"pop", "indie", "k-pop", "dance", "rock"}),
    "afro-caribbean": frozenset({"afrobeats", "amapiano", "dancehall", "reggaeton", "reggae"}),
    "chill": frozenset({"lo-fi", "jazz", "ambient", "soul"}),
}


def normalize_genre(value: str) -> str:
    """``"R&B"`` → ``"r-n-b"``, ``"Lo Fi"`` → ``"lo-fi"``, ``"HipHop"`` → ``"hip-hop"``."""
    slug = value.strip().lower().replace("&", "-n-").replace("'", "")
    slug = re.sub(r"[^a-z0-9]+", "-", slug).strip("-")
    if slug == "r-n-b" or not slug:
        return slug
    return GENRE_ALIASES.get(slug, slug)


def normalize_genres(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(g for g in (normalize_genre(v) for v in values) if g))


def tempo_band(bpm: int | None) -> str | None:
    if not bpm:
        return None
    if bpm < SLOW_BELOW_BPM:
        return "slow"
    return "fast" if bpm >= FAST_FROM_BPM else "mid"


def mood_for(*, genres: Sequence[str] = (), scale: str | None = None, bpm: int | None = None):
    """The mood of a track from its genres, scale and tempo (see the module docstring)."""
    for genre in normalize_genres(genres):
        if genre in GENRE_MOODS:
            return GENRE_MOODS[genre]
    band = tempo_band(bpm)
    if scale in ("minor", "major") and band is not None:
        return SCALE_TEMPO_MOODS[(scale, band)]
    return None


def related_genres(genres: Iterable[str]) -> set[str]:
    """Every genre sharing a family with one of ``genres`` (the genres themselves excluded)."""
    wanted = set(genres)
    related: set[str] = set()
    for members in GENRE_FAMILIES.values():
        if wanted & members:
            related |= members
    return related - wanted


@dataclass(frozen=True)
class Candidate:
    id: int
    slug: str
    genres: tuple[str, ...]
    moods: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    match: str  # "genre", "related" or "any"
    matched_genres: tuple[str, ...]


def shuffle_key(seed: str, slug: str) -> str:
    return hashlib.sha256(f"{seed}:{slug}".encode()).hexdigest()


def rank(
    candidates: Sequence[Candidate],
    *,
    genres: Sequence[str],
    mood: str | None,
    seed: str,
    limit: int,
) -> list[Match]:
    """The best ``limit`` templates for these genres and mood (see the module docstring)."""
    wanted = normalize_genres(genres)

    def ordered(pool: list[tuple[Candidate, tuple[str, ...]]], match: str) -> list[Match]:
        pool.sort(
            key=lambda item: (
                -len(item[1]),
                0 if mood and mood in item[0].moods else 1,
                shuffle_key(seed, item[0].slug),
            )
        )
        return [Match(c, match, hits) for c, hits in pool[:limit]]

    exact = [
        (c, tuple(g for g in wanted if g in c.genres))
        for c in candidates
        if set(wanted) & set(c.genres)
    ]
    if exact:
        return ordered(exact, "genre")
    related = related_genres(wanted)
    near = [
        (c, tuple(sorted(related & set(c.genres)))) for c in candidates if related & set(c.genres)
    ]
    if near:
        return ordered(near, "related")
    return ordered([(c, ()) for c in candidates], "any")
