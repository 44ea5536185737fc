"""The OpenAPI document is complete, valid and in step with what the endpoints return."""

import pytest
from django.core.management import call_command

from content.catalog.schemas import TrackOut
from content.tests.factories import GenreFactory, TrackFactory

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings_and_validates(tmp_path):
    out = tmp_path / "schema.yml"
    # --fail-on-warn turns every drf-spectacular warning (an undocumented view, an untyped
    # path parameter, clashing component names) into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/tracks/{id}" in text
    assert "PaginatedTracks" in text


def test_documented_track_fields_match_the_rich_response(user_client, producer_artist):
    TrackFactory(artists=[producer_artist], genres=[GenreFactory()])
    item = user_client.get("/api/v1/tracks").json()["data"][0]
    documented = set(TrackOut().fields) - {"album"}  # album only with ?with=album
    assert set(item) == documented
