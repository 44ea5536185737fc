"""Reads for the catalog. Visibility is decided here, once, for every endpoint."""

from __future__ import annotations

import threading
from functools import cache

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import BigAutoField, Exists, Lookup, OuterRef, QuerySet
from django.db.models.expressions import RawSQL
from rest_framework.exceptions import NotFound

from beatpass.api.compiled import CompiledQuery, inline_constants, prepared_cursor
from content.catalog.models import (
    Album,
    AlbumArtist,
    Artist,
    ExclusiveStatus,
    Genre,
    Tag,
    Track,
    TrackArtist,
    TrackCount,
    Visibility,
    squash,
)

ORDERINGS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "popular": ("-plays", "-id"),
    "name": ("name", "id"),
    "likes": ("-likes_count", "-id"),
}


def track_list(*, viewer, order: str = "newest") -> QuerySet[Track]:
    """The browse lists (GET /tracks, an artist's, a tag's tracks). A track sold exclusively
    leaves them (help: when your beat sells: "browse catalog: hidden"); its page stays, and
    staff still list it."""
    tracks = Track.objects.visible_to(viewer)
    if not (viewer is not None and viewer.is_authenticated and viewer.is_staff):
        tracks = tracks.exclude(exclusive_status=ExclusiveStatus.SOLD)
    return tracks.order_by(*ORDERINGS.get(order, ORDERINGS["newest"]))


class ListCounts:
    """What the counters say about one track list, read in one query (``track_counts``)."""

    def __init__(
        self, total: int, share: float | None, own: int = 0, version: int | None = None
    ) -> None:
        self.total = total  # exact, as the viewer sees the list
        self.share = share  # the scope's public tracks / all public tracks (None for "all")
        self.own = own  # of ``total``: the viewer's own private tracks (a producer's)
        self.version = version  # the list's ``TrackListVersion`` (``VERSIONS``), if any

    def total_callable(self):
        return lambda: self.total


def _counted_sql(*, staff: bool, scope: str, ref_test: str, refs) -> tuple[str, list]:
    """``SELECT coalesce(<sum of the TrackCount rows of scope and refs>, 0)``: the tracks the
    lists show to everyone (to staff, private ones too), for ``track_counts`` and
    ``filter_counts`` to extend."""
    visibilities = [Visibility.PUBLIC, Visibility.PRIVATE] if staff else [Visibility.PUBLIC]
    sql = (
        "SELECT coalesce((SELECT sum(count) FROM content_trackcount WHERE scope = %s "  # noqa: S608 - placeholders
        f"AND {ref_test} AND visibility IN ({', '.join(['%s'] * len(visibilities))})"
    )
    params: list = [scope, refs, *visibilities]
    if not staff:
        # A track sold exclusively leaves the lists (``track_list``) for everyone but staff.
        sql += " AND exclusive_status <> %s"
        params.append(ExclusiveStatus.SOLD)
    return sql + "), 0)", params


def track_counts(*, viewer, scope: str = TrackCount.Scope.ALL, ref_id: int = 0):
    """Exact total of ``track_list`` (scope ``all``) or of a genre's, tag's or artist's tracks
    as ``viewer`` sees them, from the trigger-kept ``TrackCount`` rows plus, for a signed-in
    producer, their own private tracks in that scope: one query whose cost follows the
    viewer's catalogue, not everyone's. Also the scope's share of the catalogue, which picks
    the page query's plan (``tracks_in``). None where the counters are not kept (SQLite): the
    list then falls back to a capped count."""
    if connection.vendor != "postgresql":
        return None
    signed_in = viewer is not None and viewer.is_authenticated
    staff = signed_in and viewer.is_staff
    sql, params = _counted_sql(staff=staff, scope=scope, ref_test="ref_id = %s", refs=ref_id)
    if signed_in and not staff:
        private_sql, private_params = _own_private_sql(scope, viewer_id=viewer.pk, ref_id=ref_id)
        sql += f", (SELECT count(*) FROM ({private_sql}) AS own)"  # noqa: S608 - ORM SQL
        params += private_params
    else:
        sql += ", 0"
    sql += f", {SHARE_SQL}"
    params += [scope, [ref_id]]
    if scope in VERSIONS:  # in the same snapshot as the counts
        sql += ", (SELECT version FROM content_tracklistversion WHERE scope = %s)"
        params.append(VERSIONS[scope])
    # Prepared: a handful of statement texts (scope kind × tier), each planned once per
    # connection instead of on every list request: the constants written into the text, so
    # that PostgreSQL keeps its generic plan (``inline_constants``).
    sql, params, _ = inline_constants(sql, params)
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        counted, own, share, *version = cursor.fetchone()
    if scope == TrackCount.Scope.ALL:
        return ListCounts(int(counted) + own, None, own=own, version=version[0])
    return ListCounts(int(counted) + own, share, own=own, version=version[0] if version else None)


# The ``TrackListVersion`` of the lists whose deep pages seek from checkpoints: the plain list
# (and its bpm and key lists) and the genre and tag lists (their link rows' version).
VERSIONS = {
    TrackCount.Scope.ALL: "all",
    TrackCount.Scope.GENRE: "links",
    TrackCount.Scope.TAG: "links",
}

_VIEWER_STAND_IN, _REF_STAND_IN = -1_987_654_321, -1_987_654_322  # no real id is negative


@cache
def _own_private_statement(scope: str) -> tuple[str, tuple, tuple[int, ...], tuple[int, ...]]:
    """The ORM's SQL of a producer's own private tracks that count in a list besides the
    public ones: unsold, of one genre, tag or artist unless ``scope`` is ``all``; for
    ``liked``, those the viewer liked. Compiled once per scope with stand-in ids (building
    and compiling it cost ~0.3 ms a signed-in list). No ORDER BY (the model's default
    ordering) inside a count. (sql, params, positions of the viewer's id, of the scope's id)."""
    from django.contrib.auth import get_user_model

    viewer = get_user_model()(pk=_VIEWER_STAND_IN)
    managed = TrackArtist.objects.filter(artist__managers=viewer).values("track_id")
    if scope == TrackCount.Scope.LIKED:
        own_private = Track.objects.filter(
            pk__in=managed, likes__user=viewer, visibility=Visibility.PRIVATE
        )
    else:
        own_private = Track.objects.filter(visibility=Visibility.PRIVATE, pk__in=managed).exclude(
            exclusive_status=ExclusiveStatus.SOLD
        )
        if scope != TrackCount.Scope.ALL:
            own_private = own_private.filter(**{SCOPE_LOOKUPS[scope]: _REF_STAND_IN})
    sql, params = own_private.order_by().values("pk").query.sql_with_params()
    viewer_at = tuple(i for i, p in enumerate(params) if p == _VIEWER_STAND_IN)
    ref_at = tuple(i for i, p in enumerate(params) if p == _REF_STAND_IN)
    if not viewer_at or (scope in SCOPE_LOOKUPS and not ref_at):
        raise RuntimeError(f"a stand-in id is not among the parameters: {sql} {params}")
    return sql, tuple(params), viewer_at, ref_at


@cache
def _managed_statement() -> tuple[str, tuple, tuple[int, ...]]:
    """The ORM's SQL of the track ids credited to an artist the viewer manages (the "or mine"
    branch of ``Track.objects.visible_to``), compiled once with a stand-in viewer id (building
    and compiling it cost ~0.3 ms a request). (sql, params, positions of the viewer's id)."""
    from django.contrib.auth import get_user_model

    viewer = get_user_model()(pk=_VIEWER_STAND_IN)
    managed = TrackArtist.objects.filter(artist__managers=viewer).order_by().values("track_id")
    sql, params = managed.query.sql_with_params()
    viewer_at = tuple(i for i, p in enumerate(params) if p == _VIEWER_STAND_IN)
    if not viewer_at:
        raise RuntimeError(f"the stand-in id is not among the parameters: {sql} {params}")
    return sql, tuple(params), viewer_at


def _managed_sql(*, viewer_id: int) -> tuple[str, list]:
    sql, params, viewer_at = _managed_statement()
    values = list(params)
    for i in viewer_at:
        values[i] = viewer_id
    return sql, values


def _own_private_sql(scope: str, *, viewer_id: int, ref_id: int) -> tuple[str, list]:
    sql, params, viewer_at, ref_at = _own_private_statement(scope)
    values = list(params)
    for i in viewer_at:
        values[i] = viewer_id
    for i in ref_at:
        values[i] = ref_id
    return sql, values


SHARE_SQL = (
    "(SELECT coalesce(sum(count), 0) FROM content_trackcount WHERE scope = %s "
    "AND ref_id = ANY(%s) AND visibility = 'public')::float8 / greatest(1, (SELECT sum(count) "
    "FROM content_trackcount WHERE scope = 'all' AND visibility = 'public'))"
)

SCOPE_LOOKUPS = {
    TrackCount.Scope.GENRE: "genres__id",
    TrackCount.Scope.TAG: "tags__id",
    TrackCount.Scope.ARTIST: "track_artists__artist_id",
}

# Above this share of the catalogue a linked list walks the newest-first index and probes the
# link table per row (page 1 reads ~50/share rows: <= 5,000 probes); below it, the scope's
# few track ids are read from the link table first (<= 1 % of the catalogue) and the page is
# picked among them. Either way the work is bounded by the page, not by the catalogue.
WALK_SHARE = 0.01


def scope_share(scope: str, ref_ids: list[int]) -> float | None:
    """Public tracks in any of ``ref_ids`` / all public tracks (an upper bound when a track is
    in several), from the counters; None off PostgreSQL."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {SHARE_SQL}", [scope, list(ref_ids)])  # noqa: S608 - constant
        return cursor.fetchone()[0]


def tracks_in(
    queryset: QuerySet[Track], scope: str, ref_ids: list[int], *, share: float | None = None
) -> QuerySet[Track]:
    """``queryset`` restricted to tracks of a genre, tag or credited artist (any of
    ``ref_ids``), by the plan that suits the scope's size (see ``WALK_SHARE``)."""
    through, column = {
        TrackCount.Scope.GENRE: (Track.genres.through, "genre_id"),
        TrackCount.Scope.TAG: (Track.tags.through, "tag_id"),
        TrackCount.Scope.ARTIST: (TrackArtist, "artist_id"),
    }[scope]
    links = through.objects.filter(**{f"{column}__in": ref_ids})
    if share is None:
        share = scope_share(scope, ref_ids)
    if share is not None and share >= WALK_SHARE:
        return queryset.filter(Exists(links.filter(track_id=OuterRef("pk"))))
    return linked_to(queryset, links.values("track_id"))


# Where a page's keys are read from, by scope: (table, scope column, newest-first column,
# track id, visibility, exclusive status). The link tables carry their track's order and
# visibility (migration ``_page_keys_sql``); liked tracks follow the like's date; ``all`` reads
# the track table's covering newest-first index (``track_newest_covering``).
PAGE_KEY_TABLES = {
    TrackCount.Scope.ALL: ("content_track", None, "created_at", "id", "visibility",
                           "exclusive_status"),
    TrackCount.Scope.GENRE: ("content_track_genres", "genre_id", "track_created_at", "track_id",
                             "track_visibility", "track_exclusive_status"),
    TrackCount.Scope.TAG: ("content_track_tags", "tag_id", "track_created_at", "track_id",
                           "track_visibility", "track_exclusive_status"),
    TrackCount.Scope.LIKED: ("content_tracklike", "user_id", "created_at", "track_id",
                             "track_visibility", "track_exclusive_status"),
}  # fmt: skip


# Filters a page of the plain list can apply in the covering index: name → (column, operator).
PAGE_KEY_FILTERS = {
    "bpm_min": ("bpm", ">="),
    "bpm_max": ("bpm", "<="),
    "pitch_class": ("key_pitch_class", "="),
    "key_scale": ("scale", "="),
    "scale": ("scale", "="),
}


# The values a track's bpm may take (the ``track_bpm_range`` check constraint).
BPM_VALUES = (50, 200)
# A bpm range of at most this many values is read as one newest-first walk per value, merged
# (``page_key_branches``); a wider one walks the newest-first index, where it matches at least
# MERGE_BRANCHES / 151 of the rows (at most ~5 index entries read per row kept).
MERGE_BRANCHES = 32
SCALES = ("", "major", "minor")  # ``Track.scale``: blank or a ``Scale``


def page_key_branches(filters: dict) -> tuple[tuple, dict] | None:
    """How ``page_keys`` reads a page of the plain list under ``filters`` (``PAGE_KEY_FILTERS``
    names → values): ``(branches, filters)`` where ``branches`` is ``("bpm", n)`` (n walks of
    the bpm index, one per value from ``filters["bpm_lo"]``), ``("key", 3)`` (a key without a
    scale: one walk of the key index per scale) or ``()`` (one walk: of the key index for a
    key and scale, else of the newest-first index), and ``filters`` what the walks still
    test. None: no row can match (an empty bpm
    range)."""
    if "bpm_min" in filters or "bpm_max" in filters:
        low = max(filters.get("bpm_min", BPM_VALUES[0]), BPM_VALUES[0])
        high = min(filters.get("bpm_max", BPM_VALUES[1]), BPM_VALUES[1])
        if low > high:
            return None
        if high - low < MERGE_BRANCHES:
            rest = {k: v for k, v in filters.items() if k not in ("bpm_min", "bpm_max")}
            return ("bpm", high - low + 1), {**rest, "bpm_lo": low}
    if "pitch_class" in filters and not ("key_scale" in filters or "scale" in filters):
        return ("key", len(SCALES)), filters
    return (), filters  # a key and scale: one walk of the key index


def count_index_order(filters: dict) -> tuple[str, ...]:
    """The covering index a capped count of the plain list under ``filters`` (page-key
    filters) reads: bpm's or the key's (both include the visibility columns and the id)."""
    if "bpm_min" in filters or "bpm_max" in filters:
        return ("bpm",)
    if "pitch_class" in filters:
        return ("key_pitch_class", "scale")
    return ()


def key_ref(pitch_class: int, scale: str) -> int:
    """The ``key`` counters' ``ref_id`` of a pitch class and a scale ("" for none): the SQL's
    ``KEY_REF`` (migration ``_filter_counts_sql``)."""
    return pitch_class * len(SCALES) + SCALES.index(scale)


def filter_count_refs(filters: dict) -> tuple[str, list[int], str, list] | None:
    """Which counters hold the total of the plain list under ``filters`` (page-key filters):
    ``(scope, ref ids, SQL test of a track ``t`` in the list, its params)`` when the filters
    are a bpm range alone (scope ``bpm``) or a key alone, with or without a scale (scope
    ``key``); None for any other combination (a capped count then)."""
    given = set(filters)
    if given and given <= {"bpm_min", "bpm_max"}:
        low = max(filters.get("bpm_min", BPM_VALUES[0]), BPM_VALUES[0])
        high = min(filters.get("bpm_max", BPM_VALUES[1]), BPM_VALUES[1])
        refs = list(range(low, high + 1))  # empty when low > high: nothing matches
        return TrackCount.Scope.BPM, refs, "t.bpm BETWEEN %s AND %s", [low, high]
    if "pitch_class" in given and given <= {"pitch_class", "key_scale", "scale"}:
        scales = set(SCALES)
        for name in ("key_scale", "scale"):
            if name in filters:
                scales &= {filters[name]}
        scales = sorted(scales)
        refs = [key_ref(filters["pitch_class"], scale) for scale in scales]
        test = "t.key_pitch_class = %s AND t.scale = ANY(%s)"
        return TrackCount.Scope.KEY, refs, test, [filters["pitch_class"], scales]
    return None


def filter_counts(*, viewer, filters: dict) -> ListCounts | None:
    """Exact total of the plain list under a bpm range or a key (``filter_count_refs``) as
    ``viewer`` sees it, from the ``bpm`` / ``key`` counters plus, for a signed-in producer,
    their own private tracks matching (a query over their catalogue), with the list's version
    (``TrackListVersion``, which follows bpm and key changes too): one query. None for other
    filters or off PostgreSQL."""
    counted = filter_count_refs(filters)
    if counted is None or connection.vendor != "postgresql":
        return None
    scope, refs, test, test_params = counted
    signed_in = viewer is not None and viewer.is_authenticated
    staff = signed_in and viewer.is_staff
    sql, params = _counted_sql(staff=staff, scope=scope, ref_test="ref_id = ANY(%s)", refs=refs)
    if signed_in and not staff:
        managed_sql, managed_params = _managed_sql(viewer_id=viewer.pk)
        sql += (
            ", (SELECT count(*) FROM content_track t WHERE t.visibility = %s "  # noqa: S608
            f"AND t.exclusive_status <> %s AND t.id IN ({managed_sql}) AND {test})"
        )
        params += [Visibility.PRIVATE, ExclusiveStatus.SOLD, *managed_params, *test_params]
    else:
        sql += ", 0"
    sql += ", (SELECT version FROM content_tracklistversion WHERE scope = 'all')"
    sql, params, _ = inline_constants(sql, params)
    with prepared_cursor(connection) as cursor:  # as ``track_counts``
        cursor.execute(sql, params)
        public, own, version = cursor.fetchone()
    return ListCounts(int(public) + own, None, own=own, version=version)


def page_keys(
    scope: str,
    ref_id: int,
    *,
    viewer,
    offset: int,
    limit: int,
    filters: dict | None = None,
    after: tuple | None = None,
    branches: tuple = (),
    seek: bool = False,
    with_order: bool = False,
    prepared: bool = False,
) -> RawSQL:
    """The ids of rows ``offset .. offset + limit`` of the newest-first ``track_list(viewer)``
    (scope ``all``), of a genre's or tag's tracks in it (``tracks_in``) or of
    ``liked_tracks(ref_id)``, read from one index alone: the link rows carry their track's
    date, visibility and exclusive status, so skipping ``offset`` rows never touches the
    track table and a page costs ``offset + limit`` index entries of its scope, whatever the
    catalogue's size. For ``filter(pk__in=...)``; ``ref_id`` is ignored for ``all``, which
    may also apply ``filters`` (``PAGE_KEY_FILTERS`` names → values: the ``TrackFilter``
    bpm, key and scale filters, ``TrackFilter.indexed_filters``). ``after``: a cursor's
    ``(created_at, id)``; only rows after it (the index range starts there). ``branches``
    (with ``filters``, from ``page_key_branches``): the rows are read as that many walks of
    the filter's index, each newest first, merged (a Merge Append stops after ``offset +
    limit`` rows), so the page costs about ``offset + limit`` index entries plus one descent
    per branch, not ``(offset + limit) / selectivity``. ``seek`` (scopes of ``VERSIONS``):
    ``after`` is a checkpoint of the public list, filtered or not (``page_checkpoint``), and
    ``offset`` counts from it in that public list alone: the viewer's own private tracks
    newer than it that pass the filters (listed besides the public ones) are taken off.
    ``with_order``:
    each row is ``(created_at, id)`` (the scope's order key and track id) instead of the id
    alone. ``prepared`` (for a prepared statement): in a single walk of a scope's index or
    of a filter's, the limit is written into the text and the offset and the scope's id are
    read through subqueries (``(SELECT $n)``), which the planner cannot see into: it then
    costs every run, custom or generic, with the same guessed offset (10 % of the walk) and
    scope size, and PostgreSQL keeps the generic plan. With them visible the custom plans
    of shallow pages (of a user with more likes than the average) cost less than the
    generic plan to its eye, and it re-planned every run (1-2 ms at 1M tracks, more than
    the run)."""
    table, column, order, track, visibility, status = PAGE_KEY_TABLES[scope]
    conditions, params = [], []
    filters = dict(filters or {})
    bpm_lo = filters.pop("bpm_lo", None)
    if branches and scope != TrackCount.Scope.ALL:
        raise ValueError("branches apply to the plain list only")
    own_tests, own_params = [], []  # the filters, for the viewer's own tracks (``seek``)
    for name, value in filters.items():
        if scope != TrackCount.Scope.ALL:
            raise ValueError("filters apply to the plain list only")
        filter_column, operator = PAGE_KEY_FILTERS[name]
        conditions.append(f"l.{filter_column} {operator} %s")
        params.append(value)
        own_tests.append(f"t.{filter_column} {operator} %s")
        own_params.append(value)
    if branches and branches[0] == "bpm":  # the bpm values the branches walk
        # ``bpm_lo`` itself twice (a compiled page replays its parameters by value: no value
        # derived from it may be a parameter).
        own_tests.append(f"t.bpm BETWEEN %s AND %s + {int(branches[1]) - 1}")
        own_params += [bpm_lo, bpm_lo]
    if column is not None:
        # ``prepared``: the scope's id through a subquery too (``(SELECT $n)``), so that a
        # run's custom plan does not see how many rows of the index are that user's likes
        # (that genre's, that tag's) and costs them as the generic plan does.
        conditions.append(f"l.{column} = (SELECT %s::bigint)" if prepared else f"l.{column} = %s")
        params.append(ref_id)
        own_tests.append(f"t.{column} = %s")
        own_params.append(ref_id)
    if after is not None:
        conditions.append(f"(l.{order}, l.{track}) < (%s, %s)")
        params += list(after)
    staff = viewer is not None and viewer.is_authenticated and viewer.is_staff
    with_sql, with_params, own_newer = "", [], ""
    if not staff:
        if scope != TrackCount.Scope.LIKED:  # sold tracks leave the browse lists (track_list)
            conditions.append(f"l.{status} <> %s")
            params.append(ExclusiveStatus.SOLD)
        if viewer is not None and viewer.is_authenticated:  # ``Track.objects.visible_to``
            managed = TrackArtist.objects.filter(artist__managers=viewer).order_by()
            managed_sql, managed_params = managed.values("track_id").query.sql_with_params()
            if branches or seek:  # read once for every branch / for the offset too
                with_sql = f"WITH managed AS MATERIALIZED ({managed_sql}) "
                with_params = list(managed_params)
                managed_sql, managed_params = "SELECT track_id FROM managed", ()
            conditions.append(f"(l.{visibility} = %s OR l.{track} IN ({managed_sql}))")
            params += [Visibility.PUBLIC, *managed_params]
            if seek:  # the viewer's own private (unsold) tracks newer than the checkpoint
                own_newer = (
                    f"(SELECT count(*) FROM {table} t WHERE t.{visibility} = %s "  # noqa: S608
                    f"AND t.{status} <> %s AND t.{track} IN ({managed_sql}) "
                    f"AND (t.{order}, t.{track}) > (%s, %s)"
                    + "".join(f" AND {test}" for test in own_tests)
                    + ")"
                )
        else:
            conditions.append(f"l.{visibility} = %s")
            params.append(Visibility.PUBLIC)
    if seek and (scope not in VERSIONS or after is None):
        raise ValueError("seek: a list with checkpoints (VERSIONS), from one (after)")
    skip_sql, skip_params = "%s", [offset]  # rows to skip, from the checkpoint when seeking
    if seek and own_newer:
        skip_sql = f"GREATEST(0, %s - {own_newer})"
        skip_params += [Visibility.PRIVATE, ExclusiveStatus.SOLD, *after, *own_params]
    keys = f"k.{order} AS created_at, k.{track} AS id" if with_order else f"k.{track}"
    if branches:
        kind, count = branches
        parts, part_params = [], []
        if len(skip_params) > 1:  # computed once for every branch
            with_sql += f", skip AS MATERIALIZED (SELECT {skip_sql} AS n) "
            with_params += skip_params
            skip_sql, skip_params = "(SELECT n FROM skip)", []
        for i in range(count):
            if kind == "bpm":  # one bpm value per branch: the first bound, plus i
                branch, branch_params = ("l.bpm = %s" + (f" + {i}" if i else "")), [bpm_lo]
            else:  # one scale per branch (the key is among the filters)
                branch, branch_params = "l.scale = %s", [SCALES[i]]
            # Each walk ordered and limited on its own: its ordering then reaches the outer
            # ORDER BY, which merges the walks (Merge Append) instead of reading every
            # branch whole and sorting (what a bare UNION ALL of filters was planned as).
            parts.append(
                f"(SELECT l.{order}, l.{track} FROM {table} l "  # noqa: S608 - constants
                f"WHERE {' AND '.join([branch, *conditions])} "
                f"ORDER BY l.{order} DESC, l.{track} DESC LIMIT {skip_sql} + {int(limit)})"
            )
            part_params += [*branch_params, *params, *skip_params]
        sql = (
            f"{with_sql}SELECT {keys} FROM ({' UNION ALL '.join(parts)}) k "  # noqa: S608
            f"ORDER BY k.{order} DESC, k.{track} DESC OFFSET {skip_sql} LIMIT %s"
        )
        return RawSQL(sql, [*with_params, *part_params, *skip_params, limit])  # noqa: S611
    where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
    limit_sql, limit_params = "%s", [limit]
    # Not the unfiltered plain list: guessing its offset (10 % of the catalogue), the planner
    # walked the track table's date index and sorted instead of the covering index (seen on
    # a 30k table; test_list_plans); its page statement keeps the offset visible.
    if prepared and (column is not None or filters):
        skip_sql, limit_sql, limit_params = f"(SELECT ({skip_sql})::bigint)", str(int(limit)), []
    sql = (
        f"{with_sql}SELECT {keys.replace('k.', 'l.')} FROM {table} l {where}"  # noqa: S608
        f"ORDER BY l.{order} DESC, l.{track} DESC OFFSET {skip_sql} LIMIT {limit_sql}"
    )
    return RawSQL(sql, [*with_params, *params, *skip_params, *limit_params])  # noqa: S611


# Deep pages of the plain list (of its bpm and key lists, of a genre's or tag's tracks) seek
# from a remembered position of it instead of skipping ``offset`` rows: every
# CHECKPOINT_EVERY-th key of the newest-first public list (of every track for staff), kept
# per process and list version, walked once per
# version (what one deep page cost before), so page N then reads at most CHECKPOINT_EVERY + a
# page of index entries (plus the viewer's own private tracks). The positions of at most
# CHECKPOINT_LISTS filtered lists (bpm, key, a genre, a tag) are kept (the least recently
# extended go first). Every 200th: a page then skips at most 199 entries.
CHECKPOINT_EVERY = 200
CHECKPOINT_LISTS = 64
_checkpoints: dict[tuple, tuple[int, list[tuple]]] = {}
_checkpoints_lock = threading.Lock()


class _Staff:
    """A staff viewer for ``page_keys``: every track."""

    is_authenticated = is_staff = True


def page_checkpoint(
    *,
    staff: bool,
    version: int,
    position: int,
    scope: str = TrackCount.Scope.ALL,
    ref_id: int = 0,
    filters: dict | None = None,
    branches: tuple = (),
) -> tuple | None:
    """``(created_at, id)`` of the row at ``position`` (``CHECKPOINT_EVERY`` divides
    ``position + 1``) of the newest-first plain list of public unsold tracks (every track for
    ``staff``), or of a genre's or tag's (``scope``, ``ref_id``), under ``filters`` read as
    ``branches`` (``page_key_branches``) if given, as it is at ``version``
    (``TrackListVersion``, ``VERSIONS``), or None when the list has no such row or is no
    longer at that version. Read from the process's checkpoints, extended (or read afresh
    when the version moved) by one statement that reads the version in the same snapshot as
    the keys, so a checkpoint is never kept under a version it does not belong to."""
    if (position + 1) % CHECKPOINT_EVERY:
        raise ValueError("not a checkpoint's position")
    index = (position + 1) // CHECKPOINT_EVERY - 1
    filters = dict(filters or {})
    key = (connection.alias, staff, branches, tuple(sorted(filters.items())), scope, ref_id)
    with _checkpoints_lock:
        kept_version, keys = _checkpoints.get(key, (None, []))
        if kept_version != version:
            keys = []
        if index < len(keys):
            return keys[index]
        walked = (index + 1 - len(keys)) * CHECKPOINT_EVERY
        # Extended from the deepest checkpoint known: the walk starts there.
        walk = page_keys(
            scope,
            ref_id,
            viewer=_Staff() if staff else None,
            offset=0,
            limit=walked,
            filters=filters,
            after=keys[-1] if keys else None,
            branches=branches,
            with_order=True,
        )
        sql = (
            "SELECT (SELECT version FROM content_tracklistversion WHERE scope = %s), "  # noqa: S608 - page_keys' SQL
            "array_agg(created_at ORDER BY n), array_agg(id ORDER BY n) FROM ("
            "SELECT created_at, id, row_number() OVER (ORDER BY created_at DESC, id DESC) n "
            f"FROM ({walk.sql}) w0) w WHERE n %% %s = 0"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [VERSIONS[scope], *walk.params, CHECKPOINT_EVERY])
            read_version, dates, ids = cursor.fetchone()
        if read_version != version:  # written since the request read its counts
            return None
        keys = keys + list(zip(dates or [], ids or [], strict=True))
        _checkpoints.pop(key, None)  # the most recent last
        _checkpoints[key] = (version, keys)
        lists = [k for k in _checkpoints if k[2] or k[3] or k[4] != TrackCount.Scope.ALL]
        for old in lists[: max(0, len(lists) - CHECKPOINT_LISTS)]:
            del _checkpoints[old]
        return keys[index] if index < len(keys) else None


def track_get(*, viewer, track_id: int) -> Track:
    """A track the viewer may see, or 404 (hidden and missing look the same)."""
    track = Track.objects.visible_to(viewer).filter(pk=track_id).first()
    if track is None:
        raise NotFound()
    return track


def track_is_manageable(*, user, track: Track) -> bool:
    """May ``user`` write ``track`` (edit, delete, credits, lyrics, download as its owner)?
    Staff, and managers of the track's main artist. Managers of a featured artist may read the
    track (private ones too) and nothing more."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return TrackArtist.objects.filter(
        track=track, role=TrackArtist.Role.MAIN, artist__managers=user
    ).exists()


def linked_to(queryset: QuerySet[Track], links: QuerySet) -> QuerySet[Track]:
    """Tracks whose id is in ``links`` (a ``values("track_id")`` queryset of a link table).

    On PostgreSQL this is ``id = ANY(ARRAY(SELECT track_id ...))``: the linked ids are read
    once from the link table's index, then the tracks by primary key. A plain ``IN`` or
    ``EXISTS`` lets the planner walk the newest-first index over every visible track probing
    the link table per row, which for a tag on 250 of 100k tracks took 130-270 ms instead of
    a few ms (measured on bench/api_lists.py's scratch database).
    """
    if connection.vendor == "postgresql":
        return queryset.filter(pk__any_of=ArraySubquery(links))
    return queryset.filter(pk__in=links)


@BigAutoField.register_lookup
class AnyOf(Lookup):
    """``field = ANY(<array expression>)`` (PostgreSQL)."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def tracks_by_artist(*, viewer, artist: Artist, share: float | None = None) -> QuerySet[Track]:
    return tracks_in(track_list(viewer=viewer), TrackCount.Scope.ARTIST, [artist.pk], share=share)


def liked_tracks(*, user) -> QuerySet[Track]:
    """Newest like first. Driven from the user's likes (index ``tracklike_user_recent``) rather
    than a correlated "liked at" subquery computed and sorted for every liked track; the
    (user, track) unique constraint keeps one row per track."""
    return (
        Track.objects.visible_to(user)
        .filter(likes__user=user)
        .order_by("-likes__created_at", "-id")
    )


def liked_track_count(*, user) -> int | None:
    """Exact size of ``liked_tracks(user)`` from the trigger-kept ``liked`` counters (the user's
    likes by the liked track's visibility) plus, for a producer, the private tracks they may
    see and liked (a query over their own catalogue). None off PostgreSQL (capped count)."""
    if connection.vendor != "postgresql":
        return None
    staff = user.is_staff
    visibilities = [Visibility.PUBLIC, Visibility.PRIVATE] if staff else [Visibility.PUBLIC]
    sql = (
        "SELECT coalesce((SELECT sum(count) FROM content_trackcount WHERE scope = %s "  # noqa: S608 - placeholders
        f"AND ref_id = %s AND visibility IN ({', '.join(['%s'] * len(visibilities))})), 0)"
    )
    params: list = [TrackCount.Scope.LIKED, user.pk, *visibilities]
    if not staff:
        private_sql, private_params = _own_private_sql(
            TrackCount.Scope.LIKED, viewer_id=user.pk, ref_id=user.pk
        )
        sql += f" + (SELECT count(*) FROM ({private_sql}) AS own)"  # noqa: S608 - ORM SQL
        params += private_params
    sql, params, _ = inline_constants(sql, params)
    with prepared_cursor(connection) as cursor:  # as ``track_counts``
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])


def artist_list(*, order: str = "name") -> QuerySet[Artist]:
    orderings = {
        "name": ("name", "id"),
        "newest": ("-created_at", "-id"),
        "popular": ("-likes_count", "-id"),
    }
    return Artist.objects.order_by(*orderings.get(order, orderings["name"]))


def artist_get(*, artist_id: int) -> Artist:
    artist = Artist.objects.filter(pk=artist_id).first()
    if artist is None:
        raise NotFound()
    return artist


def artist_is_manageable(*, user, artist: Artist) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_staff or artist.managers.filter(pk=user.pk).exists()


def album_list(*, order: str = "newest") -> QuerySet[Album]:
    return Album.objects.order_by(*ORDERINGS.get(order, ORDERINGS["newest"]))


def album_get(*, album_id: int) -> Album:
    album = Album.objects.filter(pk=album_id).first()
    if album is None:
        raise NotFound()
    return album


def album_is_manageable(*, user, album: Album) -> bool:
    """Staff, and managers of the album's main (first) artist; the same rule as tracks."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return AlbumArtist.objects.filter(album=album, position=0, artist__managers=user).exists()


def albums_by_artist(*, artist: Artist) -> QuerySet[Album]:
    return album_list().filter(
        Exists(AlbumArtist.objects.filter(album=OuterRef("pk"), artist=artist))
    )


def albums_by_tag(*, tag: Tag) -> QuerySet[Album]:
    return album_list().filter(
        Exists(Album.tags.through.objects.filter(album=OuterRef("pk"), tag=tag))
    )


def genre_get(*, name: str) -> Genre:
    genre = Genre.objects.filter(name__iexact=name).first()
    if genre is None:
        raise NotFound()
    return genre


_COMPILED_NAMES = 20  # up to this many names, the lookup's SQL is compiled once per count


def _named_rows(shape: tuple[str, int], **names: str):
    scope, count = shape
    model = Genre if scope == TrackCount.Scope.GENRE else Tag
    wanted = [names[f"name{i}"] for i in range(count)]
    return model.objects.matching_squashed(wanted).values_list("pk", flat=True)


# ``?genre=`` / ``?tag=``: building and compiling the annotated lookup cost ~0.3 ms a request.
_named = CompiledQuery(_named_rows, **{f"name{i}": str for i in range(_COMPILED_NAMES)})


def named_ids(scope: str, names: list[str]) -> list[int]:
    """Ids of the genres (``scope`` genre) or tags matching any of ``names`` (``matching_any``:
    ignoring case, spaces, hyphens and underscores), in name order."""
    model = Genre if scope == TrackCount.Scope.GENRE else Tag
    wanted = sorted({squash(n) for n in names} - {""})
    if not wanted:  # no query, as the ORM (an empty IN)
        return []
    if len(wanted) > _COMPILED_NAMES:
        return list(model.objects.matching_squashed(wanted).values_list("pk", flat=True))
    values = {f"name{i}": name for i, name in enumerate(wanted)}
    return _named.rows((scope, len(wanted)), **values)


def _scope_ref_rows(scope: str, *, name: str | None = None, pk: int | None = None):
    if scope == TrackCount.Scope.ARTIST:
        return Artist.objects.filter(pk=pk).values_list("pk", flat=True)[:1]
    model = Genre if scope == TrackCount.Scope.GENRE else Tag
    return model.objects.filter(name__iexact=name).values_list("pk", flat=True)[:1]


# The lookup of a scoped list's genre, tag or artist, compiled once (the ORM's ``first()``
# cost more to build than to run on every page of ``/genres/{name}/tracks`` ...).
_scope_refs = CompiledQuery(_scope_ref_rows, name=str, pk=int)


def scope_ref_get(scope: str, *, name: str | None = None, pk: int | None = None) -> int:
    """The id of the genre or tag called ``name`` (ignoring case, as ``genre_get`` and
    ``tag_get``) or of the artist ``pk``, or 404."""
    found = _scope_refs.first(scope, **({"pk": pk} if pk is not None else {"name": name}))
    if found is None:
        raise NotFound()
    return found


def tag_get(*, name: str) -> Tag:
    tag = Tag.objects.filter(name__iexact=name).first()
    if tag is None:
        raise NotFound()
    return tag
