"""Render a cover from a validated spec and the track's text. Pillow only, no Django.

Deterministic: every random choice (palette, shape positions, grain) comes from SHA-256 of the
seed, text is laid out on whole pixels with the fonts shipped in the repository, so the same
spec and inputs give byte-identical pixels on every machine with the same Pillow wheel.

Safe by construction: inputs are plain strings (capped and cleaned here) and an optional
already-decoded picture; nothing in a spec or an input names a file or a URL.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageMath, ImageOps

from coverart.render import text as textlib
from coverart.render.colors import (
    LINEAR,
    RGB,
    WCAG_AA_TEXT,
    contrast_ratio,
    mix,
    parse_hex,
    relative_luminance,
)

MASTER_SIZE = 1000
MAX_TITLE = 200
MAX_ARTIST = 100
MAX_LABEL = 40  # genre and mood labels
SUPERSAMPLE = 2  # shapes are drawn at twice the size and reduced: smooth edges, cheaply

# Contrast guard: text must reach WCAG AA against the lightest (for light text) or darkest
# (for dark text) 5 % of the background around it, not just its average.
CONTRAST_TARGET = WCAG_AA_TEXT + 0.1
WORST_SHARE = 0.05
SCRIM_ALPHAS = (0.3, 0.45, 0.6, 0.75, 0.9, 1.0)
WHITE: RGB = (255, 255, 255)
NEAR_BLACK: RGB = (14, 14, 18)


@dataclass(frozen=True)
class CoverInputs:
    """What varies per cover. ``image`` is a decoded RGB picture (custom art layer), never a
    path: the renderer does no I/O."""

    title: str
    artist: str = ""
    genre: str = ""
    mood: str = ""
    seed: str = ""
    palette: str | int | None = None
    image: Image.Image | None = None


@dataclass
class TextTrace:
    """What a text block did, for tests and the contact sheet: where it went, in which colour,
    and the background it was drawn on (after any scrim)."""

    content: str
    box: tuple[int, int, int, int]
    bbox: tuple[int, int, int, int]
    color: RGB
    size: int
    lines: list[str]
    truncated: bool
    scrim: bool
    background: Image.Image


def clean_text(value: str, limit: int) -> str:
    """NFC, no control or format characters, single spaces, at most ``limit`` characters."""
    value = unicodedata.normalize("NFC", value or "")
    value = "".join(
        " " if ch.isspace() else ch
        for ch in value
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    return " ".join(value.split())[:limit].strip()


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256(":".join(parts).encode()).digest()[:8], "big")


def choose_palette(spec: dict[str, Any], *, seed: str, palette: str | int | None = None) -> dict:
    """The palette named (or numbered) by ``palette``, else one picked by the seed."""
    palettes = spec["palettes"]
    if isinstance(palette, int) and not isinstance(palette, bool):
        if not 0 <= palette < len(palettes):
            raise ValueError(f"Palette {palette} is out of range.")
        return palettes[palette]
    if isinstance(palette, str) and palette:
        for item in palettes:
            if item["name"] == palette:
                return item
        raise ValueError(f"Unknown palette {palette!r}.")
    return palettes[_digest("palette", seed) % len(palettes)]


class _Canvas:
    def __init__(self, spec: dict[str, Any], inputs: CoverInputs, size: int, trace) -> None:
        self.size = size
        self.inputs = inputs
        self.seed = inputs.seed
        self.palette = choose_palette(spec, seed=inputs.seed, palette=inputs.palette)
        self.colors = {k: parse_hex(v) for k, v in self.palette["colors"].items()}
        self.image = Image.new("RGB", (size, size), self.colors["bg"])
        self.trace = trace

    def color(self, ref: str) -> RGB:
        return parse_hex(ref) if ref.startswith("#") else self.colors[ref]

    def px(self, fraction: float) -> int:
        return round(fraction * self.size)

    def box(self, box) -> tuple[int, int, int, int]:
        return tuple(self.px(v) for v in box)  # type: ignore[return-value]

    def rng(self, index: int) -> random.Random:
        return random.Random(_digest("layer", self.seed, str(index)))

    # --- compositing --------------------------------------------------------------------
    # Two paths keep a layer to one or two passes over the pixels it touches: a flat colour
    # through a coverage mask (shapes; the blend mode becomes a lookup table on the pixels
    # under the mask), or a full-canvas image (gradients, the user's picture).

    def apply_color(
        self, color: RGB, mask: Image.Image, layer: dict, clip=None, origin=(0, 0)
    ) -> None:
        """Composite ``color`` through ``mask`` (already holding the layer's opacity) whose
        top-left corner sits at ``origin`` on the canvas; ``clip`` limits the area touched."""
        found = mask.getbbox()
        if found is None:
            return
        ox, oy = origin
        bbox = _intersect(
            (found[0] + ox, found[1] + oy, found[2] + ox, found[3] + oy),
            clip if clip is not None else (0, 0, self.size, self.size),
        )
        if bbox is None:
            return
        region_mask = mask.crop((bbox[0] - ox, bbox[1] - oy, bbox[2] - ox, bbox[3] - oy))
        blend = layer.get("blend", "normal")
        if blend == "normal":
            self.image.paste(color, bbox, region_mask)
            return
        region = self.image.crop(bbox)
        self.image.paste(region.point(_flat_blend_table(blend, color)), bbox, region_mask)

    def apply_image(self, top: Image.Image, layer: dict) -> None:
        blend = layer.get("blend", "normal")
        opacity = layer.get("opacity", 1.0)
        blended = top if blend == "normal" else _BLENDS[blend](self.image, top)
        self.image = blended if opacity >= 1 else Image.blend(self.image, blended, opacity)


def _intersect(a, b):
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] < box[2] and box[1] < box[3] else None


_BLENDS = {
    "multiply": ImageChops.multiply,
    "screen": ImageChops.screen,
    "overlay": ImageChops.overlay,
    "soft_light": ImageChops.soft_light,
    "hard_light": ImageChops.hard_light,
    "add": ImageChops.add,
    "darken": ImageChops.darker,
    "lighten": ImageChops.lighter,
    "difference": ImageChops.difference,
}


def _blend_channel(mode: str, a: int, b: int) -> int:
    """One channel of ``a`` (below) blended with ``b`` (above), as ImageChops computes it."""
    if mode == "multiply":
        return a * b // 255
    if mode == "screen":
        return 255 - (255 - a) * (255 - b) // 255
    if mode == "overlay":
        return 2 * a * b // 255 if a < 128 else 255 - 2 * (255 - a) * (255 - b) // 255
    if mode == "hard_light":
        return 2 * a * b // 255 if b < 128 else 255 - 2 * (255 - a) * (255 - b) // 255
    if mode == "soft_light":
        return (255 - a) * a * b // 255 // 255 + a * (255 - (255 - a) * (255 - b) // 255) // 255
    if mode == "add":
        return min(255, a + b)
    if mode == "darken":
        return min(a, b)
    if mode == "lighten":
        return max(a, b)
    return abs(a - b)  # difference


@lru_cache(maxsize=256)
def _flat_blend_table(mode: str, color: RGB) -> list[int]:
    return [_blend_channel(mode, a, c) for c in color for a in range(256)]


# --- backgrounds --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _coordinates() -> tuple[Image.Image, Image.Image]:
    """x and y of a 256×256 grid as float images (gradients are computed there, then scaled
    up: they are smooth, and 65k pixels cost nothing)."""
    ramp = Image.linear_gradient("L")  # value = row
    return ramp.transpose(Image.Transpose.TRANSPOSE).convert("F"), ramp.convert("F")


@lru_cache(maxsize=64)
def _linear_ramp(angle: float, size: int) -> Image.Image:
    """0 → 255 along ``angle`` (degrees, 0 = left to right, 90 = top to bottom), corner to
    corner."""
    theta = math.radians(angle)
    cos, sin = math.cos(theta), math.sin(theta)
    extent = abs(cos) + abs(sin)
    x, y = _coordinates()
    ramp = ImageMath.lambda_eval(
        lambda a: (
            ((a["x"] / 255.0 - 0.5) * cos + (a["y"] / 255.0 - 0.5) * sin) / extent * 255.0 + 127.5
        ),
        x=x,
        y=y,
    )
    return ramp.convert("L").resize((size, size), Image.Resampling.BILINEAR)


@lru_cache(maxsize=64)
def _radial_ramp(cx: float, cy: float, radius: float, size: int) -> Image.Image:
    x, y = _coordinates()
    ramp = ImageMath.lambda_eval(
        lambda a: a["min"](
            (((a["x"] / 255.0 - cx) ** 2 + (a["y"] / 255.0 - cy) ** 2) ** 0.5) / radius * 255.0,
            255.0,
        ),
        x=x,
        y=y,
    )
    return ramp.convert("L").resize((size, size), Image.Resampling.BILINEAR)


def _gradient_table(stops: tuple[RGB, ...]) -> list[int]:
    segments = len(stops) - 1
    table: list[RGB] = []
    for v in range(256):
        t = v / 255 * segments
        i = min(int(t), segments - 1)
        table.append(mix(stops[i], stops[i + 1], t - i))
    return [c[k] for k in range(3) for c in table]


@lru_cache(maxsize=8)
def _gradient(fill_key: tuple, stops: tuple[RGB, ...], size: int) -> Image.Image:
    """A colour gradient (cached: a template has a few palettes, and tracks share them)."""
    kind, *params = fill_key
    ramp = _linear_ramp(*params, size) if kind == "linear" else _radial_ramp(*params, size)
    return ramp.convert("RGB").point(_gradient_table(stops))


def _background(canvas: _Canvas, layer: dict, index: int) -> None:
    fill = layer["fill"]
    if fill["kind"] == "solid":
        full = Image.new("L", (canvas.size, canvas.size), round(255 * layer.get("opacity", 1.0)))
        canvas.apply_color(canvas.color(fill["color"]), full, layer)
        return
    stops = tuple(canvas.color(ref) for ref in fill["stops"])
    if fill["kind"] == "linear":
        key: tuple = ("linear", float(fill.get("angle", 90)))
    else:
        cx, cy = fill.get("center", (0.5, 0.5))
        key = ("radial", float(cx), float(cy), float(fill.get("radius", 0.75)))
    canvas.apply_image(_gradient(key, stops, canvas.size), layer)


@lru_cache(maxsize=8)
def _grain(size: int, amount: float, seed: int) -> tuple[Image.Image, int]:
    """Film grain as an RGB image centred on ``offset`` (added, then ``offset`` taken off:
    one pass, no bias)."""
    spread = max(1, round(amount * 255))
    noise = Image.frombytes("L", (size, size), random.Random(seed).randbytes(size * size))
    noise = noise.point([v * 2 * spread // 255 for v in range(256)])
    return Image.merge("RGB", (noise, noise, noise)), spread


def _grain_layer(canvas: _Canvas, layer: dict, index: int) -> None:
    amount = round(layer["amount"] * layer.get("opacity", 1.0), 4)
    noise, offset = _grain(canvas.size, amount, int(layer.get("seed", 7)))
    canvas.image = ImageChops.add(canvas.image, noise, 1.0, -offset)


# --- shapes -------------------------------------------------------------------------------------
# Each shape builder draws its layer's coverage on a supersampled "L" mask at the layer's
# opacity. Builders that ignore the seed (``STATIC``) are cached by layer: only circles at
# random positions and waves (random phase) are drawn per cover.


def _mask_circles(layer: dict, size: int, ink: int, rng: random.Random | None) -> Image.Image:
    items = layer.get("items")
    if items is None:
        assert rng is not None
        low, high = layer.get("radius", (0.04, 0.2))
        x0, y0, x1, y1 = layer.get("area", (0, 0, 1, 1))
        items = [
            (rng.uniform(x0, x1), rng.uniform(y0, y1), rng.uniform(low, high))
            for _ in range(layer.get("count", 6))
        ]
    stroke = max(1, round(layer.get("stroke", 0.006) * size))
    # Only the region the circles cover is allocated and drawn (most of the canvas is not).
    region = _clamp(
        (
            min((cx - r) * size for cx, cy, r in items) - 2,
            min((cy - r) * size for cx, cy, r in items) - 2,
            max((cx + r) * size for cx, cy, r in items) + 2,
            max((cy + r) * size for cx, cy, r in items) + 2,
        ),
        size,
    )
    mask, draw, (ox, oy) = _region_mask(region)
    for cx, cy, r in items:
        bounds = (
            (cx - r) * size - ox,
            (cy - r) * size - oy,
            (cx + r) * size - ox,
            (cy + r) * size - oy,
        )
        if layer.get("style", "fill") == "ring":
            draw.ellipse(bounds, outline=ink, width=stroke)
        else:
            draw.ellipse(bounds, fill=ink)
    return mask, (ox, oy)


def _mask_rings(layer: dict, size: int, ink: int, rng) -> Image.Image:
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    cx, cy = layer.get("center", (0.5, 0.5))
    stroke = max(1, round(layer.get("stroke", 0.004) * size))
    radius = layer.get("start", 0.05)
    for _ in range(layer.get("count", 12)):
        r = radius * size
        draw.ellipse(
            (cx * size - r, cy * size - r, cx * size + r, cy * size + r), outline=ink, width=stroke
        )
        radius += layer.get("gap", 0.03)
    return mask, (0, 0)


def _mask_stripes(layer: dict, size: int, ink: int, rng) -> Image.Image:
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    theta = math.radians(layer.get("angle", 45))
    width = layer.get("width", 0.02) * size
    period = width + layer.get("gap", 0.04) * size
    # Each stripe is a long band along the angle; bands step across it far enough to cover
    # the square whatever the angle.
    along = (math.cos(theta), math.sin(theta))
    across = (-along[1], along[0])
    centre, reach = size / 2, size * 0.75
    k = -reach
    while k < reach:
        draw.polygon(
            [
                (
                    centre + along[0] * a + across[0] * (k + w),
                    centre + along[1] * a + across[1] * (k + w),
                )
                for a, w in ((-reach, 0), (reach, 0), (reach, width), (-reach, width))
            ],
            fill=ink,
        )
        k += period
    return mask, (0, 0)


def _mask_grid(layer: dict, size: int, ink: int, rng) -> Image.Image:
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    step = layer.get("spacing", 0.08) * size
    stroke = max(1, round(layer.get("stroke", 0.002) * size))
    count = int(size / step) + 1
    if layer.get("dots", False):
        for i in range(count + 1):
            for j in range(count + 1):
                x, y = i * step, j * step
                draw.ellipse((x - stroke, y - stroke, x + stroke, y + stroke), fill=ink)
    else:
        for i in range(count + 1):
            p = i * step
            draw.line((p, 0, p, size), fill=ink, width=stroke)
            draw.line((0, p, size, p), fill=ink, width=stroke)
    return mask, (0, 0)


def _mask_waves(layer: dict, size: int, ink: int, rng: random.Random | None) -> Image.Image:
    x0, y0, x1, y1 = layer.get("area", (0, 0.3, 1, 0.7))
    count = layer.get("count", 6)
    amplitude = layer.get("amplitude", 0.04) * size
    wavelength = layer.get("wavelength", 0.35) * size
    stroke = max(1, round(layer.get("stroke", 0.004) * size))
    margin = amplitude + stroke
    mask, draw, (ox, oy) = _region_mask(
        _clamp((x0 * size, y0 * size - margin, x1 * size, y1 * size + margin), size)
    )
    phase = layer["phase"] if "phase" in layer else rng.uniform(0, 2 * math.pi)
    steps = 90
    xs = [(x0 + (x1 - x0) * k / steps) * size for k in range(steps + 1)]
    for i in range(count):
        base = (y0 + (y1 - y0) * (i + 0.5) / count) * size
        shift = phase + i * 0.45
        points = [
            (x - ox, base - oy + amplitude * math.sin(2 * math.pi * x / wavelength + shift))
            for x in xs
        ]
        draw.line(points, fill=ink, width=stroke)
    return mask, (ox, oy)


def _mask_rect(layer: dict, size: int, ink: int, rng) -> Image.Image:
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    x0, y0, x1, y1 = (v * size for v in layer["box"])
    radius = layer.get("radius", 0) * size
    if radius:
        draw.rounded_rectangle((x0, y0, x1, y1), radius=radius, fill=ink)
    else:
        draw.rectangle((x0, y0, x1, y1), fill=ink)
    return mask, (0, 0)


SHAPES = {
    "circles": _mask_circles,
    "rings": _mask_rings,
    "stripes": _mask_stripes,
    "grid": _mask_grid,
    "waves": _mask_waves,
    "rect": _mask_rect,
}
# Patterns are clipped to their area; for circles and waves the area only places them (a
# circle centred near its edge stays round, a crest may swing past it).
CLIPPED = {"stripes", "grid"}


def is_static(layer: dict) -> bool:
    """Does the layer look the same for every seed and every text?"""
    kind = layer["type"]
    if kind in ("text", "image"):
        return False
    if kind == "circles":
        return "items" in layer
    if kind == "waves":
        return "phase" in layer
    return True


def _clamp(box, size: int) -> tuple[int, int, int, int]:
    """A drawing region in supersampled pixels, inside the canvas, on even coordinates (so
    it reduces exactly onto the canvas grid)."""
    x0, y0, x1, y1 = (min(max(v, 0), size) for v in box)
    s = SUPERSAMPLE
    return (
        int(x0) // s * s,
        int(y0) // s * s,
        -(-int(math.ceil(x1)) // s) * s,
        -(-int(math.ceil(y1)) // s) * s,
    )


def _region_mask(region) -> tuple[Image.Image, ImageDraw.ImageDraw, tuple[int, int]]:
    x0, y0, x1, y1 = region
    mask = Image.new("L", (max(SUPERSAMPLE, x1 - x0), max(SUPERSAMPLE, y1 - y0)), 0)
    return mask, ImageDraw.Draw(mask), (x0, y0)


@lru_cache(maxsize=48)
def _static_mask(layer_json: str, size: int) -> tuple[Image.Image, tuple[int, int]]:
    return _shape_mask(json.loads(layer_json), size, None)


def _shape_mask(layer: dict, size: int, rng) -> tuple[Image.Image, tuple[int, int]]:
    ink = round(255 * layer.get("opacity", 1.0))
    mask, (ox, oy) = SHAPES[layer["type"]](layer, size * SUPERSAMPLE, ink, rng)
    return mask.reduce(SUPERSAMPLE), (ox // SUPERSAMPLE, oy // SUPERSAMPLE)


def _shape(canvas: _Canvas, layer: dict, index: int) -> None:
    if is_static(layer):
        mask, origin = _static_mask(_layer_key(layer), canvas.size)
    else:
        mask, origin = _shape_mask(layer, canvas.size, canvas.rng(index))
    clip = canvas.box(layer["area"]) if layer["type"] in CLIPPED and "area" in layer else None
    canvas.apply_color(canvas.color(layer["color"]), mask, layer, clip, origin)


def _layer_key(layer: dict) -> str:
    # Colour and blend are applied afterwards: one mask serves every palette.
    return json.dumps(
        {k: v for k, v in layer.items() if k not in ("color", "blend")}, sort_keys=True
    )


def _image(canvas: _Canvas, layer: dict, index: int) -> None:
    picture = canvas.inputs.image
    if picture is None:
        return  # the user image layer is optional: templates look complete without it
    x0, y0, x1, y1 = canvas.box(layer.get("box", (0, 0, 1, 1)))
    fitted = ImageOps.fit(picture.convert("RGB"), (x1 - x0, y1 - y0), Image.Resampling.BICUBIC)
    if layer.get("grayscale", False):
        fitted = fitted.convert("L").convert("RGB")
    top = canvas.image.copy()
    top.paste(fitted, (x0, y0))
    canvas.apply_image(top, layer)


# --- text ---------------------------------------------------------------------------------------


def _text_value(canvas: _Canvas, layer: dict) -> str:
    inputs = canvas.inputs
    value = {
        "title": clean_text(inputs.title, MAX_TITLE),
        "artist": clean_text(inputs.artist, MAX_ARTIST),
        "genre": clean_text(inputs.genre, MAX_LABEL),
        "mood": clean_text(inputs.mood, MAX_LABEL),
        "text": layer.get("text", ""),
    }[layer["content"]]
    transform = layer.get("transform", "none")
    if transform == "upper":
        return value.upper()
    if transform == "lower":
        return value.lower()
    return value


@lru_cache(maxsize=32)
def _scale_table(opacity: float) -> list[int]:
    return [round(v * opacity) for v in range(256)]


_LINEAR_BYTE = [round(LINEAR[v] * 255) for v in range(256)]
_LUMA_MATRIX = (0.2126, 0.7152, 0.0722, 0.0)


def luminance(region: Image.Image) -> Image.Image:
    """Relative luminance (WCAG) of an RGB image as an "L" image scaled to 0..255."""
    linear = Image.merge("RGB", [channel.point(_LINEAR_BYTE) for channel in region.split()])
    return linear.convert("L", _LUMA_MATRIX)


def luminance_range(region: Image.Image, share: float = WORST_SHARE) -> tuple[float, float]:
    """The darkest and lightest luminance (0..1) once the extreme ``share`` of pixels on each
    side is set aside (a stray grain pixel must not decide the colour)."""
    histogram = luminance(region).histogram()
    total = sum(histogram)
    cut = total * share
    seen, low = 0, 0
    for value, count in enumerate(histogram):
        seen += count
        if seen > cut:
            low = value
            break
    seen, high = 0, 255
    for value in range(255, -1, -1):
        seen += histogram[value]
        if seen > cut:
            high = value
            break
    return low / 255, high / 255


def worst_contrast(color: RGB, low: float, high: float) -> float:
    lum = relative_luminance(color)
    if low <= lum <= high:
        return 1.0
    return min(contrast_ratio(lum, low), contrast_ratio(lum, high))


def _text_layer(canvas: _Canvas, layer: dict, index: int) -> None:
    value = _text_value(canvas, layer)
    if not value:
        return
    size = canvas.size
    max_px = max(1, canvas.px(layer.get("size", 0.12)))
    style = textlib.TextStyle(
        font=layer["font"],
        max_px=max_px,
        min_px=min(max_px, max(1, canvas.px(layer.get("min_size", 0.03)))),
        box=canvas.box(layer["box"]),
        align=layer.get("align", "center"),
        valign=layer.get("valign", "middle"),
        letter_spacing=layer.get("letter_spacing", 0.0),
        line_height=layer.get("line_height", 1.1),
        max_lines=layer.get("max_lines", 2),
    )
    block = textlib.layout(value, style)
    if not block.lines:
        return
    pad = max(2, round(block.size * 0.2))
    x0, y0, x1, y1 = block.bbox
    region = (max(0, x0 - pad), max(0, y0 - pad), min(size, x1 + pad), min(size, y1 + pad))
    color, scrim = _readable_color(canvas, layer, region)
    background = canvas.image.crop(region)
    mask = Image.new("L", background.size, 0)
    textlib.draw(ImageDraw.Draw(mask), block, fill=255, offset=region[:2])
    canvas.image.paste(Image.new("RGB", background.size, color), region, mask)
    if canvas.trace is not None:
        canvas.trace.append(
            TextTrace(
                content=layer["content"],
                box=style.box,
                bbox=block.bbox,
                color=color,
                size=block.size,
                lines=["".join(p.text for p in line.pieces) for line in block.lines],
                truncated=block.truncated,
                scrim=scrim,
                background=background,
            )
        )


def _readable_color(canvas: _Canvas, layer: dict, region) -> tuple[RGB, bool]:
    """The text colour: the one asked for if it reaches the contrast target on this
    background, else the palette's ink, else white or near-black; if none does (a busy
    background), a soft scrim of the palette's darkest (or lightest) colour goes under the
    text, as opaque as needed."""
    low, high = luminance_range(canvas.image.crop(region))
    wanted = layer.get("color", "ink")
    candidates: list[RGB] = []
    if wanted != "auto":
        candidates.append(canvas.color(wanted))
    candidates += [canvas.colors["ink"], WHITE, NEAR_BLACK]
    for color in candidates:
        if worst_contrast(color, low, high) >= CONTRAST_TARGET:
            return color, False
    # Keep the designer's colour when it is light or dark enough to work over a scrim.
    first = candidates[0]
    if 0.02 <= relative_luminance(first) <= 0.4:
        first = WHITE if high < 0.5 else NEAR_BLACK
    light = relative_luminance(first) > 0.4
    palette = sorted(canvas.colors.values(), key=relative_luminance)
    # The palette's darkest (lightest) colour, deepened; pure black (white) as the last resort,
    # which always reaches the target against such a text colour.
    shades = (
        (mix(palette[0], (0, 0, 0), 0.5), (0, 0, 0))
        if light
        else (mix(palette[-1], WHITE, 0.5), WHITE)
    )
    x0, y0, x1, y1 = region
    width, height = x1 - x0, y1 - y0
    feather = max(2, min(width, height) // 6)
    plate = Image.new("L", (width + 2 * feather, height + 2 * feather), 0)
    ImageDraw.Draw(plate).rounded_rectangle(
        (feather, feather, feather + width, feather + height), radius=feather, fill=255
    )
    plate = plate.filter(ImageFilter.BoxBlur(feather // 2))
    outer = (x0 - feather, y0 - feather, x1 + feather, y1 + feather)
    base = canvas.image.crop(outer)
    inner_box = (feather, feather, feather + width, feather + height)
    for shade in shades:
        for alpha in SCRIM_ALPHAS:
            trial = base.copy()
            trial.paste(shade, (0, 0, *trial.size), plate.point(_scale_table(alpha)))
            if worst_contrast(first, *luminance_range(trial.crop(inner_box))) >= CONTRAST_TARGET:
                canvas.image.paste(trial, outer[:2])
                return first, True
    canvas.image.paste(trial, outer[:2])  # unreachable in practice: pure black/white at 100 %
    return first, True


PAINTERS = {
    "background": _background,
    "grain": _grain_layer,
    **dict.fromkeys(SHAPES, _shape),
    "image": _image,
    "text": _text_layer,
}


def render_cover(
    spec: dict[str, Any],
    inputs: CoverInputs,
    *,
    size: int = MASTER_SIZE,
    trace: list[TextTrace] | None = None,
) -> Image.Image:
    """Render ``spec`` (already validated) for ``inputs`` as an RGB image ``size``² pixels.

    ``trace``, when given, collects a :class:`TextTrace` per drawn text block.
    """
    canvas = _Canvas(spec, inputs, size, trace)
    layers = spec["layers"]
    # The leading layers that ignore the seed and the text depend only on the palette: they
    # are painted once per (template, palette) and reused.
    static = 0
    while static < len(layers) and is_static(layers[static]):
        static += 1
    if static:
        key = json.dumps([layers[:static], canvas.palette["colors"]], sort_keys=True)
        canvas.image = _static_prefix(key, size).copy()
    for index in range(static, len(layers)):
        PAINTERS[layers[index]["type"]](canvas, layers[index], index)
    return canvas.image


@lru_cache(maxsize=16)
def _static_prefix(key: str, size: int) -> Image.Image:
    layers, colors = json.loads(key)
    spec = {"palettes": [{"name": "prefix", "colors": colors}], "layers": layers}
    canvas = _Canvas(spec, CoverInputs(title=""), size, None)
    for index, layer in enumerate(layers):
        PAINTERS[layer["type"]](canvas, layer, index)
    return canvas.image
