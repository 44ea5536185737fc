"""Collaboration: invitations (limits, expiry, cooldown), accept/decline, editors and roles.

Time-based rules run on ``fake_clock`` (the services' clock), never on sleeps.
"""

from __future__ import annotations

import pytest
from django.core import mail

from beatpass.accounts.models import Notification
from conftest import bearer_client
from content.playlists import services
from content.playlists.models import (
    InvitationStatus,
    PlaylistEditor,
    PlaylistFollower,
    PlaylistInvitation,
)
from content.playlists.tests.factories import PlaylistFactory, pending_invitation
from content.tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/playlists"


@pytest.fixture
def playlist(user):
    return PlaylistFactory(owner=user, collaborative=True, public=False)


def invite(client, playlist, invitee):
    return client.post(f"{URL}/{playlist.pk}/invite", {"user_id": invitee.pk}, format="json")


# --- invite -------------------------------------------------------------------------------------


def test_invite_creates_a_pending_invitation_that_expires_in_7_days_and_notifies(
    user_client, playlist, other_user, fake_clock, django_capture_on_commit_callbacks, settings
):
    settings.PUBLIC_BASE_URL = "https://beatpass.example"
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(user_client, playlist, other_user)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "success"
    assert body["message"] == "Invitation sent successfully"
    invitation = PlaylistInvitation.objects.get()
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.invitee == other_user
    assert invitation.sent_at == fake_clock.now()
    assert (invitation.expires_at - invitation.sent_at).days == 7
    notification = Notification.objects.get(user=other_user)
    assert notification.kind == "playlist.invited"
    assert notification.data == {
        "playlist_id": playlist.pk,
        "invitation_id": invitation.pk,
        "url": f"https://beatpass.example/api/v1/playlists/{playlist.pk}",
    }
    assert [m.to for m in mail.outbox] == [[other_user.email]]
    accept = f"https://beatpass.example/api/v1/playlists/{playlist.pk}/accept-invite"
    assert accept in mail.outbox[0].body


def test_invite_is_owner_only(api_client, playlist, other_user, staff_client):
    editor = UserFactory()
    PlaylistEditor.objects.create(playlist=playlist, user=editor)
    invitee = UserFactory()

    assert invite(api_client, playlist, invitee).status_code == 401
    assert invite(bearer_client(other_user), playlist, invitee).status_code == 404  # private
    assert invite(bearer_client(editor), playlist, invitee).status_code == 403
    assert invite(staff_client, playlist, invitee).status_code == 403
    assert not PlaylistInvitation.objects.exists()


def test_invite_needs_a_collaborative_playlist(user_client, user, other_user):
    playlist = PlaylistFactory(owner=user, collaborative=False)

    response = invite(user_client, playlist, other_user)

    assert response.status_code == 422
    assert "collaborative" in response.json()["errors"]


def test_inviting_yourself_an_editor_or_an_unknown_user_is_422(user_client, user, playlist):
    editor = UserFactory()
    PlaylistEditor.objects.create(playlist=playlist, user=editor)
    inactive = UserFactory(is_active=False)

    for target_id in (user.pk, editor.pk, inactive.pk, 999999):
        response = user_client.post(
            f"{URL}/{playlist.pk}/invite", {"user_id": target_id}, format="json"
        )
        assert response.status_code == 422, target_id
        assert "user_id" in response.json()["errors"]
    assert user_client.post(f"{URL}/{playlist.pk}/invite", {}, format="json").status_code == 422
    assert not PlaylistInvitation.objects.exists()


def test_inviting_someone_with_a_pending_invitation_is_409(user_client, playlist, other_user):
    invite(user_client, playlist, other_user)

    response = invite(user_client, playlist, other_user)

    assert response.status_code == 409
    assert response.json() == {"message": "Already invited", "error_code": "already_invited"}
    assert PlaylistInvitation.objects.count() == 1


def test_pending_invitations_count_toward_the_10_editor_limit(user_client, playlist):
    for editor in UserFactory.create_batch(6):
        PlaylistEditor.objects.create(playlist=playlist, user=editor)
    for invitee in UserFactory.create_batch(4):
        assert invite(user_client, playlist, invitee).status_code == 200

    response = invite(user_client, playlist, UserFactory())

    assert response.status_code == 429
    assert response.json() == {
        "message": "Max editors reached",
        "error_code": "max_editors_reached",
    }


def test_expired_invitations_free_their_slot(user_client, playlist, fake_clock):
    for invitee in UserFactory.create_batch(10):
        invite(user_client, playlist, invitee)
    assert invite(user_client, playlist, UserFactory()).status_code == 429

    fake_clock.advance(days=7)

    assert invite(user_client, playlist, UserFactory()).status_code == 200


# --- accept / decline ---------------------------------------------------------------------------


def test_accepting_makes_the_invitee_an_editor_and_follower(user_client, playlist, other_user):
    invite(user_client, playlist, other_user)

    response = bearer_client(other_user).post(f"{URL}/{playlist.pk}/accept-invite")

    assert response.status_code == 200, response.json()
    assert response.json()["playlist"]["is_editor"] is True
    assert response.json()["playlist"]["can_edit_tracks"] is True
    assert PlaylistEditor.objects.filter(playlist=playlist, user=other_user).exists()
    assert PlaylistFollower.objects.filter(playlist=playlist, user=other_user).exists()
    invitation = PlaylistInvitation.objects.get()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.accepted_at is not None
    # the private playlist is now visible to the new editor
    assert bearer_client(other_user).get(f"{URL}/{playlist.pk}").status_code == 200


def test_accepting_twice_is_harmless(user_client, playlist, other_user):
    invite(user_client, playlist, other_user)
    client = bearer_client(other_user)
    client.post(f"{URL}/{playlist.pk}/accept-invite")

    assert client.post(f"{URL}/{playlist.pk}/accept-invite").status_code == 200
    assert PlaylistEditor.objects.filter(playlist=playlist).count() == 1


def test_accepting_without_an_invitation_is_404(other_client, playlist, api_client):
    assert other_client.post(f"{URL}/{playlist.pk}/accept-invite").status_code == 404
    assert other_client.post(f"{URL}/{playlist.pk}/decline-invite").status_code == 404
    assert other_client.post(f"{URL}/999999/accept-invite").status_code == 404
    assert api_client.post(f"{URL}/{playlist.pk}/accept-invite").status_code == 401


def test_only_the_invitee_can_accept(user_client, playlist, other_user):
    invite(user_client, playlist, other_user)

    assert (
        bearer_client(UserFactory()).post(f"{URL}/{playlist.pk}/accept-invite").status_code == 404
    )
    assert not PlaylistEditor.objects.exists()


def test_accepting_after_7_days_is_410_even_before_the_sweep(
    user_client, playlist, other_user, fake_clock
):
    invite(user_client, playlist, other_user)
    fake_clock.advance(days=7, seconds=1)

    response = bearer_client(other_user).post(f"{URL}/{playlist.pk}/accept-invite")

    assert response.status_code == 410
    assert response.json() == {"message": "Invitation expired", "error_code": "invitation_expired"}
    assert not PlaylistEditor.objects.exists()
    invitation = PlaylistInvitation.objects.get()
    assert invitation.status == InvitationStatus.EXPIRED  # recorded although the answer is 410
    assert invitation.expired_at == invitation.expires_at


def test_accepting_just_before_expiry_works(user_client, playlist, other_user, fake_clock):
    invite(user_client, playlist, other_user)
    fake_clock.advance(days=6, hours=23, minutes=59)

    assert bearer_client(other_user).post(f"{URL}/{playlist.pk}/accept-invite").status_code == 200


def test_accepting_an_invitation_the_sweep_expired_is_410(
    user_client, playlist, other_user, fake_clock
):
    invite(user_client, playlist, other_user)
    fake_clock.advance(days=8)
    assert services.playlist_invitations_expire() == 1

    response = bearer_client(other_user).post(f"{URL}/{playlist.pk}/accept-invite")

    assert response.status_code == 410


def test_declining_an_expired_invitation_is_410(user_client, playlist, other_user, fake_clock):
    invite(user_client, playlist, other_user)
    fake_clock.advance(days=7)

    assert bearer_client(other_user).post(f"{URL}/{playlist.pk}/decline-invite").status_code == 410


def test_accepting_when_10_editors_exist_is_429(playlist):
    for editor in UserFactory.create_batch(10):
        PlaylistEditor.objects.create(playlist=playlist, user=editor)
    late = UserFactory()
    pending_invitation(playlist, late)

    response = bearer_client(late).post(f"{URL}/{playlist.pk}/accept-invite")

    assert response.status_code == 429
    assert response.json()["message"] == "Max editors reached"
    assert PlaylistEditor.objects.filter(playlist=playlist).count() == 10


def test_declining_closes_the_invitation(user_client, playlist, other_user):
    invite(user_client, playlist, other_user)

    response = bearer_client(other_user).post(f"{URL}/{playlist.pk}/decline-invite")

    assert response.json() == {"status": "success"}
    invitation = PlaylistInvitation.objects.get()
    assert invitation.status == InvitationStatus.DECLINED
    assert invitation.declined_at is not None
    assert not PlaylistEditor.objects.exists()


# --- cooldown -----------------------------------------------------------------------------------


def test_reinviting_within_24h_of_a_decline_is_429_then_allowed(
    user_client, playlist, other_user, fake_clock
):
    invite(user_client, playlist, other_user)
    bearer_client(other_user).post(f"{URL}/{playlist.pk}/decline-invite")
    fake_clock.advance(hours=23, minutes=59)

    early = invite(user_client, playlist, other_user)
    fake_clock.advance(minutes=1)
    on_time = invite(user_client, playlist, other_user)

    assert early.status_code == 429
    assert early.json()["message"] == "Cannot re-invite yet"
    assert early.json()["error_code"] == "cannot_reinvite_yet"
    assert early.json()["retry_after"] == 60
    assert early["Retry-After"] == "60"
    assert on_time.status_code == 200


def test_cooldown_after_expiry_counts_from_the_deadline_not_the_sweep(
    user_client, playlist, other_user, fake_clock
):
    invite(user_client, playlist, other_user)
    fake_clock.advance(days=7, hours=12)  # expired 12 h ago, never swept

    early = invite(user_client, playlist, other_user)
    fake_clock.advance(hours=12)
    on_time = invite(user_client, playlist, other_user)

    assert early.status_code == 429
    assert early.json()["message"] == "Cannot re-invite yet"
    assert on_time.status_code == 200
    statuses = list(PlaylistInvitation.objects.order_by("sent_at").values_list("status", flat=True))
    assert statuses == [InvitationStatus.EXPIRED, InvitationStatus.PENDING]


def test_reinviting_a_removed_editor_waits_24h(user_client, playlist, other_user, fake_clock):
    invite(user_client, playlist, other_user)
    bearer_client(other_user).post(f"{URL}/{playlist.pk}/accept-invite")
    user_client.post(
        f"{URL}/{playlist.pk}/remove-editor", {"user_id": other_user.pk}, format="json"
    )

    assert invite(user_client, playlist, other_user).status_code == 429
    fake_clock.advance(hours=24)
    assert invite(user_client, playlist, other_user).status_code == 200


# --- remove editor / leave ----------------------------------------------------------------------


def test_owner_removes_an_editor(user_client, playlist, other_user):
    invite(user_client, playlist, other_user)
    bearer_client(other_user).post(f"{URL}/{playlist.pk}/accept-invite")

    response = user_client.post(
        f"{URL}/{playlist.pk}/remove-editor", {"user_id": other_user.pk}, format="json"
    )

    assert response.json() == {"status": "success"}
    assert not PlaylistEditor.objects.exists()
    invitation = PlaylistInvitation.objects.get()
    assert invitation.status == InvitationStatus.REMOVED
    assert invitation.removed_at is not None
    # private playlist: a removed editor no longer sees it
    assert bearer_client(other_user).get(f"{URL}/{playlist.pk}").status_code == 404


def test_an_editor_can_leave_but_not_remove_others(playlist):
    leaving, staying = UserFactory(), UserFactory()
    for editor in (leaving, staying):
        PlaylistEditor.objects.create(playlist=playlist, user=editor)
    client = bearer_client(leaving)

    other = client.post(
        f"{URL}/{playlist.pk}/remove-editor", {"user_id": staying.pk}, format="json"
    )
    leave = client.post(
        f"{URL}/{playlist.pk}/remove-editor", {"user_id": leaving.pk}, format="json"
    )

    assert other.status_code == 403
    assert leave.status_code == 200
    assert list(PlaylistEditor.objects.values_list("user_id", flat=True)) == [staying.pk]


def test_owner_can_cancel_a_pending_invitation(user_client, playlist, other_user):
    invite(user_client, playlist, other_user)

    response = user_client.post(
        f"{URL}/{playlist.pk}/remove-editor", {"user_id": other_user.pk}, format="json"
    )

    assert response.status_code == 200
    assert PlaylistInvitation.objects.get().status == InvitationStatus.REMOVED
    assert bearer_client(other_user).post(f"{URL}/{playlist.pk}/accept-invite").status_code == 404


def test_removing_a_non_editor_or_the_owner_is_422(user_client, user, playlist, other_user):
    for target in (other_user, user):
        response = user_client.post(
            f"{URL}/{playlist.pk}/remove-editor", {"user_id": target.pk}, format="json"
        )
        assert response.status_code == 422


def test_remove_editor_permission_matrix(api_client, playlist, staff_client):
    editor = UserFactory()
    PlaylistEditor.objects.create(playlist=playlist, user=editor)
    body = {"user_id": editor.pk}
    url = f"{URL}/{playlist.pk}/remove-editor"

    assert api_client.post(url, body, format="json").status_code == 401
    assert bearer_client(UserFactory()).post(url, body, format="json").status_code == 404
    assert staff_client.post(url, body, format="json").status_code == 403
    assert PlaylistEditor.objects.filter(user=editor).exists()


# --- role table, end to end ---------------------------------------------------------------------


def test_role_table(user, user_client):
    playlist = PlaylistFactory(owner=user, collaborative=True, public=True)
    editor, follower = UserFactory(), UserFactory()
    invite(user_client, playlist, editor)
    bearer_client(editor).post(f"{URL}/{playlist.pk}/accept-invite")
    bearer_client(follower).post(f"{URL}/{playlist.pk}/follow")
    track = TrackFactory()
    url = f"{URL}/{playlist.pk}"

    def can(client, method, path, body=None):
        return getattr(client, method)(f"{url}{path}", body or {}, format="json").status_code

    editor_client, follower_client = bearer_client(editor), bearer_client(follower)
    # add / remove tracks: owner yes, editor yes, follower no
    assert can(editor_client, "post", "/tracks/add", {"ids": [track.pk]}) == 200
    assert can(follower_client, "post", "/tracks/remove", {"ids": [track.pk]}) == 403
    assert can(editor_client, "post", "/tracks/order", {"ids": [track.pk]}) == 200
    assert can(editor_client, "post", "/tracks/remove", {"ids": [track.pk]}) == 200
    # settings, invitations, deletion: owner only
    assert can(editor_client, "put", "", {"name": "x"}) == 403
    assert can(follower_client, "put", "", {"name": "x"}) == 403
    assert can(editor_client, "post", "/invite", {"user_id": UserFactory().pk}) == 403
    assert can(follower_client, "post", "/invite", {"user_id": UserFactory().pk}) == 403
    assert editor_client.delete(url).status_code == 403
    assert follower_client.delete(url).status_code == 403
    # everyone reads
    assert follower_client.get(f"{url}/tracks").status_code == 200
    # owner does it all
    assert can(user_client, "put", "", {"name": "Owner edit"}) == 200
    assert user_client.delete(url).status_code == 200
