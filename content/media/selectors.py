"""Reads for waveforms (one track's row, many tracks' peaks in a single query) and for a
download (the track, its file, the rendition, the credits and the whole download policy in one
query)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import F, FilteredRelation, JSONField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject
from psycopg import sql as psycopg_sql
from rest_framework.exceptions import NotFound

from beatpass.api.compiled import CompiledQuery
from content import clock
from content.catalog.models import Track, TrackArtist
from content.licensing.selectors import with_download_facts
from content.media.models import AudioRendition, ProcessingStatus, TrackWaveform
from content.uploads.models import FileEntry


def waveform_for(*, track: Track) -> TrackWaveform | None:
    return TrackWaveform.objects.filter(track=track).first()


def waveform_batch(*, viewer, track_ids: Sequence[int]) -> dict[int, list[float] | None]:
    """{track id: peaks or None} for the tracks ``viewer`` may see; one query (visibility
    subquery and a LEFT JOIN on the waveform). Invisible and missing ids are left out."""
    rows = (
        Track.objects.visible_to(viewer)
        .filter(pk__in=list(track_ids))
        .values_list("pk", "waveform__status", "waveform__peaks")
    )
    return {
        pk: (peaks if status == ProcessingStatus.COMPLETED else None) for pk, status, peaks in rows
    }


# --- downloads ------------------------------------------------------------------------------------

_RENDITION_FIELDS = ("id", "source_file_id", "format", "status", "file", "size")
_TRACK_FIELDS = [f.attname for f in Track._meta.concrete_fields]
_ENTRY_FIELDS = [f.attname for f in FileEntry._meta.concrete_fields]


def _download_rows(*, viewer, track_id: int, fmt: str, now: datetime) -> QuerySet:
    """The one query of a download, as a ``values()`` queryset (one row or none)."""
    tracks = (
        Track.objects.visible_or_bought_by(viewer)
        .filter(pk=track_id)
        .annotate(
            dl_rendition=FilteredRelation(
                "file__renditions", condition=Q(file__renditions__format=fmt)
            ),
            **{f"dl_rendition_{f}": F(f"dl_rendition__{f}") for f in _RENDITION_FIELDS},
            **{
                f"dl_file_{f.attname}": F(f"file__{f.name}")
                for f in FileEntry._meta.concrete_fields
            },
        )
    )
    if connection.vendor == "postgresql":
        credits = TrackArtist.objects.filter(track=OuterRef("pk")).order_by("position", "id")
        tracks = tracks.annotate(dl_artist_names=ArraySubquery(credits.values("artist__name")))
    if viewer is not None and viewer.is_authenticated:
        tracks = with_download_facts(tracks, user=viewer, now=now)
    return tracks.order_by().values(*_TRACK_FIELDS, *tracks.query.annotations)


def _download_rows_of(shape: tuple[str, bool | None], *, track_id: int, user_id=None, now=None):
    """``_download_rows`` for a format and a viewer kind (None: anonymous, else ``is_staff``)."""
    fmt, staff = shape
    viewer = None if staff is None else get_user_model()(pk=user_id, is_staff=staff)
    return _download_rows(viewer=viewer, track_id=track_id, fmt=fmt, now=now)


# Building and compiling ``_download_rows`` (some twenty subqueries and joins) costs several
# milliseconds of Python per request, more than the query itself: it is compiled once per
# (format, anonymous/user/staff) and replayed with the request's track, user and instant.
_download = CompiledQuery(_download_rows_of, track_id=int, user_id=int, now=datetime)


def _download_with_viewer_rows(shape: str, *, track_id: int, user_id: int, now: datetime):
    """``_download_rows`` for a non-staff user (``shape``: the format) plus that user's row as
    ``dl_viewer`` (a JSON object of ``is_active``, ``is_staff``, ``password``; null when there
    is no such user): the lean download path authenticates in the download's own statement."""
    user_model = get_user_model()
    viewer = user_model.objects.filter(pk=user_id).values(
        json=JSONObject(is_active="is_active", is_staff="is_staff", password=F("password"))
    )
    rows = _download_rows_of((shape, False), track_id=track_id, user_id=user_id, now=now)
    return rows.annotate(dl_viewer=Subquery(viewer[:1], output_field=JSONField()))


class _EmbeddableQuery(CompiledQuery):
    """A ``CompiledQuery`` whose compiled SQL can also be run inside a statement of the
    caller's (``sql``): the lean download's ``download_serve_and_record_send``."""

    def sql(self, shape, /, *, using: str = DEFAULT_DB_ALIAS, **values) -> tuple[str, list]:
        """The compiled statement's SQL and its parameters for ``values`` (PostgreSQL only:
        elsewhere the queryset is not compiled), as ``rows`` would run it."""
        if connections[using].vendor != "postgresql":
            raise TypeError("sql needs PostgreSQL")
        self._check(values)
        key = (shape, tuple(sorted(values)), using)
        statement = self._statements.get(key)
        if statement is None:
            with self._lock:
                statement = self._statements.get(key)
                if statement is None:
                    statement = self._statements[key] = self._compile(shape, sorted(values), using)
        inlined = self._inlined.get(key)
        if inlined is None:
            inlined = self._inlined[key] = _inline_constants(statement, connections[using])
        sql, names = inlined
        return sql, [values[name] for name in names]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._inlined: dict[tuple, tuple[str, tuple[str, ...]]] = {}


_PLACEHOLDER = re.compile(r"(%%|%s)")


def _inline_constants(statement, conn) -> tuple[str, tuple[str, ...]]:
    """``statement``'s SQL with its constant parameters (every one but the stood-in values:
    the same for every request of the shape) written as SQL literals, and the names of the
    values its remaining placeholders take, in order: fewer parameters to adapt and send per
    request (they were two thirds of the download statement's). Literals by psycopg
    (``sql.Literal``: quoting and escaping), a ``%`` in one doubled as the placeholders
    need."""
    slots = dict(statement.slots)
    conn.ensure_connection()
    out, names, index = [], [], 0
    for part in _PLACEHOLDER.split(statement.sql):
        if part != "%s":
            out.append(part)
            continue
        if index in slots:
            out.append(part)
            names.append(slots[index])
        else:
            literal = psycopg_sql.Literal(statement.params[index]).as_string(conn.connection)
            out.append(literal.replace("%", "%%"))
        index += 1
    if index != len(statement.params):  # pragma: no cover - Django's SQL is all %s / %%
        raise ValueError("placeholders and parameters differ in number")
    return "".join(out), tuple(names)


# Prepared: planning this statement cost 3x running it (1.5 ms vs 0.5 ms a round trip).
_download_with_viewer = CompiledQuery(
    _download_with_viewer_rows, prepared=True, track_id=int, user_id=int, now=datetime
)


def download_track_and_viewer_get(
    *, user_id: int, track_id: int, fmt: str, now: datetime | None = None, around=None
) -> tuple[Track, dict | None, dict] | None:
    """``download_track_get`` for the user ``user_id`` taken as signed in and not staff, and
    that user's ``is_active``, ``is_staff`` and ``password`` (None: no such user), in one
    statement; None when the track is missing or hidden from a non-staff user (the caller
    then asks ``download_track_get`` with the authenticated user, who may be staff).

    The facts are those of a non-staff user: the caller must not use them for a staff one.
    ``around``: a ``beatpass.api.compiled.Around`` statement to run this read in (the lean
    download's read-and-record); its columns are the third item (else an empty dict)."""
    values = _download_with_viewer.first(
        fmt, track_id=track_id, user_id=user_id, now=now or clock.now(), around=around
    )
    if values is None:
        return None
    extra = {name: values.pop(name) for name in (around.names if around else ())}
    return _download_track_of(values), values["dl_viewer"], extra


# What the lean download's statement reads of ``_download_with_viewer_rows``: its condition's
# facts (``content.media.services.downloads._READ_AND_RECORD``) and what serving needs, nothing
# else (narrower rows to materialise and send; no subquery whose answer is not read).
_LEAN_FIELDS = (
    "id",
    "name",
    "free_download",
    "exclusive_status",
    "exclusive_buyer_id",
    "dl_file_id",
    "dl_file_file",
    "dl_file_size",
    "dl_file_mime",
    "dl_file_extension",
    "dl_rendition_status",
    "dl_rendition_file",
    "dl_rendition_size",
    "dl_rendition_format",
    "dl_artist_names",
    "dl_viewer",
    "dl_owner",
    "dl_license",
    "dl_fingerprint",
    "dl_subscription",
)


def _download_lean_rows(shape: str, *, track_id: int, user_id: int, now: datetime):
    rows = _download_with_viewer_rows(shape, track_id=track_id, user_id=user_id, now=now)
    return rows.values(*_LEAN_FIELDS)


_download_lean = _EmbeddableQuery(_download_lean_rows, track_id=int, user_id=int, now=datetime)


def download_track_and_viewer_statement(
    *, fmt: str, track_id: int, user_id: int, now: datetime
) -> tuple[str, list]:
    """``download_track_and_viewer_get``'s statement, reading only ``_LEAN_FIELDS``, as (SQL,
    parameters), for a statement built around it (the lean download's
    ``download_serve_and_record_send``). PostgreSQL."""
    return _download_lean.sql(fmt, track_id=track_id, user_id=user_id, now=now)


def download_track_get(*, viewer, track_id: int, fmt: str) -> Track:
    """The track ``viewer`` asks to download (404 when hidden or missing), read in one query
    with everything the download needs: its file entry, the ``fmt`` rendition of it
    (``track.download_rendition``, None when there is none), the credited artists' names in
    credit order (``track.download_artist_names``), and, for an authenticated viewer, the
    download policy's facts (``content.licensing.selectors.download_facts_of(track, user=viewer)``).

    The SQL is compiled once per (format, anonymous/user/staff) and reused (``_download``)."""
    if viewer is not None and viewer.is_authenticated:
        shape = (fmt, bool(viewer.is_staff))
        values = _download.first(shape, track_id=track_id, user_id=viewer.pk, now=clock.now())
    else:
        values = _download.first((fmt, None), track_id=track_id)
    if values is None:
        raise NotFound()
    return _download_track_of(values)


def _download_track_of(values: dict) -> Track:
    track = Track.from_db(connection.alias, _TRACK_FIELDS, [values[f] for f in _TRACK_FIELDS])
    if values["dl_file_id"] is not None:
        track.file = FileEntry.from_db(
            connection.alias, _ENTRY_FIELDS, [values[f"dl_file_{f}"] for f in _ENTRY_FIELDS]
        )
    for name, value in values.items():
        if name == "dl_viewer":
            continue
        if name.startswith("dl_") and not name.startswith(("dl_file_", "dl_rendition_")):
            setattr(
                track, name, value
            )  # the policy's facts: ``download_facts_of(track, user=viewer)``
    track.download_rendition = None
    if values["dl_rendition_id"] is not None:
        track.download_rendition = AudioRendition.from_db(
            connection.alias,
            list(_RENDITION_FIELDS),
            [values[f"dl_rendition_{f}"] for f in _RENDITION_FIELDS],
        )
    if "dl_artist_names" in values:
        track.download_artist_names = list(values["dl_artist_names"])
    else:
        track.download_artist_names = list(
            TrackArtist.objects.filter(track=track)
            .order_by("position", "id")
            .values_list("artist__name", flat=True)
        )
    return track
