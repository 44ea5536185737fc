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
from django.db import connection, transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone

from beatpass.api.compiled import Around
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
         LATERAL (SELECT f.exclusive_status = %s
                         AND f.exclusive_buyer_id IS DISTINCT FROM %s AS sold_to_other) s
    WHERE f.dl_file_id IS NOT NULL
      AND (f.dl_rendition_status = %s
           OR (%s = 'wav' AND (lower(f.dl_file_extension) = '.wav' OR f.dl_file_mime = ANY(%s)))
           OR (%s = 'mp3' AND (lower(f.dl_file_extension) = '.mp3' OR f.dl_file_mime = %s)))
      AND (f.dl_viewer ->> 'is_active')::boolean
      AND NOT (f.dl_viewer ->> 'is_staff')::boolean
      AND upper(md5(f.dl_viewer ->> 'password')) IS NOT DISTINCT FROM %s
      AND (f.dl_owner
           OR (f.free_download AND NOT sold_to_other)
           OR (f.dl_license IS NOT NULL AND f.dl_fingerprint = %s AND NOT sold_to_other
               AND (f.dl_subscription IS NOT NULL
                    OR (f.exclusive_status = %s AND f.exclusive_buyer_id = %s))))
      AND set_config('synchronous_commit', 'off', true) = 'off'
    RETURNING id, license_id
)
SELECT f.*, r.id, r.license_id FROM facts f LEFT JOIN recorded r ON true"""


def _read_and_record_sql(inner: str) -> str:
    names = ("created_at", "updated_at", "track", "user", "ip_hash", "format", "license")
    quote = connection.ops.quote_name
    return _READ_AND_RECORD.format(
        inner=inner,
        table=quote(Download._meta.db_table),
        columns=", ".join(quote(Download._meta.get_field(n).column) for n in names),
    )


def download_read_and_record(
    *, user_id: int, track_id: int, fmt: str, ip: str | None, revoke_claim: str | None
):
    """``download_track_and_viewer_get`` and, in the same statement (one round trip), the
    ``Download`` row when the common case holds (see ``_READ_AND_RECORD``): (track, the
    user's row, the recorded row as ``{"id", "license_id"}`` or None), or None (no such
    visible track). ``revoke_claim``: the token's password-hash claim."""
    pending = download_read_and_record_send(
        user_id=user_id, track_id=track_id, fmt=fmt, ip=ip, revoke_claim=revoke_claim
    )
    try:
        return pending.result()
    finally:
        pending.close()


class PendingReadAndRecord:
    """``download_read_and_record`` sent (``download_read_and_record_send``): PostgreSQL runs
    it while the caller does other work (the throttle's Redis round trip), without using the
    connection. ``result()`` reads it (or runs it whole when it could not be sent apart);
    ``close()`` always, in a ``finally``."""

    __slots__ = ("_around", "_kwargs", "_pending")

    def __init__(self, pending, around, kwargs: dict) -> None:
        self._pending, self._around, self._kwargs = pending, around, kwargs

    def result(self):
        from content.media.selectors import (
            download_track_and_viewer_get,
            download_track_and_viewer_of,
        )

        if self._pending is not None:
            found = download_track_and_viewer_of(self._pending.first(), around=self._around)
        elif self._around is None:  # make run's SQLite: read only, the view records
            found = download_track_and_viewer_get(**self._kwargs)
            return None if found is None else (found[0], found[1], None)
        else:
            found = download_track_and_viewer_get(**self._kwargs, around=self._around)
        if found is None:
            return None
        track, viewer, extra = found
        recorded = None
        if extra["dl_recorded_id"] is not None:
            recorded = {
                "id": extra["dl_recorded_id"],
                "license_id": extra["dl_recorded_license_id"],
            }
        return track, viewer, recorded

    def close(self) -> None:
        if self._pending is not None:
            self._pending.close()


def download_read_and_record_send(
    *, user_id: int, track_id: int, fmt: str, ip: str | None, revoke_claim: str | None
) -> PendingReadAndRecord:
    """``download_read_and_record`` in two halves: the statement is sent now (when the
    connection allows it, see ``content.media.selectors.download_track_and_viewer_send``) and
    read by ``result()``."""
    from content.catalog.models import ExclusiveStatus
    from content.fingerprints.models import Fingerprint
    from content.media.selectors import download_track_and_viewer_send

    now = timezone.now()
    kwargs = {"user_id": user_id, "track_id": track_id, "fmt": fmt, "now": now}
    if connection.vendor != "postgresql":
        return PendingReadAndRecord(None, None, kwargs)
    sold = ExclusiveStatus.SOLD.value
    around = Around(
        sql=_read_and_record_sql,
        params=(
            now,
            now,
            user_id,
            hash_ip(ip),
            fmt,  # the row
            sold,
            user_id,  # sold_to_other
            ProcessingStatus.COMPLETED.value,
            fmt,
            list(LOSSLESS_WAV_MIMES),
            fmt,
            "audio/mpeg",
            revoke_claim,
            Fingerprint.Status.COMPLETED.value,
            sold,
            user_id,
        ),  # fmt: skip
        names=("dl_recorded_id", "dl_recorded_license_id"),
    )
    pending = download_track_and_viewer_send(**kwargs, around=around)
    return PendingReadAndRecord(pending, around, kwargs)


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
    if fmt == "wav" and (entry.extension.lower() == ".wav" or entry.mime in LOSSLESS_WAV_MIMES):
        return Servable(entry.file, entry.size, entry.mime, entry.extension)
    if fmt == "mp3" and (entry.extension.lower() == ".mp3" or entry.mime == "audio/mpeg"):
        return Servable(entry.file, entry.size, entry.mime, entry.extension)
    if isinstance(rendition, AudioRendition) and rendition.status == ProcessingStatus.COMPLETED:
        return Servable(rendition.file, rendition.size, rendition.mime, f".{rendition.format}")
    return None


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9 ._()&,+-]+", " ", text)
    return " ".join(text.split()).strip(" .")


def download_filename(*, track: Track, artist_names: list[str], extension: str) -> tuple[str, str]:
    """(ASCII fallback, full Unicode name) for ``Content-Disposition``: "Artist - Track.wav"."""
    base = " - ".join(p for p in (", ".join(artist_names[:3]), track.name) if p)
    unicode_name = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', " ", base)
    unicode_name = " ".join(unicode_name.split())[:180] or f"track-{track.pk}"
    ascii_name = _ascii(base)[:180] or f"track-{track.pk}"
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
