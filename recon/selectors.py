"""Reads for Audio Recon: eligibility, credited producers, due scans, a track's placements."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from content.catalog.models import Artist, Track, TrackArtist
from content.fingerprints.models import Fingerprint
from content.uploads.models import FileEntry
from recon.matching import default_matcher
from recon.models import DISPLAY_THRESHOLD, Match, ReferenceRecording, ScanStatus, TrackScan

# A beat's producers are its main artist (the uploader's profile) and its co-producers; a
# featured artist (a vocalist on the beat) is not a producer.
PRODUCER_ROLES = (TrackArtist.Role.MAIN, TrackArtist.Role.PRODUCER)


def producer_artists(*, track: Track) -> QuerySet[Artist]:
    return Artist.objects.filter(
        artist_tracks__track=track, artist_tracks__role__in=PRODUCER_ROLES
    ).distinct()


def producer_user_ids(*, track_id: int) -> list[int]:
    """Users who manage an artist credited as producer on the track (verified or not)."""
    return sorted(
        set(
            TrackArtist.objects.filter(track_id=track_id, role__in=PRODUCER_ROLES)
            .exclude(artist__managers=None)
            .values_list("artist__managers", flat=True)
        )
    )


def user_is_credited_producer(*, user, track: Track) -> bool:
    return TrackArtist.objects.filter(
        track=track, role__in=PRODUCER_ROLES, artist__managers=user
    ).exists()


def _verified_producer(track_ref) -> Exists:
    return Exists(
        TrackArtist.objects.filter(track=track_ref, role__in=PRODUCER_ROLES, artist__verified=True)
    )


def track_has_verified_producer(*, track: Track) -> bool:
    return TrackArtist.objects.filter(
        track=track, role__in=PRODUCER_ROLES, artist__verified=True
    ).exists()


def eligible_tracks() -> QuerySet[Track]:
    """Help page: uploaded audio (not an external link), a completed fingerprint, and at least
    one credited producer verified."""
    return Track.objects.filter(
        file__isnull=False,
        file__kind=FileEntry.Kind.AUDIO,
        fingerprint__status=Fingerprint.Status.COMPLETED,
    ).filter(_verified_producer(OuterRef("pk")))


def track_is_eligible(*, track_id: int) -> bool:
    return eligible_tracks().filter(pk=track_id).exists()


def due_scans(*, now: datetime) -> QuerySet[TrackScan]:
    """Scan rows due at ``now``, in the order the rolling schedule takes them: rescans asked
    for first, then never scanned, then the oldest. Due means: never scanned, last scanned
    ≥ RECON_RESCAN_DAYS ago, a failed scan ≥ RECON_RETRY_HOURS ago, or a ``processing`` row
    whose worker died (started longer than the lease ago)."""
    rescan_before = now - timedelta(days=settings.RECON_RESCAN_DAYS)
    retry_before = now - timedelta(hours=settings.RECON_RETRY_HOURS)
    lease_before = now - timedelta(minutes=settings.RECON_SCAN_LEASE_MINUTES)
    stale = Q(status=ScanStatus.PROCESSING, started_at__lt=lease_before)
    return (
        TrackScan.objects.filter(track__in=eligible_tracks())
        .filter(
            (~Q(status=ScanStatus.PROCESSING) | Q(status__isnull=True))
            & (
                Q(scanned_at__isnull=True)
                | Q(scanned_at__lte=rescan_before)
                | Q(requested_at__isnull=False)
                | Q(status=ScanStatus.FAILED, scanned_at__lte=retry_before)
            )
            | stale
        )
        .order_by(
            F("requested_at").asc(nulls_last=True),  # asked-for rescans first
            F("scanned_at").asc(nulls_first=True),  # then never scanned, then the oldest
            "id",
        )
    )


def indexed_recordings() -> QuerySet[ReferenceRecording]:
    """Recordings whose landmarks are in the index *for the current matcher*: one indexed by
    another matcher (its hashes mean something else) is neither matched nor counted as done, and
    ``recon_ingest`` / ``source_ingest`` re-index it on their next run."""
    return ReferenceRecording.objects.filter(
        ingested_at__isnull=False, matcher=default_matcher().name
    )


def scan_for(*, track: Track) -> TrackScan | None:
    return TrackScan.objects.filter(track=track).first()


def track_placements(*, track: Track) -> QuerySet[Match]:
    return (
        Match.objects.filter(track=track, confidence__gte=DISPLAY_THRESHOLD)
        .select_related("recording")
        .order_by("-confidence", "-id")
    )
