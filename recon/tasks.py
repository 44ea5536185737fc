"""Celery tasks for Audio Recon (thin: each calls one service)."""

from __future__ import annotations

from celery import shared_task

from recon import services


@shared_task(name="recon.scan_due")
def scan_due() -> int:
    """The daily rolling run (celery-beat, see setup_periodic_tasks)."""
    return len(services.scan_due())


@shared_task(name="recon.scan_track")
def scan_track(track_id: int) -> str | None:
    scan = services.scan_track(track_id=track_id)
    return None if scan is None else scan.status


@shared_task(name="recon.refresh_common_hashes")
def refresh_common_hashes() -> int:
    """Daily, before the rolling scan (see setup_periodic_tasks)."""
    return services.refresh_common_hashes()
