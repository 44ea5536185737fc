"""Ids written with digits that are not ASCII. ``str.isdigit()`` is true for "²" (superscript
two), "３" (fullwidth) or "٣" (Arabic-Indic), but ``int("²")`` raises: every check of the form
``raw.isdigit()`` then ``int(raw)`` answered 500, and "３" silently read as 3 (two URLs for
one object). Each route below now answers a clean 4xx (found by the outside-in audit)."""

from __future__ import annotations

import json
import time

import pytest

from content.commerce.models import WebhookEvent
from content.commerce.services.webhooks import sign_payload
from content.tests.factories import ArtistFactory, GenreFactory, TrackFactory

pytestmark = pytest.mark.django_db

DIGITS = ["²", "３", "٣"]


@pytest.fixture
def catalog(producer_artist):
    GenreFactory(name="trap")
    return TrackFactory(artists=[producer_artist]), ArtistFactory()


@pytest.mark.parametrize("digit", DIGITS)
@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", "/api/v1/tracks/{d}", None, 404),
        ("get", "/api/v1/artists/{d}", None, 404),
        ("get", "/api/v1/tracks/{d}/download", None, 404),
        ("get", "/api/v1/tracks/{d}/producer-analytics", None, 404),
        ("get", "/api/v1/exclusive-license-presets/{d}", None, 404),
        ("delete", "/api/v1/tracks/{track},{d}", None, 422),
        ("get", "/api/v1/radio/track/{track}?seed={d}", None, 422),
        ("get", "/api/v1/radio/track/{d}", None, 404),
        ("get", "/api/v1/radio/genre/{d}", None, 404),
        ("get", "/api/v1/radio/tag/{d}", None, 404),
        ("get", "/api/v1/playlists?owner={d}", None, 422),
        ("get", "/api/v1/producer-intelligence/achievements/{d}/details", None, 404),
        ("get", "/api/v1/producer-intelligence/insights/tracks/{d}", None, 404),
        ("post", "/api/v1/backstage-request", {"type": "artist", "artist_name": "x"}, 422),
        ("post", "/api/v1/cover-art/preview", {"template_id": "x"}, None),
    ],
)
def test_a_non_ascii_digit_id_is_a_clean_4xx(
    producer_client, catalog, digit, method, path, body, status
):
    track, _ = catalog
    url = path.format(d=digit, track=track.pk)
    if body is not None:
        body = {**body, ("artist_id" if "backstage" in path else "palette"): digit}

    response = getattr(producer_client, method)(url, body, format="json")

    assert 400 <= response.status_code < 500, (response.status_code, url)
    if status is not None:
        assert response.status_code == status, response.content[:300]


def test_a_webhook_naming_a_non_ascii_digit_purchase_is_answered(api_client):
    body = json.dumps(
        {
            "id": "evt_digits",
            "type": "payment_intent.succeeded",
            "data": {"object": {"id": "pi_unknown", "metadata": {"purchase_id": "²"}}},
        }
    )
    response = api_client.post(
        "/api/v1/webhooks/stripe",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_payload(body, timestamp=int(time.time())),
    )

    assert response.status_code == 200
    assert WebhookEvent.objects.get().event_id == "evt_digits"
