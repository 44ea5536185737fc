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
