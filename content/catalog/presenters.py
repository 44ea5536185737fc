"""Output for catalog objects, built in bulk (Sentry's get_attrs pattern).

List endpoints fetch one page of rows with ``.values()`` and then each relation for the whole
page in a single query, so a page costs the same number of queries for 1 row or 100, and no
model instances are built on the hot path. Two tiers (docs/developers/auth.mdx): anonymous
viewers get the minimal public fields, authenticated viewers the rich ones. Storage paths and
file ids of audio are never part of any output.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.expressions import RawSQL

from beatpass.api.compiled import CompiledQuery, prepared_cursor
from beatpass.api.pagination import after as after_key
from beatpass.api.pagination import page_query, page_slice
from content.catalog import selectors
from content.catalog.models import (
    Album,
    AlbumArtist,
    AlbumLike,
    Artist,
    ArtistLike,
    ArtistLink,
    ExclusiveStatus,
    Genre,
    LicensingType,
    Tag,
    Track,
    TrackArtist,
    TrackCount,
    TrackLike,
)
from content.commerce.models import TrackStem
from content.commerce.money import as_json_number


def is_rich(viewer) -> bool:
    return bool(viewer is not None and viewer.is_authenticated)


def image_or_placeholder(*images: str | None) -> str | None:
    """The first image set, else the cover-art placeholder (help: track cover → album cover →
    placeholder); null when ``COVERART_PLACEHOLDER_URL`` is empty."""
    for image in images:
        if image:
            return image
    return settings.COVERART_PLACEHOLDER_URL or None


def duration_text(ms: int | None) -> str:
    seconds = (ms or 0) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# --- relations, one query each for a whole page -------------------------------------------------
#
# These run on every list request, so they are plain SQL on a cursor: compiling the equivalent
# ORM query (and binding 50 ids one by one) cost more than the database did for it. The SQL is
# built once from the models' own table and column names; the ids travel as one array.


def _relation_sql(
    through, owner: str, target: str, columns: Sequence[str], order: Sequence[str]
) -> str:
    """``SELECT owner_id, target_id, target.<columns> FROM through JOIN target ... ORDER BY``.

    ``order`` names fields of ``through``, or of the target with a ``target.`` prefix. The
    result keeps an ``{ids}`` slot for the ``WHERE owner_id`` condition.
    """
    qn = connection.ops.quote_name
    target_model = through._meta.get_field(target).related_model

    def col(name: str) -> str:
        if name.startswith("target."):
            model, name = target_model, name.removeprefix("target.")
        else:
            model = through
        return f"{qn(model._meta.db_table)}.{qn(model._meta.get_field(name).column)}"

    select = [col(owner), col(target), *(col(f"target.{c}") for c in columns)]
    target_pk = col(f"target.{target_model._meta.pk.name}")
    # Identifiers come from model metadata; the ids are always bound parameters.
    return (
        f"SELECT {', '.join(select)} FROM {qn(through._meta.db_table)} "  # noqa: S608
        f"INNER JOIN {qn(target_model._meta.db_table)} ON ({col(target)} = {target_pk}) "
        f"WHERE {col(owner)} {{ids}} ORDER BY {', '.join(col(name) for name in order)}"
    )


@cache
def _relation_sqls() -> dict[str, str]:
    return {
        "track_artists": _relation_sql(
            TrackArtist, "track", "artist", ("name", "image", "verified"), ("position", "id")
        ),
        "track_genres": _relation_sql(
            Track.genres.through, "track", "genre", ("name", "display_name"), ("target.name",)
        ),
        "track_tags": _relation_sql(
            Track.tags.through, "track", "tag", ("name",), ("target.name",)
        ),
        "album_artists": _relation_sql(
            AlbumArtist, "album", "artist", ("name", "image", "verified"), ("position", "id")
        ),
        "album_genres": _relation_sql(
            Album.genres.through, "album", "genre", ("name", "display_name"), ("target.name",)
        ),
        "album_tags": _relation_sql(
            Album.tags.through, "album", "tag", ("name",), ("target.name",)
        ),
    }


def _cursor(prepared: bool):
    """``prepared``: a ``prepared_cursor`` (PostgreSQL), for the hot list pages: planning a
    page's relation joins cost PostgreSQL about as much CPU as running them (at 10k, ~1.0
    -> ~0.53 ms of server CPU a signed-in page). Opt-in: a prepared statement's logged SQL
    carries ``$n`` placeholders, not its values, which tools replaying captured SQL (the
    benches) must know about."""
    if prepared and connection.vendor == "postgresql":
        return prepared_cursor(connection)
    return connection.cursor()


def _relation_rows(name: str, ids: Sequence[int], *, prepared: bool = False) -> list[tuple]:
    sql = _relation_sqls()[name]
    postgres = connection.vendor == "postgresql"
    with _cursor(prepared) as cursor:
        if postgres:
            cursor.execute(sql.format(ids="= ANY(%s)"), [list(ids)])
        else:  # the SQLite dev database has no arrays
            cursor.execute(sql.format(ids=f"IN ({', '.join(['%s'] * len(ids))})"), list(ids))
        return cursor.fetchall()


def _artists_by_owner(
    name: str, ids: Sequence[int], *, rich: bool, prepared: bool = False
) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    rows = _relation_rows(name, ids, prepared=prepared)
    for owner_id, artist_id, artist_name, image, verified in rows:
        item: dict[str, Any] = {"id": artist_id, "name": artist_name, "model_type": "artist"}
        if rich:
            item["image_small"] = image or None
            item["verified"] = bool(verified)
        out[owner_id].append(item)
    return out


def artists_for_tracks(
    track_ids: Sequence[int], *, rich: bool, prepared: bool = False
) -> dict[int, list[dict]]:
    return _artists_by_owner("track_artists", track_ids, rich=rich, prepared=prepared)


def _genres_by_owner(relation: str, ids: Sequence[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    for owner_id, genre_id, name, display in _relation_rows(relation, ids):
        out[owner_id].append(
            {"id": genre_id, "name": name, "display_name": display, "model_type": "genre"}
        )
    return out


def _tags_by_owner(relation: str, ids: Sequence[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    for owner_id, tag_id, name in _relation_rows(relation, ids):
        out[owner_id].append({"id": tag_id, "name": name, "model_type": "tag"})
    return out


def genres_for_tracks(track_ids: Sequence[int]) -> dict[int, list[dict]]:
    return _genres_by_owner("track_genres", track_ids)


def tags_for_tracks(track_ids: Sequence[int]) -> dict[int, list[dict]]:
    return _tags_by_owner("track_tags", track_ids)


@cache
def _track_relations_sql() -> str:
    """Artists, genres and tags of a page of tracks in one statement (one round trip, not three).

    A ``UNION ALL`` of the three relation queries, tagged with a ``kind`` (0 artists, 1 genres,
    2 tags) and sorted by kind, then each relation's own order (artists by credit position,
    genres and tags by name). Three ``{ids}`` slots, one per branch.
    """
    qn = connection.ops.quote_name

    def col(model, name: str) -> str:
        return f"{qn(model._meta.db_table)}.{qn(model._meta.get_field(name).column)}"

    artist, genre_link, tag_link = TrackArtist, Track.genres.through, Track.tags.through
    genre, tag = Genre, Tag
    # Identifiers come from model metadata; the ids are always bound parameters.
    return (
        f"SELECT 0, {col(artist, 'track')}, {col(Artist, 'id')}, {col(Artist, 'name')}, "  # noqa: S608
        f"{col(Artist, 'image')}, {col(Artist, 'verified')}, "
        f"{col(artist, 'position')} AS s1, {col(artist, 'id')} AS s2, '' AS s3 "
        f"FROM {qn(artist._meta.db_table)} INNER JOIN {qn(Artist._meta.db_table)} "
        f"ON ({col(artist, 'artist')} = {col(Artist, 'id')}) WHERE {col(artist, 'track')} {{ids}}"
        f" UNION ALL SELECT 1, {col(genre_link, 'track')}, {col(genre, 'id')}, "
        f"{col(genre, 'name')}, {col(genre, 'display_name')}, NULL, 0, 0, {col(genre, 'name')} "
        f"FROM {qn(genre_link._meta.db_table)} INNER JOIN {qn(genre._meta.db_table)} "
        f"ON ({col(genre_link, 'genre')} = {col(genre, 'id')}) "
        f"WHERE {col(genre_link, 'track')} {{ids}}"
        f" UNION ALL SELECT 2, {col(tag_link, 'track')}, {col(tag, 'id')}, {col(tag, 'name')}, "
        f"NULL, NULL, 0, 0, {col(tag, 'name')} "
        f"FROM {qn(tag_link._meta.db_table)} INNER JOIN {qn(tag._meta.db_table)} "
        f"ON ({col(tag_link, 'tag')} = {col(tag, 'id')}) WHERE {col(tag_link, 'track')} {{ids}}"
        " ORDER BY 1, 7, 8, 9"
    )


def track_relations(
    track_ids: Sequence[int], *, rich: bool, prepared: bool = False
) -> tuple[dict[int, list[dict]], dict[int, list[dict]], dict[int, list[dict]]]:
    """(artists, genres, tags) by track id, from one query: what ``artists_for_tracks``,
    ``genres_for_tracks`` and ``tags_for_tracks`` return, without two of their round trips."""
    sql = _track_relations_sql()
    ids = list(track_ids)
    postgres = connection.vendor == "postgresql"
    with _cursor(prepared) as cursor:  # ``prepared``: see ``_cursor``
        if postgres:
            cursor.execute(sql.format(ids="= ANY(%s)"), [ids, ids, ids])
        else:  # the SQLite dev database has no arrays
            slot = f"IN ({', '.join(['%s'] * len(ids))})"
            cursor.execute(sql.format(ids=slot), ids * 3)
        rows = cursor.fetchall()
    artists: dict[int, list[dict]] = defaultdict(list)
    genres: dict[int, list[dict]] = defaultdict(list)
    tags: dict[int, list[dict]] = defaultdict(list)
    for kind, owner_id, target_id, name, text, verified, *_order in rows:
        if kind == 0:
            item: dict[str, Any] = {"id": target_id, "name": name, "model_type": "artist"}
            if rich:
                item["image_small"] = text or None
                item["verified"] = bool(verified)
            artists[owner_id].append(item)
        elif kind == 1:
            genres[owner_id].append(
                {"id": target_id, "name": name, "display_name": text, "model_type": "genre"}
            )
        else:
            tags[owner_id].append({"id": target_id, "name": name, "model_type": "tag"})
    return artists, genres, tags


def genres_for_albums(album_ids: Sequence[int]) -> dict[int, list[dict]]:
    return _genres_by_owner("album_genres", album_ids)


def tags_for_albums(album_ids: Sequence[int]) -> dict[int, list[dict]]:
    return _tags_by_owner("album_tags", album_ids)


def artists_for_albums(album_ids: Sequence[int], *, rich: bool) -> dict[int, list[dict]]:
    return _artists_by_owner("album_artists", album_ids, rich=rich)


# --- tracks -------------------------------------------------------------------------------------

# The album's image is read with every track: a track without its own cover shows it.
TRACK_PUBLIC = ("id", "name", "image", "album__image", "created_at", "duration")
TRACK_RICH = TRACK_PUBLIC + (
    "bpm",
    "key",
    "scale",
    "plays",
    "likes_count",
    "description",
    "release_date",
    "visibility",
    "number",
    "updated_at",
    "album_id",
    "licensing_type",
    "exclusive_status",
    "exclusive_price",
    "currency",
)
TRACK_ALBUM = ("album__name",)


def track_rows(queryset: QuerySet[Track], *, viewer, include: Iterable[str] = ()) -> QuerySet:
    """The values() queryset a page of tracks is sliced from (adds ``is_liked`` when signed in).

    The album is joined only when ``include`` asks for it, so lists (and their counts) read
    the track table alone.
    """
    if not is_rich(viewer):
        return queryset.values(*TRACK_PUBLIC)
    liked = TrackLike.objects.filter(user=viewer, track=OuterRef("pk"))
    stems = TrackStem.objects.filter(track=OuterRef("pk"))
    fields = TRACK_RICH + TRACK_ALBUM if "album" in include else TRACK_RICH
    return queryset.annotate(is_liked=Exists(liked), has_stems=Exists(stems)).values(
        *fields, "is_liked", "has_stems"
    )


def present_tracks(
    rows: Iterable[dict], *, viewer, include: Iterable[str] = (), prepared: bool = False
) -> list[dict[str, Any]]:
    """``prepared``: the relations as prepared statements (``_cursor``)."""
    rows = list(rows)
    rich = is_rich(viewer)
    include = set(include)
    ids = [row["id"] for row in rows]
    if not ids:
        return []
    if rich:  # every relation: one round trip
        artists, genres, tags = track_relations(ids, rich=True, prepared=prepared)
    else:
        artists = artists_for_tracks(ids, rich=False, prepared=prepared)
        genres = genres_for_tracks(ids) if "genres" in include else None
        tags = None
    if rich:
        return [_rich_track(row, artists, genres, tags, "album" in include) for row in rows]
    out = []
    for row in rows:
        track_id = row["id"]
        item: dict[str, Any] = {
            "id": track_id,
            "name": row["name"],
            "image": image_or_placeholder(row["image"], row["album__image"]),
            "created_at": row["created_at"],
            "model_type": "track",
            "duration_text": duration_text(row["duration"]),
            "artists": artists.get(track_id, []),
        }
        if genres is not None:
            item["genres"] = genres.get(track_id, [])
        out.append(item)
    return out


_SOLD, _EXCLUSIVE_AVAILABLE = ExclusiveStatus.SOLD.value, LicensingType.EXCLUSIVE_AVAILABLE.value


def _rich_track(row: dict, artists: dict, genres: dict, tags: dict, album: bool) -> dict:
    """One signed-in track item: a single dict literal (the rows of a page are built in a
    loop where every helper call and dict merge showed in the profile). Same keys, order
    and values as ``pricing_fields`` and the public part."""
    track_id = row["id"]
    album_id = row["album_id"]
    exclusive_price = row["exclusive_price"]
    status = row["exclusive_status"]
    if exclusive_price is None:
        price = exact_price = None
    else:
        exact_price = as_json_number(exclusive_price)
        on_sale = (
            row["licensing_type"] == _EXCLUSIVE_AVAILABLE
            and status != _SOLD
            and row["visibility"] == "public"  # a private draft is not for sale (commerce rule)
        )
        price = exact_price if on_sale else None
    item = {
        "id": track_id,
        "name": row["name"],
        "image": row["image"] or row["album__image"] or image_or_placeholder(),
        "created_at": row["created_at"],
        "model_type": "track",
        "duration_text": duration_text(row["duration"]),
        "artists": artists.get(track_id, []),
        "genres": genres.get(track_id, []),
        "duration": row["duration"],
        "bpm": row["bpm"],
        "key": row["key"] or None,
        "scale": row["scale"] or None,
        "plays": row["plays"],
        "likes_count": row["likes_count"],
        "description": row["description"] or None,
        "release_date": row["release_date"],
        "visibility": row["visibility"],
        "number": row["number"],
        "updated_at": row["updated_at"],
        "album_id": album_id,
        "tags": tags.get(track_id, []),
        "is_liked": row["is_liked"],
        # pricing_fields, inlined
        "price": price,
        "currency": row["currency"],
        "licensing_type": row["licensing_type"],
        "exclusive_status": status,
        "exclusive_price": exact_price,
        "has_stems": bool(row.get("has_stems")),
    }
    if album:
        item["album"] = (
            {
                "id": album_id,
                "name": row["album__name"],
                "image": image_or_placeholder(row["album__image"]),
                "model_type": "album",
            }
            if album_id
            else None
        )
    return item


def pricing_fields(row: dict) -> dict[str, Any]:
    """auth.mdx's rich pricing fields. ``price`` is what the track sells for (its exclusive
    price while one can be bought), else null; amounts are JSON numbers of exact Decimals."""
    exclusive_price = row["exclusive_price"]
    on_sale = (
        row["licensing_type"] == LicensingType.EXCLUSIVE_AVAILABLE
        and row["exclusive_status"] != ExclusiveStatus.SOLD
        and exclusive_price is not None
        and row["visibility"] == "public"  # a private draft is not for sale (commerce rule)
    )
    return {
        "price": as_json_number(exclusive_price) if on_sale else None,
        "currency": row["currency"],
        "licensing_type": row["licensing_type"],
        "exclusive_status": row["exclusive_status"],
        "exclusive_price": as_json_number(exclusive_price) if exclusive_price is not None else None,
        # Stems (commerce) are delivered with the exclusive: the buyer sees whether any exist.
        "has_stems": bool(row.get("has_stems")),
    }


def present_track(track: Track, *, viewer, include: Iterable[str] = ()) -> dict[str, Any]:
    rows = track_rows(Track.objects.filter(pk=track.pk), viewer=viewer, include=include)
    return present_tracks(rows, viewer=viewer, include=include)[0]


def _stand_in_viewer(tier: str, viewer_id: int | None):
    """A viewer of a tier (``anonymous``, ``user``, ``staff``) for a compiled query: what the
    visibility and ``is_liked`` filters read of a viewer is its tier and its id."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser

    if tier == "anonymous":
        return AnonymousUser()
    return get_user_model()(pk=viewer_id, is_staff=tier == "staff", is_active=True)


def _tier_and_id(viewer) -> tuple[str, dict]:
    if not is_rich(viewer):
        return "anonymous", {}
    return ("staff" if viewer.is_staff else "user"), {"viewer_id": viewer.pk}


def _track_detail_rows(shape: tuple[str, bool], *, track_id: int, viewer_id: int | None = None):
    """``track_rows(Track.objects.visible_or_bought_by(viewer).filter(pk=track_id))`` for a
    viewer tier and whether the album is included: the exclusive buyer of a track hidden
    since still sees its page, as they keep its files."""
    tier, album = shape
    viewer = _stand_in_viewer(tier, viewer_id)
    return track_rows(
        Track.objects.visible_or_bought_by(viewer).filter(pk=track_id),
        viewer=viewer,
        include={"album"} if album else (),
    )


# Compiling the ORM query (visibility, the like annotation, the album join) cost more than
# running it: it is compiled once per viewer tier and include and replayed with the real ids.
_track_detail = CompiledQuery(_track_detail_rows, track_id=int, viewer_id=int)


def present_visible_track(
    track_id: int, *, viewer, include: Iterable[str] = ()
) -> dict[str, Any] | None:
    """The detail of a track the viewer may see (``Track.objects.visible_or_bought_by``), else None:
    hidden and missing look the same. One query for the row (SQL compiled once per tier),
    then the relations."""
    include = set(include)
    tier, ids = _tier_and_id(viewer)
    rows = _track_detail.rows((tier, "album" in include), track_id=track_id, **ids)
    items = present_tracks(rows, viewer=viewer, include=include)
    return items[0] if items else None


def _first_track_page(
    shape: tuple[str, str, bool, int], *, ref_id: int | None = None, viewer_id: int | None = None
):
    """Page 1 (``limit`` rows) of ``track_rows(selectors.track_list(viewer))``, for scope
    ``all``, or of the tracks of one genre, tag or artist (``selectors.tracks_in``, the plan
    its share picks), for a viewer tier. ``track_list_page`` uses it for an artist's tracks
    (the other scopes read their page keys, ``_keyed_track_pages``)."""
    scope, tier, walk, limit = shape
    viewer = _stand_in_viewer(tier, viewer_id)
    tracks = selectors.track_list(viewer=viewer)
    if scope != TrackCount.Scope.ALL:
        tracks = selectors.tracks_in(tracks, scope, [ref_id], share=1.0 if walk else 0.0)
    return page_query(track_rows(tracks, viewer=viewer), 0, limit)


# Building and compiling a list's page query (visibility, the sold filter, the scope's
# tracks, ``is_liked``, the deferred join) cost ~2 ms a request: page 1, the usual one, is
# compiled once per scope kind, viewer tier, plan and page size, and prepared (its constants
# written into the text: the generic plan is the one planned for a run, 1-1.5 ms of planning
# saved per request at 1M tracks).
_first_track_pages = CompiledQuery(_first_track_page, prepared=True, ref_id=int, viewer_id=int)


def _keyed_track_page(
    shape: tuple[str, str, int],
    *,
    offset: int,
    ref_id: int | None = None,
    viewer_id: int | None = None,
    after_at: datetime.datetime | None = None,
    after_id: int | None = None,
    **filters: int | str,
):
    """Rows ``offset .. offset + limit`` of the newest-first ``selectors.track_list(viewer)``
    (scope ``all``), of a genre's or tag's tracks in it (``selectors.tracks_in``) or of a
    user's liked tracks (``selectors.liked_tracks``), for a viewer tier: the page's ids picked
    from one index (``selectors.page_keys``), then their rows by primary key."""
    scope, tier, limit, branches, seek = shape
    viewer = _stand_in_viewer(tier, viewer_id)
    if scope == TrackCount.Scope.LIKED:
        tracks = selectors.liked_tracks(user=viewer)
    else:
        tracks = selectors.track_list(viewer=viewer)
    after = None if after_at is None else (after_at, after_id)
    keys = selectors.page_keys(
        scope,
        ref_id,
        viewer=viewer,
        offset=offset,
        limit=limit,
        filters=filters,
        after=after,
        branches=branches,
        seek=seek,
        prepared=True,
    )
    # ``id = ANY(ARRAY(keys))``: the page's rows by primary key. With ``id IN (keys)`` the
    # planner may hash the keys and scan the whole track table for them (it did at 10k: a
    # Seq Scan of every track to return 50).
    keys = RawSQL(f"ARRAY({keys.sql})", keys.params)  # noqa: S611 - page_keys' SQL
    return track_rows(tracks.filter(pk__any_of=keys), viewer=viewer)[:limit]


NEWEST = [("created_at", True), ("id", True)]  # the keyset order of ``after``

# Any page of the plain list, of a genre's, a tag's or the viewer's liked tracks, newest first:
# one statement per scope kind, viewer tier and page size, the offset a parameter.
_keyed_track_pages = CompiledQuery(
    _keyed_track_page,
    prepared=True,
    ref_id=int,
    offset=int,
    viewer_id=int,
    after_at=datetime.datetime,
    after_id=int,
    bpm_min=int,
    bpm_max=int,
    pitch_class=int,
    key_scale=str,
    scale=str,
    bpm_lo=int,
)


def track_list_page(
    rows: QuerySet | Callable[[], QuerySet],
    *,
    viewer,
    scope: str = TrackCount.Scope.ALL,
    ref_id: int = 0,
    share: float | None = None,
    offset: int,
    limit: int,
    filters: dict | None = None,
    after: list | None = None,
    counts: Callable[[], selectors.ListCounts | None] | None = None,
) -> list[dict]:
    """``page_slice(rows, offset, limit)`` where ``rows`` is ``track_rows`` of the unfiltered,
    newest-first ``selectors.track_list(viewer=viewer)`` (scope ``all``), of
    ``selectors.tracks_in`` it for one ``ref_id`` with the counters' ``share``, or of
    ``selectors.liked_tracks`` (scope ``liked``, ``ref_id`` the viewer). The plain, genre,
    tag and liked pages by their index (``_keyed_track_pages``); page 1 of an artist's by a
    query compiled once, its deeper pages by the ORM. ``filters``: the plain list's bpm, key
    and scale filters (``TrackFilter.indexed_filters``). ``after``: a cursor's newest-first
    key values ``[created_at, id]``, the rows after them (``offset`` 0). PostgreSQL only.
    ``rows`` may be a function returning that queryset: called only for the pages the ORM
    reads (building it costs more than a keyed page). ``counts``: the list's
    ``selectors.track_counts`` (or ``filter_counts`` with ``filters``) as this request read
    them (scope ``all``, a genre or a tag): a deep page then seeks from a checkpoint of the
    list at that version (``selectors.page_checkpoint``)."""
    tier, ids = _tier_and_id(viewer)
    if scope in selectors.PAGE_KEY_TABLES and not (after and scope == TrackCount.Scope.LIKED):
        if scope != TrackCount.Scope.ALL:
            ids["ref_id"] = ref_id
        if after is not None:
            ids["after_at"], ids["after_id"] = after
        branches: tuple = ()
        if filters:
            read = selectors.page_key_branches(filters)
            if read is None:  # no row can match
                return []
            branches, filters = read
        seek = False
        if scope in selectors.VERSIONS and after is None and counts:
            counted = counts()
            own = counted.own if counted else 0
            reach = (offset - own) // selectors.CHECKPOINT_EVERY * selectors.CHECKPOINT_EVERY
            if counted and counted.version is not None and reach > 0:
                checkpoint = selectors.page_checkpoint(
                    staff=tier == "staff",
                    version=counted.version,
                    position=reach - 1,
                    scope=scope,
                    ref_id=ref_id,
                    filters=filters,
                    branches=branches,
                )
                if checkpoint is not None:  # the public rows up to it are skipped
                    ids["after_at"], ids["after_id"] = checkpoint
                    offset, seek = offset - reach, True
        ids.update(filters or {})  # the names given are part of the compiled shape
        shape = (scope, tier, limit, branches, seek)
        return _keyed_track_pages.rows(shape, offset=offset, **ids)
    if after is not None or offset:
        rows = rows() if callable(rows) and not isinstance(rows, QuerySet) else rows
        if after is not None:
            return page_slice(rows.filter(after_key(NEWEST, after)), 0, limit)
        return page_slice(rows, offset, limit)
    shape = (scope, tier, share >= selectors.WALK_SHARE, limit)
    return _first_track_pages.rows(shape, ref_id=ref_id, **ids)


# --- artists ------------------------------------------------------------------------------------

ARTIST_PUBLIC = ("id", "name")
ARTIST_RICH = ARTIST_PUBLIC + ("image", "bio", "verified", "likes_count", "created_at")


def artist_rows(queryset: QuerySet[Artist], *, viewer) -> QuerySet:
    if not is_rich(viewer):
        return queryset.values(*ARTIST_PUBLIC)
    liked = ArtistLike.objects.filter(user=viewer, artist=OuterRef("pk"))
    return queryset.annotate(is_liked=Exists(liked)).values(*ARTIST_RICH, "is_liked")


def present_artists(
    rows: Iterable[dict], *, viewer, include: Iterable[str] = ()
) -> list[dict[str, Any]]:
    rows = list(rows)
    rich = is_rich(viewer)
    include = set(include)
    links: dict[int, list[dict]] = defaultdict(list)
    if rich and "links" in include and rows:
        for link in ArtistLink.objects.filter(artist_id__in=[r["id"] for r in rows]).values(
            "id", "artist_id", "title", "url"
        ):
            links[link.pop("artist_id")].append(link)
    out = []
    for row in rows:
        item: dict[str, Any] = {"id": row["id"], "name": row["name"], "model_type": "artist"}
        if rich:
            item.update(
                {
                    "image_small": row["image"] or None,
                    "bio": row["bio"] or None,
                    "verified": row["verified"],
                    "likes_count": row["likes_count"],
                    "created_at": row["created_at"],
                    "is_liked": row["is_liked"],
                }
            )
            if "links" in include:
                item["links"] = links.get(row["id"], [])
        out.append(item)
    return out


def present_artist(artist: Artist, *, viewer, include: Iterable[str] = ()) -> dict[str, Any]:
    rows = artist_rows(Artist.objects.filter(pk=artist.pk), viewer=viewer)
    return present_artists(rows, viewer=viewer, include=include)[0]


# --- albums -------------------------------------------------------------------------------------

ALBUM_PUBLIC = ("id", "name", "image", "release_date")
ALBUM_RICH = ALBUM_PUBLIC + ("description", "plays", "likes_count", "created_at", "updated_at")


def album_rows(queryset: QuerySet[Album], *, viewer) -> QuerySet:
    if not is_rich(viewer):
        return queryset.values(*ALBUM_PUBLIC)
    liked = AlbumLike.objects.filter(user=viewer, album=OuterRef("pk"))
    return queryset.annotate(is_liked=Exists(liked)).values(*ALBUM_RICH, "is_liked")


def present_albums(
    rows: Iterable[dict], *, viewer, include: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """``include`` may ask for ``genres`` and ``tags`` (one query each for all the rows)."""
    rows = list(rows)
    rich = is_rich(viewer)
    include = set(include)
    ids = [r["id"] for r in rows]
    artists = artists_for_albums(ids, rich=rich) if rows else {}
    genres = genres_for_albums(ids) if rows and "genres" in include else None
    tags = tags_for_albums(ids) if rows and "tags" in include else None
    out = []
    for row in rows:
        item: dict[str, Any] = {
            "id": row["id"],
            "name": row["name"],
            "model_type": "album",
            "image": image_or_placeholder(row["image"]),
            "release_date": row["release_date"],
            "artists": artists.get(row["id"], []),
        }
        if rich:
            item.update(
                {
                    "description": row["description"] or None,
                    "plays": row["plays"],
                    "likes_count": row["likes_count"],
                    "created_at": row["created_at"],
                    "updated_at": row["updated_at"],
                    "is_liked": row["is_liked"],
                }
            )
        if genres is not None:
            item["genres"] = genres.get(row["id"], [])
        if tags is not None:
            item["tags"] = tags.get(row["id"], [])
        out.append(item)
    return out


def present_album(
    album: Album, *, viewer, tracks: list[dict] | None = None, include: Iterable[str] = ()
) -> dict[str, Any]:
    item = present_albums(
        album_rows(Album.objects.filter(pk=album.pk), viewer=viewer),
        viewer=viewer,
        include=include,
    )[0]
    if tracks is not None:
        item["tracks"] = tracks
    return item


def present_genre(genre) -> dict[str, Any]:
    return {
        "id": genre.id,
        "name": genre.name,
        "display_name": genre.display_name,
        "model_type": "genre",
    }
