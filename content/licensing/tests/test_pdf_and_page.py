"""The PDF certificate (text read back with pypdf, QR code scanned from a rendering) and the
public HTML verification page."""

from __future__ import annotations

import io

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from content.licensing.models import License
from content.licensing.services import license_revoke
from content.licensing.tests.conftest import FINGERPRINT_HASH

pytestmark = pytest.mark.django_db


@pytest.fixture
def license(subscriber_client, track):
    subscriber_client.post(f"/api/v1/tracks/{track.pk}/generate-license", {}, format="json")
    return License.objects.get()


def pdf_of(client, track):
    response = client.get(f"/api/v1/tracks/{track.pk}/download-license-pdf")
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_pdf_is_one_page_with_every_identifying_field(subscriber_client, track, license):
    data = pdf_of(subscriber_client, track)

    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert str(license.uuid) in text
    assert FINGERPRINT_HASH in text
    assert "Jane Doe" in text
    assert "Night Drive" in text
    assert "Produced by Producer Artist" in text
    assert "Non-Exclusive License" in text
    assert "Content ID" in text
    assert "Not allowed" in text
    assert license.signature in text
    assert license.certificate_hash in text
    assert f"/verify-license/{license.uuid}" in text


def test_pdf_qr_code_scans_to_the_verification_page(subscriber_client, track, license, settings):
    settings.PUBLIC_BASE_URL = "https://open.beatpass.example"
    data = pdf_of(subscriber_client, track)

    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=2).to_pil()
    finally:
        document.close()
    codes = zxingcpp.read_barcodes(image)

    assert [c.text for c in codes] == [
        f"https://open.beatpass.example/verify-license/{license.uuid}"
    ]


def test_revoked_pdf_says_so(subscriber_client, staff_user, track, license):
    license_revoke(license=license, actor=staff_user, reason="Chargeback")
    text = PdfReader(io.BytesIO(pdf_of(subscriber_client, track))).pages[0].extract_text()
    assert "REVOKED" in text
    assert "Chargeback" in text


def test_pdf_of_someone_elses_license_is_404(other_client, track, license):
    response = other_client.get(f"/api/v1/tracks/{track.pk}/download-license-pdf")
    assert response.status_code == 404


def test_pdf_rendering_failure_is_the_specs_503(subscriber_client, track, license, monkeypatch):
    from content.licensing import api

    def broken(_):
        raise RuntimeError("font cache corrupt")

    monkeypatch.setattr(api, "render_certificate_pdf", broken)
    response = subscriber_client.get(f"/api/v1/tracks/{track.pk}/download-license-pdf")
    assert response.status_code == 503
    assert response.json()["message"] == (
        "Server-side PDF generation is temporarily unavailable. Please try again later."
    )


# --- the HTML page ------------------------------------------------------------------------------


def page(client, uuid):
    return client.get(f"/verify-license/{uuid}")


def test_page_shows_a_valid_certificate(client, license):
    response = page(client, license.uuid)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "CERTIFICATE VALID" in html
    assert "Night Drive" in html
    assert "j****e@example.com" in html
    assert "janedoe@example.com" not in html
    assert "<script" not in html
    assert 'name="viewport"' in html
    license.refresh_from_db()
    assert license.verification_count == 1


def test_page_shows_revoked_tampered_and_missing(client, staff_user, license, track):
    license_revoke(license=license, actor=staff_user, reason="Terms violation")
    revoked = page(client, license.uuid).content.decode()
    assert "CERTIFICATE INVALID" in revoked
    assert "REVOKED" in revoked
    assert "Terms violation" in revoked

    License.objects.filter(pk=license.pk).update(
        snapshot={**license.snapshot, "attribution": "Produced by Mallory"}
    )
    tampered = page(client, license.uuid).content.decode()
    assert "has been altered" in tampered

    missing = page(client, "00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert "LICENSE NOT FOUND" in missing.content.decode()
    assert page(client, "<script>alert(1)</script>").status_code == 404


def test_page_escapes_what_it_shows(client, subscriber_client, producer_artist):
    from content.licensing.tests.conftest import licensable_track

    track = licensable_track(producer_artist, name="<img src=x onerror=alert(1)>")
    subscriber_client.post(f"/api/v1/tracks/{track.pk}/generate-license", {}, format="json")
    html = page(client, License.objects.get().uuid).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
