"""Credits endpoints: roles, list/filters, add (manual, Spotify, album), update, delete, reorder,
and the Spotify look-ups through the loopback stub."""

from __future__ import annotations

import pytest

from content.credits.models import Credit, ReleaseType
from content.credits.services import release_key_for
from content.tests.factories import ArtistFactory

pytestmark = pytest.mark.usefixtures("credit_roles")


def url(artist, suffix=""):
    return f"/api/v1/artists/{artist.pk}/credits{suffix}"


def make_credit(artist, role, *, title="Song", position=0, **fields):
    return Credit.objects.create(
        artist=artist,
        role=role,
        title=title,
        release_key=release_key_for(
            spotify_track_id=fields.get("spotify_track_id", ""),
            title=title,
            release_artists=fields.get("release_artists", ""),
        ),
        position=position,
        **fields,
    )


# --- roles ---------------------------------------------------------------------------------------


def test_roles_are_public_and_grouped_by_category(api_client):
    response = api_client.get("/api/v1/credits/roles")

    assert response.status_code == 200
    categories = response.json()["categories"]
    assert [c["key"] for c in categories] == [
        "production",
        "engineering",
        "writing",
        "performance",
        "other",
    ]
    assert [r["name"] for r in categories[0]["roles"]] == ["Producer", "Co-Producer", "Beat Maker"]
    assert [r["name"] for r in categories[4]["roles"]] == [
        "Executive Producer",
        "A&R",
        "Creative Director",
    ]


# --- list ----------------------------------------------------------------------------------------


def test_list_groups_roles_per_release_in_position_order(api_client, producer_artist, credit_roles):
    make_credit(producer_artist, credit_roles["producer"], title="Second", position=2)
    make_credit(producer_artist, credit_roles["producer"], title="First", position=0)
    make_credit(producer_artist, credit_roles["mixing-engineer"], title="First", position=1)

    response = api_client.get(url(producer_artist))

    assert response.status_code == 200
    body = response.json()
    assert [g["title"] for g in body["data"]] == ["First", "Second"]
    assert [r["slug"] for r in body["data"][0]["roles"]] == ["producer", "mixing-engineer"]
    assert body["total"] == 2
    assert body["credits_count"] == 3
    assert {p["slug"]: p["count"] for p in body["roles"]} == {"producer": 2, "mixing-engineer": 1}


def test_album_credits_group_into_one_card_with_their_tracks(
    api_client, producer_artist, credit_roles
):
    common = {
        "release_type": ReleaseType.ALBUM,
        "album_group": "albNight",
        "album_name": "Night Drive",
    }
    make_credit(
        producer_artist, credit_roles["producer"], title="A", spotify_track_id="t1", **common
    )
    make_credit(
        producer_artist, credit_roles["producer"], title="B", spotify_track_id="t2", **common
    )
    make_credit(
        producer_artist, credit_roles["composer"], title="B", spotify_track_id="t2", **common
    )

    body = api_client.get(url(producer_artist)).json()

    assert len(body["data"]) == 1
    card = body["data"][0]
    assert card["type"] == "album"
    assert card["title"] == "Night Drive"
    assert card["track_count"] == 2
    assert [t["roles"] for t in card["tracks"]] == [["producer"], ["producer", "composer"]]


def test_list_filters_by_role_and_category(api_client, producer_artist, credit_roles):
    make_credit(producer_artist, credit_roles["producer"], title="Beat")
    make_credit(producer_artist, credit_roles["mixing-engineer"], title="Mix")

    by_role = api_client.get(url(producer_artist), {"role": "mixing-engineer"}).json()
    by_category = api_client.get(url(producer_artist), {"category": "production"}).json()

    assert [g["title"] for g in by_role["data"]] == ["Mix"]
    assert [g["title"] for g in by_category["data"]] == ["Beat"]


@pytest.mark.parametrize("params", [{"role": "wizard"}, {"category": "magic"}])
def test_list_rejects_unknown_filters_with_422(api_client, producer_artist, params):
    assert api_client.get(url(producer_artist), params).status_code == 422


def test_list_of_missing_artist_is_404(api_client):
    assert api_client.get("/api/v1/artists/999999/credits").status_code == 404


@pytest.mark.parametrize("count", [1, 30])
def test_list_query_count_is_constant(
    api_client, producer_artist, credit_roles, django_assert_num_queries, count
):
    for i in range(count):
        make_credit(producer_artist, credit_roles["producer"], title=f"Song {i}", position=i)

    with django_assert_num_queries(2):  # artist + credits with their roles
        response = api_client.get(url(producer_artist))

    assert len(response.json()["data"]) == count


# --- add (manual) --------------------------------------------------------------------------------


def test_manager_adds_a_manual_credit_with_two_roles(producer_client, producer_artist):
    response = producer_client.post(
        url(producer_artist),
        {
            "title": "Neon Lights",
            "release_artists": "Luna Ray",
            "release_date": "2021-03-05",
            "roles": ["producer", "mixing-engineer"],
        },
        format="json",
    )

    assert response.status_code == 201
    credits = response.json()["credits"]
    assert [c["role"]["slug"] for c in credits] == ["producer", "mixing-engineer"]
    assert credits[0]["release_year"] == 2021
    assert Credit.objects.filter(artist=producer_artist).count() == 2


def test_invalid_role_is_422_and_writes_nothing(producer_client, producer_artist):
    response = producer_client.post(
        url(producer_artist), {"title": "Song", "roles": ["producer", "wizard"]}, format="json"
    )

    assert response.status_code == 422
    assert "roles" in response.json()["errors"]
    assert not Credit.objects.exists()


def test_credit_needs_a_title_or_a_spotify_track(producer_client, producer_artist):
    response = producer_client.post(url(producer_artist), {"roles": ["producer"]}, format="json")

    assert response.status_code == 422
    assert "title" in response.json()["errors"]


def test_duplicate_role_on_same_release_is_409(producer_client, producer_artist, credit_roles):
    make_credit(producer_artist, credit_roles["producer"], title="Neon Lights")

    response = producer_client.post(
        url(producer_artist),
        {"title": "  neon   LIGHTS ", "roles": ["mixing-engineer", "producer"]},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["error_code"] == "duplicate_credit"
    assert response.json()["duplicates"] == ["producer"]
    assert Credit.objects.count() == 1


def test_adding_a_role_to_an_existing_release_joins_its_card(
    producer_client, producer_artist, credit_roles
):
    make_credit(producer_artist, credit_roles["producer"], title="Neon Lights")

    producer_client.post(
        url(producer_artist), {"title": "Neon Lights", "roles": ["composer"]}, format="json"
    )

    cards = producer_client.get(url(producer_artist)).json()["data"]
    assert len(cards) == 1
    assert [r["slug"] for r in cards[0]["roles"]] == ["producer", "composer"]


@pytest.mark.parametrize(
    ("client_fixture", "expected"),
    [("api_client", 401), ("other_client", 403), ("producer_client", 201), ("staff_client", 201)],
)
def test_add_permission_matrix(request, producer_artist, client_fixture, expected):
    client = request.getfixturevalue(client_fixture)

    response = client.post(
        url(producer_artist), {"title": "Song", "roles": ["producer"]}, format="json"
    )

    assert response.status_code == expected


# --- add (Spotify) -------------------------------------------------------------------------------


def test_spotify_track_credit_takes_metadata_from_spotify(
    producer_client, producer_artist, spotify_stub
):
    response = producer_client.post(
        url(producer_artist),
        {"spotify_track_id": "trkMidnight", "title": "ignored", "roles": ["producer"]},
        format="json",
    )

    assert response.status_code == 201
    credit = response.json()["credits"][0]
    assert credit["title"] == "Midnight Run"
    assert credit["release_artists"] == "Luna Ray, Kid Nova"
    assert credit["album_name"] == "Night Drive"
    assert credit["cover_image_url"] == "https://i.scdn.co/image/albNight-300"
    assert credit["spotify_track_url"] == "https://open.spotify.com/track/trkMidnight"
    assert credit["spotify_album_id"] == "albNight"
    assert credit["popularity"] == 55


def test_spotify_credit_without_configuration_is_503(producer_client, producer_artist, settings):
    settings.SPOTIFY_CLIENT_ID = ""

    response = producer_client.post(
        url(producer_artist), {"spotify_track_id": "trkNeon", "roles": ["producer"]}, format="json"
    )

    assert response.status_code == 503
    assert response.json() == {
        "message": "Spotify integration is not configured.",
        "error_code": "spotify_unavailable",
    }


def test_unknown_spotify_track_is_404(producer_client, producer_artist, spotify_stub):
    response = producer_client.post(
        url(producer_artist), {"spotify_track_id": "nope", "roles": ["producer"]}, format="json"
    )

    assert response.status_code == 404
    assert not Credit.objects.exists()


def test_malformed_spotify_id_is_422(producer_client, producer_artist, spotify_stub):
    response = producer_client.post(
        url(producer_artist), {"spotify_track_id": "../x", "roles": ["producer"]}, format="json"
    )

    assert response.status_code == 422


# --- add (album) ---------------------------------------------------------------------------------


def test_album_credit_adds_only_tracks_with_roles(producer_client, producer_artist, spotify_stub):
    response = producer_client.post(
        url(producer_artist, "/album"),
        {
            "spotify_album_id": "albNight",
            "tracks": {"trkNeon": ["producer", "composer"], "trkAfter": ["mixing-engineer"]},
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["tracks_added"] == 2
    rows = Credit.objects.filter(artist=producer_artist).order_by("position")
    assert [(c.spotify_track_id, c.role.slug) for c in rows] == [
        ("trkNeon", "producer"),
        ("trkNeon", "composer"),
        ("trkAfter", "mixing-engineer"),
    ]
    assert {c.album_group for c in rows} == {"albNight"}
    assert {c.release_type for c in rows} == {ReleaseType.ALBUM}


def test_album_roles_all_apply_to_every_track_plus_per_track_extras(
    producer_client, producer_artist, spotify_stub
):
    response = producer_client.post(
        url(producer_artist, "/album"),
        {
            "spotify_album_id": "albNight",
            "roles_all": ["producer"],
            "tracks": {"trkMidnight": ["vocalist", "producer"]},
        },
        format="json",
    )

    assert response.status_code == 201
    roles = sorted(
        Credit.objects.filter(artist=producer_artist).values_list("spotify_track_id", "role__slug")
    )
    assert roles == [
        ("trkAfter", "producer"),
        ("trkMidnight", "producer"),
        ("trkMidnight", "vocalist"),
        ("trkNeon", "producer"),
    ]


def test_album_credit_with_no_roles_is_422(producer_client, producer_artist, spotify_stub):
    response = producer_client.post(
        url(producer_artist, "/album"),
        {"spotify_album_id": "albNight", "tracks": {"trkNeon": []}},
        format="json",
    )

    assert response.status_code == 422


def test_album_credit_rejects_tracks_from_another_album(
    producer_client, producer_artist, spotify_stub
):
    response = producer_client.post(
        url(producer_artist, "/album"),
        {"spotify_album_id": "albNight", "tracks": {"trkSummer": ["producer"]}},
        format="json",
    )

    assert response.status_code == 422
    assert not Credit.objects.exists()


def test_album_credit_with_one_duplicate_writes_nothing(
    producer_client, producer_artist, credit_roles, spotify_stub
):
    make_credit(
        producer_artist, credit_roles["producer"], title="Afterglow", spotify_track_id="trkAfter"
    )

    response = producer_client.post(
        url(producer_artist, "/album"),
        {"spotify_album_id": "albNight", "roles_all": ["producer"]},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["duplicates"] == [{"track_id": "trkAfter", "roles": ["producer"]}]
    assert Credit.objects.count() == 1


def test_album_credit_invalid_role_is_422_before_calling_spotify(
    producer_client, producer_artist, spotify_stub
):
    response = producer_client.post(
        url(producer_artist, "/album"),
        {"spotify_album_id": "albNight", "roles_all": ["wizard"]},
        format="json",
    )

    assert response.status_code == 422
    assert spotify_stub.calls("/v1/albums") == 0


def test_album_credit_when_spotify_is_down_is_502(producer_client, producer_artist, spotify_stub):
    spotify_stub.mode = "error"

    response = producer_client.post(
        url(producer_artist, "/album"),
        {"spotify_album_id": "albNight", "roles_all": ["producer"]},
        format="json",
    )

    assert response.status_code == 502
    assert response.json()["error_code"] == "spotify_error"


@pytest.mark.parametrize(
    ("client_fixture", "expected"), [("api_client", 401), ("other_client", 403)]
)
def test_album_credit_permissions(request, producer_artist, client_fixture, expected, spotify_stub):
    client = request.getfixturevalue(client_fixture)

    response = client.post(
        url(producer_artist, "/album"),
        {"spotify_album_id": "albNight", "roles_all": ["producer"]},
        format="json",
    )

    assert response.status_code == expected
    assert spotify_stub.calls("/v1/albums") == 0


# --- update / delete -----------------------------------------------------------------------------


def test_update_changes_role_and_release_metadata_for_all_its_roles(
    producer_client, producer_artist, credit_roles
):
    first = make_credit(producer_artist, credit_roles["producer"], title="Old")
    second = make_credit(producer_artist, credit_roles["composer"], title="Old", position=1)

    response = producer_client.put(
        url(producer_artist, f"/{first.pk}"),
        {"role": "co-producer", "title": "New"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["credit"]["role"]["slug"] == "co-producer"
    second.refresh_from_db()
    assert second.title == "New"
    assert second.release_key == release_key_for(title="New")


def test_update_into_an_existing_role_is_409(producer_client, producer_artist, credit_roles):
    first = make_credit(producer_artist, credit_roles["producer"], title="Song")
    make_credit(producer_artist, credit_roles["composer"], title="Song", position=1)

    response = producer_client.put(
        url(producer_artist, f"/{first.pk}"), {"role": "composer"}, format="json"
    )

    assert response.status_code == 409
    first.refresh_from_db()
    assert first.role.slug == "producer"


def test_renaming_a_release_onto_one_with_the_same_role_is_409(
    producer_client, producer_artist, credit_roles
):
    make_credit(producer_artist, credit_roles["producer"], title="A")
    b = make_credit(producer_artist, credit_roles["producer"], title="B", position=1)

    response = producer_client.put(
        url(producer_artist, f"/{b.pk}"), {"title": " a "}, format="json"
    )

    assert response.status_code == 409
    b.refresh_from_db()
    assert b.title == "B"


def test_update_with_invalid_role_is_422(producer_client, producer_artist, credit_roles):
    credit = make_credit(producer_artist, credit_roles["producer"])

    response = producer_client.put(
        url(producer_artist, f"/{credit.pk}"), {"role": "wizard"}, format="json"
    )

    assert response.status_code == 422


def test_credit_of_another_artist_is_404(producer_client, producer_artist, credit_roles):
    foreign = make_credit(ArtistFactory(), credit_roles["producer"])

    response = producer_client.delete(url(producer_artist, f"/{foreign.pk}"))

    assert response.status_code == 404
    assert Credit.objects.filter(pk=foreign.pk).exists()


@pytest.mark.parametrize(
    ("client_fixture", "expected"),
    [("api_client", 401), ("other_client", 403), ("producer_client", 200), ("staff_client", 200)],
)
def test_update_and_delete_permission_matrix(
    request, producer_artist, credit_roles, client_fixture, expected
):
    client = request.getfixturevalue(client_fixture)
    credit = make_credit(producer_artist, credit_roles["producer"])

    put = client.put(url(producer_artist, f"/{credit.pk}"), {"title": "X"}, format="json")
    delete = client.delete(url(producer_artist, f"/{credit.pk}"))

    assert (put.status_code, delete.status_code) == (expected, expected)
    assert Credit.objects.filter(pk=credit.pk).exists() is (expected != 200)


def test_delete_removes_one_role_or_the_whole_release(
    producer_client, producer_artist, credit_roles
):
    a = make_credit(producer_artist, credit_roles["producer"], title="Song")
    make_credit(producer_artist, credit_roles["composer"], title="Song", position=1)
    make_credit(producer_artist, credit_roles["vocalist"], title="Song", position=2)
    other = make_credit(producer_artist, credit_roles["producer"], title="Other", position=3)

    one = producer_client.delete(url(producer_artist, f"/{a.pk}"))
    remaining = Credit.objects.filter(title="Song").first()
    whole = producer_client.delete(url(producer_artist, f"/{remaining.pk}?scope=release"))

    assert one.json()["deleted"] == 1
    assert whole.json()["deleted"] == 2
    assert list(Credit.objects.values_list("pk", flat=True)) == [other.pk]


# --- reorder -------------------------------------------------------------------------------------


def test_reorder_sets_positions_from_the_permutation(
    producer_client, producer_artist, credit_roles
):
    a = make_credit(producer_artist, credit_roles["producer"], title="A", position=0)
    b = make_credit(producer_artist, credit_roles["producer"], title="B", position=1)
    c = make_credit(producer_artist, credit_roles["producer"], title="C", position=2)

    response = producer_client.post(
        url(producer_artist, "/reorder"), {"ids": [c.pk, a.pk, b.pk]}, format="json"
    )

    assert response.status_code == 200
    titles = [g["title"] for g in producer_client.get(url(producer_artist)).json()["data"]]
    assert titles == ["C", "A", "B"]


@pytest.mark.parametrize("mutation", ["missing", "duplicate", "foreign", "unknown"])
def test_reorder_rejects_anything_but_a_permutation(
    producer_client, producer_artist, credit_roles, mutation
):
    a = make_credit(producer_artist, credit_roles["producer"], title="A", position=0)
    b = make_credit(producer_artist, credit_roles["producer"], title="B", position=1)
    foreign = make_credit(ArtistFactory(), credit_roles["producer"])
    ids = {
        "missing": [a.pk],
        "duplicate": [a.pk, b.pk, a.pk],
        "foreign": [a.pk, b.pk, foreign.pk],
        "unknown": [a.pk, b.pk, 987654321],
    }[mutation]

    response = producer_client.post(url(producer_artist, "/reorder"), {"ids": ids}, format="json")

    assert response.status_code == 422
    assert "ids" in response.json()["errors"]
    assert list(
        Credit.objects.filter(artist=producer_artist).values_list("position", flat=True)
    ) == [0, 1]


@pytest.mark.parametrize(
    ("client_fixture", "expected"),
    [("api_client", 401), ("other_client", 403), ("staff_client", 200)],
)
def test_reorder_permission_matrix(
    request, producer_artist, credit_roles, client_fixture, expected
):
    credit = make_credit(producer_artist, credit_roles["producer"])
    client = request.getfixturevalue(client_fixture)

    response = client.post(url(producer_artist, "/reorder"), {"ids": [credit.pk]}, format="json")

    assert response.status_code == expected


# --- Spotify look-ups ----------------------------------------------------------------------------


def test_spotify_search_requires_authentication(api_client, spotify_stub):
    assert api_client.get("/api/v1/credits/spotify-search", {"q": "neon"}).status_code == 401


def test_spotify_search_pages_ten_and_marks_already_credited_roles(
    producer_client, producer_artist, credit_roles, spotify_stub
):
    make_credit(
        producer_artist, credit_roles["producer"], title="Echo 2", spotify_track_id="trkEcho2"
    )

    response = producer_client.get(
        "/api/v1/credits/spotify-search",
        {"q": "echo", "type": "track", "artist_id": producer_artist.pk},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["per_page"], body["total"], body["last_page"]) == (10, 23, 3)
    assert len(body["data"]) == 10
    roles = {item["id"]: item["already_credited_roles"] for item in body["data"]}
    assert roles["trkEcho2"] == ["producer"]
    assert roles["trkEcho1"] == []


def test_spotify_album_search_marks_album_roles(
    producer_client, producer_artist, credit_roles, spotify_stub
):
    make_credit(
        producer_artist,
        credit_roles["mixing-engineer"],
        title="Neon Lights",
        spotify_track_id="trkNeon",
        release_type=ReleaseType.ALBUM,
        album_group="albNight",
    )

    body = producer_client.get(
        "/api/v1/credits/spotify-search",
        {"q": "night", "type": "album", "artist_id": producer_artist.pk},
    ).json()

    assert body["data"][0]["already_credited_roles"] == ["mixing-engineer"]
    assert body["data"][0]["track_count"] == 3


def test_spotify_search_for_an_artist_you_do_not_manage_is_403(
    other_client, producer_artist, spotify_stub
):
    response = other_client.get(
        "/api/v1/credits/spotify-search", {"q": "neon", "artist_id": producer_artist.pk}
    )

    assert response.status_code == 403
    assert spotify_stub.calls("/v1/search") == 0


@pytest.mark.parametrize(
    "params", [{}, {"q": "neon", "type": "playlist"}, {"q": "neon", "page": "x"}]
)
def test_spotify_search_validates_its_parameters(user_client, spotify_stub, params):
    assert user_client.get("/api/v1/credits/spotify-search", params).status_code == 422


def test_spotify_search_unconfigured_is_503(user_client):
    response = user_client.get("/api/v1/credits/spotify-search", {"q": "neon"})

    assert response.status_code == 503
    assert response.json() == {
        "message": "Spotify integration is not configured.",
        "error_code": "spotify_unavailable",
    }


def test_spotify_rate_limit_is_503_with_retry_after(user_client, spotify_stub):
    spotify_stub.mode = "rate_limit"
    spotify_stub.retry_after = 12

    response = user_client.get("/api/v1/credits/spotify-search", {"q": "neon"})

    assert response.status_code == 503
    assert response.json()["error_code"] == "spotify_rate_limited"
    assert response.json()["retry_after"] == 12
    assert response["Retry-After"] == "12"


def test_spotify_timeout_is_503(user_client, spotify_stub):
    spotify_stub.mode = "slow"

    response = user_client.get("/api/v1/credits/spotify-album", {"id": "albNight"})

    assert response.status_code == 503
    assert response.json()["error_code"] == "spotify_timeout"


def test_spotify_album_lists_tracks_with_credited_roles(
    producer_client, producer_artist, credit_roles, spotify_stub
):
    make_credit(
        producer_artist, credit_roles["composer"], title="Afterglow", spotify_track_id="trkAfter"
    )

    response = producer_client.get(
        "/api/v1/credits/spotify-album", {"id": "albNight", "artist_id": producer_artist.pk}
    )

    assert response.status_code == 200
    album = response.json()["album"]
    assert album["name"] == "Night Drive"
    assert album["track_count"] == 3
    assert [(t["name"], t["already_credited_roles"]) for t in album["tracks"]] == [
        ("Neon Lights", []),
        ("Midnight Run", []),
        ("Afterglow", ["composer"]),
    ]


def test_unknown_spotify_album_is_404(user_client, spotify_stub):
    assert user_client.get("/api/v1/credits/spotify-album", {"id": "nope"}).status_code == 404


# --- documentation stays in step with the output -------------------------------------------------


def test_documented_credit_fields_match_the_responses(
    producer_client, producer_artist, credit_roles, spotify_stub
):
    from content.credits import schemas as docs

    producer_client.post(
        url(producer_artist, "/album"),
        {"spotify_album_id": "albNight", "roles_all": ["producer"]},
        format="json",
    )
    card = producer_client.get(url(producer_artist)).json()["data"][0]
    search = producer_client.get("/api/v1/credits/spotify-search", {"q": "neon"}).json()
    album = producer_client.get("/api/v1/credits/spotify-album", {"id": "albNight"}).json()

    assert set(card) == set(docs.CreditGroupOut().fields)
    assert set(card["credits"][0]) == set(docs.CreditOut().fields)
    assert set(card["tracks"][0]) == set(docs.CreditGroupTrackOut().fields)
    assert set(search["data"][0]) <= set(docs.SpotifyItemOut().fields)
    assert set(album["album"]) <= set(docs.SpotifyAlbumOut().fields)
    assert set(album["album"]["tracks"][0]) <= set(docs.SpotifyItemOut().fields)
