"""Text blocks: fallback runs, letter-spacing, word wrap, auto-fit to a box, drawing.

A block is fitted by ink, not by font metrics: the largest size (between the block's minimum
and maximum) at which the wrapped text, including accents above capitals and script-font
overhangs, stays inside its box on at most ``max_lines`` lines. Text that does not fit even at
the minimum size is cut with an ellipsis; a word longer than a line is broken between letters.
Either way nothing is drawn outside the box.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import ImageDraw, ImageFont

from coverart.render import fonts

ELLIPSIS = "…"
SMALLEST_PX = 6  # below the spec's minimum only when even one line at min_size cannot fit


@dataclass(frozen=True)
class Piece:
    font: str
    text: str
    x: float  # advance offset from the line's origin


@dataclass
class Line:
    pieces: list[Piece]
    advance: float
    ink: tuple[float, float, float, float]  # left, top, right, bottom around (origin, baseline)


@dataclass
class Layout:
    size: int
    lines: list[Line]
    origins: list[tuple[float, float]] = field(default_factory=list)  # (x, baseline) per line
    bbox: tuple[int, int, int, int] = (0, 0, 0, 0)  # ink bounds of the whole block
    truncated: bool = False


@dataclass(frozen=True)
class TextStyle:
    font: str
    max_px: int
    min_px: int
    box: tuple[int, int, int, int]
    align: str = "center"
    valign: str = "middle"
    letter_spacing: float = 0.0  # em
    line_height: float = 1.1
    max_lines: int = 2


class _Measurer:
    """Measures strings at one size; caches per (font, piece)."""

    def __init__(self, style: TextStyle, size: int) -> None:
        self.size = size
        self.chain = fonts.fallback_chain(style.font)
        self.spacing = style.letter_spacing * size
        self._cache: dict[tuple[str, str], tuple[float, tuple[int, int, int, int]]] = {}

    def font(self, name: str) -> ImageFont.FreeTypeFont:
        return fonts.truetype(name, self.size)

    def _metrics(self, name: str, text: str) -> tuple[float, tuple[int, int, int, int]]:
        key = (name, text)
        if key not in self._cache:
            font = self.font(name)
            self._cache[key] = (font.getlength(text), font.getbbox(text, anchor="ls"))
        return self._cache[key]

    def line(self, text: str) -> Line:
        pieces: list[Piece] = []
        x = 0.0
        left, top, right, bottom = 0.0, 0.0, 0.0, 0.0
        first = True
        for name, run in fonts.runs(text, self.chain):
            # Letter-spacing places every character itself; without it a run is drawn whole
            # so the font's kerning applies.
            parts = list(run) if self.spacing else [run]
            for part in parts:
                advance, (bl, bt, br, bb) = self._metrics(name, part)
                pieces.append(Piece(name, part, x))
                if part.strip():
                    if first:
                        left, top, right, bottom = x + bl, bt, x + br, bb
                        first = False
                    else:
                        left, top = min(left, x + bl), min(top, bt)
                        right, bottom = max(right, x + br), max(bottom, bb)
                x += advance + (self.spacing if self.spacing else 0.0)
        if self.spacing and pieces:
            x -= self.spacing  # no tracking after the last letter
        return Line(pieces=pieces, advance=x, ink=(left, top, right, bottom))

    def width(self, line: Line) -> float:
        """Horizontal room the line needs: its advance, widened by any ink overhang."""
        left, _, right, _ = line.ink
        return max(right, line.advance) - min(left, 0.0)


def _wrap(text: str, measurer: _Measurer, max_width: float) -> list[Line]:
    lines: list[Line] = []
    current = ""
    for word in text.split(" "):
        if not word:
            continue
        candidate = f"{current} {word}" if current else word
        if measurer.width(measurer.line(candidate)) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(measurer.line(current))
            current = ""
        if measurer.width(measurer.line(word)) <= max_width:
            current = word
            continue
        # A word wider than the box: break it between letters.
        for char in word:
            candidate = current + char
            if current and measurer.width(measurer.line(candidate)) > max_width:
                lines.append(measurer.line(current))
                current = char
            else:
                current = candidate
    if current:
        lines.append(measurer.line(current))
    return lines


def _block_height(lines: list[Line], size: int, line_height: float) -> tuple[float, float]:
    """(ink top of the first line, ink bottom of the last line) relative to the first
    baseline."""
    step = size * line_height
    top = min(line.ink[1] + i * step for i, line in enumerate(lines))
    bottom = max(line.ink[3] + i * step for i, line in enumerate(lines))
    return top, bottom


def _fits(lines: list[Line], measurer: _Measurer, style: TextStyle) -> bool:
    if not lines or len(lines) > style.max_lines:
        return False
    left, top, right, bottom = style.box
    if any(measurer.width(line) > right - left for line in lines):
        return False
    ink_top, ink_bottom = _block_height(lines, measurer.size, style.line_height)
    return ink_bottom - ink_top <= bottom - top


def _ellipsize(text: str, measurer: _Measurer, max_width: float) -> Line:
    text = text.rstrip()
    while text:
        line = measurer.line(text.rstrip(" ,.;:-") + ELLIPSIS)
        if measurer.width(line) <= max_width:
            return line
        text = text[:-1]
    return measurer.line(ELLIPSIS)


def _truncated(text: str, style: TextStyle) -> tuple[list[Line], int]:
    """The text cut to fit at the smallest allowed size: first lines whole, the last one
    ellipsized; fewer lines (or, as a last resort, a smaller size) if the box is too low."""
    left, top, right, bottom = style.box
    max_width = right - left
    size = style.min_px
    while True:
        measurer = _Measurer(style, size)
        lines = _wrap(text, measurer, max_width)
        for count in range(min(style.max_lines, len(lines)), 0, -1):
            kept = lines[:count]
            rest = " ".join("".join(p.text for p in line.pieces) for line in lines[count - 1 :])
            kept[-1] = _ellipsize(rest, measurer, max_width)
            ink_top, ink_bottom = _block_height(kept, size, style.line_height)
            if ink_bottom - ink_top <= bottom - top:
                return kept, size
        if size <= SMALLEST_PX:
            return [measurer.line(ELLIPSIS)], size
        size -= 1


def layout(text: str, style: TextStyle) -> Layout:
    """Fit ``text`` into ``style.box``: the largest size that fits whole, else truncated."""
    text = " ".join(text.split())
    if not text:
        return Layout(size=style.max_px, lines=[])
    left, top, right, bottom = style.box
    low, high = style.min_px, style.max_px
    best: tuple[list[Line], int] | None = None
    while low <= high:  # the fit is monotonic in size for all practical text
        size = (low + high) // 2
        measurer = _Measurer(style, size)
        lines = _wrap(text, measurer, right - left)
        if _fits(lines, measurer, style):
            best = (lines, size)
            low = size + 1
        else:
            high = size - 1
    truncated = best is None
    lines, size = best if best is not None else _truncated(text, style)
    return _place(Layout(size=size, lines=lines, truncated=truncated), style)


def _place(block: Layout, style: TextStyle) -> Layout:
    left, top, right, bottom = style.box
    measurer_size = block.size
    step = measurer_size * style.line_height
    ink_top, ink_bottom = _block_height(block.lines, measurer_size, style.line_height)
    height = ink_bottom - ink_top
    if style.valign == "top":
        first_baseline = top - ink_top
    elif style.valign == "bottom":
        first_baseline = bottom - height - ink_top
    else:
        first_baseline = top + (bottom - top - height) / 2 - ink_top
    xs: list[float] = []
    for line in block.lines:
        ink_left = min(line.ink[0], 0.0)
        ink_right = max(line.ink[2], line.advance)
        if style.align == "left":
            x = left - ink_left
        elif style.align == "right":
            x = right - ink_right
        else:
            x = left + (right - left - (ink_right - ink_left)) / 2 - ink_left
        xs.append(x)
    # Whole pixels: the same layout always lands on the same pixel grid.
    block.origins = [(round(x), round(first_baseline + i * step)) for i, x in enumerate(xs)]
    boxes = [
        (x + line.ink[0], y + line.ink[1], x + line.ink[2], y + line.ink[3])
        for line, (x, y) in zip(block.lines, block.origins, strict=True)
        if line.pieces
    ]
    if boxes:
        block.bbox = (
            int(min(b[0] for b in boxes)),
            int(min(b[1] for b in boxes)),
            int(max(b[2] for b in boxes)) + 1,
            int(max(b[3] for b in boxes)) + 1,
        )
    return block


def draw(draw_on: ImageDraw.ImageDraw, block: Layout, *, fill, offset=(0, 0)) -> None:
    """Draw ``block`` (positions in canvas pixels) shifted by ``-offset``."""
    dx, dy = offset
    for line, (x, y) in zip(block.lines, block.origins, strict=True):
        for piece in line.pieces:
            if not piece.text.strip():
                continue
            draw_on.text(
                (x + piece.x - dx, y - dy),
                piece.text,
                font=fonts.truetype(piece.font, block.size),
                fill=fill,
                anchor="ls",
            )
