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
