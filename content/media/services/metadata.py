"""``POST /tracks/{fileEntry}/extract-metadata``: tags, stream info and estimated tempo/key.

Tags win; tempo and key are estimated from the audio only when the tags lack them (or hold a
BPM outside the catalog's range). Embedded artwork is stored as an image FileEntry of the
caller through the same validation as an upload (sniff, size, decompression-bomb guard).
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import TemporaryUploadedFile
from rest_framework.exceptions import NotFound, ValidationError

from content.audio import estimate, probe
from content.audio.decode import DecodeError, iter_mono_chunks
from content.audio.tags import AudioTags, TagError, read_tags
from content.catalog.models import BPM_MAX, BPM_MIN, KEYS
from content.uploads.models import FileEntry
from content.uploads.services import file_entry_create, local_path

log = logging.getLogger(__name__)

ESTIMATION_SECONDS = 90.0


@dataclass
class Estimates:
    tempo: estimate.TempoEstimate | None = None
    key: estimate.KeyEstimate | None = None
    tempo_error: str | None = None
    key_error: str | None = None


def _own_audio_entry(*, user, entry_id: int) -> FileEntry:
    entry = FileEntry.objects.filter(pk=entry_id, owner=user).first()
    if entry is None:
        raise NotFound()
    if entry.kind != FileEntry.Kind.AUDIO:
        raise ValidationError({"file": ["The selected file is not an audio file."]})
    return entry


def file_entry_extract_metadata(*, user, entry_id: int, genre: str | None = None) -> dict[str, Any]:
    """Metadata of the caller's audio upload ``entry_id`` (404 if not theirs, 422 if not audio).

    ``genre`` (the caller's, else the file's genre tag) steers the tempo's metrical level.

    Returns the ``metadata`` object of the response; may create one image FileEntry.
    """
    entry = _own_audio_entry(user=user, entry_id=entry_id)
    try:
        with local_path(entry) as path:
            fmt = probe.sniff(path)
            if fmt not in probe.AUDIO_FORMATS:
                message = "The selected file is not a supported audio file."
                raise ValidationError({"file": [message]})
            try:
                info = probe.probe_audio(path, fmt)
            except probe.ProbeError as exc:
                raise ValidationError({"file": [str(exc)]}) from None
            try:
                tags = read_tags(path, fmt)
            except TagError as exc:
                log.info("unreadable tags on file entry %s: %s", entry.pk, exc)
                tags = AudioTags()
            bpm = tags.bpm if tags.bpm and BPM_MIN <= tags.bpm <= BPM_MAX else None
            key_known = tags.key in KEYS and tags.scale in ("major", "minor")
            estimates = _estimate(
                path,
                need_tempo=bpm is None,
                need_key=not key_known,
                genre=genre or next(iter(tags.genres), None),
            )
    except FileNotFoundError:
        raise ValidationError({"file": ["The stored audio file is missing."]}) from None

    image_id = _save_artwork(user=user, tags=tags)
    tempo, key = estimates.tempo, estimates.key
    final_key = tags.key if key_known else (key.key if key else None)
    final_scale = tags.scale if key_known else (key.scale if key else None)
    return {
        "name": tags.title or _name_from_filename(entry.name),
        "artists": tags.artists,
        "album": tags.album,
        "genres": tags.genres,
        "release_date": tags.release_date.isoformat() if tags.release_date else None,
        "bpm": bpm if bpm is not None else (tempo.bpm if tempo else None),
        "bpm_estimated": bpm is None and tempo is not None,
        "bpm_confidence": (1.0 if bpm is not None else (tempo.confidence if tempo else None)),
        "bpm_exact": float(bpm) if bpm is not None else (tempo.bpm_exact if tempo else None),
        "bpm_alternatives": (
            [
                {"bpm": alt.bpm, "bpm_exact": alt.bpm_exact, "score": alt.score}
                for alt in tempo.alternatives
                if BPM_MIN <= alt.bpm <= BPM_MAX
            ]
            if bpm is None and tempo
            else []
        ),
        "key": final_key,
        "scale": final_scale,
        "key_estimated": not key_known and key is not None,
        "key_confidence": (1.0 if key_known else (key.confidence if key else None)),
        "camelot": estimate.camelot(final_key, final_scale) if final_key else None,
        "open_key": estimate.open_key(final_key, final_scale) if final_key else None,
        "duration": entry.duration_ms or info.duration_ms,
        "bitrate": info.bitrate or entry.bitrate,
        "sample_rate": info.sample_rate,
        "channels": info.channels,
        "format": fmt,
        "image": image_id,
    }


def _name_from_filename(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return " ".join(stem.replace("_", " ").split())[:255] or "Untitled"


def _estimate(path: str, *, need_tempo: bool, need_key: bool, genre: str | None) -> Estimates:
    result = Estimates()
    if not (need_tempo or need_key):
        return result
    try:
        samples = estimate.collect(
            iter_mono_chunks(path, sample_rate=estimate.ANALYSIS_RATE),
            max_seconds=ESTIMATION_SECONDS,
        )
    except DecodeError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    if need_tempo:
        try:
            result.tempo = estimate.estimate_tempo(samples, genre=genre)
        except estimate.EstimationError as exc:
            result.tempo_error = str(exc)
    if need_key:
        try:
            result.key = estimate.estimate_key(samples)
        except estimate.EstimationError as exc:
            result.key_error = str(exc)
    return result


def _save_artwork(*, user, tags: AudioTags) -> int | None:
    """Store embedded artwork as the caller's image FileEntry (reused if already uploaded)."""
    if not tags.artwork:
        return None
    import hashlib

    digest = hashlib.sha256(tags.artwork).hexdigest()
    existing = (
        FileEntry.objects.filter(owner=user, kind=FileEntry.Kind.IMAGE, sha256=digest)
        .values_list("pk", flat=True)
        .first()
    )
    if existing:
        return existing
    # The declared MIME type is often wrong; the bytes decide (the upload path checks again).
    suffix = _sniff_image_suffix(tags.artwork)
    if not suffix:
        return None
    uploaded = TemporaryUploadedFile(
        name=f"cover{suffix}",
        content_type=tags.artwork_mime or "application/octet-stream",
        size=len(tags.artwork),
        charset=None,
    )
    try:
        uploaded.write(tags.artwork)
        uploaded.flush()
        uploaded.seek(0)
        try:
            entry = file_entry_create(owner=user, uploaded=uploaded)
        except ValidationError as exc:
            log.info("embedded artwork rejected: %s", exc.detail)
            return None
    finally:
        uploaded.close()
    return entry.pk


def _sniff_image_suffix(data: bytes) -> str:
    with tempfile.NamedTemporaryFile() as tmp:
        tmp.write(data[:64])
        tmp.flush()
        fmt = probe.sniff(tmp.name)
    return {"jpeg": ".jpg", "png": ".png", "webp": ".webp"}.get(fmt or "", "")
