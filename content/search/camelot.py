"""Keys on the Camelot wheel (pure, no Django).

A key is coded as one small integer: 1-12 for the minor keys 1A-12A, 13-24 for the major keys
1B-12B (so ``code - 12`` is the wheel number of a major key). The database computes the same
code (``beatpass_search_camelot`` in the search migration); ``tests/test_camelot.py`` checks
both agree on every key the catalog accepts.

Harmonic neighbours (what DJs mix into each other): the same code, the relative major/minor
(same number, other letter) and one step either way round the wheel in the same letter.
"""

from __future__ import annotations

PITCH_CLASSES = {
    "C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5, "F#": 6, "Gb": 6,
    "G": 7, "G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11,
}  # fmt: skip
# The spellings the catalog stores for each pitch class (Track.key choices).
SPELLINGS: dict[int, tuple[str, ...]] = {}
for _name, _pc in PITCH_CLASSES.items():
    SPELLINGS.setdefault(_pc, ())
    SPELLINGS[_pc] += (_name,)


def pitch_class(key: str) -> int | None:
    return PITCH_CLASSES.get(key)


def code_for(key: str, scale: str) -> int | None:
    """Camelot code of a key ("A", "minor" → 8, i.e. 8A; "C", "major" → 20, i.e. 8B)."""
    pc = PITCH_CLASSES.get(key)
    if pc is None or scale not in ("major", "minor"):
        return None
    if scale == "minor":
        return (7 * (pc + 3) % 12 + 7) % 12 + 1
    return (7 * pc % 12 + 7) % 12 + 13


def code_for_pitch_class(pc: int, scale: str) -> int:
    return code_for(SPELLINGS[pc % 12][0], scale)  # type: ignore[return-value]


def label(code: int) -> str:
    """8 → "8A", 20 → "8B"."""
    return f"{code}A" if code <= 12 else f"{code - 12}B"


def parse_label(text: str) -> int | None:
    """ "8A" / "12b" → code; anything else None."""
    text = text.strip().upper()
    if len(text) < 2 or text[-1] not in "AB" or not text[:-1].isdigit():
        return None
    number = int(text[:-1])
    if not 1 <= number <= 12:
        return None
    return number if text[-1] == "A" else number + 12


def _step(code: int, delta: int) -> int:
    base = 0 if code <= 12 else 12
    return base + (code - base - 1 + delta) % 12 + 1


def relative(code: int) -> int:
    return code + 12 if code <= 12 else code - 12


def neighbours(code: int) -> tuple[int, ...]:
    """The compatible codes other than ``code`` itself: relative, one step down, one step up."""
    return (relative(code), _step(code, -1), _step(code, 1))


def compatibility(code: int | None, other: int | None) -> float:
    """1 for the same key, 0.8 for a neighbour, else 0."""
    if code is None or other is None:
        return 0.0
    if code == other:
        return 1.0
    return 0.8 if other in neighbours(code) else 0.0


_NATURALS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTALS = {"#": 1, "♯": 1, "B": -1, "♭": -1}
_MODES = {
    "": None, "M": "minor", "MIN": "minor", "MINOR": "minor", "MAJ": "major", "MAJOR": "major",
}  # fmt: skip


def parse_key(text: str) -> tuple[int, str | None] | None:
    """A key as a client types it → (pitch class, scale or None); None if it is not a key.

    Any case, ``#``/``♯`` and ``b``/``♭`` (so ``eb``, ``D#``, ``E♭`` are all pitch class 3;
    ``Fb`` is E), optionally followed by a mode: ``m``/``min``/``minor``/``maj``/``major``.
    """
    text = text.strip()
    if not text or text[0].upper() not in _NATURALS:
        return None
    pc = _NATURALS[text[0].upper()]
    rest = text[1:]
    if rest[:1] and rest[0].upper() in _ACCIDENTALS and rest.strip().upper() not in _MODES:
        pc += _ACCIDENTALS[rest[0].upper()]
        rest = rest[1:]
    mode = rest.strip().upper()
    if mode not in _MODES:
        return None
    return pc % 12, _MODES[mode]
