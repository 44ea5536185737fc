"""The search backend interface: what views and selectors need from a search engine.

Views never talk to an engine directly: they call ``content.search.selectors``, which asks the
configured backend (``get_backend()``) for ranked ids and presents them with the catalog's own
presenters. Two backends ship: ``PostgresSearchBackend`` (full-text search on the database,
the default wherever the database is PostgreSQL) and ``SimpleSearchBackend`` (plain ORM
lookups, for the SQLite file of ``make run``). A deployment that outgrows one PostgreSQL can
add an OpenSearch backend with the same four methods (the README describes the path).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from content.search.parsing import ParsedQuery

TYPES = ("track", "artist", "album", "playlist", "user", "tag", "genre")
# What GET /search answers when no ``types`` are given (the search page's tabs).
DEFAULT_TYPES = ("track", "artist", "album", "playlist", "user", "tag")


@dataclass(frozen=True)
class Term:
    """One query word: the word itself, its spelling corrections, whether it may be the
    beginning of a longer word (the last word typed), and whether it names a genre or tag."""

    word: str
    alternatives: tuple[str, ...] = ()
    prefix: bool = False
    label: bool = False


@dataclass(frozen=True)
class PreparedQuery:
    """A parsed query checked against the catalog: ``required`` words must all match (each
    through itself or a correction), ``optional`` ones (genre and tag names, BPM numbers) only
    raise the score."""

    parsed: ParsedQuery
    required: tuple[Term, ...] = ()
    optional: tuple[Term, ...] = ()

    @property
    def terms(self) -> tuple[Term, ...]:
        return self.required + self.optional

    @property
    def has_text(self) -> bool:
        return bool(self.required or self.optional)


@dataclass
class SearchPage:
    """Ranked ids (best first) for one type and the number of ranked matches.

    ``total`` counts the candidates the ranking considered, which is every match unless a query
    matches more than the candidate cap (``SEARCH_MAX_CANDIDATES``) in one of its branches.
    """

    ids: list[int]
    total: int
    rows: dict[int, dict] = field(default_factory=dict)  # kinds presented from the search row


@dataclass(frozen=True)
class RadioProfile:
    """What a station is built around: its seed tracks' keys, tempos, sound, genres and tags."""

    seed_track_ids: tuple[int, ...]
    camelot_codes: tuple[int, ...]
    tempos: tuple[int, ...]
    vector: tuple[float, ...] | None
    genre_ids: tuple[int, ...]
    tag_ids: tuple[int, ...]
    required_genre_id: int | None = None
    required_tag_id: int | None = None
    exclude_track_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class RadioCandidate:
    track_id: int
    main_artist_id: int | None
    camelot: int | None
    bpm: int | None
    popularity: float
    distance: float | None  # Euclidean distance between unit descriptors, None if unknown
    shared_genres: int
    shared_tags: int
    colistens: int


class SearchBackend(Protocol):
    def prepare(self, parsed: ParsedQuery) -> PreparedQuery:
        """Classify and correct the query's words against the catalog (one round trip)."""

    def search(self, prepared: PreparedQuery, *, kind: str, offset: int, limit: int) -> SearchPage:
        """Ranked matches of one type: exact names first, then relevance with a popularity
        prior, then recency. Only listed tracks, public playlists and active users."""

    def suggest(
        self, *, kind: str, prefix: str, limit: int, exclude_ids: tuple[int, ...] = ()
    ) -> list[int]:
        """Artists or albums whose name (or a word of it) starts with ``prefix``; an empty
        prefix lists the most liked ones."""

    def similar_tracks(self, *, track_id: int, limit: int) -> list[int]:
        """Listed tracks nearest to ``track_id``'s audio descriptor, closest first."""

    def radio_candidates(self, profile: RadioProfile) -> list[RadioCandidate]:
        """A few hundred listed tracks worth scoring for a station, with their features."""
