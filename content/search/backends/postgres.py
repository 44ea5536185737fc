"""Search on PostgreSQL: weighted full-text documents, a trigram spelling vocabulary and
candidate caps that keep every query's work bounded.

How a track query runs (one statement after ``prepare``):

1. **Branches** pick candidates, each with its own index and ``LIMIT SEARCH_MAX_CANDIDATES``
   in popularity order: the exact name (btree on ``name_norm``); every word plus every
   genre/tag word plus the BPM window and key ("dark trap 140 Am" exactly); the required words
   alone; and when a query is only genre/tag words, any of them. For a rare word the planner
   reads the GIN index and sorts the few matches; for a word in a tenth of the catalog it walks
   the popularity index instead and stops after the cap, so no query ranks more than a few
   hundred rows, whatever the catalog size.
2. **Ranking** of the union: exact names first, then ``relevance + 0.015 * popularity``, then
   the newest. Relevance is ``ts_rank`` with the weights name 1.0, artists 0.4, genres/tags 0.2,
   description 0.1, summed over the query's words (about 0.6 for a word in the name, 0.12 in a
   tag; a correction counts 0.6 of a word), plus up to 0.25 for a BPM within ±6 % and 0.25 for
   the same key (0.1 for a Camelot neighbour). The popularity prior is ``ln(1 + plays + 5 *
   likes)`` (log-damped): 1M plays add 0.07, less than one tag match, so popularity orders
   equally relevant tracks and never buries a better match.

Typos: ``prepare`` looks every word of four letters or more up in the vocabulary (its nearest
words on a GiST trigram index, plus every string one edit away, looked up exactly) and keeps
the eight closest within one edit (two from eight letters) as alternatives: ``midnigt`` searches
``midnigt | midnight``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from content.search import camelot
from content.search.backends.base import (
    PreparedQuery,
    RadioCandidate,
    RadioProfile,
    SearchPage,
    Term,
)
from content.search.parsing import (
    ParsedQuery,
    allowed_edits,
    corrections,
    normalise,
    one_edit_away,
)

WEIGHTS = "{0.1,0.2,0.4,1.0}"  # ts_rank's order: D, C, B, A
FUZZY_FACTOR = 0.6
POPULARITY_WEIGHT = 0.005
BPM_BOOST = 0.25
BPM_TOLERANCE = 0.06
KEY_BOOST = 0.25
KEY_NEIGHBOUR_BOOST = 0.1
VOCABULARY_NEIGHBOURS = 12
SHORTLIST = 500  # signature neighbours re-ranked exactly by audio similarity


def max_candidates() -> int:
    return int(getattr(settings, "SEARCH_MAX_CANDIDATES", 200))


# --- tsquery text ----------------------------------------------------------------------------


def lexeme(word: str, *, prefix: bool = False) -> str:
    """A quoted tsquery operand; ``to_tsquery`` runs it through the configuration again."""
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + (":*" if prefix else "")


def group(term: Term) -> str:
    parts = [lexeme(term.word, prefix=term.prefix)] + [lexeme(a) for a in term.alternatives]
    return "(" + " | ".join(parts) + ")" if len(parts) > 1 else parts[0]


def all_of(terms: Sequence[Term]) -> str:
    return " & ".join(group(t) for t in terms)


def any_of(terms: Sequence[Term]) -> str:
    return " | ".join(group(t) for t in terms)


@dataclass(frozen=True)
class Kind:
    """Where a type's documents live and how its rows are ordered."""

    table: str
    pk: str
    document: str
    name_norm: str
    where: str
    cap_order: str  # cheap order for candidate caps (an index where it matters)
    popularity: str  # ln-scaled prior used in the final ranking
    created: str
    returns: str = ""  # extra columns the presenter reads straight from the search row


KINDS = {
    "track": Kind(
        table="content_searchtrack",
        pk="d.track_id",
        document="d.document",
        name_norm="d.name_norm",
        where="d.listed",
        cap_order="d.popularity DESC, d.track_id DESC",
        popularity="d.popularity",
        created="d.created_at",
    ),
    "album": Kind(
        table="content_searchalbum",
        pk="d.album_id",
        document="d.document",
        name_norm="d.name_norm",
        where="true",
        cap_order="d.popularity DESC, d.album_id DESC",
        popularity="d.popularity",
        created="d.created_at",
    ),
    "artist": Kind(
        table="content_artist",
        pk="d.id",
        document="beatpass_search_doc2(d.name, d.bio)",
        name_norm="beatpass_search_norm(d.name)",
        where="true",
        cap_order="d.likes_count DESC, d.id DESC",
        popularity="beatpass_search_prior(0, d.likes_count)",
        created="d.created_at",
    ),
    "playlist": Kind(
        table="content_playlist",
        pk="d.id",
        document="beatpass_search_doc2(d.name, d.description)",
        name_norm="beatpass_search_norm(d.name)",
        where="d.public",
        cap_order="d.id DESC",
        popularity=(
            "beatpass_search_prior((SELECT count(*) FROM content_playlistfollower AS f"
            " WHERE f.playlist_id = d.id), 0)"
        ),
        created="d.created_at",
    ),
    "user": Kind(
        table="accounts_user",
        pk="d.id",
        document="beatpass_search_doc2(d.name, '')",
        name_norm="beatpass_search_norm(d.name)",
        where="d.is_active AND d.name <> ''",
        cap_order="d.id DESC",
        popularity="0",
        created="d.date_joined",
        returns=", d.name, d.avatar",  # never the email address
    ),
    "tag": Kind(
        table="content_tag",
        pk="d.id",
        document="beatpass_search_doc2(d.name, '')",
        name_norm="beatpass_search_norm(d.name)",
        where="true",
        cap_order="d.id DESC",
        popularity=(
            "beatpass_search_prior((SELECT count(*) FROM content_track_tags AS l"
            " WHERE l.tag_id = d.id), 0)"
        ),
        created="d.created_at",
        returns=", d.name",
    ),
    "genre": Kind(
        table="content_genre",
        pk="d.id",
        document="beatpass_search_doc2(d.display_name, d.name)",
        name_norm="beatpass_search_norm(d.display_name)",
        where="true",
        cap_order="d.id DESC",
        popularity=(
            "beatpass_search_prior((SELECT count(*) FROM content_track_genres AS l"
            " WHERE l.genre_id = d.id), 0)"
        ),
        created="d.created_at",
        returns=", d.name, d.display_name",
    ),
}


class PostgresSearchBackend:
    # --- preparing a query ----------------------------------------------------------------

    def prepare(self, parsed: ParsedQuery) -> PreparedQuery:
        """One statement: which words are genre/tag names, and the vocabulary's nearest words
        to each word that may be misspelled."""
        words = list(parsed.words)
        if not words:
            return PreparedQuery(parsed=parsed)
        fuzzy = [w for w in words if w not in parsed.optional_words and allowed_edits(w)]
        pairs = [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
        # Trigram neighbours miss some one-edit words ("moeny" shares few trigrams with
        # "money"), so every string one edit away is also looked up exactly (primary key).
        variants = [(w, v) for w in fuzzy for v in one_edit_away(w)]
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT 'label', beatpass_search_norm(name) FROM content_tag
                 WHERE beatpass_search_norm(name) = ANY(%(labels)s)
                UNION
                SELECT 'label', x FROM content_genre, unnest(%(labels)s::text[]) AS x
                 WHERE x IN (lower(display_name), replace(name, '-', ' '))
                UNION ALL
                SELECT w, near.term FROM unnest(%(fuzzy)s::text[]) AS w
                CROSS JOIN LATERAL (
                    SELECT term FROM content_searchterm ORDER BY term <-> w LIMIT %(k)s
                ) AS near
                UNION ALL
                SELECT v.word, t.term
                FROM unnest(%(variant_of)s::text[], %(variants)s::text[]) AS v(word, variant)
                JOIN content_searchterm AS t ON t.term = v.variant
                """,
                {
                    "labels": words + pairs,
                    "fuzzy": fuzzy,
                    "k": VOCABULARY_NEIGHBOURS,
                    "variant_of": [w for w, _ in variants],
                    "variants": [v for _, v in variants],
                },
            )
            rows = cursor.fetchall()
        labels = {value for kind, value in rows if kind == "label"}
        neighbours: dict[str, list[str]] = {}
        for kind, value in rows:
            if kind != "label":
                neighbours.setdefault(kind, []).append(value)
        return build_prepared(parsed, labels=labels, neighbours=neighbours)

    # --- text search ------------------------------------------------------------------------

    def search(self, prepared: PreparedQuery, *, kind: str, offset: int, limit: int) -> SearchPage:
        sql, params = search_sql(prepared, kind=kind, offset=offset, limit=limit)
        if sql is None:
            return SearchPage(ids=[], total=0)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            names = [c.name for c in cursor.description]
            found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        total = found[0]["total"] if found else 0
        if not found and offset:
            total = self._count(prepared, kind=kind)
        return SearchPage(
            ids=[row["id"] for row in found],
            total=total,
            rows={row["id"]: row for row in found},
        )

    def _count(self, prepared: PreparedQuery, *, kind: str) -> int:
        """The total when a page past the end comes back empty (the window count is gone)."""
        sql, params = search_sql(prepared, kind=kind, offset=0, limit=1)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return row[1] if row else 0

    # --- suggestions ------------------------------------------------------------------------

    def suggest(
        self, *, kind: str, prefix: str, limit: int, exclude_ids: tuple[int, ...] = ()
    ) -> list[int]:
        if kind == "artist":
            table, pk, norm = "content_artist", "d.id", "beatpass_search_norm(d.name)"
            document, popularity = "beatpass_search_doc2(d.name, d.bio)", "d.likes_count"
        else:
            table, pk, norm = "content_searchalbum", "d.album_id", "d.name_norm"
            document, popularity = "d.document", "d.popularity"
        normalised = normalise(prefix)
        params: dict = {"limit": limit, "exclude": list(exclude_ids)}
        order = f"{popularity} DESC, {norm}, {pk}"
        if not normalised:
            where = "true"
        else:
            words = [w for w in normalised.split() if any(c.isalnum() for c in w)]
            params["like"] = escape_like(normalised) + "%"
            params["words"] = " & ".join(
                lexeme(w, prefix=i == len(words) - 1) + ("A" if i == len(words) - 1 else ":A")
                for i, w in enumerate(words)
            )
            starts = f"{norm} LIKE %(like)s"
            where = f"({starts} OR {document} @@ to_tsquery('beatpass_search', %(words)s))"
            if not words:
                where = starts
            order = f"({starts}) DESC, {order}"
        sql = f"""
            SELECT {pk} FROM {table} AS d
            WHERE {where} AND {pk} <> ALL(%(exclude)s)
            ORDER BY {order}
            LIMIT %(limit)s
        """  # noqa: S608 - identifiers are constants; values are bound
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    # --- audio similarity -------------------------------------------------------------------

    def similar_tracks(self, *, track_id: int, limit: int) -> list[int]:
        """Shortlist by signature Hamming distance (one scan of 32-byte signatures), then rank
        the shortlist by exact distance; listed tracks only."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH seed AS (
                    SELECT signature_bits, embedding FROM content_trackdescriptor
                    WHERE track_id = %(track)s AND signature_bits IS NOT NULL
                ), shortlist AS (
                    SELECT td.track_id, td.embedding FROM content_trackdescriptor AS td, seed
                    WHERE td.signature_bits IS NOT NULL AND td.track_id <> %(track)s
                    ORDER BY bit_count(td.signature_bits # seed.signature_bits), td.track_id
                    LIMIT %(shortlist)s
                )
                SELECT s.track_id FROM shortlist AS s
                JOIN content_searchtrack AS d ON d.track_id = s.track_id AND d.listed
                CROSS JOIN seed
                ORDER BY cube_distance(s.embedding, seed.embedding), s.track_id
                LIMIT %(limit)s
                """,
                {"track": track_id, "limit": limit, "shortlist": max(SHORTLIST, 10 * limit)},
            )
            return [row[0] for row in cursor.fetchall()]

    # --- radio ------------------------------------------------------------------------------

    def radio_candidates(self, profile: RadioProfile) -> list[RadioCandidate]:
        sql, params = radio_sql(profile, cap=max_candidates())
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [RadioCandidate(*row) for row in cursor.fetchall()]


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def build_prepared(
    parsed: ParsedQuery, *, labels: set[str], neighbours: dict[str, list[str]]
) -> PreparedQuery:
    """Sort the words into required and optional terms (shared with the simple backend)."""
    words = list(parsed.words)
    label_words: set[str] = set()
    for i, word in enumerate(words):
        if word in labels:
            label_words.add(word)
        if i + 1 < len(words) and f"{word} {words[i + 1]}" in labels:
            label_words.update((word, words[i + 1]))
    required: list[Term] = []
    optional: list[Term] = []
    for i, word in enumerate(words):
        is_last = i == len(words) - 1
        term = Term(
            word=word,
            alternatives=tuple(corrections(word, neighbours.get(word, []))),
            prefix=is_last and len(word) >= 2 and word.isalnum(),
            label=word in label_words,
        )
        if word in label_words or word in parsed.optional_words:
            optional.append(term)
        else:
            required.append(term)
    return PreparedQuery(parsed=parsed, required=tuple(required), optional=tuple(optional))


# --- SQL builders ----------------------------------------------------------------------------


def search_sql(
    prepared: PreparedQuery, *, kind: str, offset: int, limit: int
) -> tuple[str | None, dict]:
    """The ranking statement for one type, or None when the query cannot match anything."""
    spec = KINDS[kind]
    parsed = prepared.parsed
    labels = [t for t in prepared.optional if t.label]
    required = list(prepared.required)
    params: dict = {
        "raw": parsed.raw,
        "cap": max_candidates(),
        "limit": limit,
        "offset": offset,
    }
    attributes: list[str] = []
    if kind == "track":
        if parsed.bpm is not None:
            params["bpm"] = parsed.bpm
            params["bpm_low"] = int(parsed.bpm * (1 - BPM_TOLERANCE))
            params["bpm_high"] = int(parsed.bpm * (1 + BPM_TOLERANCE) + 0.999)
            attributes.append("d.bpm BETWEEN %(bpm_low)s AND %(bpm_high)s")
        if parsed.key is not None:
            codes = list(parsed.key.codes)
            params["key_codes"] = codes
            params["key_neighbours"] = sorted(
                {n for code in codes for n in camelot.neighbours(code)} - set(codes)
            )
            attributes.append("d.camelot = ANY(%(key_codes)s)")

    branches: list[str] = []

    def capped(conditions: Sequence[str]) -> str:
        # Identifiers and conditions come from KINDS and this module; values are bound.
        where = " AND ".join([spec.where, *conditions])
        select = f"SELECT {spec.pk} AS id FROM {spec.table} AS d WHERE {where}"  # noqa: S608
        return f"({select} ORDER BY {spec.cap_order} LIMIT %(cap)s)"

    def branch(text: str | None, conditions: Sequence[str] = ()) -> None:
        where = []
        if text:
            name = f"q{len(branches)}"
            params[name] = text
            where.append(f"{spec.document} @@ to_tsquery('beatpass_search', %({name})s)")
        branches.append(capped([*where, *conditions]))

    if normalise(parsed.raw):
        branches.append(capped([f"{spec.name_norm} = beatpass_search_norm(%(raw)s)"]))
    if required:
        if labels or attributes:
            branch(all_of(required + labels), attributes)
        branch(all_of(required))
    elif labels:
        if attributes:
            branch(all_of(labels), attributes)
        branch(all_of(labels))
        if len(labels) > 1:
            branch(any_of(labels))
    elif attributes:
        if len(attributes) > 1:
            branch(None, attributes)
        for condition in attributes:
            branch(None, [condition])
    if not branches:
        return None, params

    score = [f"{POPULARITY_WEIGHT} * ({spec.popularity})"]
    terms = prepared.terms
    if terms:
        params["any_exact"] = " | ".join(lexeme(t.word, prefix=t.prefix) for t in terms)
        score.append(
            f"{len(terms)} * ts_rank('{WEIGHTS}', {spec.document},"
            " to_tsquery('beatpass_search', %(any_exact)s))"
        )
        alternatives = [a for t in terms for a in t.alternatives]
        if alternatives:
            params["any_fuzzy"] = " | ".join(lexeme(a) for a in alternatives)
            score.append(
                f"{FUZZY_FACTOR * len(alternatives)} * ts_rank('{WEIGHTS}', {spec.document},"
                " to_tsquery('beatpass_search', %(any_fuzzy)s))"
            )
    if "bpm" in params:
        score.append(
            f"CASE WHEN d.bpm IS NULL THEN 0 ELSE {BPM_BOOST} * greatest(0,"
            f" 1 - abs(d.bpm - %(bpm)s) / ({BPM_TOLERANCE} * %(bpm)s)) END"
        )
    if "key_codes" in params:
        score.append(
            f"CASE WHEN d.camelot = ANY(%(key_codes)s) THEN {KEY_BOOST}"
            f" WHEN d.camelot = ANY(%(key_neighbours)s) THEN {KEY_NEIGHBOUR_BOOST} ELSE 0 END"
        )
    union = "\n            UNION\n            ".join(branches)
    sql = f"""
        WITH candidates AS (
            {union}
        )
        SELECT {spec.pk} AS id, count(*) OVER () AS total{spec.returns}
        FROM candidates AS c JOIN {spec.table} AS d ON {spec.pk} = c.id
        ORDER BY ({spec.name_norm} = beatpass_search_norm(%(raw)s)) DESC,
                 ({" + ".join(score)}) DESC,
                 {spec.created} DESC, {spec.pk} DESC
        LIMIT %(limit)s OFFSET %(offset)s
    """  # noqa: S608 - identifiers and numbers are constants; values are bound
    return sql, params


def radio_sql(profile: RadioProfile, *, cap: int) -> tuple[str, dict]:
    """Candidates for a station from four sources, each capped and each on its own index
    (harmonic + tempo: ``(camelot, bpm)``; shared tags and genres: the link tables; co-liked
    tracks: likes by track, then by user), with the features the scorer needs, including the
    exact audio distance to the seed (``cube_distance``). Similar sound is a score, not a
    source: finding neighbours by sound means a scan (``similar_tracks``), too slow per
    station."""
    windows = tempo_windows(profile.tempos)
    params: dict = {
        "codes": sorted({n for c in profile.camelot_codes for n in (c, *camelot.neighbours(c))}),
        "genres": list(profile.genre_ids),
        "tags": list(profile.tag_ids),
        "seeds": list(profile.seed_track_ids),
        "exclude": list(profile.exclude_track_ids),
        "cap": cap,
        "vector": list(profile.vector) if profile.vector else None,
    }
    tempo = " OR ".join(f"d.bpm BETWEEN %(low{i})s AND %(high{i})s" for i in range(len(windows)))
    for i, (low, high) in enumerate(windows):
        params[f"low{i}"], params[f"high{i}"] = low, high
    sources = []
    if params["codes"] and windows:
        harmonic = f"d.listed AND d.camelot = ANY(%(codes)s) AND ({tempo})"
        # "+ 0" keeps the planner on the (camelot, bpm) index: walking the popularity index
        # instead, filtering as it goes, read 30 times more rows for a typical seed.
        sources.append(
            f"(SELECT d.track_id FROM content_searchtrack AS d WHERE {harmonic}"  # noqa: S608
            " ORDER BY d.popularity + 0 DESC, d.track_id DESC LIMIT %(cap)s)"
        )
    # Shared genres and tags: the newest of each, read from the link tables' own indexes (a
    # popularity order would cost one document lookup per linked track: thousands for a big
    # genre). Hidden ones drop out in the final join.
    if params["tags"]:
        sources.append(
            "(SELECT track_id FROM content_track_tags WHERE tag_id = ANY(%(tags)s)"
            " ORDER BY track_id DESC LIMIT %(cap)s)"
        )
    if params["genres"]:
        sources.append(
            "(SELECT track_id FROM content_track_genres WHERE genre_id = ANY(%(genres)s)"
            " ORDER BY track_id DESC LIMIT %(cap)s)"
        )
    sources.append("(SELECT track_id FROM co_liked)")
    required = ""
    if profile.required_genre_id is not None:
        params["required_genre"] = profile.required_genre_id
        required += (
            " AND EXISTS (SELECT 1 FROM content_track_genres AS rg"
            " WHERE rg.track_id = d.track_id AND rg.genre_id = %(required_genre)s)"
        )
    if profile.required_tag_id is not None:
        params["required_tag"] = profile.required_tag_id
        required += (
            " AND EXISTS (SELECT 1 FROM content_track_tags AS rt"
            " WHERE rt.track_id = d.track_id AND rt.tag_id = %(required_tag)s)"
        )
    distance = (
        "cube_distance(td.embedding, cube(%(vector)s::float8[]))" if params["vector"] else "NULL"
    )
    union = "\n            UNION ".join(sources)
    sql = f"""
        WITH likers AS (
            SELECT user_id FROM content_tracklike WHERE track_id = ANY(%(seeds)s)
            ORDER BY created_at DESC LIMIT 100
        ), co_liked AS (
            SELECT recent.track_id, count(*) AS n
            FROM likers CROSS JOIN LATERAL (
                SELECT l.track_id FROM content_tracklike AS l WHERE l.user_id = likers.user_id
                ORDER BY l.created_at DESC LIMIT 100
            ) AS recent
            GROUP BY recent.track_id ORDER BY n DESC, recent.track_id LIMIT %(cap)s
        ), candidates AS (
            {union}
        )
        SELECT d.track_id, d.main_artist_id, d.camelot, d.bpm, d.popularity,
               CASE WHEN td.embedding IS NULL THEN NULL ELSE {distance} END,
               (SELECT count(*) FROM content_track_genres AS g
                 WHERE g.track_id = d.track_id AND g.genre_id = ANY(%(genres)s)),
               (SELECT count(*) FROM content_track_tags AS t
                 WHERE t.track_id = d.track_id AND t.tag_id = ANY(%(tags)s)),
               coalesce(co.n, 0)
        FROM candidates AS c
        JOIN content_searchtrack AS d ON d.track_id = c.track_id AND d.listed
        LEFT JOIN content_trackdescriptor AS td ON td.track_id = d.track_id
        LEFT JOIN co_liked AS co ON co.track_id = d.track_id
        WHERE d.track_id <> ALL(%(exclude)s){required}
        ORDER BY d.track_id
    """  # noqa: S608 - identifiers are constants; values are bound
    return sql, params


def tempo_windows(tempos: Sequence[int]) -> list[tuple[int, int]]:
    """BPM ranges a station accepts: ±6 % of each seed tempo, and of its half and double."""
    windows = set()
    for bpm in tempos:
        for factor in (0.5, 1.0, 2.0):
            centre = bpm * factor
            low = int(centre * (1 - BPM_TOLERANCE))
            high = int(centre * (1 + BPM_TOLERANCE) + 0.999)
            if high >= 50 and low <= 200:
                windows.add((max(low, 50), min(high, 200)))
    return sorted(windows)
