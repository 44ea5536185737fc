"""The placeholder shown for tracks and albums without any cover: a music note on a dark
disc (help: "a music note icon is shown")."""

from __future__ import annotations

from PIL import Image, ImageDraw

SIZE = 600


def placeholder(size: int = SIZE) -> Image.Image:
    scale = 2  # drawn at twice the size and reduced, for smooth edges
    s = size * scale
    image = Image.new("RGB", (s, s), (38, 40, 46))
    draw = ImageDraw.Draw(image)
    draw.ellipse((s * 0.08, s * 0.08, s * 0.92, s * 0.92), fill=(28, 29, 34))
    draw.ellipse((s * 0.44, s * 0.44, s * 0.56, s * 0.56), fill=(38, 40, 46))
    ink = (150, 154, 164)
    # A beamed pair of eighth notes.
    draw.ellipse((s * 0.30, s * 0.56, s * 0.42, s * 0.66), fill=ink)
    draw.ellipse((s * 0.54, s * 0.52, s * 0.66, s * 0.62), fill=ink)
    draw.rectangle((s * 0.395, s * 0.30, s * 0.42, s * 0.61), fill=ink)
    draw.rectangle((s * 0.635, s * 0.26, s * 0.66, s * 0.57), fill=ink)
    draw.polygon(
        [(s * 0.395, s * 0.30), (s * 0.66, s * 0.26), (s * 0.66, s * 0.32), (s * 0.395, s * 0.36)],
        fill=ink,
    )
    return image.reduce(scale)
