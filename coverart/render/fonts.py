"""The fonts shipped with the renderer (OFL, see ``fonts/README.md``) and glyph fallback.

Every font lives in the repository, so a cover renders the same on every machine. Text is set
in the template's font; a character that font lacks is set in the first fallback that has it
(Inter for Latin, Greek and Cyrillic, then M+ 1 for Japanese). Characters no shipped font has
(emoji, rare scripts) are left out rather than drawn as empty boxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"


@dataclass(frozen=True)
class FontFace:
    name: str
    path: Path
    fallback: str  # the Latin/Cyrillic fallback with a matching weight


def _face(name: str, relative: str, fallback: str = "inter-bold") -> FontFace:
    return FontFace(name=name, path=FONT_DIR / relative, fallback=fallback)


FACES: dict[str, FontFace] = {
    face.name: face
    for face in (
        _face("bebas-neue", "bebas-neue/BebasNeue-Bold.otf"),
        _face("league-spartan", "league-spartan/LeagueSpartan-Bold.otf"),
        _face("inter-regular", "inter/Inter-Regular.otf", fallback="inter-regular"),
        _face("inter-bold", "inter/Inter-Bold.otf"),
        _face("eb-garamond", "eb-garamond/EBGaramond12-Regular.otf", fallback="inter-regular"),
        _face("eb-garamond-italic", "eb-garamond/EBGaramond12-Italic.otf", "inter-regular"),
        _face("lobster", "lobster/lobster.otf"),
        _face("kaushan-script", "kaushan-script/KaushanScript-Regular.otf"),
        _face("comfortaa", "comfortaa/Comfortaa-Bold.ttf"),
        _face("manrope", "manrope/Manrope-ExtraBold.ttf"),
        _face("yanone-kaffeesatz", "yanone-kaffeesatz/YanoneKaffeesatz-Bold.otf"),
        _face("sora", "sora/Sora-Bold.otf"),
        _face("mplus", "mplus/Mplus1-Bold.otf", fallback="mplus"),
    )
}
CJK_FALLBACK = "mplus"
FONT_NAMES = tuple(sorted(name for name in FACES if name != CJK_FALLBACK))


@cache
def coverage(name: str) -> frozenset[int]:
    """The code points ``name`` has glyphs for (read once per process from its cmap)."""
    from fontTools.ttLib import TTFont

    with TTFont(FACES[name].path, lazy=True) as font:
        return frozenset(font["cmap"].getBestCmap())


def fallback_chain(name: str) -> tuple[str, ...]:
    chain = [name, FACES[name].fallback, CJK_FALLBACK]
    return tuple(dict.fromkeys(chain))


@lru_cache(maxsize=512)
def truetype(name: str, size: int) -> ImageFont.FreeTypeFont:
    # BASIC layout (no HarfBuzz/FriBiDi): identical output on every machine with the same
    # Pillow wheel, which bundles its FreeType.
    return ImageFont.truetype(str(FACES[name].path), size, layout_engine=ImageFont.Layout.BASIC)


def face_for(char: str, chain: tuple[str, ...]) -> str | None:
    code = ord(char)
    for name in chain:
        if code in coverage(name):
            return name
    return None


def runs(text: str, chain: tuple[str, ...]) -> list[tuple[str, str]]:
    """Split ``text`` into ``(font name, substring)`` runs; unsupported characters dropped.

    Spaces and combining marks stay in the current run, so a word is never split between
    fonts by its accents.
    """
    out: list[tuple[str, str]] = []
    current: str | None = None
    buffer: list[str] = []
    for char in text:
        if char == " " or (
            current is not None and _is_mark(char) and ord(char) in coverage(current)
        ):
            buffer.append(char)
            continue
        name = face_for(char, chain)
        if name is None:
            continue
        if name != current and buffer:
            out.append((current or name, "".join(buffer)))
            buffer = []
        current = name
        buffer.append(char)
    if buffer:
        out.append((current or chain[0], "".join(buffer)))
    return out


def _is_mark(char: str) -> bool:
    import unicodedata

    return unicodedata.category(char).startswith("M")
