"""Where reference recordings come from: a ``ReferenceSource`` interface and its adapters.

Spotify (30 s previews through spotipy), Deezer (public API, 30 s previews), YouTube (Data API
metadata only: its audio is supplied by an operator through the local source) and the local
folder source (``manage.py recon_ingest``). Adapters only talk HTTP; the services decode, index
and match what they return.
"""

from recon.sources.base import ReferenceSource, SourceError, SourceRecording

__all__ = ["ReferenceSource", "SourceError", "SourceRecording"]
