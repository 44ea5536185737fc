"""Encoding covers: the 1000×1000 master and its 600/300/64 derivatives in JPEG and WebP, and
preparing a custom picture (orientation, colour mode, centre crop to a square)."""

from __future__ import annotations

import io
import math
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

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

    Pillow lets go of the GIL while it resamples and encodes, so two threads share the work:
    the 600 px resize is split into a top and a bottom band (exact: see ``_banded_resize``),
    then the 600 px WebP, the costliest step, is encoded on the pool while this thread makes
    the rest of the set. The bytes do not depend on the split.
    """
    pool = _pool()
    files: dict[str, bytes] = {}
    pending: dict[str, Future[bytes]] = {}
    source = master
    for size in DERIVATIVE_SIZES:
        if source.width == size * 2:
            image = source.reduce(2)
        elif source is master:
            image = _banded_resize(master, size, pool)
        else:
            image = source.resize((size, size), DOWNSCALE)
        if not pending:  # the first, largest size: its WebP goes to the pool
            # On its own Image object: Pillow's save() keeps its options on the object
            # (``encoderinfo``), so two threads saving one object can swap their qualities.
            pending[f"{size}.webp"] = pool.submit(encode, image.copy(), "webp")
        for fmt, extension in FORMATS.items():
            name = f"{size}.{extension}"
            if name not in pending:
                files[name] = encode(image, fmt)
        source = image
    files.update((name, future.result()) for name, future in pending.items())
    return {
        f"{size}.{ext}": files[f"{size}.{ext}"]
        for size in DERIVATIVE_SIZES
        for ext in FORMATS.values()
    }


def _banded_resize(image: Image.Image, size: int, pool: ThreadPoolExecutor) -> Image.Image:
    """``image.resize((size, size), DOWNSCALE)`` with the top band resampled on the pool.

    The box filter gives each output row the input rows it covers, so a band that ends on a
    whole number of input rows per output rows (1000 → 600: 5 rows make 3) is resampled with
    exactly the weights the whole image would get: the same pixels, in about half the time.
    """
    height = image.height
    block = height // math.gcd(height, size)  # input rows per whole group of output rows
    groups = height // block
    if groups < 2:
        return image.resize((size, size), DOWNSCALE)
    split_in = (groups // 2) * block
    split_out = split_in * size // height
    top = pool.submit(image.resize, (size, split_out), DOWNSCALE, box=(0, 0, image.width, split_in))
    bottom = image.resize(
        (size, size - split_out), DOWNSCALE, box=(0, split_in, image.width, height)
    )
    out = Image.new(image.mode, (size, size))
    out.paste(top.result(), (0, 0))
    out.paste(bottom, (0, split_out))
    return out


_POOL: tuple[int, ThreadPoolExecutor] | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """One small pool per process, made on first use (a worker forked after a parent used
    the pool would inherit a pool whose threads did not survive the fork)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL[0] != os.getpid():
            _POOL = (os.getpid(), ThreadPoolExecutor(2, thread_name_prefix="coverart-encode"))
        return _POOL[1]


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
