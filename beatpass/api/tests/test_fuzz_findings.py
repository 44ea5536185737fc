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
