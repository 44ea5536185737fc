"""Helpers shared by the audio pipeline API tests."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from content import testing
from content.tests.factories import FileEntryFactory
from content.uploads.models import FileEntry

SR = 22050


def upload(client, name: str, data: bytes):
    return client.post(
        "/api/v1/uploads", {"file": SimpleUploadedFile(name, data)}, format="multipart"
    )


def stored_entry(owner, data: bytes, *, fmt: str = "wav", duration_ms=3000, sample_rate=SR):
    """A FileEntry holding ``data`` as is (bypasses upload validation: for hostile bytes)."""
    return FileEntryFactory(
        owner=owner,
        name=f"beat.{fmt}",
        extension=f".{fmt}",
        mime={"wav": "audio/wav", "flac": "audio/flac", "mp3": "audio/mpeg"}.get(fmt, "audio/wav"),
        size=len(data),
        duration_ms=duration_ms,
        sample_rate=sample_rate,
        file=ContentFile(data, name=f"beat.{fmt}"),
    )


def tone_wav(seconds: float = 3.0) -> bytes:
    return testing.wav_bytes(testing.tone(seconds, sample_rate=SR), SR)


def entry_kind(pk: int) -> str:
    return FileEntry.objects.get(pk=pk).kind
