"""Who may download a track's original file. One policy, extended by commerce later."""

from __future__ import annotations

from content.models import Track
from content.selectors.catalog import track_is_manageable


def can_download(user, track: Track) -> bool:
    """Managers of the track's artists, staff, and anyone when the track is a free download.

    The commerce feature adds purchase entitlement here (one place for every caller).
    """
    if track.free_download:
        return True
    if user is None or not user.is_authenticated:
        return False
    return track_is_manageable(user=user, track=track)
