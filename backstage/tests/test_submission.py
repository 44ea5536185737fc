"""Submitting requests: validation, the global per-user guard, the status endpoint, reads."""

from __future__ import annotations

import pytest
from django.core import mail

from backstage.models import BackstageRequest, BackstageRequestEvent
from backstage.selectors import PENDING_MESSAGE, REVOKED_MESSAGE
from backstage.tests.conftest import VALID_DATA, make_request
from beatpass.accounts.models import Notification
from content.tests.factories import ArtistFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/backstage-request"
STATUS_URL = "/api/v1/backstage-request/submission-status"
Status = BackstageRequest.Status

PENDING_BODY = {
    "message": (
        "Your application is already under review. Please wait for the decision email before "
        "submitting another request."
    ),
    "error_code": "backstage_request_pending",
}
REVOKED_BODY = {
    "message": (
        "Your producer access was revoked. To appeal, contact support at /contact so admins can "
        "review your request for reinstatement."
    ),
    "error_code": "backstage_request_revoked",
}


def become(**overrides):
    body = {"type": "become-artist", "artist_name": "Night Owl", "data": dict(VALID_DATA)}
    body.update(overrides)
    return body


# --- the guard table ----------------------------------------------------------------------------


def test_spec_messages_match_the_constants_the_code_uses():
    assert PENDING_BODY["message"] == PENDING_MESSAGE
    assert REVOKED_BODY["message"] == REVOKED_MESSAGE


def test_first_request_is_created_pending_with_an_audit_event(user, user_client):
    response = user_client.post(URL, become(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "success"
    created = body["backstage_request"]
    assert created["type"] == "become-artist"
    assert created["status"] == "pending"
    assert created["artist_name"] == "Night Owl"
    assert created["artist_id"] is None
    assert created["data"] == VALID_DATA
    assert created["user"]["id"] == user.pk
    row = BackstageRequest.objects.get(pk=created["id"])
    assert row.user == user
    event = BackstageRequestEvent.objects.get(request=row)
    assert (event.from_status, event.to_status, event.actor) == ("", "pending", user)


def test_second_request_while_one_is_pending_is_rejected_with_409(user, user_client):
    make_request(user, status=Status.PENDING)

    response = user_client.post(URL, become(artist_name="Another"), format="json")

    assert response.status_code == 409
    assert response.json() == PENDING_BODY
    assert BackstageRequest.objects.filter(user=user).count() == 1


def test_request_after_a_revoked_one_is_rejected_with_409(user, user_client):
    make_request(user, status=Status.REVOKED)

    response = user_client.post(URL, become(), format="json")

    assert response.status_code == 409
    assert response.json() == REVOKED_BODY


def test_pending_takes_precedence_over_revoked(user, user_client):
    make_request(user, status=Status.REVOKED)
    make_request(user, status=Status.PENDING, artist_name="Later")

    response = user_client.post(URL, become(), format="json")

    assert response.status_code == 409
    assert response.json() == PENDING_BODY


@pytest.mark.parametrize("previous", [Status.DENIED, Status.APPROVED])
def test_denied_or_approved_requests_do_not_block(user, user_client, previous):
    make_request(user, status=previous)

    response = user_client.post(URL, become(), format="json")

    assert response.status_code == 201


@pytest.mark.parametrize("request_type", ["verify-artist", "claim-artist"])
def test_guard_applies_across_all_types(producer, producer_client, request_type):
    make_request(producer, status=Status.PENDING)
    target = ArtistFactory() if request_type == "claim-artist" else producer.managed_artists.get()

    response = producer_client.post(
        URL, become(type=request_type, artist_id=target.pk), format="json"
    )

    assert response.status_code == 409
    assert response.json() == PENDING_BODY


def test_guard_only_counts_the_users_own_requests(user, other_user, user_client):
    make_request(other_user, status=Status.PENDING)
    make_request(other_user, status=Status.REVOKED)

    assert user_client.post(URL, become(), format="json").status_code == 201


# --- submission status --------------------------------------------------------------------------


def test_submission_status_when_the_user_can_submit(user, user_client):
    make_request(user, status=Status.DENIED)

    response = user_client.get(STATUS_URL)

    assert response.status_code == 200
    assert response.json() == {
        "can_submit": True,
        "block_reason": None,
        "message": None,
        "contact_url": None,
        "blocking_request_id": None,
    }


def test_submission_status_when_revoked(user, user_client):
    revoked = make_request(user, status=Status.REVOKED)

    response = user_client.get(STATUS_URL)

    assert response.json() == {
        "can_submit": False,
        "block_reason": "revoked",
        "message": REVOKED_BODY["message"],
        "contact_url": "/contact",
        "blocking_request_id": revoked.pk,
    }


def test_submission_status_when_pending_and_revoked_reports_pending(user, user_client):
    make_request(user, status=Status.REVOKED)
    pending = make_request(user, status=Status.PENDING)

    response = user_client.get(STATUS_URL)

    assert response.json() == {
        "can_submit": False,
        "block_reason": "pending",
        "message": PENDING_BODY["message"],
        "contact_url": None,
        "blocking_request_id": pending.pk,
    }


def test_submission_status_requires_authentication(api_client):
    response = api_client.get(STATUS_URL)

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (become(type="be-famous"), "type", "The selected type is invalid."),
        ({"artist_name": "X", "data": {}}, "type", "The type field is required."),
        (become(artist_name=""), "artist_name", "The artist name field is required."),
        (become(artist_name="   "), "artist_name", "The artist name field is required."),
        (
            {"type": "become-artist", "data": {}},
            "artist_name",
            "The artist name field is required.",
        ),
        (become(artist_name="x" * 256), "artist_name", None),
        (become(data=["not", "an", "object"]), "data", "The data field must be an object."),
        (become(data="text"), "data", "The data field must be an object."),
        ({"type": "become-artist", "artist_name": "X"}, "data", "The data field is required."),
        (become(data={"blob": "x" * 40_000}), "data", None),
    ],
)
def test_invalid_submission_is_rejected_with_422(user_client, body, field, message):
    response = user_client.post(URL, body, format="json")

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
    assert not BackstageRequest.objects.exists()


@pytest.mark.parametrize("request_type", ["verify-artist", "claim-artist"])
def test_claim_and_verify_need_an_artist_id(user_client, request_type):
    response = user_client.post(URL, become(type=request_type), format="json")

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "artist_id": ["The artist id field is required for this type."]
    }


@pytest.mark.parametrize("artist_id", ["abc", -3, True, 1.5])
def test_malformed_artist_id_is_rejected(user_client, artist_id):
    response = user_client.post(
        URL, become(type="claim-artist", artist_id=artist_id), format="json"
    )

    assert response.status_code == 422
    assert "artist_id" in response.json()["errors"]


def test_unknown_artist_id_is_rejected(user_client):
    response = user_client.post(URL, become(type="claim-artist", artist_id=999999), format="json")

    assert response.status_code == 422
    assert response.json()["errors"] == {"artist_id": ["The selected artist id is invalid."]}


def test_claiming_an_artist_the_user_already_manages_is_rejected(producer_artist, producer_client):
    response = producer_client.post(
        URL, become(type="claim-artist", artist_id=producer_artist.pk), format="json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"artist_id": ["You already manage this artist profile."]}


def test_verifying_an_artist_the_user_does_not_manage_is_rejected(user_client):
    artist = ArtistFactory(managers=[UserFactory()])

    response = user_client.post(
        URL, become(type="verify-artist", artist_id=artist.pk), format="json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "artist_id": ["You can only ask to verify an artist profile you manage."]
    }


def test_claim_of_an_unmanaged_artist_is_accepted_with_string_id(user_client):
    artist = ArtistFactory()

    response = user_client.post(
        URL, become(type="claim-artist", artist_id=str(artist.pk)), format="json"
    )

    assert response.status_code == 201
    assert response.json()["backstage_request"]["artist"] == {
        "id": artist.pk,
        "name": artist.name,
        "verified": False,
    }


def test_current_user_resolves_to_the_artist_the_user_manages(producer_artist, producer_client):
    response = producer_client.post(
        URL, become(type="verify-artist", artist_id="CURRENT_USER"), format="json"
    )

    assert response.status_code == 201
    assert response.json()["backstage_request"]["artist_id"] == producer_artist.pk


def test_current_user_without_a_managed_artist_is_rejected(user_client):
    response = user_client.post(
        URL, become(type="verify-artist", artist_id="CURRENT_USER"), format="json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"artist_id": ["You do not manage an artist profile."]}


def test_current_user_with_several_managed_artists_is_ambiguous(producer, producer_client):
    ArtistFactory(managers=[producer])

    response = producer_client.post(
        URL, become(type="verify-artist", artist_id="CURRENT_USER"), format="json"
    )

    assert response.status_code == 422
    assert "several" in response.json()["errors"]["artist_id"][0]


def test_claim_with_current_user_is_rejected_as_already_managed(producer_client, producer_artist):
    response = producer_client.post(
        URL, become(type="claim-artist", artist_id="CURRENT_USER"), format="json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"artist_id": ["You already manage this artist profile."]}


def test_become_artist_ignores_an_artist_id(user_client):
    artist = ArtistFactory()

    response = user_client.post(URL, become(artist_id=artist.pk), format="json")

    assert response.status_code == 201
    assert response.json()["backstage_request"]["artist_id"] is None


def test_submitting_requires_authentication(api_client):
    response = api_client.post(URL, become(), format="json")

    assert response.status_code == 401
    assert not BackstageRequest.objects.exists()


# --- staff are told -----------------------------------------------------------------------------


def test_creating_a_request_emails_only_staff_holding_the_handle_permission(
    user_client, handler, staff_user, django_capture_on_commit_callbacks
):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    UserFactory(is_staff=False, is_superuser=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(URL, become(), format="json")

    assert response.status_code == 201
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([handler.email, superuser.email])
    assert "Night Owl" in mail.outbox[0].subject
    assert Notification.objects.filter(kind="backstage.submitted").count() == 2
    assert not Notification.objects.filter(user=staff_user).exists()


def test_handle_permission_through_a_group_counts(user_client, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import Group, Permission

    moderators = Group.objects.create(name="Moderators")
    moderators.permissions.add(Permission.objects.get(codename="handle_backstagerequest"))
    member = UserFactory(is_staff=True)
    member.groups.add(moderators)

    with django_capture_on_commit_callbacks(execute=True):
        user_client.post(URL, become(), format="json")

    assert [m.to for m in mail.outbox] == [[member.email]]


def test_rejected_submission_notifies_nobody(user, user_client, handler):
    make_request(user, status=Status.PENDING)

    user_client.post(URL, become(), format="json")

    assert not Notification.objects.filter(kind="backstage.submitted").exists()


# --- reading ------------------------------------------------------------------------------------


def test_owner_reads_their_request(user, user_client):
    item = make_request(user)

    response = user_client.get(f"{URL}/{item.pk}")

    assert response.status_code == 200
    assert response.json()["backstage_request"]["id"] == item.pk


def test_someone_elses_request_is_404(user, other_client):
    item = make_request(user)

    response = other_client.get(f"{URL}/{item.pk}")

    assert response.status_code == 404
    assert response.json() == {"message": "Not found."}


def test_staff_read_any_request(user, staff_client):
    item = make_request(user)

    assert staff_client.get(f"{URL}/{item.pk}").status_code == 200


def test_missing_or_malformed_id_is_404(user_client):
    assert user_client.get(f"{URL}/999999").status_code == 404
    assert user_client.get(f"{URL}/abc").status_code == 404


def test_reading_requires_authentication(user, api_client):
    item = make_request(user)

    assert api_client.get(f"{URL}/{item.pk}").status_code == 401
    assert api_client.get(URL).status_code == 401


def test_list_shows_only_own_requests_newest_first_paginated(user, other_user, user_client):
    older = make_request(user, status=Status.DENIED)
    newer = make_request(user, status=Status.PENDING)
    make_request(other_user)

    response = user_client.get(URL, {"per_page": 1})

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["data"]] == [newer.pk]
    assert body["total"] == 2
    assert body["last_page"] == 2
    assert [i["id"] for i in user_client.get(URL, {"page": 2, "per_page": 1}).json()["data"]] == [
        older.pk
    ]


def test_list_filters_by_status(user, user_client):
    make_request(user, status=Status.DENIED)
    pending = make_request(user, status=Status.PENDING)

    response = user_client.get(URL, {"status": "pending"})

    assert [item["id"] for item in response.json()["data"]] == [pending.pk]
    assert user_client.get(URL, {"status": "nope"}).status_code == 422


@pytest.mark.parametrize("rows", [1, 12])
def test_list_query_count_is_constant(user, user_client, django_assert_num_queries, rows):
    for index in range(rows):
        make_request(
            user,
            status=Status.DENIED,
            type=BackstageRequest.Type.CLAIM_ARTIST,
            artist=ArtistFactory(),
            artist_name=f"A{index}",
        )

    # auth user lookup, is the user a request handler (user perms, group perms), count, page
    # (with user and artist joined)
    with django_assert_num_queries(5):
        response = user_client.get(URL)

    assert len(response.json()["data"]) == rows
