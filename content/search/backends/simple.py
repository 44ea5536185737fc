"""Search without PostgreSQL: the fallback for the SQLite file of ``make run``.

Same interface and the same ranking rules as the PostgreSQL backend (exact names first, then
field-weighted word matches, spelling corrections at 0.6, BPM and key boosts, a log-damped
popularity prior, then recency), computed in Python over candidates the ORM finds with
``icontains``. It reads the catalog tables directly (the search documents are only maintained
on PostgreSQL) and is meant for development catalogs of a few thousand rows: every query reads
at most ``SCAN_LIMIT`` rows per type.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from functools import reduce
from operator import or_

from django.db.models import Count, Q

from beatpass.accounts.models import User
from content.catalog.models import Album, Artist, Genre, Tag, Track, TrackArtist, TrackLike
from content.playlists.models import Playlist
from content.search import camelot
from content.search.backends.base import (
    PreparedQuery,
    RadioCandidate,
    RadioProfile,
    SearchPage,
    Term,
)
from content.search.backends.postgres import (
    BPM_BOOST,
    BPM_TOLERANCE,
    FUZZY_FACTOR,
    KEY_BOOST,
    KEY_NEIGHBOUR_BOOST,
    POPULARITY_WEIGHT,
    build_prepared,
    tempo_windows,
)
from content.search.models import TrackDescriptor
from content.search.parsing import ParsedQuery, normalise
from content.search.selectors import listed_tracks

SCAN_LIMIT = 2000
FIELD_WEIGHTS = (1.0, 0.4, 0.2, 0.1)  # name, artists, genres/tags, description
RANK_SCALE = 0.6  # the order of magnitude of ts_rank for one word in one field
_WORD = re.compile(r"\w[\w'&-]*")


def _words(text: str) -> set[str]:
    found = set()
    for token in _WORD.findall(normalise(text or "")):
        found.add(token)
        found.update(part for part in re.split(r"[-'&]", token) if part)
    return found


def prior(plays: int, likes: int) -> float:
    return math.floor(8 * math.log(1 + max(plays, 0) + 5 * max(likes, 0))) / 8


def _term_score(term: Term, fields: list[set[str]]) -> float:
    def hit(word: str, prefix: bool) -> float:
        best = 0.0
        for weight, words in zip(FIELD_WEIGHTS, fields, strict=False):
            if word in words or (prefix and any(w.startswith(word) for w in words)):
                best = max(best, weight)
        return best

    exact = hit(term.word, term.prefix)
    fuzzy = max((hit(a, False) for a in term.alternatives), default=0.0)
    return RANK_SCALE * max(exact, FUZZY_FACTOR * fuzzy)


def _matches(term: Term, fields: list[set[str]]) -> bool:
    return _term_score(term, fields) > 0


class SimpleSearchBackend:
    def prepare(self, parsed: ParsedQuery) -> PreparedQuery:
        words = list(parsed.words)
        if not words:
            return PreparedQuery(parsed=parsed)
        pairs = [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
        wanted = set(words + pairs)
        labels = {normalise(n) for n in Tag.objects.values_list("name", flat=True)} & wanted
        for name, display in Genre.objects.values_list("name", "display_name"):
            labels.update({normalise(display), name.replace("-", " ")} & wanted)
        vocabulary: set[str] = set()
        for model in (Track, Album, Artist, Tag, Genre):
            for name in model.objects.values_list("name", flat=True)[:SCAN_LIMIT]:
                vocabulary.update(w for w in _words(name) if len(w) >= 3)
        neighbours = {w: sorted(vocabulary) for w in words if len(w) >= 4}
        return build_prepared(parsed, labels=labels, neighbours=neighbours)

    # --- text search ------------------------------------------------------------------------

    def search(self, prepared: PreparedQuery, *, kind: str, offset: int, limit: int) -> SearchPage:
        if not normalise(prepared.parsed.raw):
            return SearchPage(ids=[], total=0)
        documents = self._documents(kind, prepared)
        query = normalise(prepared.parsed.raw)
        ranked = []
        for doc in documents:
            exact = doc["norm"] == query
            if not exact and not self._qualifies(prepared, doc, kind):
                continue
            score = sum(_term_score(t, doc["fields"]) for t in prepared.terms)
            score += POPULARITY_WEIGHT * doc["popularity"] + self._boosts(prepared, doc, kind)
            ranked.append((not exact, -score, -doc["created"].timestamp(), -doc["id"], doc))
        ranked.sort(key=lambda entry: entry[:4])
        page = [entry[4] for entry in ranked[offset : offset + limit]]
        return SearchPage(
            ids=[d["id"] for d in page], total=len(ranked), rows={d["id"]: d for d in page}
        )

    def _qualifies(self, prepared: PreparedQuery, doc: dict, kind: str) -> bool:
        fields = doc["fields"]
        if prepared.required:
            return all(_matches(t, fields) for t in prepared.required)
        labels = [t for t in prepared.optional if t.label]
        if labels:
            return any(_matches(t, fields) for t in labels)
        if kind != "track":
            return False
        return self._boosts(prepared, doc, kind) > 0

    def _boosts(self, prepared: PreparedQuery, doc: dict, kind: str) -> float:
        if kind != "track":
            return 0.0
        parsed = prepared.parsed
        boost = 0.0
        if parsed.bpm is not None and doc["bpm"]:
            closeness = 1 - abs(doc["bpm"] - parsed.bpm) / (BPM_TOLERANCE * parsed.bpm)
            boost += BPM_BOOST * max(0.0, closeness)
        if parsed.key is not None and doc["camelot"] is not None:
            codes = parsed.key.codes
            if doc["camelot"] in codes:
                boost += KEY_BOOST
            elif any(doc["camelot"] in camelot.neighbours(c) for c in codes):
                boost += KEY_NEIGHBOUR_BOOST
        return boost

    def _documents(self, kind: str, prepared: PreparedQuery) -> list[dict]:
        words = [w for t in prepared.terms for w in (t.word, *t.alternatives)]
        needle = [w for w in words if w] or [normalise(prepared.parsed.raw)]
        if kind == "track":
            return self._track_documents(needle, prepared)
        if kind == "album":
            return self._album_documents(needle)
        return self._plain_documents(kind, needle)

    def _track_documents(self, needle: list[str], prepared: PreparedQuery) -> list[dict]:
        matches = reduce(
            or_,
            (
                Q(name__icontains=w)
                | Q(description__icontains=w)
                | Q(artists__name__icontains=w)
                | Q(tags__name__icontains=w)
                | Q(genres__name__icontains=w)
                | Q(genres__display_name__icontains=w)
                for w in needle
            ),
        )
        parsed = prepared.parsed
        if parsed.bpm is not None:
            low, high = parsed.bpm * (1 - BPM_TOLERANCE), parsed.bpm * (1 + BPM_TOLERANCE)
            matches |= Q(bpm__gte=low, bpm__lte=high)
        tracks = list(
            listed_tracks()
            .filter(matches)
            .distinct()
            .prefetch_related("artists", "genres", "tags")
            .order_by("-plays", "-id")[:SCAN_LIMIT]
        )
        if parsed.key is not None:
            keyed = listed_tracks().exclude(pk__in=[t.pk for t in tracks])
            keyed = [
                t
                for t in keyed.prefetch_related("artists", "genres", "tags")[:SCAN_LIMIT]
                if camelot.code_for(t.key, t.scale) in parsed.key.codes
            ]
            tracks.extend(keyed)
        return [
            {
                "id": t.pk,
                "norm": normalise(t.name),
                "fields": [
                    _words(t.name),
                    set().union(*(_words(a.name) for a in t.artists.all())),
                    set().union(
                        *(_words(f"{g.name} {g.display_name}") for g in t.genres.all()),
                        *(_words(x.name) for x in t.tags.all()),
                    ),
                    _words(t.description),
                ],
                "popularity": prior(t.plays, t.likes_count),
                "created": t.created_at,
                "bpm": t.bpm,
                "camelot": camelot.code_for(t.key, t.scale),
            }
            for t in tracks
        ]

    def _album_documents(self, needle: list[str]) -> list[dict]:
        matches = reduce(
            or_,
            (
                Q(name__icontains=w)
                | Q(description__icontains=w)
                | Q(artists__name__icontains=w)
                | Q(tags__name__icontains=w)
                | Q(genres__display_name__icontains=w)
                for w in needle
            ),
        )
        albums = (
            Album.objects.filter(matches)
            .distinct()
            .prefetch_related("artists", "genres", "tags")
            .order_by("-likes_count", "-id")[:SCAN_LIMIT]
        )
        return [
            {
                "id": a.pk,
                "norm": normalise(a.name),
                "fields": [
                    _words(a.name),
                    set().union(*(_words(x.name) for x in a.artists.all())),
                    set().union(
                        *(_words(f"{g.name} {g.display_name}") for g in a.genres.all()),
                        *(_words(x.name) for x in a.tags.all()),
                    ),
                    _words(a.description),
                ],
                "popularity": prior(a.plays, a.likes_count),
                "created": a.created_at,
            }
            for a in albums
        ]

    def _plain_documents(self, kind: str, needle: list[str]) -> list[dict]:
        def any_word(*fields: str) -> Q:
            return reduce(or_, (Q(**{f"{f}__icontains": w}) for w in needle for f in fields))

        if kind == "artist":
            rows = Artist.objects.filter(any_word("name", "bio")).values(
                "id", "name", "bio", "likes_count", "created_at"
            )
            return [
                self._plain(r, r["name"], r["bio"], prior(0, r["likes_count"]), r["created_at"])
                for r in rows[:SCAN_LIMIT]
            ]
        if kind == "playlist":
            rows = (
                Playlist.objects.filter(any_word("name", "description"), public=True)
                .annotate(followers_count=Count("follows"))
                .values("id", "name", "description", "followers_count", "created_at")
            )
            return [
                self._plain(
                    r, r["name"], r["description"], prior(r["followers_count"], 0), r["created_at"]
                )
                for r in rows[:SCAN_LIMIT]
            ]
        if kind == "user":
            rows = (
                User.objects.filter(any_word("name"), is_active=True)
                .exclude(name="")
                .values("id", "name", "avatar", "date_joined")
            )
            return [self._plain(r, r["name"], "", 0.0, r["date_joined"]) for r in rows[:SCAN_LIMIT]]
        if kind == "tag":
            rows = (
                Tag.objects.filter(any_word("name"))
                .annotate(uses=Count("tracks"))
                .values("id", "name", "uses", "created_at")
            )
            return [
                self._plain(r, r["name"], "", prior(r["uses"], 0), r["created_at"])
                for r in rows[:SCAN_LIMIT]
            ]
        rows = (
            Genre.objects.filter(any_word("name", "display_name"))
            .annotate(uses=Count("tracks"))
            .values("id", "name", "display_name", "uses", "created_at")
        )
        return [
            self._plain(r, r["display_name"], r["name"], prior(r["uses"], 0), r["created_at"])
            for r in rows[:SCAN_LIMIT]
        ]

    @staticmethod
    def _plain(row: dict, name: str, description: str, popularity: float, created) -> dict:
        return {
            **row,
            "norm": normalise(name),
            "fields": [_words(name), set(), set(), _words(description)],
            "popularity": popularity,
            "created": created,
        }

    # --- suggestions ------------------------------------------------------------------------

    def suggest(
        self, *, kind: str, prefix: str, limit: int, exclude_ids: tuple[int, ...] = ()
    ) -> list[int]:
        model = Artist if kind == "artist" else Album
        query = normalise(prefix)
        rows = model.objects.exclude(pk__in=exclude_ids).order_by("-likes_count", "name", "pk")
        if not query:
            return list(rows.values_list("pk", flat=True)[:limit])
        words = query.split()
        found = []
        for pk, name in rows.filter(name__icontains=words[-1]).values_list("pk", "name")[
            :SCAN_LIMIT
        ]:
            norm = normalise(name)
            tokens = norm.split()
            starts = norm.startswith(query)
            word_start = all(
                any(t == w or (i == len(words) - 1 and t.startswith(w)) for t in tokens)
                for i, w in enumerate(words)
            )
            if starts or word_start:
                found.append((not starts, pk))
        return [pk for _, pk in sorted(found, key=lambda e: e[0])[:limit]]

    # --- audio similarity and radio ---------------------------------------------------------

    def _vectors(self) -> dict[int, list[float]]:
        listed = listed_tracks().values("pk")
        return dict(
            TrackDescriptor.objects.filter(
                track__in=listed, status=TrackDescriptor.Status.COMPLETED
            ).values_list("track_id", "vector")[:SCAN_LIMIT]
        )

    def similar_tracks(self, *, track_id: int, limit: int) -> list[int]:
        seed = (
            TrackDescriptor.objects.filter(track_id=track_id, vector__isnull=False)
            .values_list("vector", flat=True)
            .first()
        )
        if seed is None:
            return []
        distances = [
            (_distance(seed, vector), other)
            for other, vector in self._vectors().items()
            if other != track_id
        ]
        return [other for _, other in sorted(distances)[:limit]]

    def radio_candidates(self, profile: RadioProfile) -> list[RadioCandidate]:
        tracks = listed_tracks().exclude(pk__in=profile.exclude_track_ids)
        if profile.required_genre_id is not None:
            tracks = tracks.filter(genres=profile.required_genre_id)
        if profile.required_tag_id is not None:
            tracks = tracks.filter(tags=profile.required_tag_id)
        rows = list(
            tracks.prefetch_related("genres", "tags").order_by("-plays", "-id")[:SCAN_LIMIT]
        )
        main = dict(
            TrackArtist.objects.filter(
                track__in=[t.pk for t in rows], role=TrackArtist.Role.MAIN
            ).values_list("track_id", "artist_id")
        )
        vectors = self._vectors()
        likers = list(
            TrackLike.objects.filter(track_id__in=profile.seed_track_ids)
            .order_by("-created_at")
            .values_list("user_id", flat=True)[:100]
        )
        colistens: dict[int, int] = defaultdict(int)
        for user_id in likers:
            for liked in TrackLike.objects.filter(user_id=user_id).order_by("-created_at")[:100]:
                colistens[liked.track_id] += 1
        windows = tempo_windows(profile.tempos)
        codes = {n for c in profile.camelot_codes for n in (c, *camelot.neighbours(c))}
        out = []
        for t in rows:
            code = camelot.code_for(t.key, t.scale)
            genres = {g.pk for g in t.genres.all()} & set(profile.genre_ids)
            tags = {x.pk for x in t.tags.all()} & set(profile.tag_ids)
            vector = vectors.get(t.pk)
            in_tempo = t.bpm is not None and any(lo <= t.bpm <= hi for lo, hi in windows)
            if not (
                (code in codes and in_tempo) or genres or tags or vector or colistens.get(t.pk)
            ):
                continue
            out.append(
                RadioCandidate(
                    track_id=t.pk,
                    main_artist_id=main.get(t.pk),
                    camelot=code,
                    bpm=t.bpm,
                    popularity=prior(t.plays, t.likes_count),
                    distance=(
                        _distance(profile.vector, vector) if vector and profile.vector else None
                    ),
                    shared_genres=len(genres),
                    shared_tags=len(tags),
                    colistens=colistens.get(t.pk, 0),
                )
            )
        return out


def _distance(a, b) -> float:
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=False)))
