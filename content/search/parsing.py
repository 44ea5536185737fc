"""Understanding a search query (pure, no Django).

"dark trap 140 Am" is four things: words to look up ("dark", "trap"), a tempo (140 BPM) and a
key (A minor). ``parse`` splits a query into

* ``words``: the words to match, normalised like the database's ``beatpass_search``
  configuration does (lower case, accents folded). Whether a word is a genre or tag name (a
  boost rather than a requirement) is only known with the catalog at hand, so the backend
  decides that;
* ``bpm``: a number from 50 to 200, alone or as "140bpm" / "140 bpm";
* ``key``: a key in any usual notation: Camelot "8A", "Am", "F#m", "Ebmin", "A minor",
  "C# major", or "C#" (a key without a scale). A bare letter only counts with a scale word
  after it ("A minor"), so "a night in tunisia" is not in A.

BPM numbers stay among the words too (a track may be called "140"), but only as optional
words; keys do not (nobody names a beat "Am").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from content.search import camelot

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
BPM_MIN, BPM_MAX = 50, 200

_SCALE_WORDS = {
    "minor": "minor", "min": "minor", "moll": "minor", "m": "minor",
    "major": "major", "maj": "major", "dur": "major",
}  # fmt: skip
_NOTE = r"([a-g])(#|♯|b|♭)?"
_KEY_WITH_SCALE = re.compile(rf"^{_NOTE}(m|min|maj|minor|major)$")
_KEY_SHARP = re.compile(r"^([a-g])(#|♯)$")
_NOTE_ONLY = re.compile(rf"^{_NOTE}$")
_BPM = re.compile(r"^(\d{2,3})(bpm)?$")
_EDGE_PUNCTUATION = "\"'`.,;:!?()[]{}<>#*~|/\\"


@dataclass(frozen=True)
class Key:
    pitch_class: int
    scale: str | None  # "major" | "minor" | None (any)

    @property
    def codes(self) -> tuple[int, ...]:
        """Camelot codes this key stands for (both scales when none was given)."""
        scales = (self.scale,) if self.scale else ("minor", "major")
        return tuple(camelot.code_for_pitch_class(self.pitch_class, s) for s in scales)


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    words: tuple[str, ...] = ()
    optional_words: frozenset[str] = field(default_factory=frozenset)
    bpm: int | None = None
    key: Key | None = None

    @property
    def is_empty(self) -> bool:
        return not self.words and self.bpm is None and self.key is None


def normalise(text: str) -> str:
    """Lower case, accents folded, whitespace collapsed (what ``beatpass_search_norm`` does)."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(folded.lower().split())


def _note(letter: str, accidental: str | None) -> int | None:
    name = letter.upper()
    if accidental in ("#", "♯"):
        name += "#"
    elif accidental in ("b", "♭"):
        name += "b"
    return camelot.pitch_class(name)


def _key_of(token: str, following: str | None) -> tuple[Key | None, bool]:
    """(key, consumed the following token)."""
    code = camelot.parse_label(token)
    if code is not None:
        scale = "minor" if code <= 12 else "major"
        pc = next(pc for pc in range(12) if camelot.code_for_pitch_class(pc, scale) == code)
        return Key(pc, scale), False
    match = _KEY_WITH_SCALE.match(token)
    if match:
        pc = _note(match.group(1), match.group(2))
        suffix = match.group(3)
        if pc is not None:
            return Key(pc, _SCALE_WORDS[suffix]), False
    match = _NOTE_ONLY.match(token)
    if match and following in _SCALE_WORDS and following != "m":
        pc = _note(match.group(1), match.group(2))
        if pc is not None:
            return Key(pc, _SCALE_WORDS[following]), True
    match = _KEY_SHARP.match(token)
    if match:
        return Key(_note(match.group(1), match.group(2)), None), False  # type: ignore[arg-type]
    return None, False


def _tokens(text: str) -> list[str]:
    out = []
    for piece in text.split():
        token = piece.strip(_EDGE_PUNCTUATION)
        # "C#" loses nothing here: '#' is stripped only at the front ("#dark" → "dark").
        if piece.endswith("#") and len(piece) == 2:
            token = piece
        if token and any(c.isalnum() for c in token):
            out.append(token)
    return out


def parse(raw: str) -> ParsedQuery:
    """Split ``raw`` (already length-checked) into words, a BPM and a key."""
    tokens = _tokens(normalise(raw))
    words: list[str] = []
    optional: set[str] = set()
    bpm: int | None = None
    key: Key | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        bpm_match = _BPM.match(token)
        if bpm_match and BPM_MIN <= int(bpm_match.group(1)) <= BPM_MAX:
            if bpm is None:
                bpm = int(bpm_match.group(1))
            words.append(bpm_match.group(1))
            optional.add(bpm_match.group(1))
            i += 2 if following == "bpm" and not bpm_match.group(2) else 1
            continue
        parsed_key, consumed = _key_of(token, following)
        if parsed_key is not None:
            key = key or parsed_key
            i += 2 if consumed else 1
            continue
        words.append(token)
        i += 1
    deduplicated = tuple(dict.fromkeys(words))[:MAX_WORDS]
    return ParsedQuery(
        raw=raw,
        words=deduplicated,
        optional_words=frozenset(w for w in optional if w in deduplicated),
        bpm=bpm,
        key=key,
    )


# --- typo tolerance --------------------------------------------------------------------------


def allowed_edits(word: str) -> int:
    """How many edits a word may be away from a correction: none below 4 letters, one up to 7,
    two beyond (as "fuzziness: AUTO" does in Lucene-based engines, shifted one letter up
    because beat names are short and full of slang)."""
    if len(word) < 4 or not word.isalpha():
        return 0
    return 1 if len(word) <= 7 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap two neighbours),
    or ``limit + 1`` as soon as it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous_previous, previous = previous, current
    return previous[-1]


ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def one_edit_away(word: str) -> list[str]:
    """Every string one edit from ``word``: a letter deleted, inserted or replaced, or two
    neighbours swapped (Norvig's candidate set; about 70 per letter)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in ALPHABET}
    out |= {a + c + b for a, b in splits for c in ALPHABET}
    out.discard(word)
    return sorted(out)


def corrections(word: str, candidates: list[str], *, limit: int = 8) -> list[str]:
    """The candidates within ``allowed_edits(word)`` of ``word``, closest first."""
    budget = allowed_edits(word)
    if not budget:
        return []
    scored = []
    for candidate in set(candidates):
        if candidate == word:
            continue
        distance = edit_distance(word, candidate, budget)
        if distance <= budget:
            scored.append((distance, abs(len(candidate) - len(word)), candidate))
    return [c for _, _, c in sorted(scored)[:limit]]
