"""Encoding covers: the 1000×1000 master and its 600/300/64 derivatives in JPEG and WebP, and
preparing a custom picture (orientation, colour mode, centre crop to a square)."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from coverart.render.core import MASTER_SIZE

DERIVATIVE_SIZES = (600, 300, 64)
FORMATS = {"jpeg": "jpg", "webp": "webp"}
JPEG_QUALITY = 88
WEBP_QUALITY = 82
# libwebp's fastest method: 3-4x quicker than its default at these sizes, for files a few
# per cent larger. Covers are encoded in the request that applies them.
WEBP_METHOD = 0
# Pillow's box filter, when shrinking, averages the exact area each new pixel covers: clean
# at these ratios (no ringing) and about twice as fast as Lanczos.
DOWNSCALE = Image.Resampling.BOX


def encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "jpeg":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False)
    elif fmt == "webp":
        image.save(buffer, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    elif fmt == "png":
        # No timestamps or text chunks: the same pixels always give the same bytes.
        image.save(buffer, "PNG", compress_level=6)
    else:
        raise ValueError(f"Unknown format {fmt!r}.")
    return buffer.getvalue()


def master_file(master: Image.Image) -> dict[str, bytes]:
    return {f"{MASTER_SIZE}.jpg": encode(master, "jpeg")}


def derivatives(master: Image.Image) -> dict[str, bytes]:
    """``{"600.jpg": b"...", "600.webp": ..., "300.jpg": ..., ..., "64.webp": ...}``.

    Each size is made from the next larger one (600 from the master, 300 by halving 600,
    64 from 300): the same quality as resizing the master every time, for less work.
    """
    files: dict[str, bytes] = {}
    source = master
    for size in DERIVATIVE_SIZES:
        if source.width == size * 2:
            image = source.reduce(2)
        else:
            image = source.resize((size, size), DOWNSCALE)
        for fmt, extension in FORMATS.items():
            files[f"{size}.{extension}"] = encode(image, fmt)
        source = image
    return files


def cover_files(master: Image.Image) -> dict[str, bytes]:
    return {**master_file(master), **derivatives(master)}


def square_picture(image: Image.Image, *, size: int = MASTER_SIZE) -> Image.Image:
    """A custom upload ready to be a cover: upright (EXIF orientation), RGB (transparency on
    black), centre-cropped to a square and scaled to ``size``."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (0, 0, 0))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    else:
        image = image.convert("RGB")
    return ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS, centering=(0.5, 0.5))
