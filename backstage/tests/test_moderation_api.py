"""Moderation through the API: handlers list every request (filters by status and type), and
every notification or email carries absolute links (``PUBLIC_BASE_URL``)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from backstage.models import BackstageRequest
from backstage.tests.conftest import VALID_DATA, make_request
from beatpass.accounts.models import Notification
from content.tests.factories import ArtistFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/backstage-request"
Status = BackstageRequest.Status
Type = BackstageRequest.Type


@pytest.fixture
def queue(user, other_user):
    """Requests of several users in several states and types, oldest first."""
    claimed = ArtistFactory()
    return {
        "denied_become": make_request(user, status=Status.DENIED),
        "pending_become": make_request(other_user, artist_name="Second"),
        "pending_claim": make_request(
            UserFactory(), type=Type.CLAIM_ARTIST, artist=claimed, artist_name=claimed.name
        ),
        "approved_verify": make_request(
            user, type=Type.VERIFY_ARTIST, status=Status.APPROVED, artist=ArtistFactory()
        ),
    }


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["data"]]


def test_handler_lists_every_users_requests_newest_first(handler_client, queue):
    response = handler_client.get(URL)

    assert ids(response) == [item.pk for item in reversed(queue.values())]
    assert response.json()["total"] == 4


def test_handler_filters_the_queue_by_status_and_type(handler_client, queue):
    pending = handler_client.get(URL, {"status": "pending"})
    claims = handler_client.get(URL, {"type": "claim-artist"})
    pending_become = handler_client.get(URL, {"status": "pending", "type": "become-artist"})

    assert ids(pending) == [queue["pending_claim"].pk, queue["pending_become"].pk]
    assert ids(claims) == [queue["pending_claim"].pk]
    assert ids(pending_become) == [queue["pending_become"].pk]


def test_listed_requests_name_the_applicant_for_the_handler(handler_client, queue):
    item = handler_client.get(URL, {"type": "claim-artist"}).json()["data"][0]

    applicant = queue["pending_claim"].user
    assert item["user"] == {"id": applicant.pk, "name": applicant.name, "email": applicant.email}
    assert item["data"] == VALID_DATA


@pytest.mark.parametrize("param", ["status", "type"])
def test_unknown_filter_values_are_422(handler_client, param):
    response = handler_client.get(URL, {param: "nope"})

    assert response.status_code == 422
    assert response.json()["errors"] == {param: [f"The selected {param} is invalid."]}


def test_staff_without_the_handle_permission_list_only_their_own(staff_client, staff_user, queue):
    own = make_request(staff_user)

    assert ids(staff_client.get(URL)) == [own.pk]


def test_a_plain_user_still_lists_only_their_own_and_may_filter_by_type(user_client, queue):
    assert ids(user_client.get(URL)) == [queue["approved_verify"].pk, queue["denied_become"].pk]
    assert ids(user_client.get(URL, {"type": "verify-artist"})) == [queue["approved_verify"].pk]


@pytest.mark.parametrize("rows", [1, 15])
def test_handler_listing_query_count_is_constant(handler_client, django_assert_num_queries, rows):
    for index in range(rows):
        make_request(UserFactory(), artist=ArtistFactory(), artist_name=f"A{index}")

    # auth user, the handle permission (user perms, group perms), count, page with joins
    with django_assert_num_queries(5):
        response = handler_client.get(URL)

    assert len(response.json()["data"]) == rows


# --- absolute links -------------------------------------------------------------------------------

LINK = re.compile(r"https?://\S+")


def test_handlers_are_told_with_an_absolute_review_link(
    user_client, handler, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = "https://beatpass.example"

    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(
            URL,
            {"type": "become-artist", "artist_name": "Night Owl", "data": VALID_DATA},
            format="json",
        )

    pk = response.json()["backstage_request"]["id"]
    review = f"https://beatpass.example/admin/backstage/backstagerequest/{pk}/change/"
    notification = Notification.objects.get(user=handler)
    assert notification.data["url"] == review
    assert review in notification.body
    assert review in mail.outbox[0].body
    assert " /admin/" not in mail.outbox[0].body


@pytest.mark.parametrize("action", ["approve", "deny"])
def test_decision_notifications_link_to_the_request_absolutely(
    user, handler_client, settings, action, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = "https://beatpass.example"
    item = make_request(user)

    with django_capture_on_commit_callbacks(execute=True):
        handler_client.post(f"{URL}/{item.pk}/{action}", {}, format="json")

    notification = Notification.objects.get(user=user)
    assert (
        notification.data["url"] == f"https://beatpass.example/api/v1/backstage-request/{item.pk}"
    )
    # every link in the email is absolute
    assert all(
        link.startswith("https://beatpass.example/") for link in LINK.findall(mail.outbox[-1].body)
    )
