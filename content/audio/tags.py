"""Read descriptive tags from audio files with mutagen. No Django here.

Covers ID3 (MP3, AIFF, the ``id3 `` chunk of WAV), FLAC Vorbis comments and RIFF INFO chunks
(WAV files exported by DAWs that never write ID3). Values are cleaned (whitespace, lengths),
BPM and key are parsed into the catalog's vocabulary, and the first embedded picture is
returned as bytes with its MIME type.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

MAX_TEXT = 255
MAX_ARTWORK_BYTES = 10 * 1024 * 1024

NOTE_NAMES = {
    "C": "C", "C#": "C#", "DB": "Db", "D": "D", "D#": "D#", "EB": "Eb", "E": "E", "FB": "E",
    "E#": "F", "F": "F", "F#": "F#", "GB": "Gb", "G": "G", "G#": "G#", "AB": "Ab", "A": "A",
    "A#": "A#", "BB": "Bb", "B": "B", "CB": "B", "B#": "C",
}  # fmt: skip
# Camelot wheel: number → (minor key for "A", major key for "B").
CAMELOT = {
    1: ("Ab", "B"), 2: ("Eb", "F#"), 3: ("Bb", "Db"), 4: ("F", "Ab"), 5: ("C", "Eb"),
    6: ("G", "Bb"), 7: ("D", "F"), 8: ("A", "C"), 9: ("E", "G"), 10: ("B", "D"),
    11: ("F#", "A"), 12: ("C#", "E"),
}  # fmt: skip

_CAMELOT_RE = re.compile(r"^0?(1[0-2]|[1-9])\s*([AB])$", re.IGNORECASE)
_OPEN_KEY_RE = re.compile(r"^0?(1[0-2]|[1-9])\s*([DM])$", re.IGNORECASE)
_NOTE_RE = re.compile(
    r"^([A-G])\s*(#|B|♯|♭|SHARP|FLAT)?\s*"
    r"(M|MIN|MINOR|MAJ|MAJOR|MOLL|DUR|-)?$",
    re.IGNORECASE,
)


@dataclass
class AudioTags:
    title: str | None = None
    artists: list[str] = field(default_factory=list)
    album: str | None = None
    genres: list[str] = field(default_factory=list)
    bpm: int | None = None
    key: str | None = None
    scale: str | None = None
    release_date: date | None = None
    artwork: bytes | None = None
    artwork_mime: str | None = None


class TagError(ValueError):
    """The file's tags cannot be read."""


# --- parsing helpers ---------------------------------------------------------------------------


def parse_key(raw: str | None) -> tuple[str, str] | None:
    """Parse a key tag into (key, scale): "Am", "A minor", "8A", "F#m", "Gbm", "1d", "Ebmaj"."""
    if not raw:
        return None
    text = " ".join(str(raw).replace("\x00", "").split()).strip()
    if not text or len(text) > 20:
        return None
    camelot = _CAMELOT_RE.match(text)
    if camelot:
        minor, major = CAMELOT[int(camelot.group(1))]
        return (minor, "minor") if camelot.group(2).upper() == "A" else (major, "major")
    open_key = _OPEN_KEY_RE.match(text)
    if open_key:  # Open Key notation: 1d = C major = 8B, 1m = A minor = 8A.
        number = (int(open_key.group(1)) + 6) % 12 + 1
        minor, major = CAMELOT[number]
        return (minor, "minor") if open_key.group(2).upper() == "M" else (major, "major")
    # "m" alone means minor; keep case information before upper-casing.
    minor_suffix = bool(re.match(r"^[A-Ga-g](#|b|♯|♭)?m$", text))
    note = _NOTE_RE.match(text.replace("♯", "#").replace("♭", "b"))
    if not note:
        return None
    letter = note.group(1).upper()
    accidental = (note.group(2) or "").upper()
    accidental = {"SHARP": "#", "FLAT": "B", "♯": "#", "♭": "B"}.get(accidental, accidental)
    name = NOTE_NAMES.get(letter + accidental)
    if name is None:
        return None
    quality = (note.group(3) or "").upper()
    if quality == "M":
        # A lone "m" means minor ("Am", "F#m"); an upper-case "M" is the major shorthand.
        scale = "minor" if minor_suffix or text[-1] == "m" else "major"
    else:
        scale = "minor" if quality in {"MIN", "MINOR", "MOLL", "-"} else "major"
    return name, scale


def parse_bpm(raw: str | float | int | None) -> int | None:
    """BPM tags are text ("140", "139.98", "140 BPM"); return an int in 1..999 or None."""
    if raw is None:
        return None
    match = re.search(r"\d+(?:[.,]\d+)?", str(raw))
    if not match:
        return None
    value = float(match.group(0).replace(",", "."))
    if not 0 < value < 1000:
        return None
    return int(round(value))


def parse_date(raw: str | None) -> date | None:
    if not raw:
        return None
    text = str(raw).strip()
    for pattern, fmt in ((r"^\d{4}-\d{2}-\d{2}", "%Y-%m-%d"), (r"^\d{4}-\d{2}", "%Y-%m")):
        match = re.match(pattern, text)
        if match:
            try:
                from datetime import datetime

                return datetime.strptime(match.group(0), fmt).date()  # noqa: DTZ007
            except ValueError:
                return None
    match = re.match(r"^(\d{4})", text)
    if match and 1000 < int(match.group(1)) < 3000:
        return date(int(match.group(1)), 1, 1)
    return None


def _clean(value) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).replace("\x00", " ").split())
    return text[:MAX_TEXT] or None


_ARTIST_SPLIT = re.compile(r"\s*(?:;|/|\bfeat\.?|\bft\.?|\bfeaturing\b)\s*", re.IGNORECASE)


def split_artists(values) -> list[str]:
    names: list[str] = []
    for value in values:
        for part in _ARTIST_SPLIT.split(str(value)):
            name = _clean(part)
            if name and name not in names:
                names.append(name)
    return names[:10]


def split_genres(values) -> list[str]:
    genres: list[str] = []
    for value in values:
        for part in re.split(r"\s*[;/,]\s*", str(value)):
            genre = _clean(part)
            if genre and genre not in genres:
                genres.append(genre[:100])
    return genres[:10]


# --- readers ----------------------------------------------------------------------------------


def read_tags(path: str | Path, fmt: str) -> AudioTags:
    """Tags of an audio file whose real format (``sniff``) is ``fmt``."""
    import mutagen

    try:
        if fmt == "flac":
            return _from_flac(path)
        if fmt in ("mp3", "aiff", "wav"):
            tags = _from_id3_container(path, fmt)
            if fmt == "wav":
                info = _riff_info(path)
                tags.title = tags.title or info.get("INAM")
                info_artists = [info["IART"]] if "IART" in info else []
                info_genres = [info["IGNR"]] if "IGNR" in info else []
                tags.artists = tags.artists or split_artists(info_artists)
                tags.album = tags.album or info.get("IPRD")
                tags.genres = tags.genres or split_genres(info_genres)
                tags.release_date = tags.release_date or parse_date(info.get("ICRD"))
            return tags
    except (mutagen.MutagenError, struct.error, ValueError, EOFError, OverflowError) as exc:
        raise TagError(f"The file's tags are unreadable ({type(exc).__name__}).") from exc
    raise TagError(f"Unsupported format: {fmt}")


def _first(values) -> str | None:
    for value in values or ():
        text = _clean(value)
        if text:
            return text
    return None


def _from_flac(path) -> AudioTags:
    from mutagen.flac import FLAC

    audio = FLAC(path)
    comments = audio.tags or {}

    def get(*names):
        for name in names:
            values = comments.get(name) if comments else None
            if values:
                return values
        return []

    tags = AudioTags(
        title=_first(get("title")),
        artists=split_artists(get("artist", "albumartist")),
        album=_first(get("album")),
        genres=split_genres(get("genre")),
        bpm=parse_bpm(_first(get("bpm", "tempo", "tbpm"))),
        release_date=parse_date(_first(get("date", "year", "originaldate"))),
    )
    parsed = parse_key(_first(get("initialkey", "key", "tkey")))
    if parsed:
        tags.key, tags.scale = parsed
    for picture in audio.pictures:
        if picture.data and len(picture.data) <= MAX_ARTWORK_BYTES:
            tags.artwork, tags.artwork_mime = bytes(picture.data), picture.mime or None
            if picture.type == 3:  # front cover wins
                break
    return tags


def _from_id3_container(path, fmt: str) -> AudioTags:
    from mutagen.aiff import AIFF
    from mutagen.mp3 import MP3
    from mutagen.wave import WAVE

    audio = {"mp3": MP3, "aiff": AIFF, "wav": WAVE}[fmt](path)
    id3 = audio.tags
    tags = AudioTags()
    if id3 is None:
        return tags

    def texts(frame_id: str) -> list[str]:
        frames = id3.getall(frame_id)
        values: list[str] = []
        for frame in frames:
            values.extend(str(v) for v in getattr(frame, "text", []))
        return values

    def txxx(*descriptions: str) -> str | None:
        wanted = {d.lower() for d in descriptions}
        for frame in id3.getall("TXXX"):
            if str(frame.desc).lower() in wanted:
                return _first(frame.text)
        return None

    tags.title = _first(texts("TIT2"))
    tags.artists = split_artists(texts("TPE1") or texts("TPE2"))
    tags.album = _first(texts("TALB"))
    genres: list[str] = []
    for frame in id3.getall("TCON"):
        genres.extend(frame.genres)
    tags.genres = split_genres(genres)
    tags.bpm = parse_bpm(_first(texts("TBPM")) or txxx("bpm", "tempo"))
    parsed = parse_key(_first(texts("TKEY")) or txxx("initialkey", "key"))
    if parsed:
        tags.key, tags.scale = parsed
    tags.release_date = parse_date(
        _first(texts("TDRC")) or _first(texts("TYER")) or _first(texts("TDRL"))
    )
    pictures = id3.getall("APIC")
    pictures.sort(key=lambda p: 0 if p.type == 3 else 1)
    for picture in pictures:
        if picture.data and len(picture.data) <= MAX_ARTWORK_BYTES:
            mime = picture.mime or None
            if mime and "/" not in mime:  # ID3v2.2 stores "JPG"/"PNG"
                mime = {"JPG": "image/jpeg", "PNG": "image/png"}.get(mime.upper(), mime)
            tags.artwork, tags.artwork_mime = bytes(picture.data), mime
            break
    return tags


def _riff_info(path) -> dict[str, str]:
    """The LIST/INFO chunk of a RIFF WAVE file: {"INAM": title, "IART": artist, ...}."""
    found: dict[str, str] = {}
    with open(path, "rb") as fh:
        header = fh.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return found
        fh.seek(0, 2)
        end = fh.tell()
        pos = 12
        while pos + 8 <= end:
            fh.seek(pos)
            chunk_id, size = struct.unpack("<4sI", fh.read(8))
            if chunk_id == b"LIST" and size >= 4 and size < 1024 * 1024:
                body = fh.read(size)
                if body[:4] == b"INFO":
                    _parse_info(body[4:], found)
            pos += 8 + size + (size & 1)
    return found


def _parse_info(body: bytes, found: dict[str, str]) -> None:
    pos = 0
    while pos + 8 <= len(body):
        sub_id, size = struct.unpack("<4sI", body[pos : pos + 8])
        raw = body[pos + 8 : pos + 8 + size]
        for encoding in ("utf-8", "latin-1"):
            try:
                text = raw.split(b"\x00", 1)[0].decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        value = _clean(text)
        if value:
            found.setdefault(sub_id.decode("latin-1"), value)
        pos += 8 + size + (size & 1)
