"""``manage.py seed_demo``: idempotent, real audio through the upload service, working logins.

Seeding takes a few seconds, so the catalog is seeded (and committed) once for this module and
flushed afterwards; each test runs in its own transaction on top of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max
from django.test import override_settings
from rest_framework.test import APIClient

from beatpass.accounts.models import User
from content.audio.decode import iter_mono_chunks
from content.catalog.models import (
    Album,
    AlbumArtist,
    AlbumLike,
    Artist,
    ArtistLike,
    Genre,
    Tag,
    Track,
    TrackArtist,
    TrackLike,
    Visibility,
)
from content.management.commands import seed_demo
from content.uploads.models import FileEntry

CREDENTIALS = re.compile(r"^\s*(\S+@beatpass\.local)\s+password:\s+(\S+)", re.MULTILINE)


def _seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Output of the first run. The data is committed for the module and flushed at the end."""
    with django_db_blocker.unblock():
        output = _seed()
    yield output
    with django_db_blocker.unblock():
        call_command("flush", "--noinput", verbosity=0)


def _stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _snapshot() -> dict:
    """Row counts, latest modification and counters of everything the seed touches."""
    models = [User, Artist, Album, Track, FileEntry, Genre, Tag]
    plain = [
        AlbumArtist,
        TrackArtist,
        TrackLike,
        AlbumLike,
        ArtistLike,
        Track.genres.through,
        Track.tags.through,
        Artist.managers.through,
    ]
    snap = {m.__name__: (m.objects.count(), m.objects.aggregate(Max("updated_at"))) for m in models}
    snap.update({m.__name__: m.objects.count() for m in plain})
    snap["passwords"] = sorted(User.objects.values_list("email", "password"))
    snap["track_counters"] = sorted(Track.objects.values_list("name", "plays", "likes_count"))
    snap["files"] = _stored_files()
    from content.lyrics.models import Lyric
    from content.playlists.models import Playlist, PlaylistTrack

    for model in (Playlist, PlaylistTrack, Lyric):
        snap[model.__name__] = (
            (model.objects.count(), model.objects.aggregate(Max("updated_at")))
            if hasattr(model, "updated_at")
            else model.objects.count()
        )
    return snap


def test_first_run_creates_the_promised_catalog(seeded, db):
    staff = User.objects.get(email=seed_demo.STAFF_EMAIL)
    producer = User.objects.get(email=seed_demo.PRODUCER_EMAIL)
    listener = User.objects.get(email=seed_demo.LISTENER_EMAIL)
    assert (staff.is_staff, staff.is_superuser) == (True, True)
    assert (producer.is_staff, listener.is_staff) == (False, False)
    assert list(producer.managed_artists.values_list("name", "verified")) == [("Nova Vance", True)]
    assert not listener.managed_artists.exists()

    assert Artist.objects.count() == 5
    assert Artist.objects.filter(verified=True).count() == 1
    assert Album.objects.count() == 4
    assert Track.objects.count() == 30
    assert Track.objects.filter(visibility=Visibility.PRIVATE).count() == 4
    assert {"trap", "hip-hop", "r-n-b", "drill", "lo-fi"} <= set(
        Genre.objects.values_list("name", flat=True)
    )
    assert Genre.objects.get(name="r-n-b").display_name == "R&B"
    for track in Track.objects.prefetch_related("genres", "tags"):
        assert all((track.bpm, track.key, track.scale)), track.name
        assert all((track.genres.all(), track.tags.all())), track.name
    album = Album.objects.get(name="Night Shift")
    assert list(album.tracks.order_by("number").values_list("number", flat=True)) == [1, 2, 3, 4]
    assert TrackLike.objects.filter(user=listener).count() == 6
    liked = Track.objects.get(name="Midnight Run")
    assert liked.likes_count == TrackLike.objects.filter(track=liked).count() == 1
    assert "30 tracks (4 private)" in seeded


def test_second_run_creates_nothing_and_changes_nothing(seeded, db):
    # given the catalog from a first run
    before = _snapshot()

    # when seeding again
    output = _seed()

    # then every row, timestamp, counter and stored file is as it was
    assert _snapshot() == before
    assert "created this run: nothing" in output


def test_printed_credentials_log_in(seeded, db):
    credentials = dict(CREDENTIALS.findall(seeded))
    assert set(credentials) == {
        seed_demo.STAFF_EMAIL,
        seed_demo.PRODUCER_EMAIL,
        seed_demo.LISTENER_EMAIL,
    }
    for email, password in credentials.items():
        response = APIClient().post(
            "/api/v1/auth/login", {"email": email, "password": password}, format="json"
        )
        assert response.status_code == 200, (email, response.content)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
        assert client.get("/api/v1/users/me").status_code == 200


def test_rerun_restores_a_demo_password_that_was_changed(seeded, db):
    # given a listener who changed the demo password
    listener = User.objects.get(email=seed_demo.LISTENER_EMAIL)
    listener.set_password("something-else-entirely")
    listener.save()

    # when seeding again
    _seed(quiet=True)

    # then the printed password works again
    response = APIClient().post(
        "/api/v1/auth/login",
        {"email": seed_demo.LISTENER_EMAIL, "password": seed_demo.DEMO_PASSWORD},
        format="json",
    )
    assert response.status_code == 200


def test_every_track_has_decodable_audio_stored_like_an_upload(seeded, db):
    tracks = Track.objects.select_related("file", "file__owner").prefetch_related(
        "track_artists__artist__managers"
    )
    formats = set()
    for track in tracks:
        entry = track.file
        assert entry is not None, track.name
        assert entry.kind == FileEntry.Kind.AUDIO
        assert entry.file.storage.exists(entry.file.name)
        data = entry.file.read()
        entry.file.close()
        assert hashlib.sha256(data).hexdigest() == entry.sha256
        assert len(data) == entry.size
        formats.add((entry.mime, entry.extension))
        assert (entry.sample_rate, entry.channels) == (seed_demo.SAMPLE_RATE, 2)
        assert 8_000 <= entry.duration_ms <= 20_000
        assert track.duration == entry.duration_ms

        decoded = sum(len(c) for c in iter_mono_chunks(entry.file.path))
        assert abs(decoded / entry.sample_rate * 1000 - entry.duration_ms) < 50, track.name

        main = track.track_artists.all()[0].artist
        managers = list(main.managers.all())
        expected_owner = managers[0].email if managers else seed_demo.STAFF_EMAIL
        assert entry.owner.email == expected_owner, track.name

    # every format an upload accepts, and only those
    assert formats == {("audio/flac", ".flac"), ("audio/wav", ".wav"), ("audio/aiff", ".aif")}


def test_generated_audio_is_not_silence(seeded, db):
    entry = Track.objects.get(name="Midnight Run").file
    samples = next(iter_mono_chunks(entry.file.path))
    rms = float((samples**2).mean() ** 0.5)
    assert 0.02 < rms < 0.9


def test_anonymous_track_list_shows_only_public_tracks(seeded, db):
    public = set(Track.objects.filter(visibility=Visibility.PUBLIC).values_list("name", flat=True))

    response = APIClient().get("/api/v1/tracks?per_page=100")

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == len(public) == 26
    assert {row["name"] for row in body["data"]} == public


def test_producer_sees_own_private_drafts_but_not_other_artists(seeded, db):
    producer = User.objects.get(email=seed_demo.PRODUCER_EMAIL)
    login = APIClient().post(
        "/api/v1/auth/login",
        {"email": producer.email, "password": seed_demo.DEMO_PASSWORD},
        format="json",
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")

    names = {row["name"] for row in client.get("/api/v1/tracks?per_page=100").json()["data"]}

    assert {"Unfinished Sketch", "Vault Idea 7", "Client Preview"} <= names
    assert "Voicemail" not in names  # Cassia Rain's private track
    assert len(names) == 29


def test_failed_track_leaves_no_file_behind(seeded, db, monkeypatch):
    # given a catalog missing one track, and a catalog service that fails while creating it
    Track.objects.filter(name="Brick Lane").delete()
    files_before, entries_before = _stored_files(), FileEntry.objects.count()

    def broken_track_create(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(seed_demo.catalog, "track_create", broken_track_create)

    # when seeding
    with pytest.raises(RuntimeError):
        _seed(quiet=True)

    # then neither the FileEntry row nor the stored audio survive
    assert FileEntry.objects.count() == entries_before
    assert _stored_files() == files_before


def test_refuses_production_settings_unless_forced(seeded, db):
    users_before = User.objects.count()
    Track.objects.filter(name="Brick Lane").delete()

    with (
        override_settings(SETTINGS_MODULE="beatpass.settings.production"),
        pytest.raises(CommandError, match="--force"),
    ):
        _seed(quiet=True)
    assert not Track.objects.filter(name="Brick Lane").exists()

    with override_settings(SETTINGS_MODULE="beatpass.settings.production"):
        _seed(quiet=True, force=True)
    assert Track.objects.filter(name="Brick Lane").exists()
    assert User.objects.count() == users_before


def test_demo_has_playlists_and_synced_lyrics(seeded, db):
    from content.lyrics.models import Lyric
    from content.playlists.models import Playlist

    rotation = Playlist.objects.get(name="Late Night Rotation")
    assert rotation.owner.email == "listener@beatpass.local"
    positions = list(rotation.entries.order_by("position").values_list("position", flat=True))
    assert positions == list(range(1, len(positions) + 1))
    assert len(positions) >= 5
    assert Playlist.objects.get(name="Studio Picks").collaborative
    assert not rotation.tracks.filter(visibility="private").exists()
    lyric = Lyric.objects.get(track__name="Midnight Run")
    assert lyric.is_synced


def test_staff_find_a_pending_application_in_the_moderation_queue(seeded, db):
    from backstage.models import BackstageRequest
    from conftest import bearer_client

    staff = User.objects.get(email=seed_demo.STAFF_EMAIL)

    response = bearer_client(staff).get("/api/v1/backstage-request", {"status": "pending"})

    assert response.status_code == 200
    [item] = response.json()["data"]
    assert (item["type"], item["artist_name"]) == ("become-artist", "Ari Loops")
    assert BackstageRequest.objects.count() == 1
    assert not User.objects.get(email=seed_demo.APPLICANT_EMAIL).has_usable_password()


def test_listener_is_a_subscriber_with_a_demo_license_and_tracks_are_downloadable(
    seeded, db, django_capture_on_commit_callbacks
):
    from content.commerce.selectors import active_subscription
    from content.fingerprints.models import Fingerprint
    from content.licensing.models import License

    listener = User.objects.get(email=seed_demo.LISTENER_EMAIL)
    assert active_subscription(user=listener) is not None
    license = License.objects.get(user=listener)
    assert license.track.fingerprint.status == Fingerprint.Status.COMPLETED
    assert f"/verify-license/{license.uuid}" in seeded
    # The eager pipeline fingerprinted every demo beat, so subscribers can download them all
    # (a beat too short to fingerprint would answer 409 fingerprint_failed forever).
    statuses = list(Track.objects.values_list("fingerprint__status", flat=True))
    assert len(statuses) == 30
    assert set(statuses) == {Fingerprint.Status.COMPLETED}
    client = APIClient()
    client.force_authenticate(listener)
    other = (
        Track.objects.filter(
            visibility=Visibility.PUBLIC, fingerprint__status=Fingerprint.Status.COMPLETED
        )
        .exclude(pk=license.track_id)
        .filter(file__extension=".flac")[0]
    )
    url = f"/api/v1/tracks/{other.pk}/download"
    with django_capture_on_commit_callbacks(execute=True):
        # A FLAC demo beat: the first WAV request queues the lossless WAV (409).
        assert client.get(url).status_code == 409
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-License-Id"]


def test_an_error_after_the_track_committed_keeps_its_file(seeded, db, monkeypatch):
    # given a catalog missing one track, and a transaction that commits the track and then
    # fails (as an eager on-commit task does when it raises at commit time)
    Track.objects.filter(name="Brick Lane").delete()
    real_atomic = seed_demo.transaction.atomic

    @contextlib.contextmanager
    def atomic_then_fail(*args, **kwargs):
        with real_atomic(*args, **kwargs):
            yield
        raise RuntimeError("on-commit task failed")

    monkeypatch.setattr(seed_demo, "transaction", SimpleNamespace(atomic=atomic_then_fail))

    # when seeding
    with pytest.raises(RuntimeError):
        _seed(quiet=True)

    # then the committed track keeps its stored audio
    track = Track.objects.get(name="Brick Lane")
    assert track.file.file.storage.exists(track.file.file.name)


# --- commerce ---


def test_demo_producer_is_onboarded_and_sells_one_exclusive(seeded, db):
    from content.catalog.models import LicensingType
    from content.commerce.models import ConnectAccount

    artist = Artist.objects.get(name="Nova Vance")
    account = ConnectAccount.objects.get(artist=artist)
    assert account.status == "active"
    on_sale = Track.objects.filter(licensing_type=LicensingType.EXCLUSIVE_AVAILABLE)
    assert on_sale.count() == 1
    assert on_sale.get().artists.filter(pk=artist.pk).exists()
