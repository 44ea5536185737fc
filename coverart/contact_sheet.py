"""The contact sheet: every shipped template rendered with three titles (short, long,
accented) for eyeballing, plus the placeholder image. Pure (no Django): ``make covers``.

    python -m coverart.contact_sheet docs/coverart-contact-sheet.png

It also prints, per template, the lowest WCAG contrast any text block reached against its
local background, and whether a scrim had to be added.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image, ImageDraw

from coverart import presets
from coverart.render import CoverInputs, TextTrace, render_cover, validate_spec
from coverart.render.core import luminance_range, worst_contrast
from coverart.render.fonts import truetype
from coverart.render.placeholder import placeholder

SAMPLES = (
    ("Midnight Run", "Nova Vance"),
    (
        "The Long Way Home Through the City Lights After the Party (Extended Night Mix)",
        "Cassia Rain feat. Drillmatic",
    ),
    ("Café Déjà Vu — Señorita Über Alles", "Zoë Ångström"),
)
TILE = 250
GAP = 12
LABEL = 34
COLUMNS = 2  # templates per row, three tiles each


def render_samples(template: dict) -> tuple[list[Image.Image], float, bool]:
    tiles: list[Image.Image] = []
    lowest, scrim = 21.0, False
    for index, (title, artist) in enumerate(SAMPLES):
        trace: list[TextTrace] = []
        inputs = CoverInputs(
            title=title,
            artist=artist,
            genre=template["genres"][0].replace("-n-", " & ").replace("-", " ")
            if template["genres"]
            else "",
            seed=f"sheet-{index}",
        )
        image = render_cover(template["spec"], inputs, trace=trace)
        for block in trace:
            lowest = min(lowest, worst_contrast(block.color, *luminance_range(block.background)))
            scrim = scrim or block.scrim
        tiles.append(image.resize((TILE, TILE), Image.Resampling.LANCZOS))
    return tiles, lowest, scrim


def build(path: Path) -> None:
    templates = presets.load()
    for template in templates:
        validate_spec(template["spec"])
    rows = -(-len(templates) // COLUMNS)
    block_width = 3 * TILE + 2 * GAP
    width = COLUMNS * block_width + (COLUMNS + 1) * GAP * 2
    height = rows * (TILE + LABEL + GAP * 2) + GAP * 2
    sheet = Image.new("RGB", (width, height), (245, 244, 240))
    draw = ImageDraw.Draw(sheet)
    font = truetype("inter-bold", 15)
    small = truetype("inter-regular", 13)
    for index, template in enumerate(templates):
        tiles, lowest, scrim = render_samples(template)
        row, column = divmod(index, COLUMNS)
        x = GAP * 2 + column * (block_width + GAP * 2)
        y = GAP * 2 + row * (TILE + LABEL + GAP * 2)
        draw.text((x, y + 6), template["name"], font=font, fill=(20, 20, 20))
        note = (
            f"{template['slug']} · {', '.join(template['genres'][:3])} · min contrast {lowest:.1f}"
        )
        note += " · scrim" if scrim else ""
        draw.text((x + 150, y + 8), note, font=small, fill=(110, 110, 110))
        for t, tile in enumerate(tiles):
            sheet.paste(tile, (x + t * (TILE + GAP), y + LABEL))
        print(f"{template['slug']:24} min contrast {lowest:5.2f}{'  scrim' if scrim else ''}")
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, "PNG", optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sheet", type=Path, help="where to write the contact sheet PNG")
    parser.add_argument(
        "--placeholder", type=Path, help="also write the placeholder cover PNG here"
    )
    args = parser.parse_args(argv)
    build(args.sheet)
    if args.placeholder:
        args.placeholder.parent.mkdir(parents=True, exist_ok=True)
        placeholder().save(args.placeholder, "PNG", optimize=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
