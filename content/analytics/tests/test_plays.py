"""Play logging: the counting rules, listen durations, identity of listeners, concurrency."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from rest_framework.test import APIClient

from beatpass.api.throttling import _redis_client
from beatpass.testing import run_concurrently
from conftest import bearer_client
from content.analytics.api.plays import PlayRateThrottle, PlayStartView
from content.analytics.models import PlayEvent, PlayGate
from content.analytics.services import plays
from content.catalog.models import Visibility
from content.tests.factories import ArtistFactory, TrackFactory, UserFactory

UA = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


def listener_client(ip="203.0.113.7", ua=UA) -> APIClient:
    return APIClient(REMOTE_ADDR=ip, HTTP_USER_AGENT=ua)


def start(client, track, **body):
    return client.post(f"/api/v1/tracks/{track.pk}/plays", body, format="json")


def update(client, track, play_id, listened_ms):
    return client.post(
        f"/api/v1/tracks/plays/{track.pk}/update-duration",
        {"play_id": play_id, "listened_ms": listened_ms},
        format="json",
    )


@pytest.fixture
def track(db):
    return TrackFactory(artists=[ArtistFactory()], duration=200_000)


def test_an_anonymous_play_is_recorded_without_the_ip(track, fake_clock):
    response = start(listener_client(), track, source="embed")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "success"
    assert body["counted"] is True
    event = PlayEvent.objects.get(pk=body["play_id"])
    assert (event.track_id, event.user_id, event.source) == (track.pk, None, "embed")
    assert event.listener < 0  # anonymous listeners are negative hashes
    assert event.day == fake_clock.now().date()
    assert (event.track_duration_ms, event.listened_ms, event.completed) == (200_000, 0, False)
    assert "203.0.113.7" not in str(PlayEvent.objects.filter(pk=event.pk).values().get())


def test_a_replay_within_the_window_counts_once_then_counts_again_after_it(track, fake_clock):
    client = listener_client()
    first = start(client, track).json()

    fake_clock.advance(seconds=29)
    replay = start(client, track)
    fake_clock.advance(seconds=2)
    later = start(client, track)

    assert replay.status_code == 200
    assert replay.json() == {"status": "success", "play_id": first["play_id"], "counted": False}
    assert later.status_code == 201
    assert later.json()["play_id"] != first["play_id"]
    assert PlayEvent.objects.filter(track=track).count() == 2


def test_the_window_is_a_setting(track, fake_clock, settings):
    settings.ANALYTICS_DEDUPE_SECONDS = 5
    client = listener_client()
    start(client, track)

    fake_clock.advance(seconds=6)

    assert start(client, track).json()["counted"] is True


def test_other_listeners_and_other_tracks_are_counted_separately(track, fake_clock):
    other_track = TrackFactory(artists=[ArtistFactory()])

    results = [
        start(listener_client(), track),
        start(listener_client(ua="curl/8.5"), track),  # same IP, another browser
        start(listener_client(ip="198.51.100.1"), track),
        start(listener_client(), other_track),
    ]

    assert [r.status_code for r in results] == [201, 201, 201, 201]
    assert len({r.json()["play_id"] for r in results}) == 4


def test_a_signed_in_listener_is_known_by_their_account_whatever_the_ip(track, user, fake_clock):
    client = bearer_client(user)
    first = client.post(
        f"/api/v1/tracks/{track.pk}/plays", {}, format="json", REMOTE_ADDR="1.1.1.1"
    )
    again = client.post(
        f"/api/v1/tracks/{track.pk}/plays", {}, format="json", REMOTE_ADDR="2.2.2.2"
    )

    event = PlayEvent.objects.get(pk=first.json()["play_id"])
    assert (event.listener, event.user_id) == (user.pk, user.pk)
    assert again.json() == {"status": "success", "play_id": event.pk, "counted": False}


def test_anonymous_identities_rotate_every_day(track, fake_clock):
    client = listener_client()
    first = start(client, track).json()["play_id"]
    fake_clock.advance(days=1)
    second = start(client, track).json()["play_id"]

    listeners = PlayEvent.objects.filter(pk__in=[first, second]).values_list("listener", flat=True)
    assert len(set(listeners)) == 2


def test_managers_of_any_credited_artist_and_staff_do_not_count(db, fake_clock):
    main_manager, featured_manager = UserFactory(), UserFactory()
    track = TrackFactory(
        artists=[ArtistFactory(managers=[main_manager]), ArtistFactory(managers=[featured_manager])]
    )
    staff = UserFactory(is_staff=True)

    bodies = [start(bearer_client(u), track) for u in (main_manager, featured_manager, staff)]

    assert [b.status_code for b in bodies] == [200, 200, 200]
    assert [b.json() for b in bodies] == [
        {"status": "success", "play_id": None, "counted": False}
    ] * 3
    assert not PlayEvent.objects.exists()


def test_a_private_track_is_404_to_others_and_never_counted(db, user, fake_clock):
    manager = UserFactory()
    track = TrackFactory(artists=[ArtistFactory(managers=[manager])], visibility=Visibility.PRIVATE)

    assert start(listener_client(), track).status_code == 404
    assert start(bearer_client(user), track).status_code == 404
    assert start(bearer_client(manager), track).json()["play_id"] is None
    assert not PlayEvent.objects.exists()


def test_a_track_made_private_after_being_played_is_404_at_once(track, user, fake_clock):
    # The play path keeps what it knows about a track for a few seconds per process; saving
    # the track empties that in this process.
    assert start(listener_client(), track).status_code == 201

    track.visibility = Visibility.PRIVATE
    track.save()

    assert start(bearer_client(user), track).status_code == 404


def test_a_listener_who_becomes_a_manager_stops_counting_at_once(track, user, fake_clock):
    assert start(bearer_client(user), track).json()["counted"] is True
    fake_clock.advance(seconds=3600)

    track.artists.first().managers.add(user)

    assert start(bearer_client(user), track).json() == {
        "status": "success",
        "play_id": None,
        "counted": False,
    }


@pytest.mark.parametrize("path_id", ["999999", "abc", "1.5", "-3"])
def test_unknown_or_malformed_track_ids_are_404(db, path_id):
    response = listener_client().post(f"/api/v1/tracks/{path_id}/plays", {}, format="json")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, "web"),
        ({"source": "embed"}, "embed"),
        ({"source": "radio", "player": "v2"}, "radio"),  # unknown keys are ignored
    ],
)
def test_the_source_is_recorded_whichever_way_the_body_is_read(track, body, expected):
    response = start(listener_client(), track, **body)

    assert response.status_code == 201
    assert PlayEvent.objects.get(pk=response.json()["play_id"]).source == expected


def test_a_form_encoded_start_reads_its_source(track):
    response = listener_client().post(f"/api/v1/tracks/{track.pk}/plays", {"source": "playlist"})

    assert response.status_code == 201
    assert PlayEvent.objects.get(pk=response.json()["play_id"]).source == "playlist"


@pytest.mark.parametrize("source", [5, None, ["web"], "WEB"])
def test_a_source_that_is_not_one_of_the_choices_is_422(track, source):
    response = start(listener_client(), track, source=source)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["source"]


def test_bad_input_is_rejected_and_records_nothing(track):
    client = listener_client()

    wrong_source = start(client, track, source="tv")
    malformed = client.post(
        f"/api/v1/tracks/{track.pk}/plays", b'{"source": ', content_type="application/json"
    )

    assert wrong_source.status_code == 422
    assert "source" in wrong_source.json()["errors"]
    assert malformed.status_code == 400
    assert not PlayEvent.objects.exists()


# --- listen duration ----------------------------------------------------------------------------


def test_the_listen_duration_only_grows_and_stops_at_the_track_length(track, fake_clock):
    client = listener_client()
    play_id = start(client, track).json()["play_id"]

    steps = [update(client, track, play_id, ms).json() for ms in (60_000, 30_000, 900_000)]

    assert [(s["listened_ms"], s["completed"]) for s in steps] == [
        (60_000, False),
        (60_000, False),
        (200_000, True),
    ]
    event = PlayEvent.objects.get(pk=play_id)
    assert (event.listened_ms, event.completed) == (200_000, True)


def test_a_play_is_completed_at_80_percent(track, fake_clock):
    client = listener_client()
    play_id = start(client, track).json()["play_id"]

    assert update(client, track, play_id, 159_999).json()["completed"] is False
    assert update(client, track, play_id, 160_000).json()["completed"] is True


def test_only_the_listener_who_started_a_play_can_update_it(track, user, other_user, fake_clock):
    anonymous_play = start(listener_client(), track).json()["play_id"]
    user_play = start(bearer_client(user), track).json()["play_id"]
    other_track = TrackFactory(artists=[ArtistFactory()], duration=200_000)

    attempts = [
        update(listener_client(ip="198.51.100.9"), track, anonymous_play, 50_000),
        update(listener_client(ua="curl/8.5"), track, anonymous_play, 50_000),
        update(bearer_client(other_user), track, user_play, 50_000),
        update(listener_client(), track, user_play, 50_000),
        update(listener_client(), other_track, anonymous_play, 50_000),
        update(listener_client(), track, 987654321, 50_000),
    ]

    assert [a.status_code for a in attempts] == [404] * 6
    assert set(PlayEvent.objects.values_list("listened_ms", flat=True)) == {0}


def test_a_play_reported_after_midnight_still_belongs_to_its_listener(track, fake_clock):
    fake_clock.current = fake_clock.current.replace(hour=23, minute=59, second=0)
    client = listener_client()
    play_id = start(client, track).json()["play_id"]

    fake_clock.advance(minutes=3)

    assert update(client, track, play_id, 150_000).status_code == 200


def test_a_play_older_than_the_update_window_is_closed(track, fake_clock, settings):
    settings.ANALYTICS_PLAY_UPDATE_SECONDS = 3600
    client = listener_client()
    play_id = start(client, track).json()["play_id"]

    fake_clock.advance(seconds=3601)

    assert update(client, track, play_id, 10_000).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"listened_ms": 1000},
        {"play_id": 1},
        {"play_id": "x", "listened_ms": 1000},
        {"play_id": 1, "listened_ms": -5},
        {"play_id": 1, "listened_ms": 10**12},
        {"play_id": 0, "listened_ms": 10},
    ],
)
def test_update_duration_validates_its_input(track, body):
    response = listener_client().post(
        f"/api/v1/tracks/plays/{track.pk}/update-duration", body, format="json"
    )

    assert response.status_code == 422


# --- one-shot log ---------------------------------------------------------------------------------


def test_logging_a_finished_play_needs_an_account(track):
    response = listener_client().post(f"/api/v1/tracks/plays/{track.pk}/log", {}, format="json")

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


def test_a_logged_play_is_recorded_with_its_duration(track, user, fake_clock):
    client = bearer_client(user)

    response = client.post(
        f"/api/v1/tracks/plays/{track.pk}/log", {"listened_ms": 170_000}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "success"
    event = PlayEvent.objects.get()
    assert (event.listened_ms, event.completed, event.user_id) == (170_000, True, user.pk)


def test_logging_inside_the_window_raises_the_started_play_instead(track, user, fake_clock):
    client = bearer_client(user)
    play_id = start(client, track).json()["play_id"]

    fake_clock.advance(seconds=10)
    logged = client.post(
        f"/api/v1/tracks/plays/{track.pk}/log", {"listened_ms": 90_000}, format="json"
    )

    assert logged.json() == {"status": "success", "play_id": play_id, "counted": False}
    assert PlayEvent.objects.get().listened_ms == 90_000


# --- throttle -------------------------------------------------------------------------------------


def test_plays_have_their_own_throttle_scope(track, settings, fake_clock):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "plays": "3/min", "anon": "1000/min"}
    client = listener_client()

    statuses = [start(client, track).status_code for _ in range(4)]

    assert statuses[:3] == [201, 200, 200]
    assert statuses[3] == 429
    assert "Retry-After" in start(client, track).headers


def test_plays_report_their_own_limit_in_the_rate_limit_headers(track, settings, fake_clock):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "plays": "5/min", "anon": "1000/min"}

    response = start(listener_client(), track)

    assert response.status_code == 201
    assert response["X-RateLimit-Limit"] == "5"
    assert response["X-RateLimit-Remaining"] == "4"


def test_the_plays_throttle_uses_the_configured_cache_itself(settings):
    # RateWindow takes its atomic one-round-trip path only for a RedisCache it can see; DRF's
    # default ``cache`` proxy hid it (get + set, a new Redis client each, per play).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # never connected to here
        }
    }

    assert _redis_client(PlayRateThrottle().cache) is not None


# --- the lean start path ------------------------------------------------------------------------


def _answers(track, settings, **extra) -> list[tuple]:
    """Status, body and headers of: a counted start, a restart, a missing track, a refusal."""
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "plays": "3/min", "anon": "1000/min"}
    client = listener_client()
    url = f"/api/v1/tracks/{track.pk}/plays"
    responses = [
        client.post(url, {}, format="json", **extra),
        client.post(url, {"source": "web"}, format="json", **extra),
        client.post("/api/v1/tracks/999999/plays", {}, format="json", **extra),
        client.post(url, {}, format="json", **extra),
    ]
    kept = ("Content-Type", "Allow", "X-RateLimit-Limit", "X-RateLimit-Remaining", "Retry-After")
    return [
        (r.status_code, r.json(), {h: r.get(h) for h in kept if h != "X-RateLimit-Reset"})
        for r in responses
    ]


def test_the_lean_start_path_answers_as_the_drf_view(track, settings, fake_clock, monkeypatch):
    def not_here(*_args, **_kwargs):
        raise AssertionError("the lean path handed a common start to PlayStartView")

    with monkeypatch.context() as patch:
        patch.setattr(PlayStartView, "post", not_here)
        lean = _answers(track, settings)  # anonymous JSON: the lean path
    PlayEvent.objects.all().delete()
    PlayGate.objects.all().delete()
    cache.clear()
    # A cookie sends the same anonymous listener through PlayStartView.
    drf = _answers(track, settings, HTTP_COOKIE="theme=dark")

    assert [a[0] for a in lean] == [201, 200, 404, 429]
    for a, b in zip(lean, drf, strict=True):
        assert a[0] == b[0]
        assert a[2] == b[2]
        if a[0] < 300:  # play ids differ between the runs
            assert a[1].keys() == b[1].keys()
            assert a[1]["counted"] == b[1]["counted"]
        else:
            assert a[1] == b[1]


# --- concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_concurrent_starts_record_one_play():
    track = TrackFactory(artists=[ArtistFactory()], duration=100_000)

    results = run_concurrently(
        lambda _i: plays.play_start(
            track_id=track.pk, viewer=AnonymousUser(), ip="192.0.2.1", user_agent=UA
        ),
        20,
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert PlayEvent.objects.filter(track=track).count() == 1
    assert sum(1 for r in results if r.counted) == 1
    assert {r.play_id for r in results} == {PlayEvent.objects.get().pk}
    assert PlayGate.objects.count() == 1


def test_the_gate_is_per_track_and_listener(track, fake_clock):
    start(listener_client(), track)

    gate = PlayGate.objects.get()
    assert (gate.track_id, gate.play_id) == (track.pk, PlayEvent.objects.get().pk)
    assert gate.started_at == fake_clock.now()
