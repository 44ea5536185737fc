"""manage.py recon_ingest (CSV, resumable, matching) and recon_scan."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from content import testing
from recon.matching import default_matcher
from recon.matching.synth import song_with_excerpt, voice
from recon.models import Match, ReferenceRecording, ScanStatus, TrackScan
from recon.tests.conftest import SR

pytestmark = pytest.mark.django_db

HEADER = (
    "filename,title,artist_name,album_name,release_date,isrc,spotify_url,youtube_url,deezer_url\n"
)


@pytest.fixture
def folder(tmp_path, beat_audio):
    song = song_with_excerpt(
        beat_audio,
        sample_rate=SR,
        excerpt_start=2.0,
        excerpt_seconds=20.0,
        place_at=4.0,
        song_seconds=26.0,
        voice_db=0.0,
        seed=2,
    )
    (tmp_path / "placed.wav").write_bytes(testing.wav_bytes(song, SR))
    (tmp_path / "other.wav").write_bytes(testing.wav_bytes(voice(10.0, SR, seed=9), SR))
    (tmp_path / "meta.csv").write_text(
        HEADER
        + "placed.wav,Placed,Rapper,LP,2025-06-15,USABC2500001,https://open.spotify.com/track/x,,\n"
        + "other.wav,Other,,,,,,,\n",
        encoding="utf-8",
    )
    return tmp_path


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_ingest_then_scan_finds_the_placement_and_a_rerun_skips_done_files(folder, recon_track):
    out = run("recon_ingest", str(folder), "--metadata", str(folder / "meta.csv"), "--no-progress")
    assert "2 ingested" in out
    placed = ReferenceRecording.objects.get(external_id="placed.wav")
    assert placed.artist_name == "Rapper"
    assert placed.release_date.isoformat() == "2025-06-15"
    assert placed.landmark_count > 0
    assert placed.ingested_at is not None
    again = run(
        "recon_ingest", str(folder), "--metadata", str(folder / "meta.csv"), "--no-progress"
    )
    assert "0 ingested, 2 already present" in again
    assert ReferenceRecording.objects.count() == 2
    # a recording indexed by another matcher is not done: the next run re-indexes it
    ReferenceRecording.objects.filter(pk=placed.pk).update(matcher="landmark-v0")
    rebuilt = run(
        "recon_ingest", str(folder), "--metadata", str(folder / "meta.csv"), "--no-progress"
    )
    assert "1 ingested, 1 already present" in rebuilt
    placed.refresh_from_db()
    assert placed.matcher == default_matcher().name
    assert ReferenceRecording.objects.count() == 2

    out = run("recon_scan", "--track", str(recon_track.pk))
    assert f"track {recon_track.pk}: complete (1 match(es))" in out
    assert Match.objects.get().recording == placed


def test_ingest_matches_against_scanned_tracks_unless_no_match(folder, recon_track):
    run("recon_scan", "--all-due")
    assert TrackScan.objects.get().status == ScanStatus.NO_RESULTS
    run(
        "recon_ingest",
        str(folder),
        "--metadata",
        str(folder / "meta.csv"),
        "--no-progress",
        "--no-match",
    )
    assert not Match.objects.exists()
    ReferenceRecording.objects.all().delete()
    run("recon_ingest", str(folder), "--metadata", str(folder / "meta.csv"), "--no-progress")
    assert Match.objects.get().recording.external_id == "placed.wav"


def test_ingest_rejects_bad_metadata(folder):
    (folder / "bad.csv").write_text(HEADER + "placed.wav,T,,,15/06/2025,,,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="release_date"):
        run("recon_ingest", str(folder), "--metadata", str(folder / "bad.csv"))
    assert not ReferenceRecording.objects.exists()


def test_recon_scan_of_an_ineligible_track_is_an_error(db):
    with pytest.raises(CommandError, match="not eligible"):
        run("recon_scan", "--track", "12345")


def test_common_hashes_are_recounted_by_the_command_and_the_task_and_skipped_by_scans(
    folder, recon_track, settings
):
    from django_celery_beat.models import PeriodicTask

    from recon import tasks
    from recon.models import CommonHash

    run("recon_ingest", str(folder), "--metadata", str(folder / "meta.csv"), "--no-progress")
    # with the defaults this small index has no common hash, and the scan finds the placement
    assert run("recon_common_hashes") == "0 common hash(es).\n"
    run("recon_scan", "--track", str(recon_track.pk))
    assert Match.objects.count() == 1

    # every hash posted at least once is common now: the daily task counts them all, and a
    # rescan, which skips them, has nothing left to vote with
    settings.RECON_COMMON_HASH_MIN_POSTINGS = 0
    settings.RECON_COMMON_HASH_SHARE = 0.0
    counted = tasks.refresh_common_hashes()
    assert counted == CommonHash.objects.count() > 100
    assert run("recon_common_hashes") == f"{counted} common hash(es).\n"
    Match.objects.all().delete()
    out = run("recon_scan", "--track", str(recon_track.pk))
    assert f"track {recon_track.pk}: no_results (0 match(es))" in out

    call_command("setup_periodic_tasks", stdout=StringIO())
    job = PeriodicTask.objects.get(task="recon.refresh_common_hashes")
    assert (job.crontab.hour, job.crontab.minute) == ("1", "45")
