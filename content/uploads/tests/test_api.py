"""POST /uploads: size cap → magic bytes → probe → full decode; rejects leave nothing behind."""

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from content import testing
from content.uploads.models import FileEntry

pytestmark = pytest.mark.django_db

SR = 22050


def upload(client, name: str, data: bytes):
    return client.post(
        "/api/v1/uploads", {"file": SimpleUploadedFile(name, data)}, format="multipart"
    )


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def beat():
    return testing.tone(3.0, sample_rate=SR, channels=2)


@pytest.fixture(scope="session")
def hour_long_silent_flac(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("audio") / "hour.flac"
    silence = np.zeros((3600 * 8000, 1), dtype=np.float32)
    path.write_bytes(testing.encode(silence, "flac", sample_rate=8000))
    return path.read_bytes()


@pytest.fixture(autouse=True)
def _no_leftovers():
    before = set(stored_files())
    yield
    # Every test either keeps exactly the files of the rows it created, or nothing.
    after = set(stored_files()) - before
    names = {Path(settings.MEDIA_ROOT) / e.file.name for e in FileEntry.objects.all()}
    assert after <= names, f"orphan files: {after - names}"


@pytest.mark.parametrize(
    ("fmt", "name", "mime"),
    [
        ("wav", "beat.wav", "audio/wav"),
        ("flac", "beat.flac", "audio/flac"),
        ("aiff", "beat.aiff", "audio/aiff"),
    ],
)
def test_valid_audio_is_stored_with_probe_data(user_client, user, beat, fmt, name, mime):
    data = testing.encode(beat, fmt, sample_rate=SR)
    response = upload(user_client, name, data)
    assert response.status_code == 201, response.json()
    entry = response.json()["file_entry"]
    assert entry["kind"] == "audio"
    assert entry["mime"] == mime
    assert entry["name"] == name
    assert entry["size"] == len(data)
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert abs(entry["duration"] - 3000) < 120
    assert entry["sample_rate"] == SR
    assert entry["channels"] == 2
    assert entry["url"] is None  # audio storage is never exposed
    row = FileEntry.objects.get(pk=entry["id"])
    assert row.owner == user
    assert name not in row.file.name
    assert Path(row.file.path).read_bytes() == data


@pytest.mark.parametrize(
    ("name", "data_fn"),
    [
        ("cover.png", lambda: testing.png_bytes(120, 80)),
        ("cover.jpg", lambda: _image_bytes("JPEG")),
        ("cover.webp", lambda: _image_bytes("WEBP")),
    ],
)
def test_valid_images_get_dimensions_and_a_public_url(user_client, name, data_fn):
    response = upload(user_client, name, data_fn())
    assert response.status_code == 201, response.json()
    entry = response.json()["file_entry"]
    assert entry["kind"] == "image"
    assert entry["url"].startswith(settings.MEDIA_URL)
    assert entry["width"] > 0
    assert entry["height"] > 0


def _image_bytes(fmt: str) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (50, 40), (10, 20, 30)).save(buf, format=fmt)
    return buf.getvalue()


def assert_rejected(response, fragment: str):
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert fragment.lower() in body["errors"]["file"][0].lower(), body
    assert not FileEntry.objects.exists()


def test_zero_byte_file_is_rejected(user_client):
    assert_rejected(upload(user_client, "empty.wav", b""), "empty")


def test_random_bytes_are_rejected(user_client):
    assert_rejected(upload(user_client, "noise.wav", os.urandom(50_000)), "unsupported file type")


def test_extension_that_lies_is_rejected(user_client, beat):
    flac = testing.encode(beat, "flac", sample_rate=SR)
    assert_rejected(upload(user_client, "beat.wav", flac), "does not match")
    png = testing.png_bytes()
    assert_rejected(upload(user_client, "song.mp3", png), "does not match")
    assert_rejected(upload(user_client, "beat.flac", testing.encode(beat, "wav")), "does not match")


def test_truncated_flac_is_rejected(user_client):
    full = testing.encode(testing.tone(20, sample_rate=SR) + 0.01, "flac", sample_rate=SR)
    assert_rejected(upload(user_client, "cut.flac", full[: len(full) // 2]), "truncated")


def test_wav_whose_header_lies_about_its_length_is_rejected(user_client, beat):
    wav = testing.encode(beat, "wav", sample_rate=SR)
    assert_rejected(upload(user_client, "cut.wav", wav[: len(wav) // 3]), "truncated")


@pytest.mark.parametrize(
    ("riff_size", "data_size"),
    [
        (0xFFFFFFFF, 0xFFFFFFFF),  # FFmpeg writing to a pipe
        (0x7FFFF024, 0x7FFFF000),  # SoX and eSpeak NG (``espeak-ng --stdout``) to a pipe
        (0, 0),  # writers that leave the sizes zeroed
    ],
    ids=["ffffffff", "7ffff000", "zero"],
)
def test_wav_streamed_through_a_pipe_is_accepted_with_its_real_length(
    user_client, beat, riff_size, data_size
):
    """A WAV written to a pipe cannot seek back to fill in its sizes: its writer leaves a
    placeholder, and the audio runs to the end of the file. It is 3 s long, not 13 hours."""
    wav = bytearray(testing.encode(beat, "wav", sample_rate=SR))
    data = wav.find(b"data")
    wav[4:8] = riff_size.to_bytes(4, "little")
    wav[data + 4 : data + 8] = data_size.to_bytes(4, "little")
    response = upload(user_client, "piped.wav", bytes(wav))
    assert response.status_code == 201, response.json()
    assert response.json()["file_entry"]["duration"] == 3000
    assert FileEntry.objects.get().duration_ms == 3000


def test_wav_stating_a_size_past_its_end_is_still_truncated(user_client, beat):
    """Only the placeholders mean "to the end of the file": a stated size that the file falls
    short of is a cut-off upload."""
    wav = bytearray(testing.encode(beat, "wav", sample_rate=SR))
    data = wav.find(b"data")
    stated = int.from_bytes(wav[data + 4 : data + 8], "little")
    wav[data + 4 : data + 8] = (stated * 3).to_bytes(4, "little")
    assert_rejected(upload(user_client, "cut.wav", bytes(wav)), "truncated")


def test_corrupt_flac_header_is_rejected(user_client, beat):
    flac = bytearray(testing.encode(beat, "flac", sample_rate=SR))
    flac[8:42] = os.urandom(34)  # STREAMINFO garbage
    response = upload(user_client, "bad.flac", bytes(flac))
    assert response.status_code == 422
    assert not FileEntry.objects.exists()


def test_audio_shorter_than_one_second_is_rejected(user_client):
    clip = testing.encode(testing.tone(0.045, sample_rate=SR), "wav", sample_rate=SR)
    assert_rejected(upload(user_client, "blip.wav", clip), "at least 1 second")


@override_settings(UPLOAD_MAX_AUDIO_SECONDS=30 * 60)
def test_hour_long_flac_is_rejected_by_the_duration_cap(user_client, hour_long_silent_flac):
    assert len(hour_long_silent_flac) < 5 * 1024 * 1024  # tiny file, long audio
    assert_rejected(
        upload(user_client, "hour.flac", hour_long_silent_flac), "may not exceed 30 minutes"
    )


def test_tiny_png_declaring_10000_by_10000_pixels_is_rejected(user_client):
    bomb = testing.bomb_png_bytes(10000, 10000)
    assert len(bomb) < 200_000
    assert_rejected(upload(user_client, "bomb.png", bomb), "megapixels")


def test_truncated_png_is_rejected(user_client):
    png = testing.png_bytes(300, 300, color=(1, 2, 3))
    response = upload(user_client, "cut.png", png[: len(png) // 2])
    assert response.status_code == 422
    assert not FileEntry.objects.exists()


@override_settings(UPLOAD_MAX_BYTES=4096)
def test_file_over_the_size_cap_is_rejected_before_probing(user_client, beat):
    wav = testing.encode(beat, "wav", sample_rate=SR)
    assert len(wav) > 4096
    assert_rejected(upload(user_client, "big.wav", wav), "may not be greater than 4 KB")


def test_missing_file_field_is_422(user_client):
    response = user_client.post("/api/v1/uploads", {}, format="multipart")
    assert response.status_code == 422
    assert response.json()["errors"]["file"] == ["The file field is required."]


def test_uploads_need_authentication(api_client, beat):
    assert (
        upload(api_client, "a.wav", testing.encode(beat, "wav", sample_rate=SR)).status_code == 401
    )


def test_users_only_see_their_own_file_entries(user_client, other_client, beat):
    entry_id = upload(user_client, "a.wav", testing.encode(beat, "wav", sample_rate=SR)).json()[
        "file_entry"
    ]["id"]
    assert user_client.get(f"/api/v1/uploads/{entry_id}").status_code == 200
    assert other_client.get(f"/api/v1/uploads/{entry_id}").status_code == 404
    assert other_client.get("/api/v1/uploads").json()["total"] == 0
    assert user_client.get("/api/v1/uploads").json()["total"] == 1


def test_client_filename_is_sanitised(user_client, beat):
    response = upload(
        user_client, "../../etc/pass\twd.wav", testing.encode(beat, "wav", sample_rate=SR)
    )
    assert response.status_code == 201
    assert response.json()["file_entry"]["name"] == "passwd.wav"


@override_settings(
    THROTTLE_RATES={
        "anon": "300/min",
        "user": "300/min",
        "auth": "30/min",
        "login_failure": "5/15min",
        "write": "120/min",
        "upload": "2/min",
    }
)
def test_upload_scope_is_throttled(user_client):
    for _ in range(2):
        assert upload(user_client, "x.wav", b"").status_code == 422
    assert upload(user_client, "x.wav", b"").status_code == 429


def test_a_nul_byte_in_a_multipart_field_is_400(user_client):
    # (A NUL in the file name never reaches us: Django's multipart parser cuts the name there.)
    payload = {"file": SimpleUploadedFile("beat.wav", b"RIFF"), "note": "a\x00b"}
    response = user_client.post("/api/v1/uploads", payload, format="multipart")
    assert response.status_code == 400
    assert "NUL" in response.json()["message"]
    assert not FileEntry.objects.exists()
