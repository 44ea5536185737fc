"""POST/GET/DELETE /tracks/{id}/cover-art and /albums/{id}/cover-art: templates and custom
pictures, who may apply them, the image fallback (track → album → placeholder), files."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from conftest import bearer_client
from content.catalog.models import Visibility
from content.tests.factories import (
    AlbumFactory,
    ArtistFactory,
    FileEntryFactory,
    GenreFactory,
    TrackFactory,
    UserFactory,
)
from coverart.models import CoverArt
from coverart.tests.conftest import padded_png, picture_bytes, upload

pytestmark = pytest.mark.django_db

PLACEHOLDER = settings.COVERART_PLACEHOLDER_URL
COVER_KEYS = {"id", "source", "template_id", "palette", "image", "images", "created_at"}


def name_of(url: str) -> str:
    return url.removeprefix(settings.MEDIA_URL)


def read(url: str) -> bytes:
    with default_storage.open(name_of(url)) as fh:
        return fh.read()


@pytest.fixture
def track(producer_artist):
    return TrackFactory(
        name="Midnight Run", artists=[producer_artist], genres=[GenreFactory(name="trap")]
    )


def apply(client, track, **body):
    return client.post(f"/api/v1/tracks/{track.pk}/cover-art", body, format="json")


def test_a_manager_applies_a_template(producer_client, track, cover_templates):
    template = cover_templates["trap-neon-night"]

    response = apply(producer_client, track, template_id=template.pk)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "cover_art", "image"}
    cover = body["cover_art"]
    assert set(cover) == COVER_KEYS
    assert cover["source"] == "template"
    assert cover["template_id"] == template.pk
    assert cover["palette"] in {"magenta", "cyan", "acid", "ember"}
    assert set(cover["images"]) == {"1000", "600", "300", "64"}
    assert set(cover["images"]["600"]) == {"jpeg", "webp"}
    assert body["image"] == cover["image"] == cover["images"]["1000"]["jpeg"]
    with Image.open(io.BytesIO(read(cover["image"]))) as master:
        assert master.size == (1000, 1000)
    with Image.open(io.BytesIO(read(cover["images"]["64"]["webp"]))) as small:
        assert small.size == (64, 64)
    track.refresh_from_db()
    assert track.image == cover["image"]
    detail = producer_client.get(f"/api/v1/tracks/{track.pk}").json()["track"]
    assert detail["image"] == cover["image"]


def test_the_same_track_always_gets_the_same_cover(producer_client, track, cover_templates):
    template = cover_templates["trap-neon-night"]

    first = read(apply(producer_client, track, template_id=template.pk).json()["image"])
    second = read(apply(producer_client, track, template_id=template.pk).json()["image"])
    other_track = TrackFactory(name="Midnight Run", artists=list(track.artists.all()))
    other = read(apply(producer_client, other_track, template_id=template.pk).json()["image"])

    assert first == second
    assert other != first


def test_palette_and_seed_can_be_chosen(producer_client, track, cover_templates):
    template = cover_templates["trap-neon-night"]

    body = apply(producer_client, track, template_id=template.pk, palette="acid").json()

    assert body["cover_art"]["palette"] == "acid"
    assert apply(producer_client, track, template_id=template.pk, palette="x").status_code == 422


def test_reapplying_replaces_the_cover_and_removes_the_old_files(
    producer_client, track, cover_templates, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        old = apply(producer_client, track, template_id=cover_templates["trap-smoke"].pk).json()
        new = apply(producer_client, track, template_id=cover_templates["rnb-silk"].pk).json()

    assert CoverArt.objects.filter(track=track).count() == 1
    assert not default_storage.exists(name_of(old["image"]))
    assert not default_storage.exists(name_of(old["cover_art"]["images"]["64"]["webp"]))
    assert default_storage.exists(name_of(new["image"]))


def test_only_managers_of_the_main_artist_apply_covers(track, cover_templates, other_client):
    featured_manager = UserFactory()
    featured = ArtistFactory(managers=[featured_manager])
    track.track_artists.create(artist=featured, position=1, role="featured")
    template = cover_templates["trap-smoke"]

    featured_response = apply(bearer_client(featured_manager), track, template_id=template.pk)
    stranger_response = apply(other_client, track, template_id=template.pk)

    assert featured_response.status_code == 403
    assert stranger_response.status_code == 403
    assert bearer_client(featured_manager).delete(
        f"/api/v1/tracks/{track.pk}/cover-art"
    ).status_code == 403  # fmt: skip
    assert not CoverArt.objects.exists()


def test_staff_may_apply_covers(staff_client, track, cover_templates):
    template = cover_templates["trap-smoke"]

    assert apply(staff_client, track, template_id=template.pk).status_code == 200


def test_hidden_tracks_are_404_and_anonymous_is_401(api_client, other_client, producer_artist,
                                                   cover_templates):  # fmt: skip
    private = TrackFactory(artists=[producer_artist], visibility=Visibility.PRIVATE)
    template = cover_templates["trap-smoke"]

    assert apply(other_client, private, template_id=template.pk).status_code == 404
    assert apply(api_client, private, template_id=template.pk).status_code == 401
    assert other_client.get("/api/v1/tracks/999999/cover-art").status_code == 404


def test_body_must_name_exactly_one_source(producer_client, track, cover_templates):
    template = cover_templates["trap-smoke"]

    assert apply(producer_client, track).status_code == 422
    both = apply(producer_client, track, template_id=template.pk, file_id=1)
    assert both.status_code == 422
    assert apply(producer_client, track, template_id=999999).status_code == 422


# --- the fallback: track → album → placeholder --------------------------------------------------


def test_track_without_cover_shows_its_albums_then_the_placeholder(
    producer, producer_client, producer_artist, cover_templates
):
    album = AlbumFactory(artists=[producer_artist])
    track = TrackFactory(artists=[producer_artist], album=album)
    lone = TrackFactory(artists=[producer_artist])

    def shown(t):
        return producer_client.get(f"/api/v1/tracks/{t.pk}").json()["track"]["image"]

    assert shown(track) == PLACEHOLDER
    assert shown(lone) == PLACEHOLDER
    album_cover = producer_client.post(
        f"/api/v1/albums/{album.pk}/cover-art",
        {"template_id": cover_templates["soul-vinyl"].pk},
        format="json",
    ).json()["image"]
    assert shown(track) == album_cover
    track_cover = apply(producer_client, track, template_id=cover_templates["trap-smoke"].pk)
    assert shown(track) == track_cover.json()["image"]

    removed = producer_client.delete(f"/api/v1/tracks/{track.pk}/cover-art")
    assert removed.status_code == 200
    assert removed.json() == {"status": "success", "image": album_cover}
    assert shown(track) == album_cover
    gone = producer_client.delete(f"/api/v1/albums/{album.pk}/cover-art").json()
    assert gone["image"] == PLACEHOLDER
    assert shown(track) == PLACEHOLDER
    listed = producer_client.get("/api/v1/tracks", {"per_page": 50}).json()["data"]
    assert {t["image"] for t in listed} == {PLACEHOLDER}


def test_get_cover_art(producer_client, track, cover_templates):
    empty = producer_client.get(f"/api/v1/tracks/{track.pk}/cover-art").json()
    apply(producer_client, track, template_id=cover_templates["trap-smoke"].pk)
    full = producer_client.get(f"/api/v1/tracks/{track.pk}/cover-art").json()

    assert empty == {"status": "success", "cover_art": None, "image": PLACEHOLDER}
    assert full["cover_art"]["source"] == "template"
    assert full["image"] == full["cover_art"]["image"]


def test_only_main_artist_managers_set_album_covers(other_client, producer_artist, cover_templates):
    album = AlbumFactory(artists=[producer_artist])

    response = other_client.post(
        f"/api/v1/albums/{album.pk}/cover-art",
        {"template_id": cover_templates["soul-vinyl"].pk},
        format="json",
    )

    assert response.status_code == 403


def test_deleting_a_track_deletes_its_cover_files(
    producer_client, track, cover_templates, django_capture_on_commit_callbacks
):
    image = apply(producer_client, track, template_id=cover_templates["trap-smoke"].pk).json()

    with django_capture_on_commit_callbacks(execute=True):
        assert producer_client.delete(f"/api/v1/tracks/{track.pk}").status_code in (200, 204)

    assert not CoverArt.objects.exists()
    assert not default_storage.exists(name_of(image["image"]))


# --- custom pictures ----------------------------------------------------------------------------


def post_picture(client, track, name, data):
    return client.post(
        f"/api/v1/tracks/{track.pk}/cover-art", {"image": upload(name, data)}, format="multipart"
    )


def test_a_custom_picture_becomes_the_cover(producer_client, track):
    response = post_picture(producer_client, track, "art.png", picture_bytes((800, 800)))

    assert response.status_code == 200
    cover = response.json()["cover_art"]
    assert cover["source"] == "upload"
    assert cover["template_id"] is None
    with Image.open(io.BytesIO(read(cover["image"]))) as master:
        assert master.size == (1000, 1000)
        red, green, blue = master.getpixel((500, 500))
        assert abs(red - 200) < 8 and abs(green - 40) < 8 and abs(blue - 90) < 8  # noqa: PT018


def test_a_picture_over_2_mb_is_rejected(producer_client, track):
    data = padded_png(int(2.1 * 1024 * 1024))

    response = post_picture(producer_client, track, "big.png", data)

    assert response.status_code == 422
    assert response.json()["errors"]["image"] == ["Cover art may not be greater than 2 MB."]
    assert not CoverArt.objects.exists()


def test_a_picture_smaller_than_500_pixels_is_rejected(producer_client, track):
    response = post_picture(
        producer_client, track, "small.jpg", picture_bytes((400, 400), fmt="JPEG")
    )

    assert response.status_code == 422
    assert "at least 500×500" in response.json()["errors"]["image"][0]


def test_a_panorama_is_centre_cropped(producer_client, track):
    red, green = (220, 20, 20), (20, 200, 40)
    data = picture_bytes((1500, 600), red, fmt="WEBP", paint=[((450, 0, 1050, 600), green)])

    response = post_picture(producer_client, track, "wide.webp", data)

    assert response.status_code == 200
    with Image.open(io.BytesIO(read(response.json()["image"]))) as master:
        assert master.size == (1000, 1000)
        for x in (20, 500, 980):  # the centre 600×600 is all green: red edges were cut
            r, g, b = master.getpixel((x, 500))
            assert g > 150 and r < 80  # noqa: PT018


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("art.gif", b"GIF89a" + b"\0" * 100, "must be a JPG, PNG or WebP"),
        ("art.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "corrupt or unreadable"),
        ("art.jpg", picture_bytes((600, 600)), "does not match its contents"),
        ("art.png", b"", "empty"),
    ],
)
def test_bad_pictures_are_422_and_leave_nothing(producer_client, track, name, data, message):
    response = post_picture(producer_client, track, name, data)

    assert response.status_code == 422
    assert message in response.json()["errors"]["image"][0]
    assert not CoverArt.objects.exists()


def test_a_previous_upload_can_be_used(producer, producer_client, track):
    data = picture_bytes((700, 700), fmt="JPEG")
    entry = producer_client.post("/api/v1/uploads", {"file": upload("pic.jpg", data)},
                                 format="multipart").json()["file_entry"]  # fmt: skip

    response = apply(producer_client, track, file_id=entry["id"])

    assert response.status_code == 200
    assert response.json()["cover_art"]["source"] == "upload"


def test_someone_elses_upload_or_audio_cannot_be_used(producer_client, track, other_user):
    theirs = FileEntryFactory(owner=other_user)
    audio = FileEntryFactory(owner=track.track_artists.first().artist.managers.first())

    assert apply(producer_client, track, file_id=theirs.pk).status_code == 422
    response = apply(producer_client, track, file_id=audio.pk)
    assert response.status_code == 422
    assert "file_id" in response.json()["errors"]


def test_a_template_can_frame_a_previous_upload(producer_client, track, cover_templates):
    data = picture_bytes((700, 700), (10, 200, 30), fmt="PNG")
    entry = producer_client.post("/api/v1/uploads", {"file": upload("pic.png", data)},
                                 format="multipart").json()["file_entry"]  # fmt: skip

    response = apply(
        producer_client, track, template_id=cover_templates["photo-frame"].pk, file_id=entry["id"]
    )

    assert response.status_code == 200
    with Image.open(io.BytesIO(read(response.json()["image"]))) as master:
        r, g, b = master.getpixel((500, 300))
        assert g > 150 and r < 60  # noqa: PT018
