"""Writes for Audio Recon: ingesting reference recordings, scanning tracks, recording matches
and notifying the producers.

Concurrency: a scan is *claimed* in a short transaction that locks due ``TrackScan`` rows with
``SELECT … FOR UPDATE SKIP LOCKED`` and marks them ``processing`` (a lease of
RECON_SCAN_LEASE_MINUTES); two workers therefore never claim the same track, and a track whose
worker was killed is claimed again once its lease is stale. The scan's result (the track's own
landmarks, new matches, notices, final status) commits in one transaction that locks the scan row
again, so a crash before it leaves no partial state.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from beatpass.accounts.models import User
from beatpass.accounts.services import absolute_url, notify
from content import clock
from content.audio.decode import iter_mono_chunks
from content.catalog.models import Track
from content.uploads.services import local_path
from recon import selectors, store
from recon.matching import Candidate, Landmarks, default_matcher
from recon.models import (
    DISPLAY_THRESHOLD,
    REFERENCE_LANDMARK_TABLE,
    STORE_THRESHOLD,
    TRACK_LANDMARK_TABLE,
    Match,
    MatchNotice,
    ReferenceRecording,
    ReferenceSource,
    ScanStatus,
    TrackScan,
)

logger = logging.getLogger(__name__)


def landmarks_from_path(path: str, *, query: bool = False) -> Landmarks:
    """Decode (streamed, resampled by FFmpeg to the matcher's rate) and extract landmarks
    (``query``: a scanned track's, denser than a reference recording's)."""
    matcher = default_matcher()
    chunks = list(iter_mono_chunks(path, sample_rate=matcher.sample_rate))
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return matcher.landmarks(samples, matcher.sample_rate, query=query)


# --- reference recordings ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceMetadata:
    title: str
    source: str = ReferenceSource.LOCAL
    external_id: str = ""
    artist_name: str = ""
    album_name: str = ""
    release_date: object = None
    isrc: str = ""
    spotify_url: str = ""
    youtube_url: str = ""
    deezer_url: str = ""


def reference_ingest(
    *, metadata: ReferenceMetadata, landmarks: Landmarks, match: bool = True
) -> ReferenceRecording:
    """Create (or complete) a reference recording and index its landmarks, atomically: a
    recording either has all its landmarks and ``ingested_at``, or is re-ingested on resume.
    With ``match``, the new recording is then matched against the scanned catalog."""
    with transaction.atomic():
        recording, _ = ReferenceRecording.objects.select_for_update().get_or_create(
            source=metadata.source,
            external_id=metadata.external_id or metadata.title,
            defaults={"title": metadata.title},
        )
        for field in (
            "title",
            "artist_name",
            "album_name",
            "release_date",
            "isrc",
            "spotify_url",
            "youtube_url",
            "deezer_url",
        ):
            setattr(
                recording,
                field,
                getattr(metadata, field) or ("" if field != "release_date" else None),
            )
        recording.duration = landmarks.duration
        recording.matcher = default_matcher().name
        recording.landmark_count = store.write_landmarks(
            table=REFERENCE_LANDMARK_TABLE,
            owner_id=recording.pk,
            landmarks=landmarks,
            replace=True,
        )
        store.write_recording_peaks(recording_id=recording.pk, landmarks=landmarks)
        recording.ingested_at = clock.now()
        recording.save()
    if match:
        reference_match_catalog(recording=recording, landmarks=landmarks)
    return recording


def reference_match_catalog(*, recording: ReferenceRecording, landmarks: Landmarks) -> list[Match]:
    """Match a newly ingested recording against every eligible track already scanned (their
    landmarks are stored by the scans; unscanned tracks meet it at their first scan)."""
    matcher = default_matcher()
    hits = store.hits(table=TRACK_LANDMARK_TABLE, hashes=landmarks.hashes)
    # Votes are symmetric: the recording is the query and tracks are the "recordings" here;
    # the offset of the beat inside the recording is the opposite of the one returned.
    candidates = matcher.score(landmarks, hits, minimum=STORE_THRESHOLD, peaks=store.track_peaks)
    if not candidates:
        return []
    # Only tracks whose stored landmarks come from the current matcher (the others are
    # recomputed at their next scan, which meets this recording then).
    eligible = set(
        selectors.eligible_tracks()
        .filter(pk__in=[c.recording_id for c in candidates], recon__matcher=matcher.name)
        .values_list("pk", flat=True)
    )
    created: list[Match] = []
    for c in candidates:
        if c.recording_id not in eligible:
            continue
        found = Candidate(recording.pk, c.votes, -c.offset, c.confidence)
        with transaction.atomic():
            track = Track.objects.get(pk=c.recording_id)
            new = _record_matches(track=track, candidates=[found])
            created += new
            # A track whose last scan found nothing now has a result.
            scan = TrackScan.objects.select_for_update().filter(track=track).first()
            if new and scan is not None and scan.status == ScanStatus.NO_RESULTS:
                scan.status = ScanStatus.COMPLETE
                scan.save(update_fields=["status", "updated_at"])
    return created


def source_ingest(*, source, query: str, limit: int = 20, match: bool = True) -> dict[str, int]:
    """Pull recordings matching ``query`` from a ``ReferenceSource``: those with audio are
    downloaded, indexed and (with ``match``) matched; those without (YouTube) are kept as
    metadata-only rows (``ingested_at`` null) for an operator to supply audio. Already ingested
    recordings are skipped, so a rerun resumes."""
    import tempfile

    from recon.sources import SourceError

    counts = {"ingested": 0, "skipped": 0, "metadata_only": 0, "failed": 0}
    for found in source.search(query, limit=limit):
        if (
            selectors.indexed_recordings()
            .filter(source=found.source, external_id=found.external_id)
            .exists()
        ):
            counts["skipped"] += 1
            continue
        metadata = ReferenceMetadata(
            title=found.title,
            source=found.source,
            external_id=found.external_id,
            artist_name=found.artist_name,
            album_name=found.album_name,
            release_date=found.release_date,
            isrc=found.isrc,
            spotify_url=found.spotify_url,
            youtube_url=found.youtube_url,
            deezer_url=found.deezer_url,
        )
        try:
            audio = source.fetch_audio(found)
        except SourceError as exc:
            logger.warning("recon: %s %s: %s", found.source, found.external_id, exc)
            counts["failed"] += 1
            continue
        if audio is None:
            fields = {
                k: v for k, v in metadata.__dict__.items() if k not in ("source", "external_id")
            }
            fields = {
                k: (v if v is not None or k == "release_date" else "") for k, v in fields.items()
            }
            ReferenceRecording.objects.update_or_create(
                source=found.source, external_id=found.external_id, defaults=fields
            )
            counts["metadata_only"] += 1
            continue
        with tempfile.NamedTemporaryFile(suffix=".mp3") as tmp:
            tmp.write(audio)
            tmp.flush()
            try:
                landmarks = landmarks_from_path(tmp.name)
            except (OSError, ValueError) as exc:
                logger.warning("recon: undecodable preview %s: %s", found.external_id, exc)
                counts["failed"] += 1
                continue
        reference_ingest(metadata=metadata, landmarks=landmarks, match=match)
        counts["ingested"] += 1
    return counts


# --- scans -------------------------------------------------------------------------------------


def scan_rows_ensure() -> int:
    """Create the missing ``TrackScan`` rows (status null) for eligible tracks; idempotent."""
    missing = selectors.eligible_tracks().filter(recon__isnull=True).values_list("pk", flat=True)
    rows = [TrackScan(track_id=pk) for pk in missing.iterator()]
    TrackScan.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def scan_claim(
    *, limit: int, track_id: int | None = None, now: datetime | None = None
) -> list[int]:
    """Claim up to ``limit`` due scans (or the one of ``track_id``, due or not): lock them with
    SKIP LOCKED, mark them processing, commit. Returns the claimed tracks' ids."""
    now = now or clock.now()
    with transaction.atomic():
        if track_id is not None:
            if not selectors.track_is_eligible(track_id=track_id):
                return []
            TrackScan.objects.bulk_create([TrackScan(track_id=track_id)], ignore_conflicts=True)
            rows = TrackScan.objects.filter(track_id=track_id)
        else:
            rows = selectors.due_scans(now=now)
        locked = list(rows.select_for_update(skip_locked=True, of=("self",))[:limit])
        if track_id is not None:
            lease = now - _lease()
            locked = [
                s
                for s in locked
                if s.status != ScanStatus.PROCESSING or (s.started_at and s.started_at < lease)
            ]
        for scan in locked:
            scan.status = ScanStatus.PROCESSING
            scan.scanned_at = now
            scan.started_at = now
            scan.requested_at = None
            scan.attempts = F("attempts") + 1
        TrackScan.objects.bulk_update(
            locked, ["status", "scanned_at", "started_at", "requested_at", "attempts"]
        )
        return [s.track_id for s in locked]


def _lease():
    from datetime import timedelta

    return timedelta(minutes=settings.RECON_SCAN_LEASE_MINUTES)


def scan_run(*, track_id: int) -> TrackScan:
    """Do the claimed scan of one track: decode (a rescan of unchanged audio re-derives its
    landmarks from its stored peaks instead), store its landmarks, look them up in the
    reference index, record the matches, notify, set the final status. Failures are recorded
    on the scan row (``failed`` + ``last_error``) and not raised: the schedule retries."""
    scan = TrackScan.objects.select_related("track__file").get(track_id=track_id)
    track = scan.track
    try:
        entry = track.file
        landmarks = _stored_landmarks(scan=scan, entry=entry)
        decoded = landmarks is None
        if decoded:
            with local_path(entry) as path:
                landmarks = landmarks_from_path(path, query=True)
        hits = store.hits(table=REFERENCE_LANDMARK_TABLE, hashes=landmarks.hashes)
        candidates = default_matcher().score(
            landmarks, hits, minimum=STORE_THRESHOLD, peaks=store.recording_peaks
        )
        # Index rows of a recording deleted since are ignored (deletes clean up after commit).
        # So are rows of a recording indexed by another matcher (not re-ingested yet).
        live = set(
            selectors.indexed_recordings()
            .filter(pk__in=[c.recording_id for c in candidates])
            .values_list("pk", flat=True)
        )
        candidates = [c for c in candidates if c.recording_id in live]
    except Exception as exc:  # noqa: BLE001 - any decoding/IO error fails this scan only
        logger.warning("recon scan of track %s failed: %s", track_id, exc)
        with transaction.atomic():
            scan = TrackScan.objects.select_for_update().get(pk=scan.pk)
            scan.status = ScanStatus.FAILED
            scan.last_error = str(exc)[:2000] or exc.__class__.__name__
            scan.finished_at = clock.now()
            scan.save(update_fields=["status", "last_error", "finished_at", "updated_at"])
        return scan
    with transaction.atomic():
        scan = TrackScan.objects.select_for_update().get(pk=scan.pk)
        # Also when another matcher computed them or the stored count differs.
        replace = (
            scan.source_sha256 != entry.sha256
            or scan.matcher != default_matcher().name
            or scan.landmark_count == 0
            or scan.landmark_count != len(landmarks)
        )
        if replace:
            scan.landmark_count = store.write_landmarks(
                table=TRACK_LANDMARK_TABLE, owner_id=track.pk, landmarks=landmarks, replace=True
            )
            scan.source_sha256 = entry.sha256
            scan.matcher = default_matcher().name
        if decoded:  # (every replace decoded; so does a rescan whose peaks were unusable)
            store.write_track_peaks(track_id=track.pk, landmarks=landmarks)
        _record_matches(track=track, candidates=candidates)
        has_matches = Match.objects.filter(track=track).exists()
        scan.status = ScanStatus.COMPLETE if has_matches else ScanStatus.NO_RESULTS
        scan.last_error = ""
        scan.finished_at = clock.now()
        scan.save()
    return scan


def _stored_landmarks(*, scan: TrackScan, entry) -> Landmarks | None:
    """A rescan's landmarks, from the peaks its earlier scan stored (no decode: the daily job
    rescans every eligible track each cycle, and decoding is most of a scan's CPU); None when
    the audio changed since (its SHA-256), the matcher changed, or nothing usable is stored."""
    matcher = default_matcher()
    if not (
        entry.sha256
        and scan.source_sha256 == entry.sha256
        and scan.matcher == matcher.name
        and scan.landmark_count
    ):
        return None
    try:
        packed = store.track_peaks([scan.track_id]).get(scan.track_id)
        if packed is None:
            return None
        duration = (entry.duration_ms or 0) / 1000
        landmarks = matcher.landmarks_of_packed(packed, duration, query=True)
    except ValueError:  # not a whole number of peaks: decoded again, and rewritten
        return None
    # the stored count is of the landmarks the peaks were stored with: a mismatch means the
    # peaks are not those (an earlier extraction's), so the audio is decoded again
    return landmarks if len(landmarks) == scan.landmark_count else None


def scan_track(*, track_id: int) -> TrackScan | None:
    """Claim and run the scan of one track now (due or not). None when the track is not
    eligible or another worker is scanning it."""
    if not scan_claim(limit=1, track_id=track_id):
        return None
    return scan_run(track_id=track_id)


def scan_batch_size(*, eligible: int) -> int:
    """Per-run cap so one full cycle spreads over ~RECON_RESCAN_DAYS daily runs (+25% headroom
    for failures and new tracks), never below RECON_SCAN_MIN_PER_RUN."""
    per_day = math.ceil(eligible * 1.25 / max(1, settings.RECON_RESCAN_DAYS))
    return max(settings.RECON_SCAN_MIN_PER_RUN, per_day)


def refresh_common_hashes() -> int:
    """Recount the reference index's common hashes (recon.matching.common) for the recordings
    indexed now; returns how many there are. Daily before the rolling scan (celery-beat
    ``recon.refresh_common_hashes``), and ``manage.py recon_common_hashes``."""
    return store.refresh_common_hashes(recordings=selectors.indexed_recordings().count())


def scan_due(*, limit: int | None = None, now: datetime | None = None) -> list[TrackScan]:
    """The daily job: scan the due tracks, oldest first, up to the per-run cap. Claims one track
    at a time so several workers can share a run and a killed one loses at most its lease."""
    scan_rows_ensure()
    if limit is None:
        limit = scan_batch_size(eligible=selectors.eligible_tracks().count())
    done: list[TrackScan] = []
    while len(done) < limit:
        claimed = scan_claim(limit=1, now=now)
        if not claimed:
            break
        done.append(scan_run(track_id=claimed[0]))
    return done


def scan_request(*, track: Track) -> TrackScan:
    """Ask for a rescan (API/admin): the track becomes due at once and a scan task is queued."""
    from beatpass.celery import enqueue_on_commit

    with transaction.atomic():
        TrackScan.objects.bulk_create([TrackScan(track=track)], ignore_conflicts=True)
        scan = TrackScan.objects.select_for_update().get(track=track)
        scan.requested_at = clock.now()
        scan.save(update_fields=["requested_at", "updated_at"])
        enqueue_on_commit("recon.scan_track", track.pk)
    return scan


# --- matches and notifications -----------------------------------------------------------------


def _record_matches(*, track: Track, candidates: Iterable[Candidate]) -> list[Match]:
    """Insert new matches (unique per track+recording; an existing one keeps its row and takes
    the newer confidence) and notify for those at the display threshold. Caller holds a
    transaction."""
    created: list[Match] = []
    for c in candidates:
        if c.confidence < STORE_THRESHOLD:
            continue
        try:
            with transaction.atomic():
                match, was_created = Match.objects.get_or_create(
                    track=track,
                    recording_id=c.recording_id,
                    defaults={"confidence": c.confidence, "votes": c.votes, "offset": c.offset},
                )
        except IntegrityError:  # a concurrent ingest inserted it first
            match, was_created = Match.objects.get(track=track, recording_id=c.recording_id), False
        if was_created:
            created.append(match)
        elif (match.confidence, match.votes) != (c.confidence, c.votes):
            match.confidence, match.votes, match.offset = c.confidence, c.votes, c.offset
            match.save(update_fields=["confidence", "votes", "offset", "updated_at"])
        if match.confidence >= DISPLAY_THRESHOLD:
            _notify_producers(match=match)
    return created


def _notify_producers(*, match: Match) -> None:
    """One in-app notification + email per (match, credited producer user), ever: the
    MatchNotice unique row is inserted first and only its creator notifies."""
    user_ids = selectors.producer_user_ids(track_id=match.track_id)
    already = set(MatchNotice.objects.filter(match=match).values_list("user_id", flat=True))
    recording = match.recording
    track = match.track
    for user in User.objects.filter(pk__in=[u for u in user_ids if u not in already]):
        try:
            with transaction.atomic():
                MatchNotice.objects.create(match=match, user=user)
        except IntegrityError:
            continue
        song = f"“{recording.title}”" + (
            f" by {recording.artist_name}" if recording.artist_name else ""
        )
        links = [
            u for u in (recording.spotify_url, recording.youtube_url, recording.deezer_url) if u
        ]
        body = (
            f"Audio Recon found audio similar to your beat “{track.name}” in {song} "
            f"(similarity {match.confidence}%).\n"
            + "".join(f"Listen: {u}\n" for u in links)
            + f"Details: {absolute_url(f'/track/{track.pk}')}\n\n"
            "Audio Recon detects similarity, not confirmed placements: listen to both before "
            "acting (a shared sample or sound design can match too). If your beat was used "
            "without a license, contact BeatPass support."
        )
        notify(
            user=user,
            kind="recon.match",
            title=f"Audio Recon: “{track.name}” may be in {song}",
            body=body,
            data={
                "track_id": track.pk,
                "match_id": match.pk,
                "recording_id": recording.pk,
                "confidence": match.confidence,
                "title": recording.title,
                "artist_name": recording.artist_name,
                "spotify_url": recording.spotify_url or None,
                "youtube_url": recording.youtube_url or None,
                "deezer_url": recording.deezer_url or None,
            },
        )


# --- cleanup -------------------------------------------------------------------------------------


def on_recording_deleted(sender, instance: ReferenceRecording, **kwargs) -> None:
    """post_delete: drop the recording's index rows (no FK on the COPY-loaded table)."""
    store.delete_landmarks(table=REFERENCE_LANDMARK_TABLE, owner_id=instance.pk)


def on_track_deleted(sender, instance: Track, **kwargs) -> None:
    store.delete_landmarks(table=TRACK_LANDMARK_TABLE, owner_id=instance.pk)
