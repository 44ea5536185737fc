"""Output of the placements endpoint (seed: Audio Recon → Get Audio Recon Matches)."""

from __future__ import annotations

from datetime import UTC

from recon.models import Match, TrackScan


def iso(value):
    """The seed's timestamp form: ``2026-02-26T02:15:00+00:00`` (UTC, whole seconds)."""
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


def present_placement(match: Match) -> dict:
    recording = match.recording
    return {
        "id": match.pk,
        "title": recording.title,
        "artist_name": recording.artist_name,
        "album_name": recording.album_name,
        "release_date": recording.release_date.isoformat() if recording.release_date else None,
        "confidence_score": match.confidence,
        "spotify_url": recording.spotify_url or None,
        "youtube_url": recording.youtube_url or None,
        "deezer_url": recording.deezer_url or None,
        "created_at": iso(match.created_at),
    }


def present_placements(
    *, matches: list[Match], scan: TrackScan | None, artist_verified: bool
) -> dict:
    placements = [present_placement(m) for m in matches] if artist_verified else []
    return {
        "placements": placements,
        "scan_status": scan.status if scan else None,
        "scanned_at": iso(scan.scanned_at) if scan else None,
        "total_count": len(placements),
        "artist_verified": artist_verified,
    }
