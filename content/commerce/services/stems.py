"""Stems: the individual layers (drums, bass, melody…) a producer delivers with a track's
exclusive (help: "files to deliver", "Stems — download ready (if provided)").

A stem is one audio file, uploaded like a track's own audio through
``content.uploads.services.file_entry_create`` (size cap, magic bytes, header probe, full
decode; WAV, FLAC or AIFF), or an audio upload the producer already made (``POST /uploads``).
Audio uploads never get a public URL; the stem download route is the only way to the bytes.
Adding locks the track row, so the per-track cap holds under concurrent uploads.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from rest_framework.exceptions import NotFound, ValidationError

from content import clock
from content.catalog.models import ExclusiveStatus, Track
from content.commerce.errors import StemsDelivered, TrackPendingLocked
from content.commerce.models import TrackStem
from content.media.models import Download
from content.media.services.downloads import download_record
from content.uploads.models import FileEntry
from content.uploads.services import file_entry_create, file_entry_delete

NOT_AUDIO = "A stem must be audio: WAV, FLAC or AIFF."


# C0/C1 controls and the bidirectional overrides/isolates/marks: a right-to-left override in a
# label makes a saved file read as another type ("…\u202evaw.exe" shows as "…exe.wav").
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _name_from(entry: FileEntry, name: str | None) -> str:
    name = " ".join((name or "").split())  # any run of whitespace (tabs, newlines): one space
    name = " ".join(_INVISIBLE.sub("", name).split())
    if not name:
        name = PurePath(entry.name).stem.replace("_", " ").strip() or "Stem"
    return name[:100]


def stem_add(
    *,
    actor,
    track: Track,
    uploaded: UploadedFile | None = None,
    file_entry: FileEntry | None = None,
    name: str | None = None,
) -> TrackStem:
    """Attach one stem to ``track`` (the caller checked that ``actor`` manages it): a new
    upload, validated and stored here, or an audio ``file_entry`` of the actor's. 422 for a
    non-audio file, a file already attached, or a track at ``COMMERCE_MAX_STEMS_PER_TRACK``."""
    if (uploaded is None) == (file_entry is None):
        raise ValidationError({"file": ["Send a `file`, or the `file_entry_id` of an upload."]})
    created = uploaded is not None
    if created:
        file_entry = file_entry_create(owner=actor, uploaded=uploaded, audio_only=True)
    field = "file" if created else "file_entry_id"
    try:
        if file_entry.kind != FileEntry.Kind.AUDIO:
            raise ValidationError({field: [NOT_AUDIO]})
        with transaction.atomic():
            locked = Track.objects.select_for_update().filter(pk=track.pk).first()
            if locked is None:  # deleted by another request meanwhile
                raise NotFound()
            stems = TrackStem.objects.filter(track=locked)
            if stems.count() >= settings.COMMERCE_MAX_STEMS_PER_TRACK:
                raise ValidationError(
                    {
                        field: [
                            "A track may have at most "
                            f"{settings.COMMERCE_MAX_STEMS_PER_TRACK} stems."
                        ]
                    }
                )
            if stems.filter(file=file_entry).exists():
                raise ValidationError({field: ["This file is already a stem of this track."]})
            position = (stems.aggregate(last=Max("position"))["last"] or 0) + 1
            try:
                with transaction.atomic():
                    return TrackStem.objects.create(
                        track=locked,
                        file=file_entry,
                        name=_name_from(file_entry, name),
                        position=position,
                        uploaded_by=actor,
                    )
            except IntegrityError:
                raise ValidationError(
                    {field: ["This file is already a stem of this track."]}
                ) from None
    except (ValidationError, NotFound):
        if created:
            file_entry_delete(entry=file_entry)  # a refused upload leaves nothing behind
        raise


@transaction.atomic
def stem_remove(*, actor, stem: TrackStem, takedown: bool | None = None) -> None:
    """Detach a stem (and delete its stored file when nothing else uses it). The stems belong
    to the buyer's delivery once the exclusive is sold (409 ``stems_delivered``) and while a
    buyer is paying for it (409 ``exclusive_pending``, until the hold ends): the producer
    cannot take them back. A takedown can (by default: staff; the admin's delete is not one).
    Locks the track row."""
    track = Track.objects.select_for_update().get(pk=stem.track_id)
    if not (actor.is_staff if takedown is None else takedown):
        if track.exclusive_status == ExclusiveStatus.SOLD:
            raise StemsDelivered()
        if track.exclusive_status == ExclusiveStatus.PENDING and (
            track.exclusive_hold_until is None or track.exclusive_hold_until > clock.now()
        ):
            raise TrackPendingLocked(track_ids=[track.pk], message=TrackPendingLocked.STEMS)
    entry = stem.file
    stem.delete()
    stored_files_release(entries=[entry])


def stem_download_record(*, track, user, ip: str | None, license, zipped: bool) -> None:
    """One download event for a stem (or the zip of all of them), as for the track's own
    files: the producer's download analytics count it, and so does the refund policy's
    "downloaded any files"."""
    download_record(
        track=track,
        user=user,
        ip=ip,
        license=license,
        fmt=Download.STEMS_ZIP if zipped else Download.STEM,
    )


def stored_files_release(*, entries) -> None:
    """Delete the file entries (their stored files after commit) of removed stems or tracks
    that no other stem or track uses."""
    for entry in entries:
        in_use = (
            TrackStem.objects.filter(file=entry).exists()
            or Track.objects.filter(file=entry).exists()
        )
        if not in_use:
            file_entry_delete(entry=entry)


def stems_delete_of_tracks(*, track_ids) -> int:
    """Before tracks are deleted (caller holds their row locks, and checked they may go: see
    ``content.commerce.services.purchases.tracks_delete_check``): remove their stems and the
    stored files nothing else uses, instead of leaving the files behind when the rows cascade."""
    stems = list(TrackStem.objects.filter(track_id__in=track_ids).select_related("file"))
    if not stems:
        return 0
    TrackStem.objects.filter(pk__in=[s.pk for s in stems]).delete()
    entries = {s.file_id: s.file for s in stems}
    stored_files_release(entries=entries.values())
    return len(stems)


# --- all stems as one zip -------------------------------------------------------------------------

ZIP_BLOCK = 256 * 1024
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


class _Sink:
    """A write-only, unseekable file for ``zipfile``: it keeps what was written until the
    generator hands it on (zipfile then writes data descriptors instead of seeking back)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._offset = 0

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def _member_names(stems) -> list[str]:
    """``01 Drums.wav``…: numbered in order (so unique), safe (no path parts)."""
    names = []
    for number, stem in enumerate(stems, start=1):
        label = _INVISIBLE.sub("", _UNSAFE.sub(" ", stem.name))
        label = " ".join(label.split()).strip(" .")[:100] or "Stem"
        names.append(f"{number:02d} {label}{stem.file.extension}")
    return names


def stems_zip_stream(stems) -> Iterator[bytes]:
    """One zip (stored: audio does not compress) of ``stems``, streamed as it is written:
    memory stays at one block whatever the stems weigh. ZIP64 when needed."""
    stems = list(stems)
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for stem, member in zip(stems, _member_names(stems), strict=True):
            info = zipfile.ZipInfo(member, date_time=stem.created_at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            storage = stem.file.file.storage
            with (
                storage.open(stem.file.file.name, "rb") as src,
                zf.open(info, mode="w", force_zip64=stem.file.size > 2**31) as dst,
            ):
                for block in iter(lambda src=src: src.read(ZIP_BLOCK), b""):
                    dst.write(block)
                    if data := sink.take():
                        yield data
            if data := sink.take():
                yield data
    if data := sink.take():
        yield data
