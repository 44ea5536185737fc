"""Output of uploaded files (FileEntry)."""

from __future__ import annotations

from content.uploads.models import FileEntry
from content.uploads.services import file_entry_public_url


def present_file_entry(entry: FileEntry) -> dict:
    return {
        "id": entry.pk,
        "name": entry.name,
        "kind": entry.kind,
        "mime": entry.mime,
        "size": entry.size,
        "sha256": entry.sha256,
        "duration": entry.duration_ms,
        "sample_rate": entry.sample_rate,
        "channels": entry.channels,
        "bitrate": entry.bitrate,
        "width": entry.width,
        "height": entry.height,
        "url": file_entry_public_url(entry),
        "created_at": entry.created_at,
    }
