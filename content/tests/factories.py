from __future__ import annotations

import hashlib

import factory
from django.core.files.base import ContentFile

from beatpass.accounts.models import User
from content import testing
from content.catalog.models import Album, AlbumArtist, Artist, Genre, Tag, Track, TrackArtist
from content.uploads.models import FileEntry

_WAV = None


def small_wav(n: int | None = None) -> bytes:
    """A 1.5 s tone. With ``n``, the ``n``-th of a series of distinct recordings (another
    pitch each), so uploads made by the factory are not exact copies of one another."""
    global _WAV
    if n is not None:
        freq = 220.0 + (n % 4000) * 0.5
        return testing.wav_bytes(testing.tone(1.5, freq=freq, sample_rate=8000), sample_rate=8000)
    if _WAV is None:
        _WAV = testing.wav_bytes(testing.tone(1.5, sample_rate=8000), sample_rate=8000)
    return _WAV


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ArtistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Artist
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Artist {n}")

    @factory.post_generation
    def managers(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.managers.set(extracted)


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"genre-{n}")
    display_name = factory.LazyAttribute(lambda o: o.name.replace("-", " ").title())


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag{n}")


class FileEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FileEntry

    owner = factory.SubFactory(UserFactory)
    kind = FileEntry.Kind.AUDIO
    name = factory.Sequence(lambda n: f"beat{n}.wav")
    extension = ".wav"
    mime = "audio/wav"
    size = factory.LazyAttribute(lambda o: len(o.data))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.data).hexdigest())
    duration_ms = 1500
    sample_rate = 8000
    channels = 1
    file = factory.LazyAttribute(lambda o: ContentFile(o.data, name="beat.wav"))

    class Params:
        data = factory.Sequence(small_wav)


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Track {n}")
    duration = 185000
    bpm = 140
    key = "A"
    scale = "minor"

    @factory.post_generation
    def artists(obj, create, extracted, **kwargs):
        # As the track service: the first artist is the main one, the others are featured.
        if create and extracted:
            TrackArtist.objects.bulk_create(
                TrackArtist(
                    track=obj,
                    artist=a,
                    position=i,
                    role=TrackArtist.Role.MAIN if i == 0 else TrackArtist.Role.FEATURED,
                )
                for i, a in enumerate(extracted)
            )

    @factory.post_generation
    def genres(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.genres.set(extracted)

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.tags.set(extracted)


class AlbumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Album
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Album {n}")

    @factory.post_generation
    def artists(obj, create, extracted, **kwargs):
        if create and extracted:
            AlbumArtist.objects.bulk_create(
                AlbumArtist(album=obj, artist=a, position=i) for i, a in enumerate(extracted)
            )
