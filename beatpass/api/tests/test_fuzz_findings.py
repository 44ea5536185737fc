"""Regressions for what the schemathesis fuzz run found (beatpass/api/tests/test_fuzz.py)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_login_with_spaces_in_the_email_is_a_clean_4xx(api_client):
    # The per-account failure counter used the email as typed in its cache key; a key with a
    # space makes Django's cache backends warn (memcached refuses it).
    response = api_client.post(
        "/api/v1/auth/login", {"email": "track title", "password": "x"}, format="json"
    )
    assert 400 <= response.status_code < 500
    assert "message" in response.json()


def test_cover_art_templates_with_a_genre_that_normalises_to_nothing_is_an_empty_page(
    producer_client,
):
    # normalize_genres(["😀"]) is []: indexing it was a 500.
    response = producer_client.get("/api/v1/cover-art/templates", {"genre": "😀"})
    assert response.status_code == 200
    assert response.json()["data"] == []


def test_marking_a_notification_read_is_documented_with_its_envelope(user_client, user):
    from drf_spectacular.generators import SchemaGenerator

    from beatpass.accounts.models import Notification

    notification = Notification.objects.create(user=user, kind="demo", title="Hello")
    body = user_client.post(f"/api/v1/notifications/{notification.pk}/read").json()

    schema = SchemaGenerator().get_schema(request=None, public=True)
    ok = schema["paths"]["/api/v1/notifications/{id}/read"]["post"]["responses"]["200"]
    ref = ok["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert (
        set(schema["components"]["schemas"][ref]["properties"])
        == set(body)
        == {
            "status",
            "notification",
        }
    )


def test_wave_batch_documents_null_for_a_waveform_not_computed_yet(api_client):
    # The answer held null for such a track while the schema allowed only {peaks} objects.
    from drf_spectacular.generators import SchemaGenerator

    from content.tests.factories import TrackFactory

    track = TrackFactory()
    body = api_client.post(
        "/api/v1/tracks/wave-batch", {"track_ids": [track.pk]}, format="json"
    ).json()
    assert body == {"waves": {str(track.pk): None}}

    schema = SchemaGenerator().get_schema(request=None, public=True)
    waves = schema["components"]["schemas"]["WaveBatch"]["properties"]["waves"]
    assert waves["additionalProperties"]["nullable"] is True
    assert waves["additionalProperties"]["allOf"] == [
        {"$ref": "#/components/schemas/WaveformPeaks"}
    ]


def test_a_huge_number_in_stored_json_is_answered_as_sent(producer_client):
    # PostgreSQL's jsonb stores 1.7976931348623157e+308 as a numeric and hands back a 309-digit
    # integer, which orjson refuses to write ("Integer exceeds 64-bit range"): a 500.
    data = {"max": 1.7976931348623157e308, "min": -1.7976931348623157e308, "big": 4.39e16}
    response = producer_client.post(
        "/api/v1/backstage-request",
        {"type": "become-artist", "artist_name": "Wide Numbers", "data": data},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["backstage_request"]["data"] == data
    listed = producer_client.get("/api/v1/backstage-request").json()
    assert listed["data"][0]["data"] == data


def test_the_renderer_writes_integers_past_64_bits():
    from beatpass.api.renderers import ORJSONRenderer

    body = ORJSONRenderer().render({"a": [10**309, 2**64, -(2**63), {"b": 10**20}], "t": True})
    assert body == (
        b'{"a":["1' + b"0" * 309 + b'",1.8446744073709552e+19,-9223372036854775808,'
        b'{"b":1e+20}],"t":true}'
    )
