"""``GET /tracks/{id}/producer-analytics``'s lean path answers exactly as DRF's view: status,
body and every header, X-RateLimit numbers and throttling included, for each kind of caller
and request. The DRF view is mounted beside it (same middleware) to compare the two."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from django.urls import include, path
from rest_framework_simplejwt.tokens import RefreshToken

from beatpass.accounts.models import User
from beatpass.api.tests.test_throttling import redis_url  # noqa: F401 - a fixture
from beatpass.api.throttling import ScopedThrottle
from conftest import bearer_client
from content.analytics.api import insights
from content.analytics.tests.test_analytics_api import rollups  # noqa: F401 - a fixture
from content.catalog.models import Track, Visibility
from content.tests.factories import UserFactory

urlpatterns = [
    path(
        "api/v1/drf/tracks/<str:track_id>/producer-analytics",
        insights.TrackAnalyticsView.as_view(),
    ),
    path("api/v1/", include("content.analytics.urls")),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def _fixed_throttle_clock(monkeypatch):
    # X-RateLimit-Reset is a whole second: both paths must see the same instant.
    monkeypatch.setattr(ScopedThrottle, "timer", staticmethod(lambda: 1_750_000_000.25))


def _answer(client, url: str, **extra) -> tuple:
    response = client.get(url, **extra)
    return response.status_code, response.content, dict(response.headers.items())


def _both(client, track, query: str = "?period=1-year", **extra) -> tuple[tuple, tuple]:
    """(lean answer, DRF answer) of the same request, each on a fresh throttle."""
    cache.clear()
    lean = _answer(client, f"/api/v1/tracks/{track}/producer-analytics{query}", **extra)
    cache.clear()
    drf = _answer(client, f"/api/v1/drf/tracks/{track}/producer-analytics{query}", **extra)
    assert lean[2] == drf[2]  # headers first: the clearest message
    return lean, drf


def _token_of(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


def test_the_common_request_takes_one_statement(
    rollups,  # noqa: F811
    producer_client,
    django_assert_num_queries,
):
    url = "/producer-analytics?period=1-year"
    track = rollups["first"].pk
    producer_client.get(f"/api/v1/tracks/{track}{url}")

    with django_assert_num_queries(1):
        assert producer_client.get(f"/api/v1/tracks/{track}{url}").status_code == 200
    with django_assert_num_queries(2):
        assert producer_client.get(f"/api/v1/drf/tracks/{track}{url}").status_code == 200


@pytest.mark.parametrize("period", ["7-days", "30-days", "90-days", "1-year"])
def test_a_manager_reads_the_same_body_and_headers(
    rollups,  # noqa: F811
    producer_client,
    period,
):
    lean, drf = _both(producer_client, rollups["first"].pk, f"?period={period}")

    assert lean[0] == 200
    assert lean == drf


@pytest.mark.parametrize(
    "query",
    ["", "?period=2-years", "?period=1-year&extra=1", "?period=1-year&period=7-days"],
)
def test_other_queries_answer_the_same(rollups, producer_client, query):  # noqa: F811
    lean, drf = _both(producer_client, rollups["first"].pk, query)

    assert lean == drf


@pytest.mark.parametrize("accept", ["*/*", "application/json", "text/html", "text/csv"])
def test_accept_headers_answer_the_same(rollups, producer_client, accept):  # noqa: F811
    lean, drf = _both(producer_client, rollups["first"].pk, HTTP_ACCEPT=accept)

    assert lean == drf


def test_staff_others_missing_and_private_tracks_answer_the_same(
    rollups,  # noqa: F811
    producer_client,
    user_client,
    staff_client,
):
    Track.objects.filter(pk=rollups["second"].pk).update(visibility=Visibility.PRIVATE)
    cases = [
        (staff_client, rollups["unrelated"].pk, 200),
        (staff_client, rollups["second"].pk, 200),
        (user_client, rollups["first"].pk, 403),
        (user_client, rollups["second"].pk, 404),
        (producer_client, rollups["second"].pk, 200),
        (producer_client, rollups["unrelated"].pk, 403),
        (bearer_client(rollups["other_manager"]), rollups["featured"].pk, 200),
        (producer_client, 987654321, 404),
        (producer_client, "abc", 404),
        (producer_client, "0" * 19, 404),
    ]
    for client, track, status in cases:
        lean, drf = _both(client, track)

        assert lean[0] == status, (track, lean)
        assert lean == drf, track


def test_refused_tokens_and_users_answer_the_same(rollups, api_client):  # noqa: F811
    track = rollups["first"].pk
    inactive, deleted, changed = UserFactory(), UserFactory(), UserFactory()
    tokens = {
        "inactive": _token_of(inactive),
        "deleted": _token_of(deleted),
        "password changed": _token_of(changed),
        "refresh token": str(RefreshToken.for_user(inactive)),
    }
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    deleted.delete()
    changed.set_password("another-password-123")
    changed.save()
    headers = {name: f"Bearer {token}" for name, token in tokens.items()}
    headers |= {
        "garbage": "Bearer not-a-token",
        "three parts": "Bearer a b",
        "basic": "Basic dXNlcjpwYXNz",
        "empty": "",
    }
    for name, header in headers.items():
        lean, drf = _both(api_client, track, HTTP_AUTHORIZATION=header)

        assert lean[0] == 401, (name, lean)
        assert lean == drf, name
    assert _both(api_client, track) == _both(api_client, track)


def test_a_cookie_goes_to_drf_and_answers_the_same(rollups, producer_client):  # noqa: F811
    lean, drf = _both(producer_client, rollups["first"].pk, HTTP_COOKIE="sessionid=x")

    assert lean[0] == 200
    assert lean == drf


def test_throttling_counts_each_request_once_and_refuses_the_same(
    rollups,  # noqa: F811
    producer_client,
    settings,
):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "user": "3/min"}
    track = rollups["first"].pk
    answers = {}
    for prefix in ("/api/v1", "/api/v1/drf"):
        cache.clear()
        url = f"{prefix}/tracks/{track}/producer-analytics?period=1-year"
        answers[prefix] = [_answer(producer_client, url) for _ in range(5)]

    statuses = [status for status, _, _ in answers["/api/v1"]]
    assert statuses == [200, 200, 200, 429, 429]
    remaining = [dict(h).get("X-RateLimit-Remaining") for _, _, h in answers["/api/v1"]]
    assert remaining == ["2", "1", "0", "0", "0"]
    assert answers["/api/v1"] == answers["/api/v1/drf"]


def test_a_throttled_request_runs_no_analytics_statement(
    rollups,  # noqa: F811
    producer_client,
    settings,
    django_assert_num_queries,
):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "user": "1/min"}
    cache.clear()
    url = f"/api/v1/tracks/{rollups['first'].pk}/producer-analytics?period=1-year"
    assert producer_client.get(url).status_code == 200

    with django_assert_num_queries(1) as queries:  # DRF's authentication, then its 429
        assert producer_client.get(url).status_code == 429
    assert "FILTER" not in queries.captured_queries[0]["sql"]


def test_a_refused_user_spends_no_throttle_hit(rollups, api_client, settings):  # noqa: F811
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "user": "2/min"}
    user = UserFactory()
    token = _token_of(user)
    url = f"/api/v1/tracks/{rollups['first'].pk}/producer-analytics?period=1-year"
    User.objects.filter(pk=user.pk).update(is_active=False)
    cache.clear()
    for _ in range(4):
        assert api_client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    User.objects.filter(pk=user.pk).update(is_active=True)

    answer = api_client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 403  # authenticated, not a manager: the whole limit left
    assert answer.headers["X-RateLimit-Remaining"] == "1"


@pytest.fixture
def kept_connection():
    """The default connection kept between requests, as served (the test settings close it)."""
    from django.db import connection

    before = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 600
    yield connection
    connection.settings_dict["CONN_MAX_AGE"] = before


def _prepared_statements(connection) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def test_on_a_kept_connection_the_statement_is_prepared_once_and_answers_the_same(
    rollups,  # noqa: F811
    producer_client,
    user_client,
    kept_connection,
    settings,
):
    track = rollups["first"].pk
    cache.clear()
    lean = [
        _answer(producer_client, f"/api/v1/tracks/{track}/producer-analytics?period={p}")
        for p in ("1-year", "7-days", "1-year")
    ]
    denied = _answer(user_client, f"/api/v1/tracks/{track}/producer-analytics?period=1-year")

    prepared = [s for s in _prepared_statements(kept_connection) if "FILTER" in s]
    assert len(prepared) == 1  # prepared once, then reused for every period and viewer
    settings.DATABASE_PREPARED_STATEMENTS = False  # unprepared, client-side binding
    cache.clear()
    plain = [
        _answer(producer_client, f"/api/v1/tracks/{track}/producer-analytics?period={p}")
        for p in ("1-year", "7-days", "1-year")
    ]
    assert len([s for s in _prepared_statements(kept_connection) if "FILTER" in s]) == 1
    assert [a[:2] for a in lean] == [a[:2] for a in plain]
    assert lean[0][0] == 200
    assert denied[0] == 403


def test_a_removed_manager_loses_access_on_the_next_request(
    rollups,  # noqa: F811
    producer,
    producer_client,
    kept_connection,
):
    # Given a manager reading the track through the prepared statement, several times (past
    # the point where PostgreSQL may switch it to a generic plan)
    track = rollups["first"]
    url = f"/api/v1/tracks/{track.pk}/producer-analytics?period=1-year"
    artist = track.artists.get()
    for _ in range(7):
        cache.clear()
        assert producer_client.get(url).status_code == 200
    assert len([s for s in _prepared_statements(kept_connection) if "FILTER" in s]) == 1

    # When they stop managing the credited artist, the very next request is refused
    artist.managers.remove(producer)
    cache.clear()
    lean, drf = _both(producer_client, track.pk)
    assert lean[0] == 403
    assert lean == drf

    # And given the link back, the next request reads again
    artist.managers.add(producer)
    cache.clear()
    assert producer_client.get(url).status_code == 200


def test_a_password_change_refuses_the_next_request_on_a_kept_connection(
    rollups,  # noqa: F811
    api_client,
    kept_connection,
):
    # Given a manager's token read many times through the prepared statement
    manager = rollups["other_manager"]
    header = {"HTTP_AUTHORIZATION": f"Bearer {_token_of(manager)}"}
    url = f"/api/v1/tracks/{rollups['featured'].pk}/producer-analytics?period=1-year"
    for _ in range(7):
        cache.clear()
        assert api_client.get(url, **header).status_code == 200

    # When the password changes, the next request is refused at once
    manager.set_password("another-new-password-789")
    manager.save()
    cache.clear()
    assert api_client.get(url, **header).status_code == 401


def test_a_cached_token_is_refused_once_its_password_changed(rollups, api_client):  # noqa: F811
    # Given a manager's token the lean path has validated (and kept)
    manager = rollups["other_manager"]
    header = {"HTTP_AUTHORIZATION": f"Bearer {_token_of(manager)}"}
    assert _both(api_client, rollups["featured"].pk, **header)[0][0] == 200

    # When the password changes (the revocation rule: the token's password-hash claim)
    manager.set_password("a-new-password-456")
    manager.save()

    # Then the kept token is refused as DRF refuses it
    lean, drf = _both(api_client, rollups["featured"].pk, **header)
    assert lean[0] == 401
    assert lean == drf


@pytest.fixture
def redis_throttle(redis_url, settings):  # noqa: F811
    """The throttles on a private Redis (one EVALSHA per hit, overlapping the statement)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"lean-analytics-{uuid.uuid4()}",
        }
    }


def test_with_redis_a_throttled_request_answers_drfs_429(
    rollups,  # noqa: F811
    producer_client,
    settings,
    redis_throttle,
):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "user": "2/min"}
    track = rollups["first"].pk
    answers = {}
    for prefix in ("/api/v1", "/api/v1/drf"):
        cache.clear()
        url = f"{prefix}/tracks/{track}/producer-analytics?period=1-year"
        answers[prefix] = [_answer(producer_client, url) for _ in range(3)]

    assert [status for status, _, _ in answers["/api/v1"]] == [200, 200, 429]
    assert answers["/api/v1"][2][2]["Retry-After"]
    assert answers["/api/v1"] == answers["/api/v1/drf"]
    # The throttled request's statement (sent before the hit was read) was read and dropped.
    assert User.objects.filter(pk=rollups["other_manager"].pk).exists()
