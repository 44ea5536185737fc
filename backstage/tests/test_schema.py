"""The documented backstage responses match what the endpoints return."""

import pytest

from backstage.schemas import BackstageRequestOut, SubmissionStatusOut
from backstage.tests.conftest import make_request
from content.tests.factories import ArtistFactory

pytestmark = pytest.mark.django_db


def test_documented_request_fields_match_the_response(user, user_client):
    item = make_request(user, type="claim-artist", artist=ArtistFactory())

    body = user_client.get(f"/api/v1/backstage-request/{item.pk}").json()["backstage_request"]

    assert set(body) == set(BackstageRequestOut().fields)
    assert set(body["artist"]) == set(BackstageRequestOut().fields["artist"].fields)


def test_documented_submission_status_fields_match_the_response(user_client):
    body = user_client.get("/api/v1/backstage-request/submission-status").json()

    assert set(body) == set(SubmissionStatusOut().fields)
