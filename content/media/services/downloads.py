"""Download events and the HTTP response that serves a track's original file.

A whole file is a ``FileResponse`` (the WSGI server's ``wsgi.file_wrapper``: ``sendfile`` under
gunicorn); a single HTTP byte range (206) streams from storage in 64 KB blocks (never the whole
file in memory); an unsatisfiable one is a 416. The transfer can also be handed to the web
server instead (``DOWNLOAD_ACCEL_MODE``: ``nginx`` → ``X-Accel-Redirect``, ``apache`` →
``X-Sendfile``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone

from beatpass.api.compiled import Around, prepared_send
from content.catalog.models import Track
from content.licensing import services as licensing
from content.licensing.models import License
from content.licensing.selectors import DownloadDecision
from content.media.models import AudioRendition, Download, ProcessingStatus
from content.media.services.renditions import rendition_request
from content.uploads.models import FileEntry

BLOCK = 64 * 1024
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(Exception):
    pass


# No file is anywhere near 10**18 bytes; past this length the digits are only an attempt to make
# int() work hard (or fail: Python refuses to parse more than 4300 digits).
_MAX_POSITION_DIGITS = 18


def _position(digits: str) -> int | None:
    """A byte position of a Range header; absurdly long numbers saturate (they lie past any
    file, so a start is unsatisfiable and an end or a suffix means "to the end")."""
    if not digits:
        return None
    stripped = digits.lstrip("0") or "0"
    if len(stripped) > _MAX_POSITION_DIGITS:
        return 10**_MAX_POSITION_DIGITS
    return int(stripped)


def hash_ip(ip: str | None) -> str:
    """Salted SHA-256 of the client IP; the raw address is never stored."""
    if not ip:
        return ""
    salt = getattr(settings, "DOWNLOAD_IP_HASH_SALT", "") or settings.SECRET_KEY
    return hashlib.sha256(f"{salt}:{ip}".encode()).hexdigest()


def download_record(
    *, track: Track, user, ip: str | None, license: License | None = None, fmt: str = ""
) -> None:
    """Record one download event.

    Outside a transaction on PostgreSQL, the row is committed asynchronously: one round trip
    of ``SET LOCAL synchronous_commit TO OFF; INSERT ...`` (both statements run in the one
    implicit transaction of that query string). The INSERT is still done, constraints checked
    and any error raised before the file is sent; only the wait for the WAL flush is skipped,
    which on a busy disk was the slowest part of a download (0.4-4 ms against 0.1 ms). The
    price: a database crash within a fraction of a second (3 x ``wal_writer_delay``) may lose
    the latest download events, never a license (licenses commit normally). Inside a
    transaction (a first license) the row commits with it.
    """
    row = Download(
        track=track,
        user=user if user is not None and user.is_authenticated else None,
        ip_hash=hash_ip(ip),
        license=license,
        format=fmt,
    )
    if (
        connection.vendor != "postgresql"
        or connection.in_atomic_block
        or connection.settings_dict["OPTIONS"].get("server_side_binding")  # one statement only
    ):
        row.save(force_insert=True)
        return
    fields = [f for f in Download._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(Download._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    insert = f"INSERT INTO {table} ({columns}) VALUES ({values})"  # noqa: S608 - model names
    sql = f"SET LOCAL synchronous_commit TO OFF; {insert}"
    # As Django's INSERT compiler does: pre_save fills the timestamps, then the db value.
    params = [f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- the lean path's read-and-record --------------------------------------------------------------

# The download's read (``download_track_and_viewer_get``) and, in the same statement, the
# ``Download`` row of the common case — a whole-file download by an active non-staff user who
# owns the track, or it is a free download, or who holds an active license and may still use
# it — committed asynchronously (``set_config(..., true)`` lasts until the statement's own
# implicit transaction commits). The condition restates ``download_policy``'s routes that serve
# without issuing; the caller decides again in Python from the same row and deletes the row if
# the two ever disagree (``download_unrecord``), so the policy stays the one authority.
_READ_AND_RECORD = """WITH facts AS MATERIALIZED ({inner}),
recorded AS (
    INSERT INTO {table} ({columns})
    SELECT %s, %s, f.id, %s, %s, %s,
           CASE WHEN f.dl_owner OR (f.free_download AND NOT sold_to_other) THEN NULL
                ELSE (f.dl_license ->> 'id')::bigint END
    FROM facts f,
         LATERAL (SELECT f.exclusive_status = {sold}
                         AND f.exclusive_buyer_id IS DISTINCT FROM %s AS sold_to_other) s
    WHERE f.dl_file_id IS NOT NULL
      AND (f.dl_rendition_status = {completed}
           OR (%s = 'wav' AND (lower(f.dl_file_extension) = '.wav'
                               OR f.dl_file_mime = ANY({wav_mimes})))
           OR (%s = 'mp3' AND (lower(f.dl_file_extension) = '.mp3' OR f.dl_file_mime = {mp3_mime})))
      AND (f.dl_viewer ->> 'is_active')::boolean
      AND NOT (f.dl_viewer ->> 'is_staff')::boolean
      AND upper(md5(f.dl_viewer ->> 'password')) IS NOT DISTINCT FROM %s
      AND (f.dl_owner
           OR (f.free_download AND NOT sold_to_other)
           OR (f.dl_license IS NOT NULL AND f.dl_fingerprint = {fingerprinted} AND NOT sold_to_other
               AND (f.dl_subscription IS NOT NULL
                    OR (f.exclusive_status = {sold} AND f.exclusive_buyer_id = %s))))
      AND set_config('synchronous_commit', 'off', true) = 'off'
    RETURNING id, license_id
)
"""
_READ = "SELECT f.*, r.id, r.license_id FROM facts f LEFT JOIN recorded r ON true"


def _read_and_record_sql(inner: str, select: str = _READ) -> str:
    from content.catalog.models import ExclusiveStatus
    from content.fingerprints.models import Fingerprint

    names = ("created_at", "updated_at", "track", "user", "ip_hash", "format", "license")
    quote = connection.ops.quote_name
    return (
        _READ_AND_RECORD.format(
            inner=inner,
            table=quote(Download._meta.db_table),
            columns=", ".join(quote(Download._meta.get_field(n).column) for n in names),
            # constants, written as literals (not parameters to adapt on every request)
            sold=_literal(ExclusiveStatus.SOLD.value),
            completed=_literal(ProcessingStatus.COMPLETED.value),
            wav_mimes=f"ARRAY[{', '.join(_literal(m) for m in LOSSLESS_WAV_MIMES)}]",
            mp3_mime=_literal("audio/mpeg"),
            fingerprinted=_literal(Fingerprint.Status.COMPLETED.value),
        )
        + select
    )


def _literal(value: str) -> str:
    """A constant of ours as an SQL string literal (plain characters only, asserted)."""
    if not re.fullmatch(r"[a-z0-9_./-]+", value):
        raise ValueError(f"not a plain constant: {value!r}")
    return f"'{value}'"


# The lean path's statement: the same read and record, but it returns only what serving the
# recorded download needs (the row, the license's UUID, the file to send, the file name's
# parts), and nothing when no row was recorded (the DRF view then reads and answers).
_SERVE = """SELECT r.id, r.license_id, f.dl_license ->> 'uuid', f.name, f.dl_artist_names,
       f.dl_file_file, f.dl_file_size, f.dl_file_mime, f.dl_file_extension,
       f.dl_rendition_status, f.dl_rendition_file, f.dl_rendition_size, f.dl_rendition_format
FROM facts f JOIN recorded r ON true"""


_SERVE_SQL: dict[str, str] = {}  # inner statement -> the lean statement around it


def _serve_and_record_sql(inner: str) -> str:
    return _read_and_record_sql(inner, _SERVE)


def download_read_and_record(
    *, user_id: int, track_id: int, fmt: str, ip: str | None, revoke_claim: str | None
):
    """``download_track_and_viewer_get`` and, in the same statement (one round trip), the
    ``Download`` row when the common case holds (see ``_READ_AND_RECORD``): (track, the
    user's row, the recorded row as ``{"id", "license_id"}`` or None), or None (no such
    visible track). ``revoke_claim``: the token's password-hash claim."""
    from content.media.selectors import download_track_and_viewer_get

    if connection.vendor != "postgresql":  # make run's SQLite: read only, the view records
        found = download_track_and_viewer_get(user_id=user_id, track_id=track_id, fmt=fmt)
        return None if found is None else (found[0], found[1], None)
    now = timezone.now()
    around = Around(
        sql=_read_and_record_sql,
        params=_record_params(user_id=user_id, fmt=fmt, ip=ip, revoke_claim=revoke_claim, now=now),
        names=("dl_recorded_id", "dl_recorded_license_id"),
    )
    found = download_track_and_viewer_get(
        user_id=user_id, track_id=track_id, fmt=fmt, now=now, around=around
    )
    if found is None:
        return None
    track, viewer, extra = found
    recorded = None
    if extra["dl_recorded_id"] is not None:
        recorded = {"id": extra["dl_recorded_id"], "license_id": extra["dl_recorded_license_id"]}
    return track, viewer, recorded


def _record_params(*, user_id: int, fmt: str, ip: str | None, revoke_claim, now) -> tuple:
    """The values of ``_READ_AND_RECORD``'s own placeholders, in order."""
    return (
        now,
        now,
        user_id,
        hash_ip(ip),
        fmt,  # the row
        user_id,  # sold_to_other
        fmt,
        fmt,
        revoke_claim,
        user_id,  # the exclusive buyer
    )  # fmt: skip


@dataclass(frozen=True)
class Recorded:
    """A download ``download_serve_and_record`` recorded: the ``Download`` row (``id``), its
    license (None: an owner's or a free download), what to send and the file name's parts."""

    id: int
    license_id: int | None
    license_uuid: str | None
    served: Servable
    track_name: str
    artist_names: list[str]


class PendingServe:
    """``download_serve_and_record_send`` in flight: ``result()`` reads its answer (a
    ``Recorded``, or None: nothing recorded, the caller hands the request over); ``close()``
    always, in a ``finally``."""

    __slots__ = ("_fmt", "_pending")

    def __init__(self, pending, fmt: str) -> None:
        self._pending, self._fmt = pending, fmt

    def result(self) -> Recorded | None:
        row = self._pending.fetchone()
        if row is None:
            return None
        (row_id, license_id, license_uuid, name, artist_names, entry_file, entry_size,
         entry_mime, entry_extension, rendition_status, rendition_file, rendition_size,
         rendition_format) = row  # fmt: skip
        served = _servable(
            fmt=self._fmt,
            entry=(entry_file, entry_size, entry_mime, entry_extension),
            rendition=(rendition_status, rendition_file, rendition_size, rendition_format),
        )
        return Recorded(
            id=row_id,
            license_id=license_id,
            license_uuid=license_uuid if license_id is not None else None,
            served=served,
            track_name=name,
            artist_names=list(artist_names),
        )

    def close(self) -> None:
        self._pending.close()


def download_serve_and_record_send(
    *, user_id: int, track_id: int, fmt: str, ip: str | None, revoke_claim: str | None
) -> PendingServe | None:
    """The lean download's one statement, sent now: ``download_read_and_record``'s read and
    record (the same condition, the same row), returning only what serving a recorded download
    needs (``Recorded``). None where it cannot be sent apart (not PostgreSQL, a query log or an
    execute wrapper observing the connection, prepared statements off): the caller then takes
    ``download_read_and_record``."""
    from content.media.selectors import download_track_and_viewer_statement

    conn = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: no proxy lookups per attribute
    if conn.vendor != "postgresql":
        return None
    now = timezone.now()
    sql, params = download_track_and_viewer_statement(
        fmt=fmt, track_id=track_id, user_id=user_id, now=now
    )
    outer = _SERVE_SQL.get(sql)
    if outer is None:
        if len(_SERVE_SQL) >= 16:  # one per format: bounded all the same
            _SERVE_SQL.clear()
        outer = _SERVE_SQL[sql] = _serve_and_record_sql(sql)
    record = _record_params(user_id=user_id, fmt=fmt, ip=ip, revoke_claim=revoke_claim, now=now)
    pending = prepared_send(conn, outer, [*params, *record])
    return None if pending is None else PendingServe(pending, fmt)


def download_unrecord(*, recorded: dict) -> None:
    """Delete a row ``download_read_and_record`` wrote for a request that is not served that
    way after all (the policy decided otherwise, a throttle refused, the file failed to open)."""
    Download.objects.filter(pk=recorded["id"]).delete()


def download_grant(
    *,
    track: Track,
    user,
    decision: DownloadDecision,
    context: Callable[[], licensing.IssuanceContext],
    ip: str | None,
    fmt: str,
    record: bool,
) -> License | None:
    """The license a download uses (reused, or issued under the plan's quota) and, when
    ``record``, the ``Download`` row. ``context`` makes the issuance context (only called when a
    license is issued).

    Issuing a license and recording its first download share one transaction: a failed insert
    issues nothing. Reusing a license (and owners' and free downloads) writes nothing but the
    ``Download`` row: one autocommitted INSERT, no transaction or savepoint round trips.
    """
    if not decision.needs_license or decision.license is not None:
        if record:
            download_record(track=track, user=user, ip=ip, license=decision.license, fmt=fmt)
        return decision.license
    with transaction.atomic():
        license, _created = licensing.license_for_download(
            user=user, track=track, decision=decision, context=context()
        )
        if record:
            download_record(track=track, user=user, ip=ip, license=license, fmt=fmt)
    return license


# --- which file ---------------------------------------------------------------------------------

FORMATS = ("wav", "mp3")
LOSSLESS_WAV_MIMES = ("audio/wav", "audio/x-wav", "audio/wave")


@dataclass(frozen=True)
class Servable:
    """A stored file to stream: the original upload or a rendition of it."""

    file: FieldFile
    size: int
    mime: str
    extension: str


_LOOK_IT_UP = object()


def servable_for(
    *, entry: FileEntry, fmt: str, rendition: AudioRendition | None | object = _LOOK_IT_UP
) -> Servable:
    """The file for ``fmt``: ``wav`` is the original when it is WAV, else a lossless WAV made
    from it; ``mp3`` is the original when it is MP3, else the 320 kbps rendition. A rendition
    not ready yet raises 409 ``transcode_pending`` (see ``rendition_request``). ``rendition``:
    the ``fmt`` rendition of ``entry`` (or None) when the caller has read it already; a
    completed one is served without asking the database again."""
    ready = servable_ready(entry=entry, fmt=fmt, rendition=rendition)
    if ready is not None:
        return ready
    rendition = rendition_request(entry=entry, fmt=fmt)
    return Servable(rendition.file, rendition.size, rendition.mime, f".{rendition.format}")


def servable_ready(*, entry: FileEntry, fmt: str, rendition: AudioRendition | None | object):
    """``servable_for`` when it needs nothing but ``entry`` and ``rendition`` (the original
    fits ``fmt``, or ``rendition`` is completed), else None; reads and writes nothing."""
    if _original_fits(fmt, entry.extension, entry.mime):
        return Servable(entry.file, entry.size, entry.mime, entry.extension)
    if isinstance(rendition, AudioRendition) and rendition.status == ProcessingStatus.COMPLETED:
        return Servable(rendition.file, rendition.size, rendition.mime, f".{rendition.format}")
    return None


def _original_fits(fmt: str, extension: str, mime: str) -> bool:
    if fmt == "wav":
        return extension.lower() == ".wav" or mime in LOSSLESS_WAV_MIMES
    return fmt == "mp3" and (extension.lower() == ".mp3" or mime == "audio/mpeg")


_ENTRY_FILE = FileEntry._meta.get_field("file")
_RENDITION_FILE = AudioRendition._meta.get_field("file")


class _FormatOf:
    __slots__ = ("format",)
    Format = AudioRendition.Format

    def __init__(self, value: str) -> None:
        self.format = value


def _servable(*, fmt: str, entry: tuple, rendition: tuple) -> Servable | None:
    """``servable_ready`` from the columns of the file entry (file, size, mime, extension) and
    of the ``fmt`` rendition (status, file, size, format; None when there is none), without
    model instances: the same choice, the same file (a ``FieldFile`` on the same storage)."""
    name, size, mime, extension = entry
    if name is not None and _original_fits(fmt, extension, mime):
        return Servable(FieldFile(None, _ENTRY_FILE, name), size, mime, extension)
    status, name, size, rendition_format = rendition
    if status == ProcessingStatus.COMPLETED:
        # ``AudioRendition.mime`` of that format, without a model instance
        mime = AudioRendition.mime.fget(_FormatOf(rendition_format))
        return Servable(FieldFile(None, _RENDITION_FILE, name), size, mime, f".{rendition_format}")
    return None


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9 ._()&,+-]+", " ", text)
    return " ".join(text.split()).strip(" .")


def download_filename(*, track: Track, artist_names: list[str], extension: str) -> tuple[str, str]:
    """(ASCII fallback, full Unicode name) for ``Content-Disposition``: "Artist - Track.wav"."""
    return download_filename_of(
        name=track.name, pk=track.pk, artist_names=artist_names, extension=extension
    )


def download_filename_of(
    *, name: str, pk: int, artist_names: list[str], extension: str
) -> tuple[str, str]:
    """``download_filename`` of the track ``pk`` named ``name``."""
    base = " - ".join(p for p in (", ".join(artist_names[:3]), name) if p)
    unicode_name = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', " ", base)
    unicode_name = " ".join(unicode_name.split())[:180] or f"track-{pk}"
    ascii_name = _ascii(base)[:180] or f"track-{pk}"
    return ascii_name + extension, unicode_name + extension


def content_disposition(ascii_name: str, unicode_name: str) -> str:
    header = f'attachment; filename="{ascii_name}"'
    if unicode_name != ascii_name:
        header += f"; filename*=UTF-8''{quote(unicode_name, safe='')}"
    return header


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Inclusive (start, end) for a single ``bytes=`` range; None means "send everything".

    Malformed headers and multi-range requests are ignored (RFC 9110 allows it); a range that
    cannot be satisfied raises ``RangeNotSatisfiable``.
    """
    if not header:
        return None
    match = _RANGE_RE.match(header.strip())
    if not match:
        return None
    first, last = (_position(group) for group in match.groups())
    if first is None and last is None:
        return None
    if first is None:
        suffix = last
        if suffix == 0:
            raise RangeNotSatisfiable()
        return max(0, size - suffix), size - 1
    start = first
    end = last if last is not None else size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiable()
    return start, min(end, size - 1)


def _stream(file: FieldFile, start: int, length: int):
    with file.storage.open(file.name, "rb") as fh:
        fh.seek(start)
        remaining = length
        while remaining > 0:
            block = fh.read(min(BLOCK, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block


def _has_local_path(file: FieldFile) -> bool:
    try:
        file.storage.path(file.name)
    except NotImplementedError:
        return False
    return True


def file_response(*, served: Servable, filename: tuple[str, str], range_header: str | None):
    """The HTTP response for ``served``: accel header, 206 range, 416 or full 200 stream."""
    size = served.size
    file = served.file
    disposition = content_disposition(*filename)
    mode = getattr(settings, "DOWNLOAD_ACCEL_MODE", "none")
    if mode == "apache" and not _has_local_path(file):
        mode = "none"  # X-Sendfile needs a filesystem path; remote storage streams instead
    if mode in ("nginx", "apache"):
        response = HttpResponse(content_type=served.mime)
        if mode == "nginx":
            prefix = getattr(settings, "DOWNLOAD_ACCEL_PREFIX", "/protected-media/")
            response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + file.name
        else:
            response["X-Sendfile"] = file.path
        response["Content-Disposition"] = disposition
        response["Accept-Ranges"] = "bytes"
        return response
    try:
        byte_range = parse_range(range_header, size)
    except RangeNotSatisfiable:
        response = JsonResponse({"message": "The byte range cannot be satisfied."}, status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    if byte_range is None:
        # The whole file: Django's FileResponse, which the WSGI server can hand to the kernel
        # (gunicorn: ``sendfile``), so the first byte leaves without Python reading the file.
        response = FileResponse(file.storage.open(file.name, "rb"), content_type=served.mime)
        if "Content-Length" not in response:  # FileResponse measures a seekable file itself
            response["Content-Length"] = str(size)
        response["Accept-Ranges"] = "bytes"
        response["Content-Disposition"] = disposition
        return response
    (start, end), status = byte_range, 206
    length = end - start + 1
    response = StreamingHttpResponse(
        _stream(file, start, length), status=status, content_type=served.mime
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = disposition
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
