"""Privacy around users: public names never come from email addresses, and invitations cannot
be used to probe users (throttled per inviter; errors name nobody)."""

from __future__ import annotations

import pytest

from conftest import bearer_client
from content.playlists.models import PlaylistInvitation
from content.playlists.tests.factories import PlaylistFactory
from content.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/playlists"


def test_public_playlist_output_never_shows_the_owners_email_local_part(api_client):
    owner = UserFactory(name="", email="jane.doe.private@example.com")
    editor = UserFactory(name="", email="john.smith.secret@example.com")
    playlist = PlaylistFactory(owner=owner, public=True, collaborative=True, editors=[editor])

    listing = api_client.get(URL).content.decode()
    detail = api_client.get(f"{URL}/{playlist.pk}").content.decode()

    for text in (listing, detail):
        assert "jane.doe" not in text
        assert "john.smith" not in text
    body = api_client.get(f"{URL}/{playlist.pk}").json()["playlist"]
    assert body["owner"]["display_name"] == f"user-{owner.pk}"
    assert [e["display_name"] for e in body["editors"]] == [f"user-{editor.pk}"]


def test_the_invitation_shows_a_nameless_invitee_without_their_email(user, user_client):
    playlist = PlaylistFactory(owner=user, collaborative=True)
    invitee = UserFactory(name="", email="very.secret.person@example.com")

    response = user_client.post(f"{URL}/{playlist.pk}/invite", {"user_id": invitee.pk})

    assert response.status_code == 200, response.content
    assert "very.secret" not in response.content.decode()
    assert response.json()["invitation"]["user"]["display_name"] == f"user-{invitee.pk}"


@pytest.mark.parametrize("target", ["unknown", "inactive", "self", "editor"])
def test_errors_for_uninvitable_users_name_nobody(user, user_client, target):
    editor = UserFactory(name="Eddie Editor", email="eddie@example.com")
    inactive = UserFactory(name="Ina Active", email="ina@example.com", is_active=False)
    playlist = PlaylistFactory(owner=user, collaborative=True, editors=[editor])
    user_id = {"unknown": 10**9, "inactive": inactive.pk, "self": user.pk, "editor": editor.pk}

    response = user_client.post(f"{URL}/{playlist.pk}/invite", {"user_id": user_id[target]})

    assert response.status_code == 422
    text = response.content.decode()
    for secret in ("Eddie", "eddie@", "Ina", "ina@", user.name, user.email):
        assert secret not in text
    assert not PlaylistInvitation.objects.exists()


def test_an_unknown_and_an_inactive_user_get_the_same_answer(user, user_client):
    inactive = UserFactory(is_active=False)
    playlist = PlaylistFactory(owner=user, collaborative=True)

    unknown = user_client.post(f"{URL}/{playlist.pk}/invite", {"user_id": 10**9})
    disabled = user_client.post(f"{URL}/{playlist.pk}/invite", {"user_id": inactive.pk})

    assert (unknown.status_code, unknown.json()) == (disabled.status_code, disabled.json())


def test_invitations_are_throttled_per_inviter_whatever_the_outcome(user, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "invite": "3/hour"}
    playlist = PlaylistFactory(owner=user, collaborative=True)
    client = bearer_client(user)

    # probing ids counts as much as real invitations
    answers = [
        client.post(f"{URL}/{playlist.pk}/invite", {"user_id": 10**9 + n}).status_code
        for n in range(3)
    ]
    blocked = client.post(f"{URL}/{playlist.pk}/invite", {"user_id": UserFactory().pk})

    assert answers == [422, 422, 422]
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert not PlaylistInvitation.objects.exists()
    # another inviter is not affected
    other_owner = UserFactory()
    other_playlist = PlaylistFactory(owner=other_owner, collaborative=True)
    other = bearer_client(other_owner).post(
        f"{URL}/{other_playlist.pk}/invite", {"user_id": UserFactory().pk}
    )
    assert other.status_code == 200
