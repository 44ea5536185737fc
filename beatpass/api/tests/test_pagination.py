"""Pagination parameters: clamping, and errors that tell the client the real bounds."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("raw", ["lots", "1.5", "1e3", "0x10", "--1"])
def test_non_integer_per_page_is_422_naming_the_bounds(api_client, raw):
    response = api_client.get(f"/api/v1/tracks?per_page={raw}")
    assert response.status_code == 422
    (message,) = response.json()["errors"]["per_page"]
    assert "integer" in message
    assert "1" in message
    assert "100" in message


@pytest.mark.parametrize("raw", ["x", "2.0"])
def test_non_integer_page_is_422_naming_the_bounds(api_client, raw):
    response = api_client.get(f"/api/v1/tracks?page={raw}")
    assert response.status_code == 422
    (message,) = response.json()["errors"]["page"]
    assert "at least 1" in message


@pytest.mark.django_db
@pytest.mark.parametrize(("raw", "expected"), [("101", 100), ("100000", 100), ("0", 1)])
def test_out_of_range_per_page_is_clamped(api_client, raw, expected):
    assert api_client.get(f"/api/v1/tracks?per_page={raw}").json()["per_page"] == expected
