"""Reads for waveforms (one track's row, many tracks' peaks in a single query) and for a
download (the track, its file, the rendition, the credits and the whole download policy in one
query)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import F, FilteredRelation, OuterRef, Q, QuerySet
from rest_framework.exceptions import NotFound

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


# Stand-ins for the values that change between downloads, so that the SQL of ``_download_rows``
# is compiled once per shape and reused with the real values (see ``_Statement``).
_STAND_IN_TRACK = -7_203_000_001
_STAND_IN_USER = -7_203_000_002
_STAND_IN_NOW = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)


@dataclass(frozen=True)
class _Statement:
    """``_download_rows`` compiled once: building and compiling that queryset (some twenty
    subqueries and joins) costs several milliseconds of Python per request, more than the
    query itself. The SQL keeps its parameters; the stand-ins among them are swapped for the
    request's values, and Django's own converters turn the row into Python values."""

    sql: str
    params: tuple
    names: list[str]
    converters: dict

    @classmethod
    def compile(cls, *, staff: bool | None, fmt: str) -> _Statement:
        user_model = get_user_model()
        viewer = None if staff is None else user_model(pk=_STAND_IN_USER, is_staff=staff)
        rows = _download_rows(viewer=viewer, track_id=_STAND_IN_TRACK, fmt=fmt, now=_STAND_IN_NOW)
        compiler = rows.query.get_compiler(using=rows.db)
        sql, params = compiler.as_sql()
        query = rows.query
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        converters = compiler.get_converters([col for col, _, _ in compiler.select])
        found = {_stand_in(p) for p in params} - {None}
        expected = {"track"} if staff is None else {"track", "user", "now"}
        if found != expected:  # a value went into the SQL text, or a stand-in was lost
            raise RuntimeError(f"download query: stand-ins {found}, expected {expected}")
        return cls(sql, tuple(params), names, converters)

    def run(self, *, viewer, track_id: int, now: datetime) -> dict | None:
        real = {"track": track_id, "user": getattr(viewer, "pk", None), "now": now}
        params = [real[_stand_in(p)] if _stand_in(p) else p for p in self.params]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for position, (converters, expression) in self.converters.items():
            for converter in converters:
                row[position] = converter(row[position], expression, connection)
        return dict(zip(self.names, row, strict=True))


def _stand_in(value) -> str | None:
    if type(value) is int and value == _STAND_IN_TRACK:
        return "track"
    if type(value) is int and value == _STAND_IN_USER:
        return "user"
    if isinstance(value, datetime) and value == _STAND_IN_NOW:
        return "now"
    return None


_statements: dict[tuple, _Statement] = {}


def download_track_get(*, viewer, track_id: int, fmt: str) -> Track:
    """The track ``viewer`` asks to download (404 when hidden or missing), read in one query
    with everything the download needs: its file entry, the ``fmt`` rendition of it
    (``track.download_rendition``, None when there is none), the credited artists' names in
    credit order (``track.download_artist_names``), and, for an authenticated viewer, the
    download policy's facts (``content.licensing.selectors.download_facts_of(track, user=viewer)``).

    On PostgreSQL the SQL is compiled once per (format, anonymous/user/staff) and reused."""
    authenticated = viewer is not None and viewer.is_authenticated
    now = clock.now()
    if connection.vendor == "postgresql":
        staff = bool(viewer.is_staff) if authenticated else None
        key = (connection.alias, fmt, staff)
        statement = _statements.get(key)
        if statement is None:
            statement = _statements[key] = _Statement.compile(staff=staff, fmt=fmt)
        values = statement.run(viewer=viewer, track_id=track_id, now=now)
    else:
        values = _download_rows(viewer=viewer, track_id=track_id, fmt=fmt, now=now).first()
    if values is None:
        raise NotFound()
    track = Track.from_db(connection.alias, _TRACK_FIELDS, [values[f] for f in _TRACK_FIELDS])
    if values["dl_file_id"] is not None:
        track.file = FileEntry.from_db(
            connection.alias, _ENTRY_FIELDS, [values[f"dl_file_{f}"] for f in _ENTRY_FIELDS]
        )
    for name, value in values.items():
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
