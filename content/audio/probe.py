"""Cheap inspection of uploaded files: magic-byte sniffing and header probes. No Django here.

``sniff`` looks at the first bytes only; ``probe_audio`` reads container headers with mutagen
(never a full decode); ``probe_image`` reads the image header with Pillow and refuses
decompression bombs before any pixel is decoded.
"""

from __future__ import annotations

import warnings
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


def extension_matches(filename: str, fmt: str) -> bool:
    return Path(filename).suffix.lower() in EXTENSIONS[fmt]


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


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int


def probe_image(path: str | Path, fmt: str, *, max_pixels: int) -> ImageInfo:
    """Header probe, size check, then a full decode of an image already known to be small enough."""
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
                img.verify()
            with Image.open(path, formats=[pil_formats[fmt]]) as img:
                img.load()
    except ProbeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ProbeError(
            f"The image is too large: at most {max_pixels // 1_000_000} megapixels are allowed."
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ProbeError("The image file is corrupt or unreadable.") from exc
    return ImageInfo(format=fmt, width=width, height=height)
