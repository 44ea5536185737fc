"""Celery tasks of playlists. Thin: call one service."""

from __future__ import annotations

from celery import shared_task

from content.playlists.services import playlist_invitations_expire


@shared_task(name="content.expire_playlist_invitations", acks_late=True)
def expire_playlist_invitations() -> int:
    """Mark overdue pending playlist invitations expired (scheduled hourly; see
    setup_periodic_tasks). Accepting checks expiry itself, so a late sweep is harmless."""
    return playlist_invitations_expire()
