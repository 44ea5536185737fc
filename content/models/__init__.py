from .audio import Download, ProcessingStatus, TrackWaveform
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
from .credits import ArtistPinnedTrack, Credit, CreditCategory, CreditRole, ReleaseType
from .engagement import AlbumLike, ArtistLike, TrackLike
from .fingerprints import Fingerprint
from .lyrics import Lyric
from .playlists import (
    InvitationStatus,
    Playlist,
    PlaylistEditor,
    PlaylistFollower,
    PlaylistInvitation,
    PlaylistTrack,
)
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
    "ArtistPinnedTrack",
    "Credit",
    "CreditCategory",
    "CreditRole",
    "Download",
    "FileEntry",
    "Fingerprint",
    "Genre",
    "InvitationStatus",
    "Lyric",
    "Playlist",
    "PlaylistEditor",
    "PlaylistFollower",
    "PlaylistInvitation",
    "PlaylistTrack",
    "ProcessingStatus",
    "ReleaseType",
    "Scale",
    "Tag",
    "Track",
    "TrackArtist",
    "TrackLike",
    "TrackWaveform",
    "Visibility",
]
