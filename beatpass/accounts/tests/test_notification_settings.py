"""Notification preferences: groups per audience, channels per group, locked channels, and
``notify`` obeying them (in-app row and email)."""

import pytest
from django.core import mail

from beatpass.accounts import notifications
from beatpass.accounts.models import Notification, NotificationPreference
from beatpass.accounts.services import notify
from conftest import bearer_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/settings"


@pytest.mark.parametrize(
    ("kind", "group"),
    [
        ("recon.match", "audio_recon"),
        ("track.sold", "sales"),
        ("track.downloaded", "sales"),
        ("achievement.unlocked", "achievements"),
        ("playlist.invited", "playlists"),
        ("backstage.submitted", "moderation"),
        ("backstage.denied", "account"),
        ("purchase.succeeded", "account"),
        ("track.soldout", "account"),  # a prefix without a dot matches the whole kind only
        ("something.new", "account"),
    ],
)
def test_kinds_fall_in_the_group_of_their_longest_prefix(kind, group):
    assert notifications.group_for(kind).key == group


def keys(response):
    return [group["key"] for group in response.json()["groups"]]


def test_each_audience_sees_its_groups(user_client, producer, staff_client):
    assert keys(user_client.get(URL)) == ["account", "playlists"]
    assert keys(bearer_client(producer).get(URL)) == [
        "account",
        "sales",
        "audio_recon",
        "achievements",
        "playlists",
    ]
    assert keys(staff_client.get(URL))[-1] == "moderation"


def test_defaults_are_on_and_the_shape_is_exact(producer):
    body = bearer_client(producer).get(URL).json()
    recon = next(group for group in body["groups"] if group["key"] == "audio_recon")
    assert body["status"] == "success"
    assert recon == {
        "key": "audio_recon",
        "name": "Audio Recon",
        "description": recon["description"],
        "in_app": True,
        "email": True,
        "locked": [],
    }
    assert body["groups"][0]["locked"] == ["in_app"]


def test_a_channel_not_sent_keeps_its_value(producer):
    client = bearer_client(producer)
    client.put(URL, {"groups": [{"key": "audio_recon", "email": False}]}, format="json")
    response = client.put(URL, {"groups": [{"key": "audio_recon", "in_app": False}]}, format="json")
    assert response.status_code == 200
    recon = next(group for group in response.json()["groups"] if group["key"] == "audio_recon")
    assert (recon["in_app"], recon["email"]) == (False, False)
    row = NotificationPreference.objects.get(user=producer, group="audio_recon")
    assert (row.in_app, row.email) == (False, False)


VALID = {"key": "playlists", "in_app": False}


@pytest.mark.parametrize(
    ("groups", "field"),
    [
        # A valid item first: all or nothing means it is not stored either.
        ([VALID, {"key": "account", "in_app": False}], "groups.1.in_app"),
        ([VALID, {"key": "nope"}], "groups.1.key"),
        # A producer group is not the listener's to tune.
        ([VALID, {"key": "audio_recon", "email": False}], "groups.1.key"),
        ([VALID, {"key": "playlists", "email": "no"}], "groups.1.email"),
        ([VALID, {"key": "playlists", "email": 0}], "groups.1.email"),
        ([VALID, {"key": "playlists"}], "groups.1.key"),
        ([VALID, {"in_app": True}], "groups.1.key"),
        ([], "groups.non_field_errors"),
        ("playlists", "groups.non_field_errors"),
    ],
)
def test_bad_changes_are_422_and_change_nothing(user, user_client, groups, field):
    response = user_client.put(URL, {"groups": groups}, format="json")
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"], response.json()
    assert not NotificationPreference.objects.filter(user=user).exists()


def test_unauthenticated_is_401(api_client):
    response = api_client.get(URL)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


def test_notify_obeys_the_group_preferences(producer, django_capture_on_commit_callbacks):
    client = bearer_client(producer)
    client.put(URL, {"groups": [{"key": "audio_recon", "email": False}]}, format="json")
    client.put(URL, {"groups": [{"key": "sales", "in_app": False}]}, format="json")

    with django_capture_on_commit_callbacks(execute=True):
        recon = notify(user=producer, kind="recon.match", title="Placement", body="b")
        sale = notify(user=producer, kind="track.sold", title="Sold", body="b")
        other = notify(user=producer, kind="achievement.unlocked", title="Unlocked", body="b")

    assert recon is not None
    assert other is not None
    assert sale is None  # in-app off: no row
    assert set(Notification.objects.filter(user=producer).values_list("kind", flat=True)) == {
        "recon.match",
        "achievement.unlocked",
    }
    assert sorted(message.subject for message in mail.outbox) == ["Sold", "Unlocked"]


def test_a_locked_channel_stays_on_even_with_a_stored_row(user, django_capture_on_commit_callbacks):
    # A row written behind the API's back (admin, old data) cannot silence a locked channel.
    NotificationPreference.objects.create(user=user, group="account", in_app=False, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(user=user, kind="license.revoked", title="Revoked", body="b")
    assert notification is not None
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_changes_to_different_channels_are_both_kept():
    """Two devices change a group for the first time at once, one the in-app channel, the
    other the email: both changes stay (the second upsert wrote the default back over the
    first's channel when neither row existed yet)."""
    from beatpass.testing import run_concurrently
    from content.tests.factories import UserFactory

    for attempt in range(5):
        user = UserFactory()
        client_a, client_b = bearer_client(user), bearer_client(user)
        bodies = [
            (client_a, {"groups": [{"key": "playlists", "in_app": False}]}),
            (client_b, {"groups": [{"key": "playlists", "email": False}]}),
        ]
        responses = run_concurrently(
            lambda i, bodies=bodies: bodies[i][0].put(URL, bodies[i][1], format="json"), 2
        )
        assert [r.status_code for r in responses] == [200, 200]
        row = NotificationPreference.objects.get(user=user, group="playlists")
        assert (row.in_app, row.email) == (False, False), f"attempt {attempt}"


def test_reading_the_settings_costs_the_same_whatever_is_stored(
    producer, django_assert_num_queries
):
    """The token's user, 'manages an artist?', the stored rows: 3 queries with none stored and
    with every group stored."""
    client = bearer_client(producer)
    with django_assert_num_queries(3):
        assert client.get(URL).status_code == 200
    every = [{"key": key, "email": False} for key in keys(client.get(URL))]
    assert client.put(URL, {"groups": every}, format="json").status_code == 200
    with django_assert_num_queries(3):
        body = client.get(URL).json()
    assert [group["email"] for group in body["groups"]] == [False] * len(every)
