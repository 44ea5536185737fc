"""Playlists API: CRUD, visibility, follows, ordered tracks, limits and pinned query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import bearer_client
from content.catalog.models import Visibility
from content.playlists.models import (
    MAX_PLAYLISTS_PER_USER,
    MAX_TRACKS_PER_PLAYLIST,
    Playlist,
    PlaylistFollower,
    PlaylistTrack,
)
from content.playlists.tests.factories import PlaylistFactory, positions
from content.tests.factories import ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/playlists"


def tracks(n, **kwargs):
    artist = kwargs.pop("artist", None) or ArtistFactory()
    return [TrackFactory(artists=[artist], **kwargs) for _ in range(n)]


# --- create / read / update / delete -------------------------------------------------------------


def test_create_returns_the_playlist_owned_by_the_caller(user_client, user):
    response = user_client.post(
        URL,
        {
            "name": "Dark Trap",
            "description": "Beats for the late night sessions",
            "image": "https://example.com/cover.jpg",
            "public": True,
            "collaborative": "true",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "success"
    playlist = body["playlist"]
    assert playlist["name"] == "Dark Trap"
    assert playlist["public"] is True
    assert playlist["collaborative"] is True
    assert playlist["owner"]["id"] == user.pk
    assert "email" not in playlist["owner"]
    assert playlist["tracks_count"] == 0
    assert playlist["is_owner"] is True
    assert Playlist.objects.get(pk=playlist["id"]).owner == user


def test_create_defaults_to_private_and_not_collaborative(user_client):
    body = user_client.post(URL, {"name": "Mine"}, format="json").json()["playlist"]

    assert body["public"] is False
    assert body["collaborative"] is False


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"name": "ok", "description": "too short"}, "description"),
        ({"name": "ok", "description": "x" * 171}, "description"),
        ({"name": "ok", "image": "not a url"}, "image"),
        ({"name": "ok", "public": "maybe"}, "public"),
    ],
)
def test_create_rejects_bad_input_with_422(user_client, payload, field):
    response = user_client.post(URL, payload, format="json")

    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not Playlist.objects.exists()


def test_create_requires_authentication(api_client):
    assert api_client.post(URL, {"name": "x"}, format="json").status_code == 401


def test_the_101st_playlist_is_refused_with_429(user_client, user):
    PlaylistFactory.create_batch(MAX_PLAYLISTS_PER_USER, owner=user)

    response = user_client.post(URL, {"name": "One more"}, format="json")

    assert response.status_code == 429
    assert response.json() == {
        "message": "Playlist limit reached",
        "error_code": "playlist_limit_reached",
    }
    assert Playlist.objects.filter(owner=user).count() == MAX_PLAYLISTS_PER_USER


def test_detail_has_total_duration_and_editors(user_client, user):
    editor = UserFactory(name="Ed")
    playlist = PlaylistFactory(
        owner=user, collaborative=True, tracks=tracks(2, duration=1000), editors=[editor]
    )

    body = user_client.get(f"{URL}/{playlist.pk}").json()

    assert body["status"] == "success"
    assert body["playlist"]["totalDuration"] == 2000
    assert body["playlist"]["tracks_count"] == 2
    assert [e["display_name"] for e in body["playlist"]["editors"]] == ["Ed"]
    assert body["playlist"]["can_edit_tracks"] is True


def test_private_playlist_is_404_to_strangers_and_anonymous(api_client, other_client, user):
    playlist = PlaylistFactory(owner=user, public=False)

    assert api_client.get(f"{URL}/{playlist.pk}").status_code == 404
    assert other_client.get(f"{URL}/{playlist.pk}").status_code == 404
    assert other_client.get(f"{URL}/{playlist.pk}/tracks").status_code == 404
    assert other_client.post(f"{URL}/{playlist.pk}/follow").status_code == 404


def test_private_playlist_is_visible_to_owner_editor_and_staff(user, staff_client):
    editor = UserFactory()
    playlist = PlaylistFactory(owner=user, public=False, collaborative=True, editors=[editor])

    for client in (bearer_client(user), bearer_client(editor), staff_client):
        assert client.get(f"{URL}/{playlist.pk}").status_code == 200


def test_missing_and_malformed_ids_are_404(user_client):
    assert user_client.get(f"{URL}/999999").status_code == 404
    assert user_client.get(f"{URL}/abc").status_code == 404


def test_list_shows_public_plus_own_and_collaborations(api_client, user, user_client):
    stranger = UserFactory()
    public = PlaylistFactory(owner=stranger, public=True)
    hidden = PlaylistFactory(owner=stranger, public=False)
    mine = PlaylistFactory(owner=user, public=False)
    shared = PlaylistFactory(owner=stranger, public=False, collaborative=True, editors=[user])

    anonymous_ids = {p["id"] for p in api_client.get(URL).json()["data"]}
    my_ids = {p["id"] for p in user_client.get(URL).json()["data"]}

    assert anonymous_ids == {public.pk}
    assert my_ids == {public.pk, mine.pk, shared.pk}
    assert hidden.pk not in my_ids


def test_list_is_the_laravel_page_newest_first(user_client, user):
    first = PlaylistFactory(owner=user)
    second = PlaylistFactory(owner=user)

    body = user_client.get(URL, {"per_page": 1}).json()

    assert body["total"] == 2
    assert body["per_page"] == 1
    assert body["last_page"] == 2
    assert [p["id"] for p in body["data"]] == [second.pk]
    assert first.pk != second.pk


def test_list_filters_by_query_and_owner(user_client, user, other_user):
    PlaylistFactory(owner=user, name="Chill Beats")
    PlaylistFactory(owner=other_user, name="Chill Vibes")
    PlaylistFactory(owner=user, name="Hard Trap")

    by_query = user_client.get(URL, {"query": "chill"}).json()["data"]
    by_owner = user_client.get(URL, {"owner": user.pk, "query": "chill"}).json()["data"]

    assert {p["name"] for p in by_query} == {"Chill Beats", "Chill Vibes"}
    assert [p["name"] for p in by_owner] == ["Chill Beats"]
    assert user_client.get(URL, {"owner": "x"}).status_code == 422
    assert user_client.get(URL, {"owner": "9" * 30}).status_code == 422


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"per_page": 100})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_is_the_same_for_1_and_50_playlists(user, user_client):
    def populate(n):
        for _ in range(n):
            playlist = PlaylistFactory(owner=UserFactory(), tracks=tracks(2))
            PlaylistFollower.objects.create(playlist=playlist, user=user)

    populate(1)
    one = _list_queries(user_client, URL)
    populate(49)
    many = _list_queries(user_client, URL)

    assert one == many
    assert len(user_client.get(URL, {"per_page": 100}).json()["data"]) == 50


def test_anonymous_list_query_count_is_constant(api_client):
    PlaylistFactory(tracks=tracks(1))
    one = _list_queries(api_client, URL)
    for _ in range(49):
        PlaylistFactory(tracks=tracks(1))

    assert _list_queries(api_client, URL) == one


def test_update_by_owner_changes_settings(user_client, user):
    playlist = PlaylistFactory(owner=user, public=False)

    response = user_client.put(
        f"{URL}/{playlist.pk}", {"name": "Renamed", "public": True}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["playlist"]["name"] == "Renamed"
    playlist.refresh_from_db()
    assert (playlist.name, playlist.public) == ("Renamed", True)


def test_update_permission_matrix(api_client, user, staff_client):
    editor, follower, stranger = UserFactory(), UserFactory(), UserFactory()
    playlist = PlaylistFactory(owner=user, public=True, collaborative=True, editors=[editor])
    PlaylistFollower.objects.create(playlist=playlist, user=follower)
    url = f"{URL}/{playlist.pk}"

    assert api_client.put(url, {"name": "x"}, format="json").status_code == 401
    assert bearer_client(stranger).put(url, {"name": "x"}, format="json").status_code == 403
    assert bearer_client(follower).put(url, {"name": "x"}, format="json").status_code == 403
    assert bearer_client(editor).put(url, {"name": "x"}, format="json").status_code == 403
    assert staff_client.put(url, {"name": "Moderated"}, format="json").status_code == 200
    assert bearer_client(user).put(url, {"name": "Mine"}, format="json").status_code == 200


def test_update_of_a_private_playlist_by_a_stranger_is_404(other_client, user):
    playlist = PlaylistFactory(owner=user, public=False)

    response = other_client.put(f"{URL}/{playlist.pk}", {"name": "x"}, format="json")

    assert response.status_code == 404


def test_delete_many_is_all_or_nothing(user_client, user, other_user):
    mine = PlaylistFactory.create_batch(2, owner=user)
    theirs = PlaylistFactory(owner=other_user, public=True)
    hidden = PlaylistFactory(owner=other_user, public=False)

    forbidden = user_client.delete(f"{URL}/{mine[0].pk},{theirs.pk}")
    missing = user_client.delete(f"{URL}/{mine[0].pk},{hidden.pk}")
    done = user_client.delete(f"{URL}/{mine[0].pk},{mine[1].pk}")

    assert forbidden.status_code == 403
    assert missing.status_code == 404
    assert done.status_code == 200
    assert done.json() == {"status": "success", "deleted": 2}
    assert set(Playlist.objects.values_list("pk", flat=True)) == {theirs.pk, hidden.pk}


def test_delete_permission_matrix(api_client, user, staff_client):
    editor = UserFactory()
    playlist = PlaylistFactory(owner=user, collaborative=True, editors=[editor])
    other = PlaylistFactory(owner=user)

    assert api_client.delete(f"{URL}/{playlist.pk}").status_code == 401
    assert bearer_client(editor).delete(f"{URL}/{playlist.pk}").status_code == 403
    assert staff_client.delete(f"{URL}/{playlist.pk}").status_code == 200
    assert bearer_client(user).delete(f"{URL}/{other.pk}").status_code == 200
    assert not Playlist.objects.exists()


def test_delete_with_bad_ids_is_422(user_client):
    assert user_client.delete(f"{URL}/1,abc").status_code == 422


# --- follow -----------------------------------------------------------------------------------


def test_follow_and_unfollow_are_idempotent(user_client, user, other_user):
    playlist = PlaylistFactory(owner=other_user, public=True)
    url = f"{URL}/{playlist.pk}"

    assert user_client.post(f"{url}/follow").json() == {"status": "success", "is_following": True}
    assert user_client.post(f"{url}/follow").status_code == 200
    detail = user_client.get(url).json()["playlist"]
    assert (detail["is_following"], detail["followers_count"]) == (True, 1)

    assert user_client.post(f"{url}/unfollow").status_code == 200
    assert user_client.post(f"{url}/unfollow").status_code == 200
    assert not PlaylistFollower.objects.exists()


def test_follow_needs_a_user_and_the_owner_cannot_follow(api_client, user_client, user):
    playlist = PlaylistFactory(owner=user, public=True)

    assert api_client.post(f"{URL}/{playlist.pk}/follow").status_code == 401
    assert user_client.post(f"{URL}/{playlist.pk}/follow").status_code == 422


# --- tracks -------------------------------------------------------------------------------------


def test_add_appends_in_the_given_order_and_skips_duplicates(user_client, user):
    a, b, c, d = tracks(4)
    playlist = PlaylistFactory(owner=user, tracks=[a, b])

    response = user_client.post(
        f"{URL}/{playlist.pk}/tracks/add", {"ids": [d.pk, b.pk, c.pk, d.pk]}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["added"] == [d.pk, c.pk]
    assert response.json()["playlist"]["tracks_count"] == 4
    assert positions(playlist) == [(1, a.pk), (2, b.pk), (3, d.pk), (4, c.pk)]
    entry = PlaylistTrack.objects.get(playlist=playlist, track=d)
    assert entry.added_by == user
    assert entry.added_at is not None


def test_add_of_only_existing_tracks_is_409(user_client, user):
    a, b = tracks(2)
    playlist = PlaylistFactory(owner=user, tracks=[a, b])

    response = user_client.post(
        f"{URL}/{playlist.pk}/tracks/add", {"ids": [b.pk, a.pk]}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "message": "Track already in playlist",
        "error_code": "track_already_in_playlist",
    }
    assert positions(playlist) == [(1, a.pk), (2, b.pk)]


def test_add_past_500_tracks_is_429_and_adds_nothing(user_client, user):
    artist = ArtistFactory()
    existing = tracks(MAX_TRACKS_PER_PLAYLIST - 1, artist=artist)
    playlist = PlaylistFactory(owner=user, tracks=existing)
    extra = tracks(2, artist=artist)

    full = user_client.post(
        f"{URL}/{playlist.pk}/tracks/add", {"ids": [t.pk for t in extra]}, format="json"
    )
    last = user_client.post(
        f"{URL}/{playlist.pk}/tracks/add", {"ids": [extra[0].pk]}, format="json"
    )

    assert full.status_code == 429
    assert full.json() == {"message": "Playlist full", "error_code": "playlist_full"}
    assert last.status_code == 200
    assert PlaylistTrack.objects.filter(playlist=playlist).count() == MAX_TRACKS_PER_PLAYLIST


def test_private_tracks_of_others_cannot_be_added(user_client, user):
    public = tracks(1)[0]
    private = TrackFactory(artists=[ArtistFactory()], visibility=Visibility.PRIVATE)
    playlist = PlaylistFactory(owner=user)

    response = user_client.post(
        f"{URL}/{playlist.pk}/tracks/add", {"ids": [public.pk, private.pk, 999999]}, format="json"
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"ids.1", "ids.2"}
    assert not PlaylistTrack.objects.exists()


def test_a_producer_can_add_their_own_private_track(producer_client, producer, producer_artist):
    draft = TrackFactory(artists=[producer_artist], visibility=Visibility.PRIVATE)
    playlist = PlaylistFactory(owner=producer)

    response = producer_client.post(
        f"{URL}/{playlist.pk}/tracks/add", {"ids": [draft.pk]}, format="json"
    )

    assert response.status_code == 200
    assert positions(playlist) == [(1, draft.pk)]


@pytest.mark.parametrize(
    "payload", [{}, {"ids": []}, {"ids": "1"}, {"ids": ["x"]}, {"ids": [0]}, {"ids": [1] * 501}]
)
def test_add_with_malformed_ids_is_422(user_client, user, payload):
    playlist = PlaylistFactory(owner=user)

    response = user_client.post(f"{URL}/{playlist.pk}/tracks/add", payload, format="json")

    assert response.status_code == 422


def test_track_listing_is_in_playlist_order_and_hides_private_tracks(user, other_client):
    artist = ArtistFactory()
    a, b = tracks(2, artist=artist)
    hidden = TrackFactory(artists=[artist], visibility=Visibility.PRIVATE)
    playlist = PlaylistFactory(owner=user, public=True, tracks=[b, hidden, a])

    body = other_client.get(f"{URL}/{playlist.pk}/tracks").json()

    assert [t["id"] for t in body["data"]] == [b.pk, a.pk]
    assert [t["position"] for t in body["data"]] == [1, 3]
    assert body["total"] == 2
    assert body["data"][0]["artists"][0]["id"] == artist.pk
    assert other_client.get(f"{URL}/{playlist.pk}").json()["playlist"]["tracks_count"] == 2


def test_track_listing_paginates(api_client, user):
    items = tracks(3)
    playlist = PlaylistFactory(owner=user, public=True, tracks=items)

    body = api_client.get(f"{URL}/{playlist.pk}/tracks", {"per_page": 2, "page": 2}).json()

    assert [t["id"] for t in body["data"]] == [items[2].pk]
    assert (body["total"], body["last_page"], body["from"]) == (3, 2, 3)
    assert "is_liked" not in body["data"][0]  # anonymous tier


def test_track_listing_query_count_is_the_same_for_1_and_50_tracks(user, user_client):
    artist = ArtistFactory()
    playlist = PlaylistFactory(owner=user, tracks=tracks(1, artist=artist))
    url = f"{URL}/{playlist.pk}/tracks"
    one = _list_queries(user_client, url)

    PlaylistTrack.objects.bulk_create(
        PlaylistTrack(playlist=playlist, track=t, position=i, added_at=t.created_at)
        for i, t in enumerate(tracks(49, artist=artist), start=2)
    )

    assert _list_queries(user_client, url) == one
    assert user_client.get(url, {"per_page": 100}).json()["total"] == 50


def test_remove_closes_the_gaps(user_client, user):
    a, b, c, d, e = tracks(5)
    playlist = PlaylistFactory(owner=user, tracks=[a, b, c, d, e])

    response = user_client.post(
        f"{URL}/{playlist.pk}/tracks/remove", {"ids": [b.pk, d.pk, 999999]}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["removed"] == 2
    assert positions(playlist) == [(1, a.pk), (2, c.pk), (3, e.pk)]


def test_order_sets_a_permutation(user_client, user):
    a, b, c = tracks(3)
    playlist = PlaylistFactory(owner=user, tracks=[a, b, c])

    response = user_client.post(
        f"{URL}/{playlist.pk}/tracks/order", {"ids": [c.pk, a.pk, b.pk]}, format="json"
    )

    assert response.status_code == 200
    assert positions(playlist) == [(1, c.pk), (2, a.pk), (3, b.pk)]


@pytest.mark.parametrize("shape", ["missing", "extra", "duplicate", "foreign"])
def test_order_that_is_not_a_permutation_is_422(user_client, user, shape):
    a, b, c = tracks(3)
    outsider = tracks(1)[0]
    playlist = PlaylistFactory(owner=user, tracks=[a, b, c])
    ids = {
        "missing": [a.pk, b.pk],
        "extra": [a.pk, b.pk, c.pk, outsider.pk],
        "duplicate": [a.pk, b.pk, b.pk],
        "foreign": [a.pk, b.pk, outsider.pk],
    }[shape]

    response = user_client.post(f"{URL}/{playlist.pk}/tracks/order", {"ids": ids}, format="json")

    assert response.status_code == 422
    assert "ids" in response.json()["errors"]
    assert positions(playlist) == [(1, a.pk), (2, b.pk), (3, c.pk)]


def test_order_keeps_the_slots_of_tracks_hidden_from_the_editor(user):
    artist = ArtistFactory(managers=[user])
    a, b = tracks(2)
    draft = TrackFactory(artists=[artist], visibility=Visibility.PRIVATE)
    editor = UserFactory()
    playlist = PlaylistFactory(
        owner=user, collaborative=True, tracks=[a, draft, b], editors=[editor]
    )

    response = bearer_client(editor).post(
        f"{URL}/{playlist.pk}/tracks/order", {"ids": [b.pk, a.pk]}, format="json"
    )

    assert response.status_code == 200
    assert positions(playlist) == [(1, b.pk), (2, draft.pk), (3, a.pk)]


def test_an_editor_cannot_remove_a_track_hidden_from_them(user):
    """As with reordering, a track the editor cannot see is out of their reach: its id is
    ignored as an id not in the playlist is (same answer, so no probing either). The owner
    may remove any track of their playlist, even one hidden from them since."""
    draft = TrackFactory(artists=[ArtistFactory()], visibility=Visibility.PRIVATE)
    a, b = tracks(2)
    editor = UserFactory()
    playlist = PlaylistFactory(
        owner=user, collaborative=True, tracks=[a, draft, b], editors=[editor]
    )
    url = f"{URL}/{playlist.pk}/tracks/remove"

    response = bearer_client(editor).post(url, {"ids": [draft.pk, a.pk]}, format="json")

    assert response.status_code == 200
    assert positions(playlist) == [(1, draft.pk), (2, b.pk)]
    owner = bearer_client(user).post(url, {"ids": [draft.pk]}, format="json")
    assert owner.status_code == 200
    assert positions(playlist) == [(1, b.pk)]


def test_track_writes_permission_matrix(api_client, user, staff_client):
    editor, follower, stranger = UserFactory(), UserFactory(), UserFactory()
    a, b = tracks(2)
    playlist = PlaylistFactory(owner=user, collaborative=True, tracks=[a], editors=[editor])
    PlaylistFollower.objects.create(playlist=playlist, user=follower)
    add = f"{URL}/{playlist.pk}/tracks/add"
    body = {"ids": [b.pk]}

    assert api_client.post(add, body, format="json").status_code == 401
    assert bearer_client(stranger).post(add, body, format="json").status_code == 403
    assert bearer_client(follower).post(add, body, format="json").status_code == 403
    assert bearer_client(editor).post(add, body, format="json").status_code == 200
    remove = f"{URL}/{playlist.pk}/tracks/remove"
    assert bearer_client(follower).post(remove, body, format="json").status_code == 403
    assert staff_client.post(remove, body, format="json").status_code == 200
    assert bearer_client(user).post(add, body, format="json").status_code == 200
    assert positions(playlist) == [(1, a.pk), (2, b.pk)]


def test_editors_lose_track_rights_when_the_playlist_stops_being_collaborative(user):
    editor = UserFactory()
    track = tracks(1)[0]
    playlist = PlaylistFactory(owner=user, collaborative=False, editors=[editor])

    response = bearer_client(editor).post(
        f"{URL}/{playlist.pk}/tracks/add", {"ids": [track.pk]}, format="json"
    )

    assert response.status_code == 403


def test_deleting_a_track_removes_it_from_playlists(user):
    a, b = tracks(2)
    playlist = PlaylistFactory(owner=user, tracks=[a, b])

    a.delete()

    assert positions(playlist) == [(2, b.pk)]


def test_my_playlists_lists_created_edited_and_followed(user, user_client, api_client):
    stranger = UserFactory()
    mine = PlaylistFactory(owner=user, public=False)
    edited = PlaylistFactory(owner=stranger, public=False, collaborative=True, editors=[user])
    followed = PlaylistFactory(owner=stranger, public=True)
    went_private = PlaylistFactory(owner=stranger, public=False)
    PlaylistFactory(owner=stranger, public=True)  # neither followed nor edited
    for playlist in (followed, went_private):
        PlaylistFollower.objects.create(playlist=playlist, user=user)

    body = user_client.get("/api/v1/users/me/playlists").json()

    assert {p["id"] for p in body["data"]} == {mine.pk, edited.pk, followed.pk}
    assert api_client.get("/api/v1/users/me/playlists").status_code == 401
