"""Eligibility, scans, matches and notifications, the rolling schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection

from beatpass.accounts.models import Notification
from content.tests.factories import ArtistFactory, UserFactory
from recon import selectors, services
from recon.matching import default_matcher
from recon.models import TRACK_LANDMARK_TABLE, Match, ScanStatus, TrackScan
from recon.tests.conftest import ingest, make_track

pytestmark = pytest.mark.django_db


def test_eligibility_needs_audio_a_completed_fingerprint_and_a_verified_producer(beat_wav):
    verified = ArtistFactory(verified=True)
    unverified = ArtistFactory(verified=False)
    ok = make_track(main=verified, data=beat_wav)
    co_producer_verified = make_track(main=unverified, producers=[verified], data=beat_wav)
    featured_verified = make_track(main=unverified, featured=[verified], data=beat_wav)
    no_fingerprint = make_track(main=verified, data=beat_wav, fingerprint=False)
    no_audio = make_track(main=verified, data=beat_wav)
    no_audio.file = None
    no_audio.save()
    eligible = set(selectors.eligible_tracks().values_list("pk", flat=True))
    assert eligible == {ok.pk, co_producer_verified.pk}
    assert featured_verified.pk not in eligible
    assert no_fingerprint.pk not in eligible


def test_scan_finds_the_song_containing_the_beat_and_notifies_each_producer_once(
    beat_wav, song_landmarks, unrelated_landmarks, django_capture_on_commit_callbacks
):
    # given a collaborative beat: a verified main producer and an unverified co-producer
    main_user, co_user, vocalist_user = UserFactory(), UserFactory(), UserFactory()
    main = ArtistFactory(verified=True, managers=[main_user])
    co = ArtistFactory(verified=False, managers=[co_user])
    vocalist = ArtistFactory(verified=True, managers=[vocalist_user])
    track = make_track(main=main, producers=[co], featured=[vocalist], data=beat_wav)
    song = ingest(song_landmarks, title="Placed Song")
    ingest(unrelated_landmarks, title="Unrelated Song")
    # when the track is scanned
    with django_capture_on_commit_callbacks(execute=True):
        scan = services.scan_track(track_id=track.pk)
    # then the song is a match and both producers (not the vocalist) are notified once
    assert scan.status == ScanStatus.COMPLETE
    assert scan.attempts == 1
    assert scan.scanned_at is not None
    assert scan.landmark_count > 0
    match = Match.objects.get(track=track)
    assert match.recording == song
    assert match.confidence >= 90
    notices = Notification.objects.filter(kind="recon.match")
    notified = sorted(notices.values_list("user", flat=True))
    assert notified == sorted([main_user.pk, co_user.pk])
    assert len(mail.outbox) == 2
    assert "Placed Song" in mail.outbox[0].subject
    # when it is scanned again: same match, no new notification
    with django_capture_on_commit_callbacks(execute=True):
        again = services.scan_track(track_id=track.pk)
    assert again.status == ScanStatus.COMPLETE
    assert again.attempts == 2
    assert Match.objects.filter(track=track).count() == 1
    assert Notification.objects.filter(kind="recon.match").count() == 2
    assert len(mail.outbox) == 2


def test_scan_without_a_matching_song_has_no_results(recon_track, unrelated_landmarks):
    ingest(unrelated_landmarks, title="Unrelated Song")
    scan = services.scan_track(track_id=recon_track.pk)
    assert scan.status == ScanStatus.NO_RESULTS
    assert not Match.objects.exists()


def test_a_new_reference_is_matched_against_already_scanned_tracks(
    recon_track, verified_producer, song_landmarks, django_capture_on_commit_callbacks
):
    # given a track scanned before the song was in the catalog
    assert services.scan_track(track_id=recon_track.pk).status == ScanStatus.NO_RESULTS
    # when the song is ingested
    with django_capture_on_commit_callbacks(execute=True):
        song = ingest(song_landmarks, title="New Release")
    # then it is matched and the producer notified, without rescanning the track
    match = Match.objects.get(track=recon_track)
    assert match.recording == song
    assert match.confidence >= 90
    bars_away = (match.offset - (8.0 - 5.0)) / (240 / 140)  # placed at 8 s from 5 s; 140 bpm
    assert abs(bars_away - round(bars_away)) < 0.05
    assert TrackScan.objects.get(track=recon_track).status == ScanStatus.COMPLETE
    user, _ = verified_producer
    assert Notification.objects.filter(user=user, kind="recon.match").count() == 1
    # and ingesting it again (resume) neither duplicates the match nor notifies again
    with django_capture_on_commit_callbacks(execute=True):
        ingest(song_landmarks, title="New Release")
    assert Match.objects.filter(track=recon_track).count() == 1
    assert Notification.objects.filter(user=user, kind="recon.match").count() == 1


def test_a_scan_of_missing_audio_fails_and_is_retried_later(recon_track, fake_clock, settings):
    recon_track.file.file.storage.delete(recon_track.file.file.name)
    scan = services.scan_track(track_id=recon_track.pk)
    assert scan.status == ScanStatus.FAILED
    assert scan.last_error
    assert not selectors.due_scans(now=fake_clock.now()).exists()
    fake_clock.advance(hours=settings.RECON_RETRY_HOURS)
    assert list(selectors.due_scans(now=fake_clock.now())) == [scan]


def test_rolling_schedule_29_days_is_not_due_30_is(recon_track, fake_clock):
    # given a track scanned now
    services.scan_track(track_id=recon_track.pk)
    # then it is due again exactly 30 days later, not 29
    fake_clock.advance(days=29, hours=23, minutes=59)
    assert services.scan_due() == []
    fake_clock.advance(minutes=1)
    done = services.scan_due()
    assert [s.track_id for s in done] == [recon_track.pk]
    assert TrackScan.objects.get(track=recon_track).attempts == 2


def test_daily_run_takes_never_scanned_first_then_oldest_and_respects_the_cap(
    verified_producer, beat_wav, fake_clock, settings
):
    _, artist = verified_producer
    old, older, never = (make_track(main=artist, data=beat_wav) for _ in range(3))
    services.scan_track(track_id=older.pk)
    fake_clock.advance(days=1)
    services.scan_track(track_id=old.pk)
    fake_clock.advance(days=31)
    settings.RECON_SCAN_MIN_PER_RUN = 2
    assert services.scan_batch_size(eligible=3) == 2
    first = services.scan_due()
    assert [s.track_id for s in first] == [never.pk, older.pk]
    assert [s.track_id for s in services.scan_due()] == [old.pk]
    assert services.scan_due() == []


def test_a_stale_processing_scan_is_claimed_again(recon_track, fake_clock, settings):
    # a worker claimed the track and died (status processing, lease running)
    services.scan_rows_ensure()
    assert services.scan_claim(limit=1, now=fake_clock.now()) == [recon_track.pk]
    assert services.scan_claim(limit=1, now=fake_clock.now()) == []
    assert services.scan_track(track_id=recon_track.pk) is None
    fake_clock.advance(minutes=settings.RECON_SCAN_LEASE_MINUTES + 1)
    assert services.scan_claim(limit=1, now=fake_clock.now()) == [recon_track.pk]


def test_scan_of_an_ineligible_track_does_nothing(beat_wav):
    track = make_track(main=ArtistFactory(verified=False), data=beat_wav)
    assert services.scan_track(track_id=track.pk) is None
    assert not TrackScan.objects.exists()


def test_batch_size_spreads_a_cycle_over_the_rescan_period(settings):
    settings.RECON_SCAN_MIN_PER_RUN = 10
    assert services.scan_batch_size(eligible=30_000) == 1250
    assert services.scan_batch_size(eligible=12) == 10
    assert timedelta(days=settings.RECON_RESCAN_DAYS) == timedelta(days=30)


def test_deleting_a_recording_removes_its_index_rows_and_it_is_never_matched(
    recon_track, song_landmarks
):
    from recon import store
    from recon.models import REFERENCE_LANDMARK_TABLE

    song = ingest(song_landmarks, title="Gone")
    assert len(store.lookup(table=REFERENCE_LANDMARK_TABLE, hashes=song_landmarks.hashes).hashes)
    song.delete()
    assert not len(
        store.lookup(table=REFERENCE_LANDMARK_TABLE, hashes=song_landmarks.hashes).hashes
    )
    assert services.scan_track(track_id=recon_track.pk).status == ScanStatus.NO_RESULTS


def test_truncating_recordings_empties_their_landmarks(song_landmarks):
    # given an ingested recording whose landmarks answer a lookup
    from django.db import connection

    from recon import store
    from recon.models import REFERENCE_LANDMARK_TABLE

    ingest(song_landmarks, title="Reset")
    assert len(store.lookup(table=REFERENCE_LANDMARK_TABLE, hashes=song_landmarks.hashes).hashes)

    # when the recordings are truncated (a bulk reset; Django's flush between transactional
    # tests), which fires no row-level delete
    with connection.cursor() as cursor:
        # (the test's one transaction still holds the deferred FK checks of the peaks row it
        # inserted, and PostgreSQL truncates no table with pending trigger events)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE recon_referencerecording CASCADE")

    # then no orphan landmark is left to vote for a recording that is gone
    hits = store.lookup(table=REFERENCE_LANDMARK_TABLE, hashes=song_landmarks.hashes)
    assert not len(hits.hashes)


def test_a_scan_replaces_stored_track_landmarks_extracted_at_another_density(recon_track):
    # given a track scanned once, whose stored landmarks are then made stale (as after a change
    # of the matcher's query density): the same audio, but only half the rows
    services.scan_track(track_id=recon_track.pk)
    scan = TrackScan.objects.get(track=recon_track)
    full = scan.landmark_count
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TRACK_LANDMARK_TABLE} WHERE track_id = %s AND t %% 2 = 0",  # noqa: S608
            [recon_track.pk],
        )
    TrackScan.objects.filter(pk=scan.pk).update(landmark_count=full // 2, requested_at=None)
    # when it is scanned again (same file, same sha256)
    services.scan_track(track_id=recon_track.pk)
    # then its rows are rewritten at the current density
    scan.refresh_from_db()
    assert scan.landmark_count == full
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {TRACK_LANDMARK_TABLE} WHERE track_id = %s",  # noqa: S608
            [recon_track.pk],
        )
        assert cursor.fetchone()[0] == full


def test_rows_of_another_matcher_are_never_matched_and_a_track_rescan_rewrites_its_own(
    recon_track, song_landmarks
):
    # given the song indexed by an older matcher (its rows mean other hashes) and a track
    # whose stored landmarks were computed by that matcher
    from recon.models import ReferenceRecording

    song = ingest(song_landmarks, title="Old Index")
    ReferenceRecording.objects.filter(pk=song.pk).update(matcher="landmark-v0")
    services.scan_track(track_id=recon_track.pk)
    TrackScan.objects.filter(track=recon_track).update(matcher="landmark-v0", requested_at=None)
    assert not selectors.indexed_recordings().filter(pk=song.pk).exists()
    # when the track is scanned
    scan = services.scan_track(track_id=recon_track.pk)
    # then the old-matcher recording is not matched although its rows are hit, and the track's
    # landmarks are recomputed and stamped with the current matcher
    assert scan.status == ScanStatus.NO_RESULTS
    assert not Match.objects.exists()
    scan.refresh_from_db()
    assert scan.matcher == default_matcher().name
    # and once the song is re-ingested by the current matcher, it is matched
    ingest(song_landmarks, title="Old Index")
    assert services.scan_track(track_id=recon_track.pk).status == ScanStatus.COMPLETE
    assert Match.objects.get().recording == song


def _weak_copy(song_landmarks, beat_audio, *, votes_between=(6, 8)):
    """The song's landmarks with only every n-th hash kept (as if a voice had masked most of
    the triplets) but all its peaks: the vote alone scores it below 80 (13 votes), with room
    to spare for the scan's own extraction of the beat from its stored WAV."""
    from dataclasses import replace

    import numpy as np

    from recon.matching import MemoryIndex
    from recon.tests.conftest import SR

    matcher = default_matcher()
    query = matcher.landmarks(beat_audio, SR, query=True)
    for step in range(8, 40):
        keep = np.arange(len(song_landmarks)) % step == 0
        weak = replace(
            song_landmarks, hashes=song_landmarks.hashes[keep], times=song_landmarks.times[keep]
        )
        index = MemoryIndex()
        index.add(1, weak)
        votes = matcher.votes(query, index.lookup(query.hashes)).get(1, (0, 0))[0]
        if votes_between[0] <= votes <= votes_between[1]:
            assert matcher.calibration.confidence(votes) < 80
            return weak
    raise AssertionError("no thinning gives a weak copy")


def test_scans_verify_candidates_against_the_recordings_stored_peaks(
    recon_track, song_landmarks, beat_audio
):
    from recon.matching import verify
    from recon.models import RecordingPeaks, TrackPeaks

    # given two recordings holding the beat with too few triplets for the vote alone, one
    # ingested with its peaks and one whose peaks are gone (indexed before peaks were kept)
    weak = _weak_copy(song_landmarks, beat_audio)
    with_peaks = ingest(weak, title="Verified Copy")
    without = ingest(weak, title="Votes Only")
    stored = RecordingPeaks.objects.get(recording=with_peaks)
    assert bytes(stored.data) == verify.to_bytes(song_landmarks.peaks)
    RecordingPeaks.objects.filter(recording=without).delete()
    # when the track is scanned
    scan = services.scan_track(track_id=recon_track.pk)
    # then the verified copy is shown (>= 90); the other is not even stored
    assert scan.status == ScanStatus.COMPLETE
    match = Match.objects.get(track=recon_track)
    assert match.recording == with_peaks
    assert match.confidence >= 90
    # and the scan kept the track's own (dense) peaks for recordings ingested later
    from recon.tests.conftest import SR

    track_peaks = verify.from_bytes(TrackPeaks.objects.get(track=recon_track).data)
    as_a_reference = default_matcher().landmarks(beat_audio, SR).peaks
    assert len(track_peaks) > 1.2 * len(as_a_reference)


def test_a_new_recording_is_verified_against_the_scanned_tracks_peaks(
    recon_track, song_landmarks, beat_audio
):
    from recon.models import TrackPeaks

    # given a scanned track (its landmarks and peaks stored), and a weak copy of it
    services.scan_track(track_id=recon_track.pk)
    weak = _weak_copy(song_landmarks, beat_audio)
    # when the copy is ingested: it is matched against the catalog, verified by the peaks
    recording = ingest(weak, title="Late Release")
    match = Match.objects.get(track=recon_track)
    assert match.recording == recording
    assert match.confidence >= 90
    # without the track's peaks, the same copy is scored by its votes: not stored
    Match.objects.all().delete()
    TrackPeaks.objects.all().delete()
    ingest(weak, title="Another Release")
    assert not Match.objects.exists()


def test_a_rescan_of_unchanged_audio_reuses_the_stored_peaks_and_new_audio_is_decoded(
    recon_track, song_landmarks, monkeypatch
):
    from content.uploads.models import FileEntry

    # given a track scanned once, matching a song
    ingest(song_landmarks, title="Placed Song")
    first = services.scan_track(track_id=recon_track.pk)
    confidence = Match.objects.get(track=recon_track).confidence
    decoded = []
    decode = services.landmarks_from_path

    def counting(path, **kwargs):
        decoded.append(path)
        return decode(path, **kwargs)

    monkeypatch.setattr(services, "landmarks_from_path", counting)
    # when it is scanned again, its audio unchanged
    again = services.scan_track(track_id=recon_track.pk)
    # then nothing is decoded: the same landmarks come from its stored peaks, the same match
    assert decoded == []
    assert again.status == ScanStatus.COMPLETE
    assert again.landmark_count == first.landmark_count
    assert Match.objects.get(track=recon_track).confidence == confidence
    # when its file's content changes (another SHA-256), the next scan decodes it again
    FileEntry.objects.filter(pk=recon_track.file_id).update(sha256="f" * 64)
    third = services.scan_track(track_id=recon_track.pk)
    assert len(decoded) == 1
    assert third.status == ScanStatus.COMPLETE
    third.refresh_from_db()
    assert third.source_sha256 == "f" * 64
    # and with its peaks gone, a rescan decodes too
    from recon.models import TrackPeaks

    TrackPeaks.objects.filter(track=recon_track).delete()
    services.scan_track(track_id=recon_track.pk)
    assert len(decoded) == 2
    stored = TrackPeaks.objects.get(track=recon_track).data
    # and peaks that are not a whole number of peaks are decoded again and rewritten
    TrackPeaks.objects.filter(track=recon_track).update(data=b"\x00\x01\x02")
    assert services.scan_track(track_id=recon_track.pk).status == ScanStatus.COMPLETE
    assert len(decoded) == 3
    assert bytes(TrackPeaks.objects.get(track=recon_track).data) == bytes(stored)
    services.scan_track(track_id=recon_track.pk)
    assert len(decoded) == 3
