"""LRC (synced lyrics) parsing. Pure: text in, lines out; no Django.

Accepted: one ``[mm:ss]``, ``[mm:ss.x]``, ``[mm:ss.xx]`` or ``[mm:ss.xxx]`` timestamp at the start
of each lyric line (seconds < 60), times in non-decreasing order. Blank lines and ID tags
(``[ar:Artist]``, ``[ti:Title]``, ``[offset:+250]``...) are skipped; ``offset`` (ms, as in
the LRC convention: positive shifts lines earlier) is applied to every time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TIMESTAMP = re.compile(r"^\[(\d{1,3}):(\d{2})(?:[.:](\d{1,3}))?\]")
ID_TAG = re.compile(r"^\[(ar|ti|al|au|by|re|ve|length|offset|#):(.*)\]\s*$", re.IGNORECASE)
ANY_BRACKET = re.compile(r"^\[[^\]]*\]")


@dataclass(frozen=True)
class LrcLine:
    time_ms: int
    text: str


class LrcError(ValueError):
    """A line that is not valid LRC; ``line`` is 1-based."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"Line {line}: {reason}")
        self.line = line
        self.reason = reason


def _fraction_ms(raw: str | None) -> int:
    if not raw:
        return 0
    # ".5" = 500 ms, ".05" = 50 ms, ".005" = 5 ms.
    return int(raw.ljust(3, "0"))


def parse_lrc(text: str) -> list[LrcLine]:
    """Parse LRC text; raises :class:`LrcError` for the first bad line."""
    offset_ms = 0
    lines: list[LrcLine] = []
    previous = -1
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        tag = ID_TAG.match(line)
        if tag:
            if tag.group(1).lower() == "offset":
                value = tag.group(2).strip()
                if not re.fullmatch(r"[+-]?\d{1,7}", value):
                    raise LrcError(number, f'invalid offset "{value[:20]}".')
                offset_ms = int(value)
            continue
        match = TIMESTAMP.match(line)
        if match is None:
            bracket = ANY_BRACKET.match(line)
            if bracket:
                raise LrcError(number, f'invalid timestamp "{bracket.group(0)[:20]}".')
            raise LrcError(number, "missing timestamp; expected [mm:ss.xx] before the text.")
        minutes, seconds, fraction = match.groups()
        if int(seconds) >= 60:
            raise LrcError(number, f'invalid timestamp "{match.group(0)}": seconds must be < 60.')
        time_ms = (int(minutes) * 60 + int(seconds)) * 1000 + _fraction_ms(fraction)
        if time_ms < previous:
            raise LrcError(number, f'timestamp "{match.group(0)}" is earlier than the line before.')
        previous = time_ms
        rest = line[match.end() :]
        if TIMESTAMP.match(rest):
            raise LrcError(number, "one timestamp per line is supported.")
        lines.append(LrcLine(time_ms=time_ms, text=rest.strip()))
    if not lines:
        raise LrcError(1, "no timed lines found.")
    return [LrcLine(time_ms=max(0, ln.time_ms - offset_ms), text=ln.text) for ln in lines]
