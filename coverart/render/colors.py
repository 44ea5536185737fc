"""Colours: hex parsing, mixing and WCAG 2.x contrast. Pure Python, no Django."""

from __future__ import annotations

import re

RGB = tuple[int, int, int]

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
WCAG_AA_TEXT = 4.5  # WCAG 2.x success criterion 1.4.3 for normal-size text


def parse_hex(value: str) -> RGB:
    if not HEX_COLOR.match(value):
        raise ValueError(f"{value!r} is not a #rrggbb colour.")
    return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))


def to_hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """``a`` moved by ``t`` (0..1) towards ``b``, in sRGB space (what designers expect)."""
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _linear(channel: float) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


# 256-entry tables: sRGB byte → linear light (0..1), used for whole-image luminance too.
LINEAR = tuple(_linear(v) for v in range(256))


def relative_luminance(rgb: RGB) -> float:
    r, g, b = rgb
    return 0.2126 * LINEAR[r] + 0.7152 * LINEAR[g] + 0.0722 * LINEAR[b]


def contrast_ratio(lum_a: float, lum_b: float) -> float:
    """WCAG contrast of two relative luminances (1..21)."""
    light, dark = max(lum_a, lum_b), min(lum_a, lum_b)
    return (light + 0.05) / (dark + 0.05)


def contrast(a: RGB, b: RGB) -> float:
    return contrast_ratio(relative_luminance(a), relative_luminance(b))
