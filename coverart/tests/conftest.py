"""Fixtures of the cover art tests: the shipped templates and test pictures."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from coverart.models import CoverTemplate


@pytest.fixture
def cover_templates(db) -> dict[str, CoverTemplate]:
    """The shipped templates (loaded again in case a transactional test flushed them)."""
    from coverart.services import cover_templates_seed

    cover_templates_seed()
    return {t.slug: t for t in CoverTemplate.objects.all()}


def picture_bytes(size=(800, 800), color=(200, 40, 90), fmt="PNG", **regions) -> bytes:
    image = Image.new("RGB", size, color)
    for box, fill in regions.get("paint", []):
        image.paste(fill, box)
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def padded_png(total_bytes: int) -> bytes:
    """A valid PNG of exactly ``total_bytes``: a picture plus a private ancillary chunk
    (which decoders skip)."""
    data = picture_bytes((600, 600))
    overhead = 12  # length, type, CRC
    filler = total_bytes - len(data) - overhead
    assert filler > 0
    chunk_type = b"prIv"
    payload = b"\0" * filler
    chunk = (
        struct.pack(">I", filler)
        + chunk_type
        + payload
        + struct.pack(">I", zlib.crc32(chunk_type + payload))
    )
    end = data.rindex(b"IEND") - 4
    padded = data[:end] + chunk + data[end:]
    assert len(padded) == total_bytes
    return padded


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")
