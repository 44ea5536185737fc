"""Cheap inspection of uploaded files: magic-byte sniffing and header probes. No Django here.

``sniff`` looks at the first bytes only; ``probe_audio`` reads container headers with mutagen
(never a full decode); ``probe_image`` reads the image header with Pillow and refuses
decompression bombs before any pixel is decoded.
"""

from __future__ import annotations

import struct
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

AUDIO_FORMATS = {"wav", "flac", "aiff", "mp3"}
IMAGE_FORMATS = {"jpeg", "png", "webp"}

EXTENSIONS = {
    "wav": {".wav", ".wave"},
    "flac": {".flac"},
    "aiff": {".aiff", ".aif", ".aifc"},
    "mp3": {".mp3"},
    "jpeg": {".jpg", ".jpeg"},
    "png": {".png"},
    "webp": {".webp"},
}
MIME_TYPES = {
    "wav": "audio/wav",
    "flac": "audio/flac",
    "aiff": "audio/aiff",
    "mp3": "audio/mpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}


class ProbeError(ValueError):
    """The file is not what it claims, or its headers are unreadable."""


def _skip_id3(head: bytes) -> int:
    """Offset past a leading ID3v2 tag (FLAC and MP3 files may start with one)."""
    if len(head) >= 10 and head[:3] == b"ID3":
        size = (
            (head[6] & 0x7F) << 21
            | (head[7] & 0x7F) << 14
            | (head[8] & 0x7F) << 7
            | (head[9] & 0x7F)
        )
        footer = 10 if head[5] & 0x10 else 0
        return 10 + size + footer
    return 0


def _is_mpeg_frame(header: bytes) -> bool:
    if len(header) < 4 or header[0] != 0xFF or (header[1] & 0xE0) != 0xE0:
        return False
    version = (header[1] >> 3) & 0x03
    layer = (header[1] >> 1) & 0x03
    bitrate = header[2] >> 4
    sample_rate = (header[2] >> 2) & 0x03
    return version != 1 and layer == 1 and bitrate not in (0, 15) and sample_rate != 3


def sniff(path: str | Path) -> str | None:
    """Return the real format of the file from its magic bytes, or None if unsupported."""
    with open(path, "rb") as fh:
        head = fh.read(64)
        if len(head) < 12:
            return None
        if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
            return "wav"
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return "webp"
        if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
            return "aiff"
        if head[:4] == b"fLaC":
            return "flac"
        if head[:3] == b"\xff\xd8\xff":
            return "jpeg"
        if head[:8] == b"\x89PNG\r\n\x1a\n":
            return "png"
        offset = _skip_id3(head)
        if offset:
            fh.seek(offset)
            after = fh.read(4)
            if after == b"fLaC":
                return "flac"
            # Some encoders pad after the tag; look a little further for the first frame.
            fh.seek(offset)
            window = fh.read(4096)
            for i in range(len(window) - 3):
                if window[i] == 0xFF and _is_mpeg_frame(window[i : i + 4]):
                    return "mp3"
            return None
        if _is_mpeg_frame(head[:4]):
            return "mp3"
    return None


def kind_of(fmt: str) -> str:
    return "audio" if fmt in AUDIO_FORMATS else "image"


# Extensions that name a media format. A file name ending in one of these claims that format
# and must match the content; any other ending ("beat", "mix v1.2") claims nothing and the
# content decides.
MEDIA_EXTENSIONS = frozenset(
    {ext for exts in EXTENSIONS.values() for ext in exts}
    | {".ogg", ".oga", ".opus", ".m4a", ".mp4", ".aac", ".wma", ".ac3", ".alac", ".ape", ".wv"}
    | {".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif", ".avif", ".svg", ".ico", ".jxl"}
)


def claimed_extension(filename: str) -> str | None:
    """The media extension the file name claims (lower case), or None."""
    suffix = Path(filename).suffix.lower()
    return suffix if suffix in MEDIA_EXTENSIONS else None


def extension_matches(filename: str, fmt: str) -> bool:
    """True when the name claims no media format, or claims ``fmt``."""
    claimed = claimed_extension(filename)
    return claimed is None or claimed in EXTENSIONS[fmt]


@dataclass(frozen=True)
class AudioInfo:
    format: str
    duration_ms: int
    sample_rate: int
    channels: int
    bitrate: int  # bits per second (0 when unknown)
    frames: int | None  # sample frames the header promises, when the format states it


def probe_audio(path: str | Path, fmt: str) -> AudioInfo:
    """Read duration and stream parameters from the headers only (mutagen)."""
    import mutagen
    from mutagen.aiff import AIFF
    from mutagen.flac import FLAC
    from mutagen.mp3 import MP3
    from mutagen.wave import WAVE

    if fmt == "wav" and (streamed := _streamed_wav(path)) is not None:
        return streamed  # its sizes are placeholders: mutagen would believe (or refuse) them
    opener = {"wav": WAVE, "flac": FLAC, "aiff": AIFF, "mp3": MP3}[fmt]
    try:
        audio = opener(path)
    except (mutagen.MutagenError, ValueError, EOFError, OverflowError, ZeroDivisionError) as exc:
        raise ProbeError(
            f"The audio file is corrupt or unreadable ({type(exc).__name__})."
        ) from exc
    info = audio.info
    length = float(getattr(info, "length", 0) or 0)
    sample_rate = int(getattr(info, "sample_rate", 0) or 0)
    channels = int(getattr(info, "channels", 0) or 0)
    if sample_rate <= 0 or channels <= 0 or length != length:  # NaN check
        raise ProbeError("The audio file has no readable audio stream.")
    frames = None
    if fmt == "flac":
        frames = int(info.total_samples) or None
    elif fmt in ("wav", "aiff"):
        frames = int(round(length * sample_rate))
    return AudioInfo(
        format=fmt,
        duration_ms=int(round(length * 1000)),
        sample_rate=sample_rate,
        channels=channels,
        bitrate=int(getattr(info, "bitrate", 0) or 0),
        frames=frames,
    )


# A WAV written to a pipe cannot seek back to fill in its sizes, so its writer leaves a
# placeholder: 0xFFFFFFFF (FFmpeg), 0x7FFFF000 and up (SoX, eSpeak), or 0. Such a data chunk
# runs to the end of the file. A real size this large cannot fit under any upload limit.
_UNKNOWN_SIZE_FROM = 0x7FFF0000


def _streamed_wav(path: str | Path) -> AudioInfo | None:
    """The stream parameters of a WAV whose ``data`` chunk states no length (a placeholder
    size: zero, or one past the end of the file), with its length counted from the bytes that
    follow that chunk's header, in whole frames. None for any other WAV (a stated size past
    the end is a truncated file: the decoder says so)."""
    with open(path, "rb") as fh:
        total = fh.seek(0, 2)
        fh.seek(12)
        layout = None
        while True:
            head = fh.read(8)
            if len(head) < 8:
                return None
            kind, size = struct.unpack("<4sI", head)
            start = fh.tell()
            if kind == b"fmt ":
                chunk = fh.read(min(size, 16))
                if len(chunk) < 16:
                    return None
                _, channels, sample_rate, byte_rate, block_align, _ = struct.unpack(
                    "<HHIIHH", chunk
                )
                layout = (channels, sample_rate, byte_rate, block_align)
            elif kind == b"data":
                remaining = total - start
                unknown = (size == 0 and remaining > 0) or (
                    size >= _UNKNOWN_SIZE_FROM and size > remaining
                )
                if not unknown or layout is None:
                    return None
                channels, sample_rate, byte_rate, block_align = layout
                if channels <= 0 or sample_rate <= 0 or block_align <= 0:
                    raise ProbeError("The audio file has no readable audio stream.")
                frames = remaining // block_align
                return AudioInfo(
                    format="wav",
                    duration_ms=int(round(frames * 1000 / sample_rate)),
                    sample_rate=sample_rate,
                    channels=channels,
                    bitrate=byte_rate * 8,
                    frames=frames,
                )
            if size >= _UNKNOWN_SIZE_FROM:
                return None  # an unknown size before the audio: nothing to go by
            fh.seek(start + size + (size & 1))


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int


def probe_image(path: str | Path, fmt: str, *, max_pixels: int) -> ImageInfo:
    """Header probe and size check, then a complete decode of an image known to be small enough.

    The size comes from the header, and is only believed once the whole image decoded: a
    64×64 JPEG whose header was patched to say 6000×6000, or a PNG with 10 rows of a declared
    6000, is refused rather than stored with a size it does not have. Pillow itself accepts
    both (libjpeg pads a short scan with grey and only warns; the PNG decoder stops at the end
    of the zlib stream whatever the row count), so JPEG and PNG get stricter checks that also
    keep memory small: the JPEG is entropy-decoded in full at 1/8 scale (libjpeg-turbo through
    simplejpeg, warnings are errors), the PNG's chunks are CRC-checked and its compressed rows
    inflated in bounded pieces and counted. WebP is decoded by Pillow at full size, which the
    pixel limit bounds.
    """
    from PIL import Image, UnidentifiedImageError

    pil_formats = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
    try:
        with warnings.catch_warnings():
            # Pillow only *warns* between MAX_IMAGE_PIXELS and twice that; we refuse outright.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[pil_formats[fmt]]) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise ProbeError(
                        f"The image is {width}×{height} pixels; at most "
                        f"{max_pixels // 1_000_000} megapixels are allowed."
                    )
                if fmt != "png":  # the PNG check below verifies every chunk's CRC itself
                    img.verify()
            if fmt == "jpeg":
                _decode_jpeg_scaled(path)
            elif fmt == "png":
                _inflate_png_rows(path, width=width, height=height)
            else:
                with Image.open(path, formats=[pil_formats[fmt]]) as img:
                    img.load()
    except ProbeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ProbeError(
            f"The image is too large: at most {max_pixels // 1_000_000} megapixels are allowed."
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, zlib.error) as exc:
        raise ProbeError("The image file is corrupt or unreadable.") from exc
    return ImageInfo(format=fmt, width=width, height=height)


def _decode_jpeg_scaled(path: str | Path) -> None:
    """Decode every scan of the JPEG at 1/8 scale (the IDCT scales, the entropy decoding does
    not: all data is read) with libjpeg-turbo's warnings ("premature end of data segment",
    "corrupt data") raised as errors. The file is memory-mapped, not read into the heap; the
    output is (w/8)×(h/8), ~0.6 MB for 40 megapixels."""
    import mmap

    import simplejpeg

    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        _, _, colorspace, _ = simplejpeg.decode_jpeg_header(data, strict=True)
        target = {"CMYK": "CMYK", "YCCK": "CMYK", "Gray": "GRAY"}.get(colorspace, "RGB")
        # Any minimum size > 0 lets libjpeg-turbo scale; 1×1 picks its smallest scale, 1/8.
        simplejpeg.decode_jpeg(data, colorspace=target, min_height=1, min_width=1, strict=True)


_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by IHDR colour type
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2))
_ADAM7 += ((0, 1, 1, 2),)
_PIECE = 64 * 1024


def _png_raw_size(width: int, height: int, bit_depth: int, colour: int, interlaced: bool) -> int:
    """Bytes of filtered scanlines the IDAT stream must inflate to (a filter byte per row)."""
    bits = _PNG_CHANNELS[colour] * bit_depth

    def rows(w: int, h: int) -> int:
        return h * (1 + (w * bits + 7) // 8) if w and h else 0

    if not interlaced:
        return rows(width, height)
    return sum(
        rows((width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy) for x0, y0, dx, dy in _ADAM7
    )


def _inflate_png_rows(path: str | Path, *, width: int, height: int) -> None:
    """Read the PNG chunk by chunk in 64 KB blocks, checking every chunk's CRC, and inflate
    the IDAT stream in bounded pieces, counting the bytes of rows it holds against what the
    header declares. Memory stays constant whatever the image or chunk size."""
    corrupt = ProbeError("The image file is corrupt or unreadable.")
    expected: int | None = None
    inflater = zlib.decompressobj()
    produced = 0
    with open(path, "rb") as fh:
        fh.seek(8)
        while True:
            head = fh.read(8)
            if len(head) < 8:
                raise corrupt  # the file ends before IEND
            left, kind = struct.unpack(">I4s", head)
            crc = zlib.crc32(kind)
            header = b""
            while left:
                block = fh.read(min(_PIECE, left))
                if not block:
                    raise corrupt
                left -= len(block)
                crc = zlib.crc32(block, crc)
                if kind == b"IHDR":
                    header += block
                elif kind == b"IDAT" and expected is not None:
                    while block and produced < expected:
                        produced += len(inflater.decompress(block, _PIECE))
                        block = inflater.unconsumed_tail
            if fh.read(4) != struct.pack(">I", crc & 0xFFFFFFFF):
                raise corrupt
            if kind == b"IHDR":
                if len(header) != 13:
                    raise corrupt
                _, _, bit_depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
                if colour not in _PNG_CHANNELS:
                    raise corrupt
                expected = _png_raw_size(width, height, bit_depth, colour, interlace == 1)
            elif kind == b"IEND":
                break
    if expected is None or produced < expected:
        raise ProbeError(
            f"The image is truncated: its header declares {width}×{height} pixels but the data "
            "ends early."
        )
