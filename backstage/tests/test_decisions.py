"""Staff decisions: permissions, the status machine, side effects on the catalog, notifications."""

from __future__ import annotations

import pytest
from django.core import mail

from backstage.models import BackstageRequest, BackstageRequestEvent
from backstage.selectors import REVOKED_MESSAGE
from backstage.tests.conftest import grant_handle_permission, make_request
from beatpass.accounts.models import Notification
from conftest import bearer_client
from content.catalog.models import Artist, Track
from content.tests.factories import ArtistFactory, FileEntryFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/backstage-request"
Status = BackstageRequest.Status
Type = BackstageRequest.Type
ACTIONS = ("approve", "deny", "revoke")


def decide(client, item, action, notes=None):
    body = {} if notes is None else {"notes": notes}
    return client.post(f"{URL}/{item.pk}/{action}", body, format="json")


def invalid_transition(message, status):
    return {
        "message": message,
        "error_code": "backstage_request_invalid_transition",
        "status": status,
    }


def upload_track(client, user, artist):
    entry = FileEntryFactory(owner=user)
    return client.post(
        "/api/v1/tracks",
        {
            "name": "First beat",
            "file_id": entry.pk,
            "artists": [artist.pk],
            "bpm": 90,
            "key": "C",
            "scale": "minor",
            "genres": ["trap"],
        },
        format="json",
    )


# --- permissions --------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_cannot_decide(user, api_client, action):
    item = make_request(user)

    response = decide(api_client, item, action)

    assert response.status_code == 401
    assert BackstageRequest.objects.get(pk=item.pk).status == Status.PENDING


@pytest.mark.parametrize("action", ACTIONS)
def test_plain_user_cannot_decide_even_their_own_request(user, user_client, action):
    item = make_request(user)

    response = decide(user_client, item, action)

    assert response.status_code == 403
    assert response.json() == {"message": "This action is unauthorized."}
    assert BackstageRequest.objects.get(pk=item.pk).status == Status.PENDING


@pytest.mark.parametrize("action", ACTIONS)
def test_staff_without_the_handle_permission_cannot_decide(user, staff_client, action):
    item = make_request(user)

    response = decide(staff_client, item, action)

    assert response.status_code == 403
    assert BackstageRequest.objects.get(pk=item.pk).status == Status.PENDING
    assert BackstageRequestEvent.objects.filter(request=item).count() == 1


def test_non_staff_holding_the_permission_may_decide(user):
    # The permission is what counts (the spec's backstageRequests.handle), not the staff flag.
    moderator = grant_handle_permission(UserFactory())
    item = make_request(user)

    response = decide(bearer_client(moderator), item, "deny")

    assert response.status_code == 200


@pytest.mark.parametrize("action", ACTIONS)
def test_deciding_a_missing_request_is_404(handler_client, action):
    assert decide(handler_client, BackstageRequest(pk=987654), action).status_code == 404


def test_notes_longer_than_5000_characters_are_rejected(user, handler_client):
    item = make_request(user)

    response = decide(handler_client, item, "deny", notes="x" * 5001)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["notes"]
    assert BackstageRequest.objects.get(pk=item.pk).status == Status.PENDING


# --- transitions --------------------------------------------------------------------------------


def test_approve_pending_request(user, handler, handler_client):
    item = make_request(user)

    response = decide(handler_client, item, "approve", notes="Welcome aboard")

    assert response.status_code == 200
    body = response.json()["backstage_request"]
    assert body["status"] == "approved"
    assert body["notes"] == "Welcome aboard"
    assert body["handled_at"] is not None
    item.refresh_from_db()
    assert item.handled_by == handler
    event = item.events.last()
    assert (event.from_status, event.to_status, event.actor, event.notes) == (
        "pending",
        "approved",
        handler,
        "Welcome aboard",
    )


def test_approve_without_notes(user, handler_client):
    item = make_request(user)

    response = decide(handler_client, item, "approve")

    assert response.status_code == 200
    assert response.json()["backstage_request"]["notes"] is None


def test_deny_pending_request_notifies_the_user_with_the_notes(
    user, handler, handler_client, django_capture_on_commit_callbacks
):
    item = make_request(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(handler_client, item, "deny", notes="The beats link is private.")

    assert response.status_code == 200
    assert response.json()["backstage_request"]["status"] == "denied"
    item.refresh_from_db()
    assert item.status == Status.DENIED
    assert item.handled_by == handler
    notification = Notification.objects.get(user=user)
    assert notification.kind == "backstage.denied"
    assert "The beats link is private." in notification.body
    assert notification.data["notes"] == "The beats link is private."
    assert notification.data["backstage_request_id"] == item.pk
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "The beats link is private." in mail.outbox[0].body
    assert not Artist.objects.exists()  # a denial grants nothing
    assert list(item.events.values_list("from_status", "to_status")) == [
        ("", "pending"),
        ("pending", "denied"),
    ]


def test_revoke_approved_request_notifies_with_the_spec_text_and_notes(
    user, handler_client, django_capture_on_commit_callbacks, settings
):
    settings.PUBLIC_BASE_URL = "https://beatpass.example"
    spec_text_with_link = REVOKED_MESSAGE.replace(
        "at /contact so", "at https://beatpass.example/contact so"
    )
    item = make_request(user)
    decide(handler_client, item, "approve")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(handler_client, item, "revoke", notes="Uploaded stolen beats.")

    assert response.status_code == 200
    assert response.json()["backstage_request"]["status"] == "revoked"
    notification = Notification.objects.get(user=user, kind="backstage.revoked")
    assert notification.body.startswith(spec_text_with_link)
    assert "Uploaded stolen beats." in notification.body
    assert notification.data["contact_url"] == "https://beatpass.example/contact"
    assert notification.data["notes"] == "Uploaded stolen beats."
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert spec_text_with_link in mail.outbox[0].body
    assert list(item.events.values_list("from_status", "to_status", "notes")) == [
        ("", "pending", ""),
        ("pending", "approved", ""),
        ("approved", "revoked", "Uploaded stolen beats."),
    ]


def test_revoked_request_blocks_new_submissions_until_reapproved(user, user_client, handler_client):
    item = make_request(user)
    decide(handler_client, item, "approve")
    decide(handler_client, item, "revoke")
    assert user_client.get(f"{URL}/submission-status").json()["block_reason"] == "revoked"

    decide(handler_client, item, "approve")

    assert user_client.get(f"{URL}/submission-status").json()["can_submit"] is True


def test_approving_a_revoked_request_reapproves_it(user, handler_client):
    item = make_request(user)
    decide(handler_client, item, "approve")
    decide(handler_client, item, "revoke", notes="oops")

    response = decide(handler_client, item, "approve", notes="Appeal accepted")

    assert response.status_code == 200
    assert response.json()["backstage_request"]["status"] == "approved"
    assert list(item.events.values_list("from_status", "to_status")) == [
        ("", "pending"),
        ("pending", "approved"),
        ("approved", "revoked"),
        ("revoked", "approved"),
    ]
    notification = Notification.objects.filter(user=user, kind="backstage.approved").first()
    assert "restored" in notification.body
    assert "Appeal accepted" in notification.body


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (Status.APPROVED, "approve", "Only pending or revoked requests can be approved."),
        (Status.DENIED, "approve", "Only pending or revoked requests can be approved."),
        (Status.APPROVED, "deny", "Only pending requests can be denied."),
        (Status.DENIED, "deny", "Only pending requests can be denied."),
        (Status.REVOKED, "deny", "Only pending requests can be denied."),
        (Status.PENDING, "revoke", "Only approved requests can be revoked."),
        (Status.DENIED, "revoke", "Only approved requests can be revoked."),
        (Status.REVOKED, "revoke", "Only approved requests can be revoked."),
    ],
)
def test_invalid_transition_is_409_and_changes_nothing(
    user, handler_client, status, action, message
):
    item = make_request(user, status=status, artist_name="Frozen")
    before = BackstageRequest.objects.values().get(pk=item.pk)

    response = decide(handler_client, item, action, notes="should not stick")

    assert response.status_code == 409
    assert response.json() == invalid_transition(message, status)
    assert BackstageRequest.objects.values().get(pk=item.pk) == before
    assert item.events.count() == 1
    assert not Notification.objects.filter(user=user).exists()
    assert not Artist.objects.exists()


# --- side effects per type ----------------------------------------------------------------------


def test_approving_become_artist_creates_the_artist_and_makes_the_user_a_producer(
    user, user_client, handler_client
):
    item = make_request(user, type=Type.BECOME_ARTIST, artist_name="Night Owl")
    assert upload_track(user_client, user, ArtistFactory()).status_code == 403

    response = decide(handler_client, item, "approve")

    artist = Artist.objects.get(name="Night Owl")
    assert list(artist.managers.all()) == [user]
    assert response.json()["backstage_request"]["artist_id"] == artist.pk
    assert item.events.last().effects == {
        "artist_created": artist.pk,
        "manager_added": True,
        "artist_id": artist.pk,
    }
    assert upload_track(user_client, user, artist).status_code == 201


def test_revoking_become_artist_unlinks_the_user_but_keeps_artist_and_tracks(
    user, user_client, handler_client
):
    item = make_request(user, type=Type.BECOME_ARTIST, artist_name="Night Owl")
    decide(handler_client, item, "approve")
    artist = Artist.objects.get(name="Night Owl")
    track_id = upload_track(user_client, user, artist).json()["track"]["id"]

    decide(handler_client, item, "revoke", notes="bye")

    assert Artist.objects.filter(pk=artist.pk).exists()
    assert not artist.managers.exists()
    assert Track.objects.filter(pk=track_id, artists=artist).exists()
    assert upload_track(user_client, user, artist).status_code == 403
    assert (
        user_client.patch(f"/api/v1/tracks/{track_id}", {"name": "x"}, format="json").status_code
        == 403
    )


def test_reapproving_become_artist_relinks_the_same_artist(user, user_client, handler_client):
    item = make_request(user, type=Type.BECOME_ARTIST, artist_name="Night Owl")
    decide(handler_client, item, "approve")
    decide(handler_client, item, "revoke")

    decide(handler_client, item, "approve")

    artist = Artist.objects.get()  # no second profile
    assert list(artist.managers.all()) == [user]
    assert upload_track(user_client, user, artist).status_code == 201


def test_reapproving_become_artist_whose_artist_was_deleted_creates_a_new_one(user, handler_client):
    item = make_request(user, type=Type.BECOME_ARTIST, artist_name="Night Owl")
    decide(handler_client, item, "approve")
    decide(handler_client, item, "revoke")
    Artist.objects.all().delete()

    decide(handler_client, item, "approve")

    assert list(Artist.objects.get().managers.all()) == [user]


def test_approving_claim_adds_the_user_as_manager_and_revoke_removes_only_them(
    user, handler_client
):
    co_manager = UserFactory()
    artist = ArtistFactory(managers=[co_manager])
    TrackFactory(artists=[artist])
    item = make_request(user, type=Type.CLAIM_ARTIST, artist=artist, artist_name=artist.name)

    decide(handler_client, item, "approve")
    assert set(artist.managers.all()) == {user, co_manager}

    decide(handler_client, item, "revoke")
    assert list(artist.managers.all()) == [co_manager]
    assert artist.tracks.count() == 1

    decide(handler_client, item, "approve")
    assert set(artist.managers.all()) == {user, co_manager}


def test_revoking_a_claim_keeps_a_manager_link_the_approval_did_not_create(user, handler_client):
    artist = ArtistFactory()
    item = make_request(user, type=Type.CLAIM_ARTIST, artist=artist, artist_name=artist.name)
    artist.managers.add(user)  # linked by other means before the decision

    decide(handler_client, item, "approve")
    decide(handler_client, item, "revoke")

    assert list(artist.managers.all()) == [user]


def test_approving_a_claim_whose_artist_was_deleted_is_409(user, handler_client):
    artist = ArtistFactory()
    item = make_request(user, type=Type.CLAIM_ARTIST, artist=artist, artist_name=artist.name)
    artist.delete()

    response = decide(handler_client, item, "approve")

    assert response.status_code == 409
    assert response.json() == {
        "message": "The artist profile of this request no longer exists.",
        "error_code": "backstage_request_artist_missing",
    }
    assert BackstageRequest.objects.get(pk=item.pk).status == Status.PENDING


def test_approving_verify_sets_verified_and_revoke_unsets_it(
    producer, producer_artist, handler_client
):
    item = make_request(
        producer, type=Type.VERIFY_ARTIST, artist=producer_artist, artist_name="Producer Artist"
    )

    decide(handler_client, item, "approve")
    producer_artist.refresh_from_db()
    assert producer_artist.verified is True
    assert list(producer_artist.managers.all()) == [producer]  # verification links nobody

    decide(handler_client, item, "revoke")
    producer_artist.refresh_from_db()
    assert producer_artist.verified is False
    assert list(producer_artist.managers.all()) == [producer]  # nor unlinks anybody

    decide(handler_client, item, "approve")
    producer_artist.refresh_from_db()
    assert producer_artist.verified is True


def test_revoking_verify_keeps_a_verification_the_approval_did_not_grant(
    producer, producer_artist, handler_client
):
    producer_artist.verified = True
    producer_artist.save()
    item = make_request(
        producer, type=Type.VERIFY_ARTIST, artist=producer_artist, artist_name="Producer Artist"
    )

    decide(handler_client, item, "approve")
    decide(handler_client, item, "revoke")

    producer_artist.refresh_from_db()
    assert producer_artist.verified is True
    assert item.events.last().effects == {"artist_id": producer_artist.pk}


def test_full_flow_through_the_api(user, user_client, handler_client):
    created = user_client.post(
        URL,
        {"type": "become-artist", "artist_name": "Flow", "data": {"beats_url": "https://x.y"}},
        format="json",
    ).json()["backstage_request"]
    item = BackstageRequest.objects.get(pk=created["id"])

    assert decide(handler_client, item, "approve").status_code == 200
    assert decide(handler_client, item, "revoke", notes="n").status_code == 200
    assert decide(handler_client, item, "approve").status_code == 200

    assert user_client.get(f"{URL}/{item.pk}").json()["backstage_request"]["status"] == "approved"
    kinds = list(
        Notification.objects.filter(user=user).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["backstage.approved", "backstage.revoked", "backstage.approved"]
    notifications = user_client.get("/api/v1/notifications").json()["data"]
    assert notifications[0]["kind"] == "backstage.approved"


def test_user_reads_and_marks_the_decision_notification(user, user_client, handler_client):
    item = make_request(user)
    decide(handler_client, item, "deny", notes="Need a public link")

    listed = user_client.get("/api/v1/notifications").json()["data"]
    assert [n["kind"] for n in listed] == ["backstage.denied"]
    assert "Need a public link" in listed[0]["body"]

    response = user_client.post(f"/api/v1/notifications/{listed[0]['id']}/read")

    assert response.status_code == 200
    assert Notification.objects.get(pk=listed[0]["id"]).read_at is not None
