from .catalog import (
    BPM_MAX,
    BPM_MIN,
    KEYS,
    Album,
    AlbumArtist,
    Artist,
    ArtistLink,
    Genre,
    Scale,
    Tag,
    Track,
    TrackArtist,
    Visibility,
)
from .engagement import AlbumLike, ArtistLike, TrackLike
from .fingerprints import Fingerprint
from .uploads import FileEntry

__all__ = [
    "BPM_MAX",
    "BPM_MIN",
    "KEYS",
    "Album",
    "AlbumArtist",
    "AlbumLike",
    "Artist",
    "ArtistLike",
    "ArtistLink",
    "FileEntry",
    "Fingerprint",
    "Genre",
    "Scale",
    "Tag",
    "Track",
    "TrackArtist",
    "TrackLike",
    "Visibility",
]
