"""Every write route of tracks, albums, lyrics, credits, pins (and the owner-only track routes:
download, fingerprints) against five callers: the main artist's manager, a featured artist's
manager, another user, an anonymous client and staff. Exact statuses, and a refused request
changes nothing.

The world: artist M (managed by ``main``) and artist F (managed by ``featured``); a public track
and an album by M featuring F; F's own track; a lyric, a professional credit of M and a failed
fingerprint. Pins are a property of an artist's own profile: whoever manages an artist pins a
public track credited to it (a featured artist may feature the collaboration on its profile),
and nobody pins on someone else's profile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from conftest import bearer_client
from content.catalog.models import Album, AlbumArtist, Track, TrackArtist
from content.credits.models import ArtistPinnedTrack, Credit
from content.fingerprints.models import Fingerprint
from content.lyrics.models import Lyric
from content.media.models import Download
from content.tests.audio_helpers import stored_entry, tone_wav
from content.tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("main", "featured", "other", "anonymous", "staff")
AUDIO = tone_wav(1.5)


@dataclass
class World:
    users: dict
    main_artist: object
    featured_artist: object
    track: Track
    bare_track: Track  # M's track without lyrics
    featured_own_track: Track  # a track whose main artist is F
    album: Album
    lyric: Lyric
    credit: Credit
    fingerprint: Fingerprint


@pytest.fixture
def world(credit_roles) -> World:
    users = {
        "main": UserFactory(name="Main Manager"),
        "featured": UserFactory(name="Featured Manager"),
        "other": UserFactory(name="Someone Else"),
        "staff": UserFactory(name="Staff", is_staff=True),
    }
    main_artist = ArtistFactory(name="M", managers=[users["main"]])
    featured_artist = ArtistFactory(name="F", managers=[users["featured"]])
    track = TrackFactory(
        name="Collab",
        artists=[main_artist, featured_artist],
        file=stored_entry(users["main"], AUDIO),
    )
    bare = TrackFactory(name="Bare", artists=[main_artist, featured_artist])
    own = TrackFactory(name="F solo", artists=[featured_artist])
    album = AlbumFactory(name="Joint tape", artists=[main_artist, featured_artist])
    credit = Credit.objects.create(
        artist=main_artist,
        role=credit_roles["producer"],
        release_key="manual:song|someone",
        title="Song",
        release_artists="Someone",
    )
    Credit.objects.create(
        artist=main_artist,
        role=credit_roles["producer"],
        release_key="manual:another|someone",
        title="Another",
        release_artists="Someone",
        position=1,
    )
    fingerprint = Fingerprint.objects.create(
        track=track, status=Fingerprint.Status.FAILED, error="fpcalc failed"
    )
    return World(
        users=users,
        main_artist=main_artist,
        featured_artist=featured_artist,
        track=track,
        bare_track=bare,
        featured_own_track=own,
        album=album,
        lyric=Lyric.objects.create(track=track, text="la la"),
        credit=credit,
        fingerprint=fingerprint,
    )


def client_for(world: World, role: str) -> APIClient:
    return APIClient() if role == "anonymous" else bearer_client(world.users[role])


def snapshot() -> dict:
    """Everything a write route of these domains could change."""
    return {
        "tracks": list(Track.objects.order_by("pk").values_list("pk", "name", "album_id")),
        "track_artists": list(
            TrackArtist.objects.order_by("pk").values_list("track_id", "artist_id", "role")
        ),
        "albums": list(Album.objects.order_by("pk").values_list("pk", "name")),
        "album_artists": list(
            AlbumArtist.objects.order_by("pk").values_list("album_id", "artist_id")
        ),
        "lyrics": list(Lyric.objects.order_by("pk").values_list("pk", "track_id", "text")),
        "credits": list(Credit.objects.order_by("pk").values_list("pk", "title", "position")),
        "pins": list(ArtistPinnedTrack.objects.values_list("artist_id", "track_id")),
        "downloads": Download.objects.count(),
        "fingerprints": list(Fingerprint.objects.values_list("track_id", "status")),
    }


@dataclass(frozen=True)
class Route:
    method: str
    path: Callable[[World], str]
    body: Callable[[World, str], dict] = lambda world, role: {}
    expected: dict = None  # role -> status


def own_audio(world: World, role: str) -> int:
    owner = world.users.get(role, world.users["main"])
    return stored_entry(owner, AUDIO).pk


def new_track(world: World, role: str) -> dict:
    return {
        "name": "New beat",
        "file_id": own_audio(world, role),
        "artists": [world.main_artist.pk],
        "bpm": 140,
        "key": "A",
        "scale": "minor",
        "genres": ["trap"],
    }


def allowed(ok: int, *, other: int = 403) -> dict:
    """Main manager and staff get ``ok``; the featured manager 403; another user ``other``."""
    return {"main": ok, "featured": 403, "other": other, "anonymous": 401, "staff": ok}


ROUTES = {
    # --- tracks ---------------------------------------------------------------------------------
    "create track under M": Route("post", lambda w: "/api/v1/tracks", new_track, allowed(201)),
    "edit track": Route(
        "put",
        lambda w: f"/api/v1/tracks/{w.track.pk}",
        lambda w, r: {"name": "Taken"},
        allowed(200),
    ),
    "re-credit track": Route(
        "put",
        lambda w: f"/api/v1/tracks/{w.track.pk}",
        lambda w, r: {"artists": [w.featured_artist.pk]},
        # staff may re-credit to anyone; the main manager may not hand the track to F
        {"main": 403, "featured": 403, "other": 403, "anonymous": 401, "staff": 200},
    ),
    "move F's track onto M's album": Route(
        "put",
        lambda w: f"/api/v1/tracks/{w.featured_own_track.pk}",
        lambda w, r: {"album_id": w.album.pk},
        # F's manager owns the track but not the album (F is only its second artist)
        {"main": 403, "featured": 403, "other": 403, "anonymous": 401, "staff": 200},
    ),
    "delete track": Route(
        "delete", lambda w: f"/api/v1/tracks/{w.track.pk}", expected=allowed(200)
    ),
    "download as owner": Route(
        "get", lambda w: f"/api/v1/tracks/{w.track.pk}/download", expected=allowed(200)
    ),
    "regenerate fingerprint": Route(
        "post", lambda w: f"/api/v1/tracks/{w.track.pk}/fingerprint", expected=allowed(200)
    ),
    "retry fingerprint": Route(
        "post", lambda w: f"/api/v1/fingerprints/{w.fingerprint.pk}/retry", expected=allowed(200)
    ),
    "check duplicates of tracks": Route(
        "post",
        lambda w: "/api/v1/tracks/check-duplicates",
        lambda w, r: {"track_ids": [w.track.pk]},
        allowed(200),
    ),
    # --- albums ---------------------------------------------------------------------------------
    "create album under M": Route(
        "post",
        lambda w: "/api/v1/albums",
        lambda w, r: {"name": "New tape", "artists": [w.main_artist.pk]},
        allowed(201),
    ),
    "edit album": Route(
        "put",
        lambda w: f"/api/v1/albums/{w.album.pk}",
        lambda w, r: {"name": "Taken"},
        allowed(200),
    ),
    "set album tracks": Route(
        "put",
        lambda w: f"/api/v1/albums/{w.album.pk}",
        lambda w, r: {"tracks": [w.track.pk]},
        allowed(200),
    ),
    "delete album": Route(
        "delete", lambda w: f"/api/v1/albums/{w.album.pk}", expected=allowed(200)
    ),
    # --- lyrics ---------------------------------------------------------------------------------
    "create lyrics": Route(
        "post",
        lambda w: "/api/v1/lyrics",
        lambda w, r: {"track_id": w.bare_track.pk, "text": "new words"},
        allowed(201),
    ),
    "edit lyrics": Route(
        "put",
        lambda w: f"/api/v1/lyrics/{w.lyric.pk}",
        lambda w, r: {"text": "taken"},
        allowed(200),
    ),
    "delete lyrics": Route(
        "delete", lambda w: f"/api/v1/lyrics/{w.lyric.pk}", expected=allowed(200)
    ),
    # --- professional credits of M ----------------------------------------------------------------
    "add credit": Route(
        "post",
        lambda w: f"/api/v1/artists/{w.main_artist.pk}/credits",
        lambda w, r: {"roles": ["mixing-engineer"], "title": "Other song"},
        allowed(201),
    ),
    "edit credit": Route(
        "put",
        lambda w: f"/api/v1/artists/{w.main_artist.pk}/credits/{w.credit.pk}",
        lambda w, r: {"title": "Taken"},
        allowed(200),
    ),
    "reorder credits": Route(
        "post",
        lambda w: f"/api/v1/artists/{w.main_artist.pk}/credits/reorder",
        lambda w, r: {
            "ids": list(Credit.objects.order_by("-position").values_list("pk", flat=True))
        },
        allowed(200),
    ),
    "delete credit": Route(
        "delete",
        lambda w: f"/api/v1/artists/{w.main_artist.pk}/credits/{w.credit.pk}",
        expected=allowed(200),
    ),
    # --- pins -----------------------------------------------------------------------------------
    "pin on M's profile": Route(
        "post",
        lambda w: f"/api/v1/artists/{w.main_artist.pk}/tracks/{w.track.pk}/pin",
        expected=allowed(200),
    ),
    "unpin on M's profile": Route(
        "post",
        lambda w: f"/api/v1/artists/{w.main_artist.pk}/tracks/{w.track.pk}/unpin",
        expected=allowed(200),
    ),
    "pin the collaboration on F's profile": Route(
        "post",
        lambda w: f"/api/v1/artists/{w.featured_artist.pk}/tracks/{w.track.pk}/pin",
        expected={"main": 403, "featured": 200, "other": 403, "anonymous": 401, "staff": 200},
    ),
}


def _unpin_fixture(world: World, name: str) -> None:
    if name.startswith("unpin"):
        ArtistPinnedTrack.objects.create(artist=world.main_artist, track=world.track)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(ROUTES))
def test_write_routes_answer_each_caller_exactly(world, name, role):
    route = ROUTES[name]
    _unpin_fixture(world, name)
    client = client_for(world, role)
    body = route.body(world, role)
    before = snapshot()

    response = getattr(client, route.method)(route.path(world), body, format="json")

    expected = route.expected[role]
    assert response.status_code == expected, (name, role, response.content[:300])
    if expected >= 400:
        assert snapshot() == before, f"{name} refused to {role} but changed something"
        assert "message" in response.json()
    else:
        # a read-only check aside, an accepted write leaves a trace
        assert snapshot() != before or name == "check duplicates of tracks"


@pytest.mark.parametrize("role", ["featured", "staff", "main"])
def test_private_tracks_stay_readable_by_the_featured_manager_only_among_non_owners(world, role):
    Track.objects.filter(pk=world.track.pk).update(visibility="private")

    response = client_for(world, role).get(f"/api/v1/tracks/{world.track.pk}")

    assert response.status_code == 200


@pytest.mark.parametrize("role", ["other", "anonymous"])
def test_a_private_track_is_404_to_writes_of_strangers(world, role):
    Track.objects.filter(pk=world.track.pk).update(visibility="private")
    before = snapshot()

    response = client_for(world, role).put(
        f"/api/v1/tracks/{world.track.pk}", {"name": "Taken"}, format="json"
    )

    assert response.status_code == {"other": 404, "anonymous": 401}[role]
    assert snapshot() == before
