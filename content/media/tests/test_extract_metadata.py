"""POST /tracks/{fileEntry}/extract-metadata: tags first, estimates only for what is missing."""

import numpy as np
import pytest
from mutagen.aiff import AIFF
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, TALB, TBPM, TCON, TIT2, TKEY, TPE1

from content import testing
from content.beatgen import NOTE_INDEX, render_beat
from content.tests.audio_helpers import SR, upload
from content.uploads.models import FileEntry

pytestmark = pytest.mark.django_db


def extract(client, entry_id):
    return client.post(f"/api/v1/tracks/{entry_id}/extract-metadata")


def _tagged_aiff(tmp_path, *, key="8A", bpm="140") -> bytes:
    """An AIFF with an ID3 chunk: the tags producers' DAWs write (MP3 uploads are refused)."""
    path = tmp_path / "tagged.aiff"
    path.write_bytes(testing.encode(testing.tone(3, sample_rate=SR), "aiff", sample_rate=SR))
    audio = AIFF(path)
    if audio.tags is None:
        audio.add_tags()
    audio.tags.add(TIT2(encoding=3, text="Night Drive"))
    audio.tags.add(TPE1(encoding=3, text="Kay Beats; Lil Test"))
    audio.tags.add(TALB(encoding=3, text="Tapes"))
    audio.tags.add(TCON(encoding=3, text="Trap"))
    audio.tags.add(TBPM(encoding=3, text=bpm))
    audio.tags.add(TKEY(encoding=3, text=key))
    audio.tags.add(
        APIC(encoding=3, mime="image/png", type=3, desc="", data=testing.png_bytes(32, 32))
    )
    audio.save()
    return path.read_bytes()


def test_tags_are_returned_and_artwork_becomes_an_image_entry(user_client, user, tmp_path):
    entry_id = upload(user_client, "tagged.aiff", _tagged_aiff(tmp_path)).json()["file_entry"]["id"]

    response = extract(user_client, entry_id)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "success"
    meta = body["metadata"]
    assert meta["name"] == "Night Drive"
    assert meta["artists"] == ["Kay Beats", "Lil Test"]
    assert meta["album"] == "Tapes"
    assert meta["genres"] == ["Trap"]
    assert (meta["bpm"], meta["bpm_estimated"], meta["bpm_confidence"]) == (140, False, 1.0)
    assert (meta["key"], meta["scale"], meta["key_estimated"]) == ("A", "minor", False)
    assert (meta["camelot"], meta["open_key"]) == ("8A", "1m")
    assert (meta["bpm_exact"], meta["bpm_alternatives"]) == (140.0, [])
    assert abs(meta["duration"] - 3000) < 100
    assert meta["sample_rate"] == SR
    assert meta["channels"] == 1
    assert meta["bitrate"] > 0
    image = FileEntry.objects.get(pk=meta["image"])
    assert (image.owner, image.kind, image.mime) == (user, "image", "image/png")


def test_repeated_extraction_reuses_the_saved_artwork(user_client, tmp_path):
    entry_id = upload(user_client, "tagged.aiff", _tagged_aiff(tmp_path)).json()["file_entry"]["id"]
    first = extract(user_client, entry_id).json()["metadata"]["image"]
    second = extract(user_client, entry_id).json()["metadata"]["image"]
    assert first == second
    assert FileEntry.objects.filter(kind="image").count() == 1


def test_untagged_beat_gets_estimated_tempo_and_key(user_client, tmp_path):
    beat = render_beat(seed=3, bpm=140, key="F", scale="minor", seconds=30, sample_rate=SR)
    entry_id = upload(user_client, "beat.flac", testing.encode(beat, "flac", sample_rate=SR))
    entry_id = entry_id.json()["file_entry"]["id"]

    meta = extract(user_client, entry_id).json()["metadata"]

    assert meta["name"] == "beat"
    assert meta["bpm"] == 140
    assert meta["bpm_estimated"] is True
    assert 0 <= meta["bpm_confidence"] <= 1
    assert NOTE_INDEX[meta["key"]] == NOTE_INDEX["F"]
    assert meta["scale"] == "minor"
    assert meta["key_estimated"] is True
    assert (meta["camelot"], meta["open_key"]) == ("4A", "9m")  # F minor
    assert abs(meta["bpm_exact"] - 140) <= 1
    assert meta["image"] is None
    assert meta["channels"] == 2


def test_genre_from_the_caller_picks_the_metrical_level_and_offers_the_other(user_client):
    # A half-time trap beat: the kick/snare pattern repeats at 70, the hats run at 140.
    beat = render_beat(seed=5, bpm=140, key="C", scale="minor", seconds=20, sample_rate=SR)
    entry_id = upload(user_client, "trap.flac", testing.encode(beat, "flac", sample_rate=SR))
    entry_id = entry_id.json()["file_entry"]["id"]

    trap = user_client.post(f"/api/v1/tracks/{entry_id}/extract-metadata?genre=trap")
    lofi = user_client.post(f"/api/v1/tracks/{entry_id}/extract-metadata?genre=lo-fi")

    assert trap.status_code == lofi.status_code == 200, trap.content
    as_trap, as_lofi = trap.json()["metadata"], lofi.json()["metadata"]
    assert as_trap["bpm"] == 140
    assert as_lofi["bpm"] == 70  # lo-fi is labelled 65-95: the same beat counted in half time
    offered = {alt["bpm"]: alt["score"] for alt in as_trap["bpm_alternatives"]}
    assert 70 in offered
    assert offered[70] < 0.5
    assert 140 in {alt["bpm"] for alt in as_lofi["bpm_alternatives"]}


def test_an_overlong_genre_is_422_and_nothing_is_estimated(user_client):
    silence = testing.wav_bytes(np.zeros((SR * 3, 1), dtype=np.float32), SR)
    entry_id = upload(user_client, "quiet.wav", silence).json()["file_entry"]["id"]

    response = user_client.post(f"/api/v1/tracks/{entry_id}/extract-metadata?genre={'x' * 51}")

    assert response.status_code == 422
    assert "genre" in response.json()["errors"]


def test_only_the_missing_attribute_is_estimated(user_client, tmp_path):
    beat = render_beat(seed=4, bpm=96, key="D", scale="major", seconds=20, sample_rate=SR)
    path = tmp_path / "b.flac"
    path.write_bytes(testing.encode(beat, "flac", sample_rate=SR))
    audio = FLAC(path)
    audio["initialkey"] = "Dmaj"
    picture = Picture()
    picture.type, picture.mime, picture.data = 3, "image/png", b"not really a png"
    audio.add_picture(picture)
    audio.save()
    entry_id = upload(user_client, "b.flac", path.read_bytes()).json()["file_entry"]["id"]

    meta = extract(user_client, entry_id).json()["metadata"]

    assert (meta["key"], meta["scale"], meta["key_estimated"]) == ("D", "major", False)
    assert meta["bpm_estimated"] is True
    assert meta["bpm"] == 96
    assert meta["image"] is None  # broken artwork is ignored, not a 500


def test_silence_gives_no_estimates_rather_than_an_error(user_client):
    silence = testing.wav_bytes(np.zeros((SR * 3, 1), dtype=np.float32), SR)
    entry_id = upload(user_client, "quiet.wav", silence).json()["file_entry"]["id"]

    response = extract(user_client, entry_id)

    assert response.status_code == 200
    meta = response.json()["metadata"]
    assert (meta["bpm"], meta["bpm_estimated"], meta["bpm_confidence"]) == (None, False, None)
    assert (meta["key"], meta["key_estimated"]) == (None, False)
    assert (meta["bpm_exact"], meta["bpm_alternatives"], meta["camelot"]) == (None, [], None)


def test_other_users_entry_and_missing_entry_are_404(user_client, other_client):
    entry_id = upload(user_client, "a.wav", testing.wav_bytes(testing.tone(2, sample_rate=SR), SR))
    entry_id = entry_id.json()["file_entry"]["id"]
    assert extract(other_client, entry_id).status_code == 404
    assert extract(user_client, 999999).status_code == 404
    assert extract(user_client, "abc").status_code == 404


def test_image_entry_is_422(user_client):
    entry_id = upload(user_client, "a.png", testing.png_bytes()).json()["file_entry"]["id"]
    response = extract(user_client, entry_id)
    assert response.status_code == 422
    assert "not an audio file" in response.json()["errors"]["file"][0]


def test_anonymous_is_401(api_client, user_client):
    entry_id = upload(user_client, "a.wav", testing.wav_bytes(testing.tone(2, sample_rate=SR), SR))
    assert extract(api_client, entry_id.json()["file_entry"]["id"]).status_code == 401
