"""Corrupt images: an image is stored only once it decoded completely, with its real size, and
checking it needs little memory whatever size its header declares."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from content.audio.probe import ProbeError, probe_image
from content.tests.audio_helpers import upload
from content.uploads.models import FileEntry

MAX_PIXELS = 40_000_000
ROOT = Path(__file__).resolve().parents[3]


def jpeg_bytes(width: int, height: int, **save) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 30)).save(buf, "JPEG", **save)
    return buf.getvalue()


def patched_jpeg(width: int = 6000, height: int = 6000) -> bytes:
    """A 64×64 JPEG whose frame header (SOF0) was edited to declare ``width``×``height``."""
    data = bytearray(jpeg_bytes(64, 64))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_rows(width: int, height: int, rows: int) -> bytes:
    """An RGB PNG declaring ``width``×``height`` whose (valid, complete) zlib stream holds only
    ``rows`` rows: every chunk and CRC is well-formed."""
    raw = b"".join(b"\x00" + bytes(width * 3) for _ in range(rows))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(raw))
        + _chunk(b"IEND", b"")
    )


def probe_bytes(tmp_path, data: bytes, fmt: str):
    path = tmp_path / f"image.{fmt}"
    path.write_bytes(data)
    return probe_image(path, fmt, max_pixels=MAX_PIXELS)


def test_pillow_alone_would_accept_both_forgeries(tmp_path):
    # Why the extra checks exist: Pillow pads the short JPEG scan and stops the PNG at the end
    # of its zlib stream, reporting the declared sizes without an error.
    for data, fmt in ((patched_jpeg(), "JPEG"), (png_with_rows(6000, 6000, 10), "PNG")):
        with Image.open(io.BytesIO(data), formats=[fmt]) as img:
            img.load()
            assert img.size == (6000, 6000)


def test_a_jpeg_with_a_patched_size_is_refused(tmp_path):
    with pytest.raises(ProbeError, match="corrupt"):
        probe_bytes(tmp_path, patched_jpeg(), "jpeg")


def test_a_png_holding_ten_rows_of_six_thousand_is_refused(tmp_path):
    with pytest.raises(ProbeError, match="truncated"):
        probe_bytes(tmp_path, png_with_rows(6000, 6000, 10), "png")


def test_a_png_with_a_bad_chunk_crc_is_refused(tmp_path):
    data = bytearray(png_with_rows(50, 40, 40))
    data[-20] ^= 0xFF  # inside the IDAT data: its CRC no longer matches

    with pytest.raises(ProbeError, match="corrupt"):
        probe_bytes(tmp_path, bytes(data), "png")


@pytest.mark.parametrize(
    ("data", "fmt", "size"),
    [
        (jpeg_bytes(640, 480), "jpeg", (640, 480)),
        (jpeg_bytes(641, 479, progressive=True), "jpeg", (641, 479)),
        (png_with_rows(300, 200, 200), "png", (300, 200)),
    ],
)
def test_intact_images_keep_their_real_size(tmp_path, data, fmt, size):
    info = probe_bytes(tmp_path, data, fmt)

    assert (info.width, info.height) == size


@pytest.mark.parametrize("mode", ["L", "CMYK"])
def test_grey_and_cmyk_jpegs_are_accepted(tmp_path, mode):
    buf = io.BytesIO()
    Image.new(mode, (90, 60)).save(buf, "JPEG")

    info = probe_bytes(tmp_path, buf.getvalue(), "jpeg")

    assert (info.width, info.height) == (90, 60)


def test_interlaced_and_palette_pngs_are_accepted(tmp_path):
    for mode, options in (("RGB", {"interlace": 1}), ("P", {}), ("LA", {}), ("1", {})):
        buf = io.BytesIO()
        Image.new(mode, (123, 77)).save(buf, "PNG", **options)
        info = probe_bytes(tmp_path, buf.getvalue(), "png")
        assert (info.width, info.height) == (123, 77), mode


MEASURE = """
import json, sys, tracemalloc
from content.audio.probe import probe_image

def peak_rss_kb():
    # VmHWM belongs to this process image (ru_maxrss would carry the parent's peak over exec).
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

path, fmt, warm_up = sys.argv[1:4]
probe_image(warm_up, fmt, max_pixels=40_000_000)  # imports and first-use costs first
before = peak_rss_kb()
tracemalloc.start()
info = probe_image(path, fmt, max_pixels=40_000_000)
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
grown = peak_rss_kb() - before
print(json.dumps({"size": [info.width, info.height], "traced": traced, "rss_kb": grown}))
"""


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_checking_a_36_megapixel_image_needs_little_memory(tmp_path, fmt):
    # A full decode holds 6000×6000×3 = 108 MB (Pillow's C buffers, which tracemalloc does not
    # see: hence the peak RSS of a fresh process too). The checks decode the JPEG at 1/8 scale
    # and inflate the PNG in 64 KB pieces.
    big = tmp_path / f"big.{fmt}"
    big.write_bytes(
        jpeg_bytes(6000, 6000, quality=50) if fmt == "jpeg" else png_with_rows(6000, 6000, 6000)
    )
    small = tmp_path / f"small.{fmt}"
    small.write_bytes(jpeg_bytes(8, 8) if fmt == "jpeg" else png_with_rows(8, 8, 8))

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", MEASURE, str(big), fmt, str(small)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    measured = json.loads(result.stdout)
    assert measured["size"] == [6000, 6000]
    assert measured["traced"] < 4 * 1024 * 1024, measured  # JPEG: the 750×750 decode, 1.7 MB
    assert measured["rss_kb"] < 16 * 1024, measured


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [("cover.jpg", patched_jpeg()), ("cover.png", png_with_rows(6000, 6000, 10))],
)
def test_corrupt_images_are_refused_on_upload_and_nothing_is_stored(user_client, name, data):
    response = upload(user_client, name, data)

    assert response.status_code == 422, response.content
    assert not FileEntry.objects.exists()
