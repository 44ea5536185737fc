"""License certificates: contents, immutability, signatures with rotating keys, tamper
detection, the endpoints around them, revocation."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings

from beatpass.accounts.models import Notification
from content.licensing import signing
from content.licensing.models import License
from content.licensing.services import license_check, mask_email
from content.licensing.tests.conftest import FINGERPRINT_HASH, download, licensable_track
from content.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

K1 = "k1:first-secret-key-0123456789"
K2 = "k2:second-secret-key-987654321"


def generate(client, track):
    return client.post(f"/api/v1/tracks/{track.pk}/generate-license", {}, format="json")


def verify(client, license):
    return client.get(f"/api/v1/verify-license/{license.uuid}")


def grant_revoke_permission(user):
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="revoke_license"))
    return UserFactory._meta.model.objects.get(pk=user.pk)  # fresh permission cache


def test_certificate_holds_every_field_of_the_help_page(subscriber_client, subscriber, track):
    response = generate(subscriber_client, track)

    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True
    certificate = body["license"]["certificate"]
    assert certificate["track"] == {
        "id": track.pk,
        "name": "Night Drive",
        "artists": [{"id": track.artists.get().pk, "name": "Producer Artist", "role": "main"}],
        "duration_ms": 3000,
        "genre": "Trap",
        "genres": ["Trap"],
        "release_date": None,
        "bpm": 140,
        "key": "A",
        "scale": "minor",
    }
    assert certificate["fingerprint"]["hash"] == FINGERPRINT_HASH
    assert certificate["fingerprint"]["status"] == "completed"
    assert certificate["fingerprint"]["analysed_duration_ms"] == 3000
    assert certificate["licensee"] == {
        "user_id": subscriber.pk,
        "display_name": "Jane Doe",
        "email_masked": "j****e@example.com",
    }
    assert certificate["attribution"] == "Produced by Producer Artist"
    assert certificate["terms"]["content_id"] == "Not allowed"
    assert certificate["certificate_id"] == body["license"]["uuid"]
    security = body["license"]["security"]
    assert len(security["signature"]) == 64
    assert len(security["certificate_hash"]) == 64
    assert body["license"]["valid"] is True
    assert response["X-License-Id"] == body["license"]["uuid"]


def test_generate_twice_returns_the_same_license(subscriber_client, track):
    first = generate(subscriber_client, track).json()["license"]["uuid"]
    again = generate(subscriber_client, track)
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["license"]["uuid"] == first
    assert License.objects.count() == 1


def test_generate_follows_the_download_rules(producer_client, user_client, track):
    owner = generate(producer_client, track)
    assert owner.status_code == 422
    assert owner.json()["error_code"] == "license_not_needed"
    assert generate(user_client, track).status_code == 403


def test_generate_rejects_exclusive_requests(subscriber_client, track):
    response = subscriber_client.post(
        f"/api/v1/tracks/{track.pk}/generate-license", {"license_type": "exclusive"}, format="json"
    )
    assert response.status_code == 422


def test_snapshot_is_immutable_when_track_and_user_change(subscriber_client, subscriber, track):
    uuid = generate(subscriber_client, track).json()["license"]["uuid"]
    license = License.objects.get()
    frozen = dict(license.snapshot)

    track.name = "Renamed"
    track.save()
    subscriber.name = "Someone Else"
    subscriber.email = "other@example.com"
    subscriber.save()
    track.fingerprint.hash = "cd" * 32
    track.fingerprint.save()

    license.refresh_from_db()
    assert license.snapshot == frozen
    certificate = subscriber_client.get(f"/api/v1/tracks/{track.pk}/license-certificate").json()
    assert certificate["certificate"]["certificate"]["track"]["name"] == "Night Drive"
    assert certificate["certificate"]["certificate"]["licensee"]["display_name"] == "Jane Doe"
    assert certificate["certificate"]["valid"] is True
    assert verify(subscriber_client, license).json()["valid"] is True
    assert certificate["certificate"]["uuid"] == uuid


def test_a_nameless_licensee_is_never_shown_by_their_email(subscriber_client, subscriber, track):
    subscriber.name = ""
    subscriber.save()

    generate(subscriber_client, track)

    licensee = License.objects.get().snapshot["licensee"]
    assert licensee["display_name"] == f"user-{subscriber.pk}"
    assert "janedoe" not in str(licensee["display_name"])
    assert licensee["email_masked"] != subscriber.email


def test_certificate_survives_the_deletion_of_its_track(subscriber_client, track):
    generate(subscriber_client, track)
    track_id = track.pk
    track.delete()

    response = subscriber_client.get(f"/api/v1/tracks/{track_id}/license-certificate")

    assert response.status_code == 200
    assert response.json()["certificate"]["track_id"] is None
    assert response.json()["certificate"]["certificate"]["track"]["id"] == track_id
    assert response.json()["certificate"]["valid"] is True


def test_public_verification_counts_and_hides_private_fields(api_client, subscriber_client, track):
    generate(subscriber_client, track)
    license = License.objects.get()

    first = verify(api_client, license)
    second = verify(api_client, license)

    assert first.status_code == 200
    body = second.json()
    assert body["valid"] is True
    assert body["status"] == "active"
    assert body["checks"] == {"database": True, "signature": True, "hash": True}
    public = body["license"]
    assert public["licensee_email"] == "j****e@example.com"
    assert public["track_name"] == "Night Drive"
    assert public["fingerprint_hash"] == FINGERPRINT_HASH
    assert public["verification_count"] == 2
    text = second.content.decode()
    assert "janedoe@example.com" not in text
    assert "user_id" not in text
    assert "ip_hash" not in text
    assert "user_agent" not in text
    license.refresh_from_db()
    assert license.verification_count == 2


@pytest.mark.parametrize("raw", ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "1"])
def test_unknown_or_malformed_uuid_is_404(api_client, raw):
    response = api_client.get(f"/api/v1/verify-license/{raw}")
    assert response.status_code == 404
    assert response.json() == {"message": "License not found."}


def test_a_snapshot_edited_in_the_database_verifies_as_invalid(
    api_client, subscriber_client, track
):
    generate(subscriber_client, track)
    license = License.objects.get()
    tampered = dict(license.snapshot)
    tampered["licensee"] = {**tampered["licensee"], "display_name": "Mallory"}
    License.objects.filter(pk=license.pk).update(snapshot=tampered)

    body = verify(api_client, license).json()

    assert body["valid"] is False
    assert body["status"] == "active"
    assert body["checks"] == {"database": True, "signature": False, "hash": False}


def test_a_valid_snapshot_copied_onto_another_row_is_invalid(
    api_client, subscriber_client, producer_artist, track
):
    other = licensable_track(producer_artist, name="Other")
    generate(subscriber_client, track)
    generate(subscriber_client, other)
    first, second = License.objects.order_by("pk")
    License.objects.filter(pk=second.pk).update(
        snapshot=first.snapshot, signature=first.signature, certificate_hash=first.certificate_hash
    )
    assert verify(api_client, second).json()["valid"] is False
    assert verify(api_client, first).json()["valid"] is True


def test_signatures_survive_a_key_rotation_and_resigning(subscriber_client, producer_artist):
    old_track = licensable_track(producer_artist, name="Old")
    new_track = licensable_track(producer_artist, name="New")
    with override_settings(LICENSE_SIGNING_KEYS=K1, LICENSE_SIGNING_KEY_ID=""):
        generate(subscriber_client, old_track)
    old = License.objects.get()
    assert old.signing_key_id == "k1"

    # The new key signs; the old one still verifies.
    with override_settings(LICENSE_SIGNING_KEYS=f"{K2},{K1}", LICENSE_SIGNING_KEY_ID="k2"):
        generate(subscriber_client, new_track)
        new = License.objects.exclude(pk=old.pk).get()
        assert new.signing_key_id == "k2"
        assert license_check(license=old).valid
        assert license_check(license=new).valid
        # Re-sign the old certificates so k1 can be retired.
        call_command("resign_licenses", stdout=open("/dev/null", "w"))  # noqa: SIM115

    old.refresh_from_db()
    assert old.signing_key_id == "k2"
    with override_settings(LICENSE_SIGNING_KEYS=K2, LICENSE_SIGNING_KEY_ID="k2"):
        assert license_check(license=old).valid
        assert license_check(license=new).valid
    # A certificate whose key was dropped without re-signing no longer verifies.
    with override_settings(LICENSE_SIGNING_KEYS=K1, LICENSE_SIGNING_KEY_ID="k1"):
        assert not license_check(license=new).valid


def test_resigning_never_launders_a_tampered_certificate(subscriber_client, track):
    with override_settings(LICENSE_SIGNING_KEYS=K1):
        generate(subscriber_client, track)
    license = License.objects.get()
    License.objects.filter(pk=license.pk).update(snapshot={**license.snapshot, "attribution": "x"})
    with override_settings(LICENSE_SIGNING_KEYS=f"{K2},{K1}", LICENSE_SIGNING_KEY_ID="k2"):
        call_command("resign_licenses", stdout=open("/dev/null", "w"))  # noqa: SIM115
        license.refresh_from_db()
        assert license.signing_key_id == "k1"
        assert not license_check(license=license).valid


def test_keyring_parsing_rejects_bad_configurations():
    with pytest.raises(signing.KeyringError):
        signing.Keyring.parse("")
    with pytest.raises(signing.KeyringError):
        signing.Keyring.parse("k1:short")
    with pytest.raises(signing.KeyringError):
        signing.Keyring.parse(K1, "k9")
    with pytest.raises(signing.KeyringError):
        signing.Keyring.parse(f"{K1},{K1}")
    ring = signing.Keyring.parse(f" {K2} , {K1} ")
    assert ring.current == "k2"
    assert set(ring.keys) == {"k1", "k2"}


def test_canonical_json_refuses_floats():
    with pytest.raises(TypeError):
        signing.canonical_json({"duration": 1.5})
    assert signing.canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


@override_settings(LICENSE_SIGNING_KEYS="")
def test_production_without_keys_refuses_to_issue(subscriber_client, track, settings):
    settings.SETTINGS_MODULE = "beatpass.settings.production"
    response = generate(subscriber_client, track)
    assert response.status_code == 503
    assert response.json()["error_code"] == "license_signing_unavailable"
    assert not License.objects.exists()


@pytest.mark.parametrize(
    ("email", "masked"),
    [("john@email.com", "j****n@email.com"), ("ab@x.io", "a****@x.io"), ("bad", "****")],
)
def test_email_masking(email, masked):
    assert mask_email(email) == masked


# --- check, list, certificate -------------------------------------------------------------------


def test_check_license_and_batch(subscriber_client, producer_artist, django_assert_num_queries):
    tracks = [licensable_track(producer_artist, name=f"T{n}") for n in range(3)]
    generate(subscriber_client, tracks[0])
    generate(subscriber_client, tracks[2])

    check = subscriber_client.get(f"/api/v1/tracks/{tracks[0].pk}/check-license").json()
    assert check["has_license"] is True
    assert check["license"]["track_id"] == tracks[0].pk
    none = subscriber_client.get(f"/api/v1/tracks/{tracks[1].pk}/check-license").json()
    assert none == {"status": "success", "has_license": False, "license": None}

    ids = [t.pk for t in tracks] + [999999]
    with django_assert_num_queries(2):  # the user (auth) + one query for every track
        batch = subscriber_client.post(
            "/api/v1/tracks/check-licenses-batch", {"track_ids": ids}, format="json"
        )
    licenses = batch.json()["licenses"]
    assert licenses[str(tracks[1].pk)] is None
    assert licenses["999999"] is None
    assert licenses[str(tracks[2].pk)]["license_type"] == "non_exclusive"


@pytest.mark.parametrize("body", [{"track_ids": []}, {"track_ids": list(range(1, 102))}, {}])
def test_batch_validates_its_input(subscriber_client, body):
    response = subscriber_client.post("/api/v1/tracks/check-licenses-batch", body, format="json")
    assert response.status_code == 422


def test_user_licenses_are_paginated_with_constant_queries(
    subscriber_client, producer_artist, django_assert_num_queries
):
    def listed():
        return subscriber_client.get("/api/v1/user/licenses?per_page=50")

    generate(subscriber_client, licensable_track(producer_artist, name="One"))
    with django_assert_num_queries(3):  # user, count, page
        one = listed()
    for n in range(4):
        generate(subscriber_client, licensable_track(producer_artist, name=f"More {n}"))
    with django_assert_num_queries(3):
        many = listed()
    assert one.json()["total"] == 1
    assert many.json()["total"] == 5
    assert many.json()["data"][0]["track"]["name"] == "More 3"


def test_certificates_are_private_to_their_holder(subscriber_client, other_client, track):
    uuid = generate(subscriber_client, track).json()["license"]["uuid"]
    url = f"/api/v1/tracks/{track.pk}/license-certificate"
    assert other_client.get(url).status_code == 404
    assert other_client.get(f"{url}?license={uuid}").status_code == 404
    assert subscriber_client.get(f"{url}?license={uuid}").status_code == 200
    assert subscriber_client.get(f"{url}?license=nope").status_code == 422


# --- revocation ---------------------------------------------------------------------------------


def test_revocation_needs_the_permission_and_notes(
    subscriber_client, subscriber, staff_user, track, api_client
):
    from conftest import bearer_client

    generate(subscriber_client, track)
    license = License.objects.get()
    url = f"/api/v1/licenses/{license.uuid}/revoke"

    assert api_client.post(url, {"notes": "x"}, format="json").status_code == 401
    assert bearer_client(staff_user).post(url, {"notes": "x"}, format="json").status_code == 403
    handler = bearer_client(grant_revoke_permission(staff_user))
    assert handler.post(url, {}, format="json").status_code == 422
    missing = handler.post(
        "/api/v1/licenses/00000000-0000-0000-0000-000000000000/revoke", {"notes": "x"}
    )
    assert missing.status_code == 404

    response = handler.post(url, {"notes": "Refund requested"}, format="json")

    assert response.status_code == 200
    assert response.json()["license"]["status"] == "revoked"
    body = verify(api_client, license).json()
    assert (body["valid"], body["status"]) == (False, "revoked")
    assert body["license"]["revoked_reason"] == "Refund requested"
    assert Notification.objects.filter(user=subscriber, kind="license.revoked").exists()
    again = handler.post(url, {"notes": "again"}, format="json")
    assert again.status_code == 409
    assert again.json()["error_code"] == "license_already_revoked"


def test_download_after_revocation_then_check_license_is_false(
    subscriber_client, staff_user, track
):
    from content.licensing.services import license_revoke

    download(subscriber_client, track)
    license_revoke(license=License.objects.get(), actor=staff_user, reason="Fraud")
    check = subscriber_client.get(f"/api/v1/tracks/{track.pk}/check-license").json()
    assert check["has_license"] is False
    assert subscriber_client.get("/api/v1/user/licenses").json()["data"][0]["status"] == "revoked"


def test_verification_has_its_own_throttle(api_client, subscriber_client, track, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "license_verify": "2/min"}
    generate(subscriber_client, track)
    license = License.objects.get()
    assert verify(api_client, license).status_code == 200
    assert verify(api_client, license).status_code == 200
    throttled = verify(api_client, license)
    assert throttled.status_code == 429
    assert "Retry-After" in throttled
    assert throttled["X-RateLimit-Limit"] == "2"
