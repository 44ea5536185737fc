"""Uploads: size cap → magic-byte sniff → cheap probe → full check → FileEntry.

A rejected upload leaves nothing behind: validation runs on the request's temporary file, and
the stored copy is removed again if the database insert fails.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.db import transaction
from rest_framework.exceptions import ValidationError

from content.audio import probe
from content.audio.decode import DecodeError, UnsupportedCodec, verify_complete
from content.uploads.models import FileEntry


def _reject(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def human_size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:g} {unit}" if unit == "bytes" else f"{n:.0f} {unit}"
        n /= 1024
    return f"{n} GB"  # pragma: no cover


class SizeCappedUploadHandler(TemporaryFileUploadHandler):
    """Streams uploads to a temp file and stops reading once ``UPLOAD_MAX_BYTES`` is passed.

    The request is flagged so the view can answer 422 with the real reason instead of
    "no file was submitted"; the partial temp file is deleted by Django when the file is skipped.
    """

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.UPLOAD_MAX_BYTES:
            self.request.upload_too_large = True
            raise SkipFile()
        return super().receive_data_chunk(raw_data, start)


MAX_NAME_LENGTH = 200
# Audio formats an upload may be (the error catalog: "Use WAV, FLAC, or AIFF. MP3 files are not
# accepted."), and the decoders their streams must use: uncompressed PCM in WAV/AIFF (a RIFF
# file can carry MP3 or ADPCM too), FLAC in FLAC.
ACCEPTED_AUDIO_FORMATS = ("wav", "flac", "aiff")
INVALID_AUDIO_FORMAT = (
    "Unsupported audio format. Use WAV, FLAC, or AIFF. MP3 files are not accepted."
)
UNSUPPORTED_FILE = (
    "Unsupported file type. Upload WAV, FLAC or AIFF audio, or a JPEG, PNG or WebP image."
)
UNSUPPORTED_AUDIO_FILE = "Unsupported file type. Upload WAV, FLAC or AIFF audio."


def _accepts_codec(fmt: str):
    if fmt == "flac":
        return lambda codec: codec == "flac"
    return lambda codec: codec.startswith("pcm_")


def sanitize_filename(name: str) -> str:
    """The client's file name, made safe to show: no path, no control characters, at most
    ``MAX_NAME_LENGTH`` characters. A long name loses the end of its stem, never its
    extension (cutting ``…beat.wav`` to ``…beat.w`` would make it lie about its format)."""
    name = unicodedata.normalize("NFKC", Path(name or "").name).replace("\x00", "")
    name = re.sub(r"[\x00-\x1f\x7f/\\]", "", name).strip()
    if len(name) > MAX_NAME_LENGTH:
        extension = probe.claimed_extension(name) or ""
        stem = name[: len(name) - len(extension)]
        name = stem[: MAX_NAME_LENGTH - len(extension)].rstrip() + extension
    return name or "upload"


def _sha256_of(fh) -> str:
    digest = hashlib.sha256()
    fh.seek(0)
    for chunk in iter(lambda: fh.read(1024 * 1024), b""):
        digest.update(chunk)
    fh.seek(0)
    return digest.hexdigest()


def _temp_path(uploaded: UploadedFile) -> str:
    path = getattr(uploaded, "temporary_file_path", None)
    if path is None:  # pragma: no cover - SizeCappedUploadHandler always writes to disk
        raise _reject("The upload could not be stored temporarily.")
    return path()


def file_entry_create(*, owner, uploaded: UploadedFile, audio_only: bool = False) -> FileEntry:
    """Validate and store an upload. Raises 422 ValidationError with a clear message, which
    names only the audio types when the caller takes nothing else (``audio_only``)."""
    max_bytes = settings.UPLOAD_MAX_BYTES
    if uploaded.size is None or uploaded.size == 0:
        raise _reject("The file is empty.")
    if uploaded.size > max_bytes:
        raise _reject(f"The file may not be greater than {human_size(max_bytes)}.")

    path = _temp_path(uploaded)
    fmt = probe.sniff(path)
    if fmt is None:
        raise _reject(UNSUPPORTED_AUDIO_FILE if audio_only else UNSUPPORTED_FILE)
    if probe.kind_of(fmt) == FileEntry.Kind.AUDIO and fmt not in ACCEPTED_AUDIO_FORMATS:
        raise _reject(INVALID_AUDIO_FORMAT)  # an MP3 by its bytes, whatever its name says
    name = sanitize_filename(uploaded.name)
    if not probe.extension_matches(name, fmt):
        raise _reject(
            f"The file extension does not match its contents (the file is {fmt.upper()})."
        )

    entry = FileEntry(
        owner=owner,
        kind=probe.kind_of(fmt),
        name=name,
        extension=sorted(probe.EXTENSIONS[fmt])[0] if fmt != "jpeg" else ".jpg",
        mime=probe.MIME_TYPES[fmt],
        size=uploaded.size,
    )
    try:
        if entry.kind == FileEntry.Kind.AUDIO:
            _validate_audio(entry, path, fmt)
        else:
            info = probe.probe_image(path, fmt, max_pixels=settings.UPLOAD_MAX_IMAGE_PIXELS)
            entry.width, entry.height = info.width, info.height
    except (probe.ProbeError, DecodeError) as exc:
        raise _reject(str(exc)) from None

    with open(path, "rb") as fh:
        entry.sha256 = _sha256_of(fh)
        entry.file.save(entry.name, File(fh), save=False)
    stored_name = entry.file.name
    try:
        with transaction.atomic():
            entry.save()
    except Exception:
        entry.file.storage.delete(stored_name)
        raise
    return entry


def _duration_error(seconds: float) -> probe.ProbeError | None:
    if seconds < settings.UPLOAD_MIN_AUDIO_SECONDS:
        return probe.ProbeError(
            f"Track duration must be at least {settings.UPLOAD_MIN_AUDIO_SECONDS:g} second(s)."
        )
    if seconds > settings.UPLOAD_MAX_AUDIO_SECONDS:
        return probe.ProbeError(
            f"Track duration may not exceed {settings.UPLOAD_MAX_AUDIO_SECONDS / 60:g} minutes."
        )
    return None


def _validate_audio(entry: FileEntry, path: str, fmt: str) -> None:
    """Headers first (cheap), then one complete decode whose verdict depends only on the bytes.

    The stored duration is the decoded one; a decode shorter than the header promises (beyond
    ``decode.TRUNCATION_TOLERANCE_SECONDS``) is refused as truncated.
    """
    info = probe.probe_audio(path, fmt)
    if error := _duration_error(info.duration_ms / 1000):
        raise error
    # Headers are fine and the duration is in range: only now pay for the full decode, which
    # catches truncated and corrupt streams that the headers cannot reveal.
    try:
        decoded = verify_complete(
            path, expected_frames=info.frames, accept_codec=_accepts_codec(fmt)
        )
    except UnsupportedCodec as exc:
        if exc.codec is not None and exc.codec.startswith("mp3"):
            raise probe.ProbeError(INVALID_AUDIO_FORMAT) from None  # MP3 inside a RIFF file
        raise probe.ProbeError(
            f"Unsupported audio encoding in this {fmt.upper()} file: use uncompressed PCM in "
            "WAV or AIFF, or FLAC."
        ) from None
    if error := _duration_error(decoded.frames / decoded.sample_rate):
        raise error
    entry.duration_ms = decoded.duration_ms
    entry.sample_rate = decoded.sample_rate
    entry.channels = info.channels
    entry.bitrate = info.bitrate or None


def file_entry_public_url(entry: FileEntry) -> str | None:
    """Images are public artwork; audio never gets a URL (downloads go through the API)."""
    if entry.kind != FileEntry.Kind.IMAGE:
        return None
    return entry.file.url


@transaction.atomic
def file_entry_delete(*, entry: FileEntry) -> None:
    """Delete the entry, and after commit its stored file and those of its download
    renditions (their rows cascade with it)."""
    stored = [(entry.file.storage, entry.file.name)]
    stored += [(r.file.storage, r.file.name) for r in entry.renditions.exclude(file="")]
    entry.delete()
    for storage, name in stored:
        transaction.on_commit(functools.partial(storage.delete, name))


# --- local files ----------------------------------------------------------------------------------
# Local filesystem access to stored files for the audio library (which takes paths).


@contextlib.contextmanager
def local_path(entry: FileEntry) -> Iterator[str]:
    """A path to ``entry``'s bytes: the storage path itself, or a temporary copy for remote
    storages (S3), streamed in chunks and removed afterwards. Raises ``FileNotFoundError``."""
    storage = entry.file.storage
    try:
        path = storage.path(entry.file.name)
    except NotImplementedError:
        path = None
    if path is not None:
        if not os.path.exists(path):
            raise FileNotFoundError(f"The stored file {entry.file.name} is missing.")
        yield path
        return
    suffix = entry.extension or ""
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        with storage.open(entry.file.name, "rb") as src:
            shutil.copyfileobj(src, tmp, length=1024 * 1024)
        tmp.flush()
        yield tmp.name
