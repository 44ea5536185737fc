"""``manage.py seed_demo``: an idempotent demo catalog with generated audio and three users.

Everything is keyed by a natural key (user email, artist name, album name + artist, track name +
main artist), so a second run finds every object and changes nothing. Tracks go through the real
upload and catalog services (``file_entry_create`` → ``track_create``), so their ``FileEntry``
rows (sha256, duration, sample rate, channels) and the pipeline hooks are exactly what an upload
through the API would produce.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from content import testing
from content.analytics.days import day_bounds
from content.analytics.days import today as analytics_today
from content.analytics.models import PlayEvent
from content.analytics.services.achievements import achievements_evaluate, achievements_sync
from content.analytics.services.backfill import (
    backfill_day,
    backfill_days_left,
    backfill_start,
)
from content.beatgen import render_beat
from content.catalog import services as catalog
from content.catalog.models import Album, Artist, Genre, Tag, Track, TrackLike, Visibility
from content.commerce.selectors import active_subscription
from content.commerce.services import plan_default, subscription_grant
from content.fingerprints.models import Fingerprint
from content.licensing.models import License
from content.licensing.presenters import verification_url
from content.licensing.selectors import download_policy, license_active_for
from content.licensing.services import IssuanceContext, license_for_download
from content.lyrics import services as lyrics
from content.lyrics.models import Lyric
from content.media.models import Download
from content.playlists import services as playlists
from content.playlists.models import Playlist
from content.search import services as search
from content.uploads.models import FileEntry
from content.uploads.services import file_entry_create

DEMO_PASSWORD = "beatpass-demo-1"  # noqa: S105 - printed on purpose: these are demo accounts
STAFF_EMAIL = "staff@beatpass.local"
PRODUCER_EMAIL = "producer@beatpass.local"
LISTENER_EMAIL = "listener@beatpass.local"
APPLICANT_EMAIL = "applicant@beatpass.local"  # no password: only there to apply

DEMO_PLAYLISTS = (
    {
        "name": "Late Night Rotation",
        "description": "Dark, slow-burning beats for writing sessions after midnight.",
        "public": True,
    },
    {
        "name": "Studio Picks",
        "description": "Beats the Nova Vance team is shortlisting for the next tape.",
        "public": True,
        "collaborative": True,
    },
)
DEMO_LYRIC_TRACK = "Midnight Run"
DEMO_LYRIC = """[00:00.50] City lights in the rear view
[00:03.20] Static on the radio, I still hear you
[00:06.80] Midnight and the bass is running through
[00:10.10] Every line I write is coming back to you
"""

SAMPLE_RATE = 22050
# Demo audio comes in every format an upload accepts (WAV, FLAC, AIFF; never MP3), in turn.
DEMO_AUDIO_FORMATS = (("flac", "audio/flac"), ("wav", "audio/wav"), ("aiff", "audio/aiff"))
DEMO_PLAY_DAYS = 21
# A fixed day, not "today": a second run must produce the very same rows.
RELEASE_BASE = datetime.date(2025, 6, 6)

GENRES = {
    "trap": "Trap",
    "hip-hop": "Hip-Hop",
    "r-n-b": "R&B",
    "drill": "Drill",
    "lo-fi": "Lo-Fi",
    "boom-bap": "Boom Bap",
    "afrobeats": "Afrobeats",
}


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: str
    staff: bool = False


USERS = (
    DemoUser(STAFF_EMAIL, "Stella Staff", "staff (superuser, admin at /admin/)", staff=True),
    DemoUser(PRODUCER_EMAIL, "Pablo Producer", "producer (manages Nova Vance)"),
    DemoUser(LISTENER_EMAIL, "Lena Listener", "listener (subscriber: downloads and licenses)"),
)


@dataclass(frozen=True)
class DemoArtist:
    name: str
    bio: str
    verified: bool = False
    managed_by_producer: bool = False


ARTISTS = (
    DemoArtist(
        "Nova Vance",
        "Dark, cinematic trap from a bedroom studio. Every beat starts as a piano sketch.",
        verified=True,
        managed_by_producer=True,
    ),
    DemoArtist("Cassia Rain", "Warm R&B chords and late-night vocals."),
    DemoArtist("Drillmatic", "Sliding 808s and cold hi-hats from the south side."),
    DemoArtist("Paper Lanterns", "Dusty lo-fi loops for studying and rainy afternoons."),
    DemoArtist("Kofi Mensah", "Boom bap drums meet afrobeats percussion."),
)


@dataclass(frozen=True)
class DemoAlbum:
    name: str
    artist: str
    description: str
    release_offset_days: int


ALBUMS = (
    DemoAlbum("Night Shift", "Nova Vance", "Four beats made between midnight and dawn.", 0),
    DemoAlbum("Velvet Hours", "Cassia Rain", "Slow jams in minor keys.", 40),
    DemoAlbum("Concrete Psalms", "Drillmatic", "Drill instrumentals, no features.", 75),
    DemoAlbum("Rainy Window Tapes", "Paper Lanterns", "Lo-fi tape loops, volume one.", 120),
)


@dataclass(frozen=True)
class DemoTrack:
    name: str
    bpm: int
    key_scale: str  # "A minor"
    genres: str  # comma-separated genre slugs
    tags: str  # comma-separated tags
    album: str | None = None
    private: bool = False
    feat: str | None = None  # a featured artist


_T = DemoTrack  # keeps the table below one track per line

# Keyed by main artist. Nova Vance (the producer's) has an album, singles and private drafts.
TRACKS_BY_ARTIST = {
    "Nova Vance": (
        _T("Midnight Run", 140, "A minor", "trap", "dark,808", album="Night Shift"),
        _T("Glass City", 145, "F# minor", "trap", "cinematic,piano", album="Night Shift"),
        _T("Neon Static", 150, "C minor", "trap,hip-hop", "808,hard", album="Night Shift"),
        _T("Last Train Home", 138, "Eb minor", "trap", "melodic,piano", album="Night Shift"),
        _T("Cold Open", 142, "G minor", "trap", "dark"),
        _T("Sirens in Stereo", 160, "D minor", "trap,drill", "hard,808", feat="Drillmatic"),
        _T("Unfinished Sketch", 130, "E minor", "trap", "wip", private=True),
        _T("Vault Idea 7", 136, "Bb major", "hip-hop", "wip,piano", private=True),
        _T("Client Preview", 148, "C# minor", "trap", "wip", private=True),
    ),
    "Cassia Rain": (
        _T("Silk Sheets", 72, "Db major", "r-n-b", "smooth,vocal chops", album="Velvet Hours"),
        _T("After Hours", 80, "Ab major", "r-n-b", "smooth,late night", album="Velvet Hours"),
        _T("Honey Dusk", 68, "F minor", "r-n-b,lo-fi", "chill", album="Velvet Hours"),
        _T("Slow Burn", 76, "B minor", "r-n-b", "late night", album="Velvet Hours"),
        _T("Pillow Talk", 84, "E major", "r-n-b", "smooth"),
        _T("Voicemail", 90, "G minor", "r-n-b,hip-hop", "vocal chops", private=True),
    ),
    "Drillmatic": (
        _T("Grey Block", 142, "C minor", "drill", "808,slide", album="Concrete Psalms"),
        _T("Night Patrol", 144, "F minor", "drill", "dark,slide", album="Concrete Psalms"),
        _T("Cold Steel", 140, "G# minor", "drill", "hard", album="Concrete Psalms"),
        _T("Southside Hymn", 146, "D# minor", "drill,trap", "choir,dark"),
        _T("Brick Lane", 138, "A minor", "drill", "808"),
    ),
    "Paper Lanterns": (
        _T("Rain on Tin", 82, "D major", "lo-fi", "chill,study", album="Rainy Window Tapes"),
        _T("Cassette Morning", 78, "G major", "lo-fi", "tape,study", album="Rainy Window Tapes"),
        _T("Library Corner", 74, "C major", "lo-fi,hip-hop", "study", album="Rainy Window Tapes"),
        _T("Tea Gone Cold", 70, "A minor", "lo-fi", "chill,tape", album="Rainy Window Tapes"),
        _T("Window Seat", 86, "F major", "lo-fi", "chill"),
        _T("Sunday Dust", 88, "Bb major", "lo-fi,boom-bap", "tape"),
    ),
    "Kofi Mensah": (
        _T("Accra Nights", 104, "E minor", "afrobeats", "percussion,dance"),
        _T("Crate Digger", 92, "D minor", "boom-bap,hip-hop", "sample,90s"),
        _T("Golden Era", 94, "Ab major", "boom-bap", "90s,sample"),
        _T("Talking Drums", 110, "B minor", "afrobeats,hip-hop", "percussion", feat="Cassia Rain"),
    ),
}
TRACKS = [(artist, t) for artist, specs in TRACKS_BY_ARTIST.items() for t in specs]

LIKES = {
    LISTENER_EMAIL: {
        "tracks": (
            "Midnight Run",
            "Glass City",
            "Silk Sheets",
            "Grey Block",
            "Rain on Tin",
            "Accra Nights",
        ),
        "albums": ("Night Shift", "Rainy Window Tapes"),
        "artists": ("Nova Vance", "Paper Lanterns"),
    },
    PRODUCER_EMAIL: {
        "tracks": ("Southside Hymn", "Tea Gone Cold"),
        "albums": ("Velvet Hours",),
        "artists": ("Drillmatic",),
    },
}


# Drum feel per genre for the synthesizer (first genre of a track wins).
GENRE_STYLES = {
    "trap": "trap",
    "drill": "trap",
    "hip-hop": "boom-bap",
    "boom-bap": "boom-bap",
    "lo-fi": "boom-bap",
    "r-n-b": "boom-bap",
    "afrobeats": "four-on-floor",
}


# --- the command --------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Create (or complete) the demo catalog: 3 users, 5 artists, 4 albums, 30 tracks with "
        "generated audio, genres, tags and likes. Safe to run any number of times."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet", action="store_true", help="Print nothing unless something goes wrong."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with production settings (the demo passwords are public).",
        )

    def handle(self, *args, quiet: bool = False, force: bool = False, **options):
        if str(settings.SETTINGS_MODULE).endswith(".production") and not force:
            raise CommandError(
                "Refusing to seed demo accounts with well-known passwords under production "
                "settings. Pass --force if this really is a demo deployment."
            )
        self.quiet = quiet
        self.created = {
            "users": 0,
            "artists": 0,
            "albums": 0,
            "tracks": 0,
            "likes": 0,
            "playlists": 0,
            "lyrics": 0,
            "backstage requests": 0,
            "subscriptions": 0,
            "licenses": 0,
            "plays": 0,
            "covers": 0,
            "payout accounts": 0,
            "exclusives for sale": 0,
        }

        users = {u.email: self._user(u) for u in USERS}
        staff, producer = users[STAFF_EMAIL], users[PRODUCER_EMAIL]
        self._genres()
        artists = {a.name: self._artist(a, producer=producer) for a in ARTISTS}
        # Content of an artist is created by (and its files owned by) the artist's manager;
        # artists nobody manages yet are curated by staff.
        actors = {
            name: (producer if spec.managed_by_producer else staff)
            for name, spec in zip(artists, ARTISTS, strict=True)
        }
        albums = {
            a.name: self._album(a, artist=artists[a.artist], actor=actors[a.artist]) for a in ALBUMS
        }
        numbers: dict[str, int] = {}
        tracks = {}
        for index, (artist_name, spec) in enumerate(TRACKS):
            number = None
            if spec.album:
                number = numbers[spec.album] = numbers.get(spec.album, 0) + 1
            tracks[spec.name] = self._track(
                spec,
                index=index,
                number=number,
                main=artists[artist_name],
                featured=artists[spec.feat] if spec.feat else None,
                album=albums.get(spec.album),
                actor=actors[artist_name],
            )
        self._likes(users, tracks=tracks, albums=albums, artists=artists)
        self._playlists(users, tracks=tracks)
        self._lyrics(producer, tracks=tracks)
        self._moderation_queue()
        self._licensing(users[LISTENER_EMAIL], tracks=tracks)
        self._search(albums=albums, actor=staff)
        self._plays_and_achievements(users, tracks=tracks)
        self._covers(tracks=tracks, albums=albums, actors=actors, artists=artists)
        # --- Audio Recon: a generated reference set; one song contains a demo beat ---
        from recon.demo import seed_placements

        self.created["recon references"] = seed_placements(tracks=list(tracks.values()))
        # --- end Audio Recon ---
        self._commerce(producer, artists=artists, tracks=tracks)
        if not quiet:
            self._summary()

    # --- steps ----------------------------------------------------------------------------

    def _log(self, message: str) -> None:
        if not self.quiet:
            self.stdout.write(message)

    def _user(self, spec: DemoUser):
        User = get_user_model()
        user = User.objects.filter(email__iexact=spec.email).first()
        if user is None:
            create = User.objects.create_superuser if spec.staff else User.objects.create_user
            user = create(spec.email, DEMO_PASSWORD, name=spec.name)
            self.created["users"] += 1
            self._log(f"  + user {spec.email}")
            return user
        # Repair only what drifted, so the printed credentials always work and an intact
        # account is left untouched (re-hashing would also revoke its tokens).
        wanted = {"is_staff": spec.staff, "is_superuser": spec.staff, "is_active": True}
        changed = [f for f, value in wanted.items() if getattr(user, f) != value]
        for f in changed:
            setattr(user, f, wanted[f])
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            changed.append("password")
        if changed:
            user.save(update_fields=[*changed, "updated_at"])
            self._log(f"  ~ user {spec.email}: reset {', '.join(changed)}")
        return user

    def _genres(self) -> None:
        for name, display_name in GENRES.items():
            Genre.objects.get_or_create(name=name, defaults={"display_name": display_name})

    def _artist(self, spec: DemoArtist, *, producer) -> Artist:
        artist = Artist.objects.filter(name=spec.name).order_by("pk").first()
        if artist is None:
            artist = Artist.objects.create(name=spec.name, bio=spec.bio, verified=spec.verified)
            self.created["artists"] += 1
            self._log(f"  + artist {spec.name}")
        if spec.managed_by_producer and not artist.managers.filter(pk=producer.pk).exists():
            artist.managers.add(producer)
        return artist

    def _album(self, spec: DemoAlbum, *, artist: Artist, actor) -> Album:
        album = Album.objects.filter(name=spec.name, album_artists__artist=artist).first()
        if album is None:
            album = catalog.album_create(
                user=actor,
                data={
                    "name": spec.name,
                    "artists": [artist.pk],
                    "description": spec.description,
                    "release_date": RELEASE_BASE
                    - datetime.timedelta(days=spec.release_offset_days),
                },
            )
            self.created["albums"] += 1
            self._log(f"  + album {spec.name}")
        return album

    def _track(self, spec: DemoTrack, *, index, number, main, featured, album, actor) -> Track:
        existing = Track.objects.filter(
            name=spec.name, track_artists__artist=main, track_artists__position=0
        ).first()
        if existing is not None:
            return existing

        key, scale = spec.key_scale.split()
        # 12–18 s: short files keep seeding to a few seconds, and every one is long enough to
        # fingerprint (chromaprint.MIN_SECONDS of sub-fingerprints needs about 11 s of audio)
        seconds = 12 + (index * 5) % 7
        samples = render_beat(
            seed=index + 1,
            bpm=spec.bpm,
            key=key,
            scale=scale,
            seconds=seconds,
            sample_rate=SAMPLE_RATE,
            style=GENRE_STYLES[spec.genres.split(",")[0]],
        )
        fmt, mime = DEMO_AUDIO_FORMATS[index % len(DEMO_AUDIO_FORMATS)]
        audio = testing.encode(samples, fmt, sample_rate=SAMPLE_RATE)
        entry: FileEntry | None = None
        try:
            with transaction.atomic():
                entry = _upload(
                    owner=actor, name=f"{slugify(spec.name)}.{fmt}", data=audio, mime=mime
                )
                track = catalog.track_create(
                    user=actor,
                    data={
                        "file_id": entry.pk,
                        "artists": [main.pk] + ([featured.pk] if featured else []),
                        "album_id": album.pk if album else None,
                        "number": number,
                        "name": spec.name,
                        "bpm": spec.bpm,
                        "key": key,
                        "scale": scale,
                        "genres": spec.genres.split(","),
                        "tags": spec.tags.split(","),
                        "description": f"{spec.bpm} BPM, {key} {scale}. Generated demo beat.",
                        "visibility": Visibility.PRIVATE if spec.private else Visibility.PUBLIC,
                        "release_date": RELEASE_BASE - datetime.timedelta(days=index * 9),
                    },
                )
        except Exception:
            # The row went with the rolled-back transaction; the stored file must go too. An
            # error raised at commit time (an eager on-commit task) leaves a committed row whose
            # file must stay.
            if entry is not None and not FileEntry.objects.filter(pk=entry.pk).exists():
                entry.file.storage.delete(entry.file.name)
            raise
        self.created["tracks"] += 1
        self._log(f"  + track {spec.name} ({seconds} s, {len(audio) // 1024} KB)")
        return track

    def _likes(self, users, *, tracks, albums, artists) -> None:
        for email, liked in LIKES.items():
            user = users[email]
            targets = [
                *(tracks[n] for n in liked["tracks"]),
                *(albums[n] for n in liked["albums"]),
                *(artists[n] for n in liked["artists"]),
            ]
            for obj in targets:
                if catalog.like(user=user, obj=obj):
                    self.created["likes"] += 1

    def _playlists(self, users, *, tracks) -> None:
        """A public playlist of the listener and a collaborative one of the producer."""
        public = [t for t in tracks.values() if t.visibility == Visibility.PUBLIC]
        for email, spec, picks in (
            (LISTENER_EMAIL, DEMO_PLAYLISTS[0], public[::3][:8]),
            (PRODUCER_EMAIL, DEMO_PLAYLISTS[1], public[1::4][:6]),
        ):
            owner = users[email]
            playlist = Playlist.objects.filter(owner=owner, name=spec["name"]).first()
            if playlist is None:
                playlist = playlists.playlist_create(owner=owner, data=spec)
                self.created["playlists"] += 1
            present = set(playlist.entries.values_list("track_id", flat=True))
            missing = [t.pk for t in picks if t.pk not in present]
            if missing:
                playlists.playlist_add_tracks(playlist=playlist, actor=owner, track_ids=missing)

    def _lyrics(self, producer, *, tracks) -> None:
        track = tracks[DEMO_LYRIC_TRACK]
        if not Lyric.objects.filter(track=track).exists():
            lyrics.lyric_create(user=producer, track=track, text=DEMO_LYRIC, is_synced=True)
            self.created["lyrics"] += 1

    def _moderation_queue(self) -> None:
        """A pending producer application, so staff find something in the moderation queue
        (``GET /api/v1/backstage-request?status=pending`` signed in as staff, or the admin).
        The applicant cannot log in (no password): the demo logins stay free to apply."""
        from backstage.models import BackstageRequest
        from backstage.services import backstage_request_create

        User = get_user_model()  # noqa: N806
        applicant = User.objects.filter(email__iexact=APPLICANT_EMAIL).first()
        if applicant is None:
            applicant = User.objects.create_user(APPLICANT_EMAIL, None, name="Ari Applicant")
        if BackstageRequest.objects.filter(user=applicant).exists():
            return
        backstage_request_create(
            user=applicant,
            type=BackstageRequest.Type.BECOME_ARTIST,
            artist_name="Ari Loops",
            data={
                "first_name": "Ari",
                "last_name": "Applicant",
                "beats_url": "https://soundcloud.com/ari-loops",
                "role": "producer",
            },
        )
        self.created["backstage requests"] += 1

    def _licensing(self, listener, *, tracks) -> None:
        """The listener subscribes (default plan) and holds a license for one demo beat, so
        downloads, certificates and the verification page have something to show."""
        if active_subscription(user=listener) is None:
            subscription_grant(user=listener, plan=plan_default(), days=365, notes="demo")
            self.created["subscriptions"] += 1
        # The first public demo beat (in catalog order) whose fingerprint completed: licenses
        # need one, and a beat the fingerprinter rejects cannot be licensed.
        completed = set(
            Fingerprint.objects.filter(status=Fingerprint.Status.COMPLETED).values_list(
                "track_id", flat=True
            )
        )
        track = next(
            (t for t in tracks.values() if t.pk in completed and t.visibility == Visibility.PUBLIC),
            None,
        )
        if track is not None and license_active_for(user=listener, track=track) is None:
            decision = download_policy(user=listener, track=track, purpose="license")
            license_for_download(
                user=listener,
                track=track,
                decision=decision,
                context=IssuanceContext(platform="demo"),
            )
            self.created["licenses"] += 1

    def _commerce(self, producer, *, artists, tracks) -> None:
        """The producer's artist is onboarded for payouts (the test gateway activates it at
        once) and sells one public beat exclusively, so the purchase flow runs offline:
        initiate as the listener, then ``manage.py simulate_payment <purchase_id>``."""
        from decimal import Decimal

        from content.catalog.models import LicensingType
        from content.catalog.services import track_update
        from content.commerce.models import ConnectAccount
        from content.commerce.services.connect import connect_onboard

        artist = next(
            a for a, spec in zip(artists.values(), ARTISTS, strict=True) if spec.managed_by_producer
        )
        if (
            settings.COMMERCE_GATEWAY == "test"
            and not ConnectAccount.objects.filter(artist=artist).exists()
        ):
            connect_onboard(artist=artist, user=producer)
            self.created["payout accounts"] += 1
        completed = set(
            Fingerprint.objects.filter(status=Fingerprint.Status.COMPLETED).values_list(
                "track_id", flat=True
            )
        )
        on_sale = next(
            (
                t
                for t in tracks.values()
                if t.pk in completed
                and t.visibility == Visibility.PUBLIC
                and t.artists.filter(pk=artist.pk).exists()
            ),
            None,
        )
        if on_sale is not None and on_sale.licensing_type != LicensingType.EXCLUSIVE_AVAILABLE:
            track_update(
                user=producer,
                track=on_sale,
                data={
                    "licensing_type": LicensingType.EXCLUSIVE_AVAILABLE,
                    "exclusive_price": Decimal("149.99"),
                },
            )
            self.created["exclusives for sale"] += 1

    def _search(self, *, albums, actor) -> None:
        """Search and discovery: albums get the genres and tags of their tracks (so
        ``/tags/{name}/albums`` and album search have something to show), and every track gets
        its audio descriptor (audio similarity, radio). Both only fill in what is missing."""
        for album in albums.values():
            if album.genres.exists() or album.tags.exists():
                continue
            tracks = Track.objects.filter(album=album)
            genres = Genre.objects.filter(tracks__in=tracks).distinct().order_by("name")
            tags = Tag.objects.filter(tracks__in=tracks).distinct().order_by("name")
            catalog.album_update(
                user=actor,
                album=album,
                data={
                    "genres": [g.name for g in genres][:10],
                    "tags": [t.name for t in tags][:20],
                },
            )
        for track_id in search.tracks_needing_descriptors().values_list("pk", flat=True):
            search.descriptor_compute(track_id=track_id)

    def _plays_and_achievements(self, users, *, tracks) -> None:
        """Three weeks of plays (and some downloads) ending today, so every analytics chart
        has something to show; rolled up by the backfill, then achievements are evaluated.
        Generated once: a catalog that already has plays is left alone."""
        if PlayEvent.objects.exists():
            return
        rng = random.Random(20250606)  # noqa: S311 - demo data, not security
        today = analytics_today()
        first_day = today - datetime.timedelta(days=DEMO_PLAY_DAYS - 1)
        listener = users[LISTENER_EMAIL]
        events, downloads = [], []
        public = [t for t in tracks.values() if t.visibility == Visibility.PUBLIC]
        for index, track in enumerate(public):
            base = 2 + (index * 7) % 11
            for offset in range(DEMO_PLAY_DAYS):
                day = first_day + datetime.timedelta(days=offset)
                # Some tracks grow over the three weeks, others fade.
                trend = (offset // 5) * (1 if index % 3 else -1)
                for n in range(max(0, base + trend + rng.randint(-2, 3))):
                    events.append(_demo_play(rng, track, day, n, listener))
                if index % 4 == 0 and rng.random() < 0.3:
                    downloads.append((track, day))
        PlayEvent.objects.bulk_create(events, batch_size=1000)
        start_of = {}
        for track, day in downloads:
            row = Download.objects.create(track=track, user=listener)
            start_of.setdefault(day, day_bounds(day)[0])
            Download.objects.filter(pk=row.pk).update(
                created_at=start_of[day] + datetime.timedelta(hours=rng.randint(8, 22))
            )
        run = backfill_start(first_day=first_day, last_day=today)
        for day in backfill_days_left(run):
            backfill_day(run=run, day=day)
        achievements_sync()
        achievements_evaluate()
        self.created["plays"] += len(events)
        self._log(f"  + {len(events)} plays over {DEMO_PLAY_DAYS} days, {len(downloads)} downloads")

    def _covers(self, *, tracks, albums, actors, artists) -> None:
        """Generated cover art for every demo track and album that has no image yet: the
        best-matching template for its genres and mood, rendered by the cover art service
        (seeded by the track, so each one differs)."""
        from coverart import selectors as cover_selectors
        from coverart import services as covers
        from coverart.matching import rank

        covers.cover_templates_seed()
        candidates = cover_selectors.template_candidates()
        by_id = {template.pk: template for template, _ in candidates}

        def best(*, genres, mood, seed):
            top = rank([c for _, c in candidates], genres=genres, mood=mood, seed=seed, limit=1)
            return by_id[top[0].candidate.id]

        main_artist = {spec.name: artist for artist, spec in TRACKS}
        for name, track in tracks.items():
            if track.image:
                continue
            profile = cover_selectors.track_profile(track)
            template = best(
                genres=profile["genres"], mood=profile["mood"], seed=f"track:{track.pk}"
            )
            covers.cover_apply_template(
                user=actors[main_artist[name]], track=track, template=template
            )
            self.created["covers"] += 1
        for spec in ALBUMS:
            album = albums[spec.name]
            if album.image:
                continue
            first = album.tracks.order_by("number", "id").first()
            profile = (
                cover_selectors.track_profile(first) if first else {"genres": [], "mood": None}
            )
            template = best(
                genres=profile["genres"] or ["hip-hop"],
                mood=profile["mood"],
                seed=f"album:{album.pk}",
            )
            covers.cover_apply_template(user=actors[spec.artist], album=album, template=template)
            self.created["covers"] += 1

    def _summary(self) -> None:
        tracks = Track.objects.all()
        private = tracks.filter(visibility=Visibility.PRIVATE).count()
        created = ", ".join(f"{n} {k}" for k, n in self.created.items() if n) or "nothing"
        out = self.stdout
        out.write(self.style.SUCCESS(f"Demo data ready (created this run: {created})."))
        out.write(
            f"  {get_user_model().objects.count()} users, "
            f"{Artist.objects.count()} artists ({Artist.objects.filter(verified=True).count()} "
            f"verified), {Album.objects.count()} albums, {tracks.count()} tracks "
            f"({private} private), "
            f"{FileEntry.objects.filter(kind=FileEntry.Kind.AUDIO).count()} audio files, "
            f"{Genre.objects.count()} genres, {Tag.objects.count()} tags, "
            f"{TrackLike.objects.count()} track likes"
        )
        demo_license = License.objects.filter(user__email=LISTENER_EMAIL).first()
        if demo_license is not None:
            out.write(f"  Demo license certificate: {verification_url(demo_license)}")
        out.write("Demo accounts (log in at POST /api/v1/auth/login or /admin/):")
        for spec in USERS:
            out.write(f"  {spec.email:<26} password: {DEMO_PASSWORD}   {spec.role}")


def _demo_play(rng, track, day, n, listener) -> PlayEvent:
    """One demo play: mostly anonymous listeners, some by the demo listener; a realistic mix
    of full listens, long ones and skips."""
    duration = track.duration
    roll = rng.random()
    if roll < 0.35:
        share = 1.0
    elif roll < 0.6:
        share = rng.uniform(0.6, 0.95)
    elif roll < 0.8:
        share = rng.uniform(0.3, 0.6)
    else:
        share = rng.uniform(0.0, 0.25)
    listened = int(duration * share)
    signed_in = n == 0 and rng.random() < 0.5
    started = day_bounds(day)[0] + datetime.timedelta(seconds=rng.randint(0, 86_399))
    return PlayEvent(
        track=track,
        user=listener if signed_in else None,
        listener=listener.pk if signed_in else -rng.randint(1, 5000),
        source=rng.choice(("web", "web", "web", "embed", "playlist", "radio")),
        started_at=started,
        day=day,
        track_duration_ms=duration,
        listened_ms=listened,
        completed=duration > 0 and listened * 100 >= duration * 80,
    )


def _upload(*, owner, name: str, data: bytes, mime: str) -> FileEntry:
    """Store ``data`` exactly as ``POST /uploads`` would: same checks, same FileEntry row."""
    uploaded = TemporaryUploadedFile(name, mime, len(data), None)
    try:
        uploaded.write(data)
        uploaded.flush()
        uploaded.seek(0)
        return file_entry_create(owner=owner, uploaded=uploaded)
    finally:
        uploaded.close()
