"""LRC parser: pure unit tests (no database)."""

from __future__ import annotations

import pytest

from content.lyrics.lrc import LrcError, LrcLine, parse_lrc


def test_timed_lines_become_milliseconds_in_order():
    lines = parse_lrc("[00:01.50] first\n[00:12.05]second\n[01:02.123] third\n[10:00] last")

    assert lines == [
        LrcLine(1500, "first"),
        LrcLine(12050, "second"),
        LrcLine(62123, "third"),
        LrcLine(600000, "last"),
    ]


def test_blank_lines_and_id_tags_are_skipped_and_offset_applies():
    text = "[ar:Nova]\n[ti:Song]\n\n[offset:+500]\n[00:02.00] a\n\n[00:03.00] b\n"

    assert parse_lrc(text) == [LrcLine(1500, "a"), LrcLine(2500, "b")]


def test_equal_times_are_allowed_and_empty_text_is_kept():
    assert parse_lrc("[00:01.00] a\n[00:01.00]") == [LrcLine(1000, "a"), LrcLine(1000, "")]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("[00:01.00] a\n[00:6x.00] b", 2, "invalid timestamp"),
        ("[00:01.00] a\n[00:75.00] b", 2, "seconds must be < 60"),
        ("[00:01.00] a\nno time here", 2, "missing timestamp"),
        ("[00:05.00] a\n[00:06.00] b\n[00:04.00] c", 3, "earlier than the line before"),
        ("[offset:abc]\n[00:01.00] a", 1, "invalid offset"),
        ("[00:01.00][00:02.00] chorus", 1, "one timestamp per line"),
        ("\n\n", 1, "no timed lines"),
    ],
)
def test_bad_input_names_the_line(text, line, fragment):
    with pytest.raises(LrcError) as caught:
        parse_lrc(text)

    assert caught.value.line == line
    assert fragment in str(caught.value)
    assert str(caught.value).startswith(f"Line {line}: ")


def test_windows_line_endings_count_lines_the_same():
    with pytest.raises(LrcError) as caught:
        parse_lrc("[00:02.00] a\r\n[00:01.00] b\r\n")

    assert caught.value.line == 2
