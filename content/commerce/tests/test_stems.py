"""Stems: the producer uploads them (validated like any audio upload, stored privately); only
the track's managers, staff and — after a succeeded purchase whose certificate lists stems —
the exclusive buyer download them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import bearer_client
from content import testing
from content.commerce.models import Purchase, TrackStem
from content.commerce.tests.conftest import (
    deliver,
    exclusive_for_sale,
    initiate,
    pay,
    refund_event,
)
from content.licensing.models import License
from content.licensing.services import license_revoke
from content.licensing.tests.conftest import body_of
from content.tests.audio_helpers import tone_wav
from content.tests.factories import UserFactory
from content.uploads.models import FileEntry

pytestmark = pytest.mark.django_db


def stems_url(track, *rest) -> str:
    return "/".join([f"/api/v1/tracks/{track.pk}/stems", *map(str, rest)])


def add_stem(client, track, filename: str = "drums.wav", data: bytes | None = None, **extra):
    payload = {"file": SimpleUploadedFile(filename, tone_wav(2.0) if data is None else data)}
    payload.update(extra)
    return client.post(stems_url(track), payload, format="multipart")


def stored_uploads() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def buy(buyer, track, api_client) -> Purchase:
    response = initiate(bearer_client(buyer), track)
    assert response.status_code == 200, response.json()
    purchase = Purchase.objects.get(pk=response.json()["data"]["purchase_id"])
    assert pay(api_client, purchase).status_code == 200
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.SUCCEEDED
    return purchase


@pytest.fixture
def track(seller):
    return exclusive_for_sale(seller)


def test_the_producer_uploads_stems_and_the_track_says_it_has_them(
    producer_client, track, user_client
):
    assert user_client.get(f"/api/v1/tracks/{track.pk}").json()["track"]["has_stems"] is False
    drums = add_stem(producer_client, track, "Drums_Loop.wav")
    assert drums.status_code == 201, drums.json()
    stem = drums.json()["stem"]
    assert stem["name"] == "Drums Loop"
    assert (stem["extension"], stem["mime"]) == (".wav", "audio/wav")
    assert stem["duration"] == 2000
    bass = add_stem(producer_client, track, "b.flac", testing.encode(testing.tone(2.0), "flac"))
    assert bass.status_code == 201, bass.json()
    named = add_stem(producer_client, track, "x.wav", name="  Lead   vocal chop ")
    assert named.json()["stem"]["name"] == "Lead vocal chop"

    listed = producer_client.get(stems_url(track)).json()
    assert listed["access"] == "owner"
    assert [s["name"] for s in listed["stems"]] == ["Drums Loop", "b", "Lead vocal chop"]
    assert [s["position"] for s in listed["stems"]] == [1, 2, 3]
    # The public learns only that stems exist; the audio never has a URL.
    page = user_client.get(f"/api/v1/tracks/{track.pk}").json()["track"]
    assert page["has_stems"] is True
    assert FileEntry.objects.get(pk=TrackStem.objects.first().file_id).kind == "audio"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.wav", b"", "empty"),
        (
            "notes.wav",
            b"just some text, not audio at all" * 10,
            "Unsupported file type. Upload WAV, FLAC or AIFF audio.'",
        ),
        ("beat.mp3", testing.encode(testing.tone(2.0), "mp3"), "MP3 files are not accepted"),
        ("cover.png", testing.png_bytes(), "A stem must be audio"),
        ("drums.flac", tone_wav(2.0), "extension does not match"),
        ("cut.wav", tone_wav(2.0)[:-20000], "truncated"),
    ],
)
def test_invalid_stems_are_refused_and_leave_nothing(
    producer_client, track, name, data, message, django_capture_on_commit_callbacks
):
    before = stored_uploads()
    with django_capture_on_commit_callbacks(execute=True):
        response = add_stem(producer_client, track, name, data)
    assert response.status_code == 422, response.content
    assert message.lower() in str(response.json()["errors"]).lower()
    assert not TrackStem.objects.exists()
    assert not FileEntry.objects.exclude(pk=track.file_id).exists()
    assert stored_uploads() == before


def test_oversized_stem_is_422(producer_client, track, settings):
    settings.UPLOAD_MAX_BYTES = 50_000
    response = add_stem(producer_client, track, "big.wav", tone_wav(2.0))
    assert response.status_code == 422
    assert "may not be greater than" in response.json()["errors"]["file"][0]
    assert not TrackStem.objects.exists()


def test_a_stem_from_an_earlier_upload(producer, producer_client, track, user):
    mine = producer_client.post(
        "/api/v1/uploads", {"file": SimpleUploadedFile("keys.wav", tone_wav(2.0))}
    ).json()["file_entry"]
    response = producer_client.post(stems_url(track), {"file_entry_id": mine["id"]}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["stem"]["name"] == "keys"
    again = producer_client.post(stems_url(track), {"file_entry_id": mine["id"]}, format="json")
    assert again.status_code == 422
    assert "already a stem" in again.json()["errors"]["file_entry_id"][0]
    image = producer_client.post(
        "/api/v1/uploads", {"file": SimpleUploadedFile("c.png", testing.png_bytes())}
    ).json()["file_entry"]
    refused = producer_client.post(stems_url(track), {"file_entry_id": image["id"]}, format="json")
    assert refused.status_code == 422
    # Someone else's upload is not yours to attach.
    theirs = bearer_client(user).post(
        "/api/v1/uploads", {"file": SimpleUploadedFile("t.wav", tone_wav(2.0))}
    )
    other = producer_client.post(
        stems_url(track), {"file_entry_id": theirs.json()["file_entry"]["id"]}, format="json"
    )
    assert other.status_code == 422
    neither = producer_client.post(stems_url(track), {"name": "x"}, format="json")
    assert neither.status_code == 422


def test_the_stem_cap_holds(producer_client, track, settings):
    settings.COMMERCE_MAX_STEMS_PER_TRACK = 2
    assert add_stem(producer_client, track, "a.wav").status_code == 201
    assert add_stem(producer_client, track, "b.wav").status_code == 201
    third = add_stem(producer_client, track, "c.wav")
    assert third.status_code == 422
    assert "at most 2 stems" in third.json()["errors"]["file"][0]
    assert TrackStem.objects.count() == 2


def test_only_managers_upload_or_remove(producer_client, track, user_client, staff_client):
    assert add_stem(user_client, track).status_code == 403
    assert add_stem(staff_client, track, "s.wav").status_code == 201
    stem_id = add_stem(producer_client, track).json()["stem"]["id"]
    assert user_client.delete(stems_url(track, stem_id)).status_code == 403
    assert producer_client.post("/api/v1/tracks/999999/stems", {}).status_code == 404


def test_before_the_sale_nobody_else_gets_them(
    producer_client, track, user_client, staff_client, api_client
):
    stem_id = add_stem(producer_client, track).json()["stem"]["id"]
    for url in (stems_url(track), stems_url(track, stem_id, "download")):
        refused = user_client.get(url)
        assert refused.status_code == 403
        assert refused.json()["error_code"] == "stems_exclusive_buyer_only"
        assert api_client.get(url).status_code == 401
    assert producer_client.get(stems_url(track, stem_id, "download")).status_code == 200
    staff = staff_client.get(stems_url(track, stem_id, "download"))
    assert staff.status_code == 200
    assert body_of(staff)[:4] == b"RIFF"
    assert staff_client.get(stems_url(track)).json()["access"] == "owner"


def test_the_buyer_downloads_the_stems_after_the_sale(producer_client, track, api_client, seller):
    data = tone_wav(2.0)
    stem_id = add_stem(producer_client, track, "drums.wav", data).json()["stem"]["id"]
    buyer = UserFactory()
    buyer_client = bearer_client(buyer)
    assert buyer_client.get(stems_url(track)).status_code == 403  # not before paying
    response = initiate(buyer_client, track)
    purchase = Purchase.objects.get(pk=response.json()["data"]["purchase_id"])
    assert buyer_client.get(stems_url(track)).status_code == 403  # nor while pending
    pay(api_client, purchase)
    purchase.refresh_from_db()

    listed = buyer_client.get(stems_url(track)).json()
    assert listed["access"] == "exclusive_buyer"
    assert [s["id"] for s in listed["stems"]] == [stem_id]
    download = buyer_client.get(stems_url(track, stem_id, "download"))
    assert download.status_code == 200
    assert body_of(download) == data
    assert download["X-License-Id"] == str(purchase.license.uuid)
    assert 'filename="Night Drive - drums.wav"' in download["Content-Disposition"]
    ranged = buyer_client.get(stems_url(track, stem_id, "download"), HTTP_RANGE="bytes=0-3")
    assert ranged.status_code == 206
    assert body_of(ranged) == b"RIFF"

    # Others, still: 403; unknown stems and a stem of another track: 404.
    other = bearer_client(UserFactory()).get(stems_url(track, stem_id, "download"))
    assert other.status_code == 403
    assert buyer_client.get(stems_url(track, 987654, "download")).status_code == 404
    elsewhere = exclusive_for_sale(seller, name="Another")
    foreign = add_stem(producer_client, elsewhere, "f.wav").json()["stem"]["id"]
    assert buyer_client.get(stems_url(track, foreign, "download")).status_code == 404
    assert producer_client.get(stems_url(track, foreign, "download")).status_code == 404

    # Delivered stems cannot be taken back while the sale stands.
    removal = producer_client.delete(stems_url(track, stem_id))
    assert removal.status_code == 409
    assert removal.json()["error_code"] == "stems_delivered"


def test_stems_not_in_the_license_terms_are_not_delivered(producer_client, seller, api_client):
    track = exclusive_for_sale(
        seller, name="Wav Only", exclusive_terms={"files_to_deliver": ["wav", "mp3_320"]}
    )
    stem_id = add_stem(producer_client, track).json()["stem"]["id"]
    buyer = UserFactory()
    buy(buyer, track, api_client)
    refused = bearer_client(buyer).get(stems_url(track, stem_id, "download"))
    assert refused.status_code == 403
    assert refused.json()["error_code"] == "stems_not_included"


def test_a_refund_or_a_revoked_license_ends_access(producer_client, track, api_client):
    stem_id = add_stem(producer_client, track).json()["stem"]["id"]
    buyer = UserFactory()
    buyer_client = bearer_client(buyer)
    purchase = buy(buyer, track, api_client)
    url = stems_url(track, stem_id, "download")
    assert buyer_client.get(url).status_code == 200

    license_revoke(license=purchase.license, actor=None, reason="chargeback review")
    revoked = buyer_client.get(url)
    assert revoked.status_code == 410
    assert revoked.json()["error_code"] == "license_revoked"

    License.objects.filter(pk=purchase.license_id).update(
        status=License.Status.ACTIVE, revoked_at=None, revoked_reason=""
    )
    assert deliver(api_client, refund_event(purchase)).status_code == 200
    refunded = buyer_client.get(url)
    assert refunded.status_code == 403
    # Back on sale: the producer may manage the stems again.
    assert producer_client.delete(stems_url(track, stem_id)).status_code == 204


def test_removing_a_stem_deletes_its_file(
    producer_client, track, django_capture_on_commit_callbacks
):
    stem = add_stem(producer_client, track).json()["stem"]
    before = len(stored_uploads())
    with django_capture_on_commit_callbacks(execute=True):
        response = producer_client.delete(stems_url(track, stem["id"]))
    assert response.status_code == 204
    assert not TrackStem.objects.exists()
    assert len(stored_uploads()) == before - 1
    assert producer_client.delete(stems_url(track, stem["id"])).status_code == 404


def test_all_stems_as_one_zip(producer_client, track, api_client):
    drums, bass = tone_wav(2.0), testing.encode(testing.tone(2.5), "flac")
    add_stem(producer_client, track, "d.wav", drums, name="Drums/../../etc")
    add_stem(producer_client, track, "bass.flac", bass)
    url = f"/api/v1/tracks/{track.pk}/stems/download"
    assert bearer_client(UserFactory()).get(url).status_code == 403
    buyer = UserFactory()
    purchase = buy(buyer, track, api_client)

    response = bearer_client(buyer).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="Night Drive - stems.zip"' in response["Content-Disposition"]
    assert response["X-License-Id"] == str(purchase.license.uuid)
    archive = zipfile.ZipFile(io.BytesIO(body_of(response)))
    assert archive.testzip() is None  # every CRC checks out
    assert archive.namelist() == ["01 Drums .. .. etc.wav", "02 bass.flac"]
    assert archive.read("01 Drums .. .. etc.wav") == drums
    assert archive.read("02 bass.flac") == bass


def test_no_stems_no_zip(producer_client, track):
    response = producer_client.get(f"/api/v1/tracks/{track.pk}/stems/download")
    assert response.status_code == 404


def test_a_stem_whose_stored_file_is_missing_is_404_not_a_dropped_connection(
    producer_client, track
):
    """The stored file went missing (a restore, a storage mishap): the single download and the
    zip answer 404 in the error shape before streaming, instead of failing mid-response."""
    drums = add_stem(producer_client, track, "drums.wav").json()["stem"]
    add_stem(producer_client, track, "bass.wav", tone_wav(2.5))
    stem = TrackStem.objects.get(pk=drums["id"])
    stem.file.file.storage.delete(stem.file.file.name)

    single = producer_client.get(stems_url(track, drums["id"], "download"))
    assert single.status_code == 404
    assert single.json() == {"message": "This stem's file is missing."}
    ranged = producer_client.get(stems_url(track, drums["id"], "download"), HTTP_RANGE="bytes=0-9")
    assert ranged.status_code == 404
    every = producer_client.get(stems_url(track, "download"))
    assert every.status_code == 404
    assert every.json() == {"message": "This stem's file is missing."}


def test_control_and_bidi_characters_are_taken_out_of_stem_names(producer_client, track):
    """A right-to-left override in a stem name would make the buyer's saved file read as
    another type ("…\u202evaw.exe" shows as "…exe.wav"); control characters have no place in a
    label. Both are dropped from the name, so from the download and zip names too; ordinary
    Unicode (accents, emoji sequences with their joiners) stays."""
    spoof = add_stem(producer_client, track, "a.wav", name="Drums\u202egpj.exe\u202c\x01\x7f")
    assert spoof.status_code == 201, spoof.json()
    assert spoof.json()["stem"]["name"] == "Drumsgpj.exe"
    family = add_stem(producer_client, track, "b.wav", tone_wav(2.5), name="Café 👩\u200d🎤")
    assert family.json()["stem"]["name"] == "Café 👩\u200d🎤"
    tabbed = add_stem(producer_client, track, "c.wav", tone_wav(3.5), name="Lead\tvocal\r\nchop")
    assert tabbed.json()["stem"]["name"] == "Lead vocal chop"
    only_controls = add_stem(producer_client, track, "Keys.wav", tone_wav(3.0), name="\u202e\x01")
    assert only_controls.json()["stem"]["name"] == "Keys"
    download = producer_client.get(stems_url(track, spoof.json()["stem"]["id"], "download"))
    assert "\u202e" not in download["Content-Disposition"]
    assert "%E2%80%AE" not in download["Content-Disposition"]
    archive = zipfile.ZipFile(
        io.BytesIO(body_of(producer_client.get(stems_url(track, "download"))))
    )
    assert archive.namelist()[0] == "01 Drumsgpj.exe.wav"


def test_the_buyer_keeps_the_stems_when_the_producer_hides_the_sold_track(
    producer_client, track, api_client
):
    """Producers often take a beat down once its exclusive is sold; the buyer paid for the
    stems and still gets them (list, one, zip). Anyone else still sees nothing (404)."""
    data = tone_wav(2.0)
    stem_id = add_stem(producer_client, track, "drums.wav", data).json()["stem"]["id"]
    buyer = UserFactory()
    buy(buyer, track, api_client)
    hidden = producer_client.put(f"/api/v1/tracks/{track.pk}", {"visibility": "private"})
    assert hidden.status_code == 200, hidden.json()

    buyer_client = bearer_client(buyer)
    assert buyer_client.get(stems_url(track)).json()["access"] == "exclusive_buyer"
    download = buyer_client.get(stems_url(track, stem_id, "download"))
    assert download.status_code == 200
    assert body_of(download) == data
    assert buyer_client.get(stems_url(track, "download")).status_code == 200
    stranger = bearer_client(UserFactory())
    assert stranger.get(stems_url(track)).status_code == 404
    assert stranger.get(stems_url(track, stem_id, "download")).status_code == 404


def test_an_unsatisfiable_range_is_416_in_the_error_shape(producer_client, track):
    """The schema documents 416 with the shared error body; the answer had none."""
    data = tone_wav(2.0)
    stem_id = add_stem(producer_client, track, "drums.wav", data).json()["stem"]["id"]
    for header in (f"bytes={len(data)}-", "bytes=50-10", "bytes=-0"):
        response = producer_client.get(stems_url(track, stem_id, "download"), HTTP_RANGE=header)
        assert response.status_code == 416
        assert response["Content-Range"] == f"bytes */{len(data)}"
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"message": "The byte range cannot be satisfied."}


def test_who_may_add_stems_is_checked_before_the_upload_is_read(user_client, track, settings):
    """A stranger's upload is refused for who they are (403; 404 for a track they cannot see),
    not processed first: an oversized body answered 422 "may not be greater than"."""
    settings.UPLOAD_MAX_BYTES = 50_000
    refused = add_stem(user_client, track, "big.wav", tone_wav(2.0))
    assert refused.status_code == 403
    unknown = user_client.post(
        "/api/v1/tracks/999999/stems",
        {"file": SimpleUploadedFile("big.wav", tone_wav(2.0))},
        format="multipart",
    )
    assert unknown.status_code == 404


def test_a_track_deleted_while_its_stem_uploads_is_404_and_leaves_no_file(
    producer, track, django_capture_on_commit_callbacks
):
    """The track row is gone by the time the upload is stored (deleted by another request
    meanwhile): a 404, and the file just stored is removed (it was a 500 and an orphan)."""
    from django.core.files.uploadedfile import TemporaryUploadedFile
    from rest_framework.exceptions import NotFound

    from content.catalog.models import Track
    from content.commerce.services.stems import stem_add

    before = stored_uploads()
    Track.objects.filter(pk=track.pk).delete()
    uploaded = TemporaryUploadedFile("drums.wav", "audio/wav", 0, None)
    uploaded.write(tone_wav(2.0))
    uploaded.size = uploaded.tell()
    uploaded.seek(0)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotFound):
        stem_add(actor=producer, track=track, uploaded=uploaded)
    assert not TrackStem.objects.exists()
    assert not FileEntry.objects.filter(name="drums.wav").exists()
    assert stored_uploads() == before


def test_a_browser_on_another_origin_may_read_the_license_id_header(
    producer_client, track, settings
):
    """The download routes hand the license UUID in `X-License-Id`; a web client on another
    (allowed) origin can only read response headers CORS exposes."""
    settings.CORS_ALLOWED_ORIGINS = ["https://app.beatpass.test"]
    stem_id = add_stem(producer_client, track).json()["stem"]["id"]
    response = producer_client.get(
        stems_url(track, stem_id, "download"), HTTP_ORIGIN="https://app.beatpass.test"
    )
    assert response.status_code == 200
    exposed = [h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")]
    assert "x-license-id" in exposed
    assert "content-disposition" in exposed


def test_a_nul_byte_in_a_multipart_field_is_400_and_stores_nothing(producer_client, track):
    before = stored_uploads()
    response = add_stem(producer_client, track, name="drums\x00.wav")
    assert response.status_code == 400
    assert "NUL" in response.json()["message"]
    assert not TrackStem.objects.filter(track=track).exists()
    assert stored_uploads() == before


def test_stem_downloads_are_recorded_as_downloads_of_the_track(
    producer, producer_client, track, api_client
):
    from content.media.models import Download

    stem_id = add_stem(producer_client, track, "drums.wav").json()["stem"]["id"]
    buyer = UserFactory()
    purchase = buy(buyer, track, api_client)
    buyer_client = bearer_client(buyer)
    url = stems_url(track, stem_id, "download")

    assert buyer_client.get(url).status_code == 200
    assert buyer_client.get(url, HTTP_RANGE="bytes=0-3").status_code == 206
    assert buyer_client.get(url, HTTP_RANGE="bytes=4-9").status_code == 206  # same download
    assert buyer_client.head(url).status_code == 200  # a probe, not a download
    assert body_of(buyer_client.get(stems_url(track, "download")))[:2] == b"PK"
    assert producer_client.get(url).status_code == 200

    rows = list(Download.objects.filter(track=track).order_by("id"))
    assert [(r.user_id, r.format, r.license_id) for r in rows] == [
        (buyer.pk, Download.STEM, purchase.license_id),
        (buyer.pk, Download.STEM, purchase.license_id),
        (buyer.pk, Download.STEMS_ZIP, purchase.license_id),
        (producer.pk, Download.STEM, None),
    ]
    assert all(len(r.ip_hash) == 64 for r in rows)
