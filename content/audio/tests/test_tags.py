import struct
from datetime import date

import pytest
from mutagen.aiff import AIFF
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, TALB, TBPM, TCON, TDRC, TIT2, TKEY, TPE1, TXXX
from mutagen.mp3 import MP3
from mutagen.wave import WAVE

from content import testing
from content.audio.tags import parse_bpm, parse_key, read_tags

PNG = testing.png_bytes(8, 8)


def _audio(tmp_path, fmt: str):
    samples = testing.tone(1.0, sample_rate=22050)
    return testing.write(tmp_path / f"a.{fmt}", testing.encode(samples, fmt, sample_rate=22050))


def _id3_frames(tags, *, key_frame):
    tags.add(TIT2(encoding=3, text="Night Drive"))
    tags.add(TPE1(encoding=3, text=["Kay Beats", "Lil Test"]))
    tags.add(TALB(encoding=3, text="Tapes"))
    tags.add(TCON(encoding=3, text="Trap"))
    tags.add(TBPM(encoding=3, text="140"))
    tags.add(key_frame)
    tags.add(TDRC(encoding=3, text="2024-05-17"))
    tags.add(APIC(encoding=3, mime="image/png", type=3, desc="cover", data=PNG))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Am", ("A", "minor")),
        ("A minor", ("A", "minor")),
        ("a min", ("A", "minor")),
        ("8A", ("A", "minor")),
        ("08B", ("C", "major")),
        ("12A", ("C#", "minor")),
        ("F#m", ("F#", "minor")),
        ("Gbm", ("Gb", "minor")),
        ("Bb", ("Bb", "major")),
        ("E♭ major", ("Eb", "major")),
        ("C#", ("C#", "major")),
        ("1m", ("A", "minor")),
        ("1d", ("C", "major")),
        ("Cb", ("B", "major")),
        ("H", None),
        ("13A", None),
        ("", None),
    ],
)
def test_key_notations_parse_to_key_and_scale(raw, expected):
    assert parse_key(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("140", 140), ("139.6", 140), ("92 BPM", 92), ("", None), ("x", None)]
)
def test_bpm_tags_parse_to_integers(raw, expected):
    assert parse_bpm(raw) == expected


def test_mp3_id3_tags_are_read_with_artwork(tmp_path):
    path = _audio(tmp_path, "mp3")
    audio = MP3(path)
    if audio.tags is None:
        audio.add_tags()
    _id3_frames(audio.tags, key_frame=TKEY(encoding=3, text="Am"))
    audio.save()

    tags = read_tags(path, "mp3")

    assert tags.title == "Night Drive"
    assert tags.artists == ["Kay Beats", "Lil Test"]
    assert tags.album == "Tapes"
    assert tags.genres == ["Trap"]
    assert tags.bpm == 140
    assert (tags.key, tags.scale) == ("A", "minor")
    assert tags.release_date == date(2024, 5, 17)
    assert tags.artwork == PNG
    assert tags.artwork_mime == "image/png"


def test_aiff_id3_tags_with_camelot_key(tmp_path):
    path = _audio(tmp_path, "aiff")
    audio = AIFF(path)
    if audio.tags is None:
        audio.add_tags()
    _id3_frames(audio.tags, key_frame=TKEY(encoding=3, text="5A"))
    audio.save()

    tags = read_tags(path, "aiff")

    assert tags.title == "Night Drive"
    assert (tags.key, tags.scale) == ("C", "minor")
    assert tags.bpm == 140


def test_wav_id3_chunk_with_txxx_initialkey(tmp_path):
    path = _audio(tmp_path, "wav")
    audio = WAVE(path)
    if audio.tags is None:
        audio.add_tags()
    audio.tags.add(TIT2(encoding=3, text="Wav Beat"))
    audio.tags.add(TXXX(encoding=3, desc="INITIALKEY", text="F#m"))
    audio.tags.add(TXXX(encoding=3, desc="BPM", text="97"))
    audio.save()

    tags = read_tags(path, "wav")

    assert tags.title == "Wav Beat"
    assert (tags.key, tags.scale) == ("F#", "minor")
    assert tags.bpm == 97


def _riff_info_chunk(fields: dict[str, str]) -> bytes:
    body = b"INFO"
    for key, value in fields.items():
        data = value.encode() + b"\x00"
        if len(data) % 2:
            data += b"\x00"
        body += key.encode() + struct.pack("<I", len(data)) + data
    return b"LIST" + struct.pack("<I", len(body)) + body


def test_wav_riff_info_tags_are_read(tmp_path):
    path = _audio(tmp_path, "wav")
    raw = bytearray(path.read_bytes())
    raw += _riff_info_chunk(
        {"INAM": "Info Title", "IART": "Info Artist", "IGNR": "Boom Bap", "ICRD": "2021"}
    )
    raw[4:8] = struct.pack("<I", len(raw) - 8)
    path.write_bytes(bytes(raw))

    tags = read_tags(path, "wav")

    assert tags.title == "Info Title"
    assert tags.artists == ["Info Artist"]
    assert tags.genres == ["Boom Bap"]
    assert tags.release_date == date(2021, 1, 1)
    assert tags.bpm is None


def test_flac_vorbis_comments_and_picture(tmp_path):
    path = _audio(tmp_path, "flac")
    audio = FLAC(path)
    audio["title"] = "Flac Beat"
    audio["artist"] = ["One", "Two feat. Three"]
    audio["album"] = "LP"
    audio["genre"] = "Lo-Fi; Jazz"
    audio["bpm"] = "84.2"
    audio["initialkey"] = "Gbm"
    audio["date"] = "2019-03"
    picture = Picture()
    picture.type = 3
    picture.mime = "image/jpeg"  # declared wrongly on purpose: the bytes are PNG
    picture.data = PNG
    audio.add_picture(picture)
    audio.save()

    tags = read_tags(path, "flac")

    assert tags.title == "Flac Beat"
    assert tags.artists == ["One", "Two", "Three"]
    assert tags.genres == ["Lo-Fi", "Jazz"]
    assert tags.bpm == 84
    assert (tags.key, tags.scale) == ("Gb", "minor")
    assert tags.release_date == date(2019, 3, 1)
    assert tags.artwork == PNG


def test_untagged_file_gives_empty_tags(tmp_path):
    tags = read_tags(_audio(tmp_path, "flac"), "flac")
    assert tags.title is None
    assert tags.artists == []
    assert tags.bpm is None
    assert tags.key is None
    assert tags.artwork is None
