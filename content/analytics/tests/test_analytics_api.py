"""Producer analytics, charts, engagement metrics and downloads analytics, against hand-computed
fixtures; access control; query counts that do not grow with the catalog."""

from __future__ import annotations

import datetime

import pytest

from conftest import bearer_client
from content.analytics.models import TrackDailyStats
from content.analytics.tests.conftest import TODAY, add_play
from content.catalog.models import Track, Visibility
from content.media.models import Download
from content.tests.factories import FileEntryFactory, TrackFactory, UserFactory


def day(offset: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=offset)


def stats(track, offset, **counts):
    return TrackDailyStats.objects.create(track=track, day=day(offset), **counts)


@pytest.fixture
def rollups(catalog, clock_at_now):
    """Hand-made rollups (the fold's output) for the producer's catalog."""
    first = catalog["first"]
    stats(
        first, 0, plays=5, listeners=4, listen_ms=500_000, completed_plays=2, likes=1, downloads=2
    )
    stats(first, 3, plays=3, listeners=3, listen_ms=300_000, completed_plays=1, licenses=1)
    stats(first, 10, plays=4, listeners=2, listen_ms=100_000, likes=2, downloads=1)
    stats(first, 40, plays=10, listeners=5, listen_ms=1_000_000, completed_plays=3)
    stats(catalog["second"], 0, plays=2, listeners=2, listen_ms=20_000)
    stats(catalog["featured"], 0, plays=7, listeners=7, listen_ms=70_000)
    stats(catalog["unrelated"], 0, plays=100, listeners=90, listen_ms=1)
    Track.objects.filter(pk=first.pk).update(plays=22, likes_count=3)
    Track.objects.filter(pk=catalog["second"].pk).update(plays=2)
    Track.objects.filter(pk=catalog["featured"].pk).update(plays=7)
    return catalog


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    return body["data"]


def test_track_analytics_for_seven_days(rollups, producer_client):
    data = get(
        producer_client, f"/api/v1/tracks/{rollups['first'].pk}/producer-analytics?period=7-days"
    )

    assert data["range"] == {"from": day(6).isoformat(), "to": TODAY.isoformat()}
    assert data["previous_range"] == {"from": day(13).isoformat(), "to": day(7).isoformat()}
    assert data["plays"] == {"total": 22, "period": 8, "previous_period": 4}
    assert data["listeners"] == {"total": 14, "unique": 7, "previous_period": 2}
    assert data["engagement"] == {
        "likes": 3,
        "likes_period": 1,
        "likes_previous_period": 2,
        "downloads": 3,
        "downloads_period": 2,
        "downloads_previous_period": 1,
        "licenses": 1,
        "licenses_period": 1,
        "licenses_previous_period": 0,
        "completed_plays": 6,
        "completed_plays_period": 3,
        "completed_plays_previous_period": 0,
        "listen_time_ms": 1_900_000,
        "listen_time_ms_period": 800_000,
        "listen_time_ms_previous_period": 100_000,
    }
    assert data["growth"] == {
        "plays_change": 100.0,
        "listeners_change": 250.0,
        "likes_change": -50.0,
        "downloads_change": 100.0,
        "licenses_change": None,
    }
    assert data["track"] == {"id": rollups["first"].pk, "name": rollups["first"].name}


def test_the_default_period_is_thirty_days(rollups, producer_client):
    data = get(producer_client, f"/api/v1/tracks/{rollups['first'].pk}/producer-analytics")

    assert data["period"] == "30-days"
    assert data["plays"] == {"total": 22, "period": 12, "previous_period": 10}
    assert data["growth"]["plays_change"] == 20.0


def test_album_analytics_aggregate_its_tracks(rollups, producer_client):
    data = get(
        producer_client, f"/api/v1/albums/{rollups['album'].pk}/producer-analytics?period=7-days"
    )

    assert data["plays"] == {"total": 24, "period": 10, "previous_period": 4}
    assert data["tracks_count"] == 2
    assert [(t["id"], t["plays"]) for t in data["top_tracks"]] == [
        (rollups["first"].pk, 8),
        (rollups["second"].pk, 2),
    ]


def test_artist_analytics_include_featured_credits_and_top_tracks(rollups, producer_client):
    data = get(
        producer_client,
        f"/api/v1/artists/{rollups['artist'].pk}/producer-analytics?period=7-days",
    )

    assert data["plays"] == {"total": 31, "period": 17, "previous_period": 4}
    assert data["tracks_count"] == 4
    assert [(t["id"], t["plays"], t["total_plays"]) for t in data["top_tracks"]] == [
        (rollups["first"].pk, 8, 22),
        (rollups["featured"].pk, 7, 7),
        (rollups["second"].pk, 2, 2),
    ]


def test_insights_paths_answer_the_same(rollups, producer_client):
    track = rollups["first"].pk
    direct = get(producer_client, f"/api/v1/tracks/{track}/producer-analytics?period=90-days")

    insights = get(
        producer_client, f"/api/v1/producer-intelligence/insights/tracks/{track}?period=90-days"
    )

    assert insights == direct


def test_a_chart_has_one_zero_filled_point_per_day(rollups, producer_client):
    data = get(
        producer_client,
        f"/api/v1/producer-intelligence/insights/tracks/{rollups['first'].pk}/charts?timeframe=7d",
    )

    assert data["labels"] == [day(i).isoformat() for i in range(6, -1, -1)]
    assert data["series"]["plays"] == [0, 0, 0, 3, 0, 0, 5]
    assert data["series"]["listeners"] == [0, 0, 0, 3, 0, 0, 4]
    assert data["series"]["avg_listen_ms"] == [0, 0, 0, 100_000, 0, 0, 100_000]
    assert data["series"]["licenses"] == [0, 0, 0, 1, 0, 0, 0]
    assert data["summary"] == {
        "total_plays": 8,
        "peak_day": {"date": TODAY.isoformat(), "plays": 5},
        "daily_average": 1.14,
        "data_points": 7,
        "trend": None,
    }
    assert data["timezone"] == "UTC"


def test_a_one_year_artist_chart_has_365_points(rollups, producer_client):
    data = get(
        producer_client,
        f"/api/v1/producer-intelligence/insights/artists/{rollups['artist'].pk}/charts?timeframe=1y",
    )

    assert len(data["labels"]) == len(data["series"]["plays"]) == 365
    assert sum(data["series"]["plays"]) == 31
    assert data["series"]["plays"][-1] == 14


def test_days_follow_the_analytics_timezone(catalog, fake_clock, settings, producer_client):
    settings.ANALYTICS_TIMEZONE = "America/Toronto"
    # 02:00 UTC on the 18th is still the 17th in Toronto.
    fake_clock.current = datetime.datetime(2025, 6, 18, 2, 0, tzinfo=datetime.UTC)
    stats(catalog["first"], 1, plays=2, listeners=1)

    data = get(
        producer_client,
        f"/api/v1/producer-intelligence/insights/tracks/{catalog['first'].pk}/charts?timeframe=7d",
    )

    assert data["labels"][-1] == "2025-06-17"
    assert data["series"]["plays"][-1] == 2
    assert data["timezone"] == "America/Toronto"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/tracks/{first}/producer-analytics?period=2-days",
        "/api/v1/producer-intelligence/insights/tracks/{first}/charts?timeframe=5y",
        "/api/v1/tracks/{first}/engagement-metrics?period=forever",
        "/api/v1/artists/{artist}/downloads-analytics?period=week",
    ],
)
def test_unknown_periods_are_422(rollups, producer_client, url):
    response = producer_client.get(
        url.format(first=rollups["first"].pk, artist=rollups["artist"].pk)
    )

    assert response.status_code == 422


# --- engagement ---------------------------------------------------------------------------------


def test_engagement_metrics_of_a_track(catalog, clock_at_now, producer_client):
    first = catalog["first"]  # 200 s
    for listener, listened in enumerate((200_000, 170_000, 100_000, 30_000, 0), start=1):
        add_play(first, listener=listener, listened_ms=listened)
    add_play(catalog["second"], listener=1, listened_ms=100_000)  # another track: left out

    data = get(producer_client, f"/api/v1/tracks/{first.pk}/engagement-metrics")

    assert data["plays"] == 5
    assert (data["avg_listen_duration"], data["avg_listen_duration_text"]) == (100_000, "1:40")
    assert (data["avg_completion_rate"], data["retention_level"]) == (50.0, "Fair")
    assert data["total_listen_time"] == 500_000
    assert data["completed_listens"] == {"count": 2, "share": 40.0}
    assert data["completion_breakdown"] == {
        "completed": 2,
        "mostly": 0,
        "half": 1,
        "partial": 0,
        "skipped": 2,
    }
    assert (data["quality_score"], data["quality_rating"]) == (54, "Fair")
    assert data["quality_badge"] == "Moderate Engagement"
    assert data["insight"] == "Only 50% complete. Review intro and middle sections."
    curve = {point["at"]: point["share"] for point in data["retention_curve"]}
    assert len(curve) == 21
    assert [curve[at] for at in (0, 5, 15, 20, 50, 55, 85, 90, 100)] == [
        100.0, 80.0, 80.0, 60.0, 60.0, 40.0, 40.0, 20.0, 20.0,
    ]  # fmt: skip


def test_engagement_of_a_track_without_plays_is_empty_not_an_error(catalog, producer_client):
    data = get(producer_client, f"/api/v1/tracks/{catalog['single'].pk}/engagement-metrics")

    assert (data["plays"], data["avg_completion_rate"], data["quality_score"]) == (0, 0.0, None)
    assert {point["share"] for point in data["retention_curve"]} == {0.0}


def test_engagement_can_be_limited_to_a_period(catalog, clock_at_now, producer_client):
    add_play(catalog["first"], listener=1, listened_ms=200_000, day=day(20))
    add_play(catalog["first"], listener=1, listened_ms=20_000, day=day(2))

    data = get(
        producer_client, f"/api/v1/tracks/{catalog['first'].pk}/engagement-metrics?period=7-days"
    )

    assert (data["plays"], data["total_listen_time"]) == (1, 20_000)


# --- downloads ----------------------------------------------------------------------------------


def test_downloads_analytics_per_day_track_and_format(catalog, clock_at_now, producer_client):
    first, single = catalog["first"], catalog["single"]
    Track.objects.filter(pk=first.pk).update(file=FileEntryFactory(extension=".wav"))
    Track.objects.filter(pk=single.pk).update(file=FileEntryFactory(extension=".mp3"))
    buyer, fan = UserFactory(), UserFactory()
    now = clock_at_now.now()
    for track, user, ip_hash, offset in (
        (first, buyer, "", 0),
        (first, buyer, "", 1),
        (first, None, "a" * 64, 1),
        (single, fan, "", 0),
        (catalog["unrelated"], fan, "", 0),
        (first, fan, "", 45),
    ):
        row = Download.objects.create(track=track, user=user, ip_hash=ip_hash, format="wav")
        Download.objects.filter(pk=row.pk).update(created_at=now - datetime.timedelta(days=offset))
    stem = Download.objects.create(track=single, user=buyer, format=Download.STEM)
    Download.objects.filter(pk=stem.pk).update(created_at=now)
    stats(first, 0, downloads=1)
    stats(first, 1, downloads=2, licenses=1)
    stats(single, 0, downloads=2)
    stats(first, 45, downloads=1)

    data = get(
        producer_client, f"/api/v1/artists/{catalog['artist'].pk}/downloads-analytics?period=7-days"
    )

    assert (data["total_downloads"], data["period_downloads"]) == (6, 5)
    assert data["unique_downloaders"] == 3  # two accounts and one anonymous visitor
    assert data["per_day"][-2:] == [
        {"date": day(1).isoformat(), "downloads": 2},
        {"date": TODAY.isoformat(), "downloads": 3},
    ]
    assert len(data["per_day"]) == 7
    assert [(t["id"], t["downloads"]) for t in data["per_track"]] == [(first.pk, 3), (single.pk, 2)]
    assert data["per_format"] == [
        {"format": "wav", "downloads": 3},
        {"format": "mp3", "downloads": 1},
        {"format": "stem", "downloads": 1},
    ]
    assert data["licenses"] == {"total": 1, "period": 1}
    assert data["top_track"]["id"] == first.pk


def test_all_time_downloads_start_at_the_first_download(catalog, clock_at_now, producer_client):
    stats(catalog["first"], 3, downloads=2)

    data = get(
        producer_client, f"/api/v1/artists/{catalog['artist'].pk}/downloads-analytics?period=all"
    )

    assert data["range"] == {"from": day(3).isoformat(), "to": TODAY.isoformat()}
    assert [d["downloads"] for d in data["per_day"]] == [2, 0, 0, 0]


# --- access -------------------------------------------------------------------------------------

ENDPOINTS = (
    "/api/v1/tracks/{track}/producer-analytics",
    "/api/v1/tracks/{track}/engagement-metrics",
    "/api/v1/producer-intelligence/insights/tracks/{track}/charts",
    "/api/v1/albums/{album}/producer-analytics",
    "/api/v1/artists/{artist}/producer-analytics",
    "/api/v1/artists/{artist}/downloads-analytics",
    "/api/v1/artists/{artist}/producer-achievements",
    "/api/v1/producer-intelligence/insights/albums/{album}/charts",
)


def urls(catalog, track_key="first"):
    ids = {
        "track": catalog[track_key].pk,
        "album": catalog["album"].pk,
        "artist": catalog["artist"].pk,
    }
    return [endpoint.format(**ids) for endpoint in ENDPOINTS]


def test_anonymous_callers_are_401(catalog, api_client):
    assert {api_client.get(url).status_code for url in urls(catalog)} == {401}


def test_other_users_are_403(catalog, user_client):
    responses = [user_client.get(url) for url in urls(catalog)]

    assert {r.status_code for r in responses} == {403}
    assert "message" in responses[0].json()


def test_staff_read_everything(catalog, staff_client):
    assert {staff_client.get(url).status_code for url in urls(catalog)} == {200}


def test_a_featured_artists_managers_read_the_tracks_analytics(catalog):
    client = bearer_client(catalog["other_manager"])

    assert (
        client.get(f"/api/v1/tracks/{catalog['featured'].pk}/producer-analytics").status_code == 200
    )
    assert client.get(f"/api/v1/tracks/{catalog['first'].pk}/producer-analytics").status_code == 403


def test_a_hidden_private_track_is_404_and_its_managers_still_see_it(
    catalog, user_client, producer_client
):
    Track.objects.filter(pk=catalog["first"].pk).update(visibility=Visibility.PRIVATE)
    url = f"/api/v1/tracks/{catalog['first'].pk}/producer-analytics"

    assert user_client.get(url).status_code == 404
    assert (
        user_client.get(f"/api/v1/tracks/{catalog['first'].pk}/engagement-metrics").status_code
        == 404
    )
    assert producer_client.get(url).status_code == 200


def test_missing_objects_are_404(catalog, producer_client):
    for url in (
        "/api/v1/tracks/999999/producer-analytics",
        "/api/v1/albums/999999/producer-analytics",
        "/api/v1/artists/999999/producer-analytics",
        "/api/v1/producer-intelligence/insights/tracks/abc/charts",
        "/api/v1/producer-intelligence/insights/playlists/1/charts",
    ):
        assert producer_client.get(url).status_code == 404, url


# --- query counts -------------------------------------------------------------------------------


def _more_tracks(catalog, count):
    for i in range(count):
        track = TrackFactory(artists=[catalog["artist"]], album=catalog["album"], duration=100_000)
        for offset in range(0, 60, 3):
            stats(track, offset, plays=i + 1, listeners=1, downloads=1)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/tracks/{track}/producer-analytics?period=1-year",
        "/api/v1/tracks/{track}/engagement-metrics",
        "/api/v1/albums/{album}/producer-analytics?period=1-year",
        "/api/v1/artists/{artist}/producer-analytics?period=1-year",
        "/api/v1/artists/{artist}/downloads-analytics",
        "/api/v1/producer-intelligence/insights/artists/{artist}/charts?timeframe=1y",
        "/api/v1/producer-intelligence/insights/albums/{album}/charts?timeframe=90d",
    ],
)
def test_query_counts_do_not_grow_with_tracks_or_days(
    rollups, producer_client, django_assert_num_queries, url
):
    url = url.format(
        track=rollups["first"].pk, album=rollups["album"].pk, artist=rollups["artist"].pk
    )
    producer_client.get(url)  # warm caches (content types, salts)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert producer_client.get(url).status_code == 200
    _more_tracks(rollups, 25)
    for offset in range(0, 300, 2):
        stats(rollups["first"], 100 + offset, plays=1, listeners=1)
        add_play(rollups["first"], listener=offset + 1, day=day(1 + offset % 5), listened_ms=5_000)

    with django_assert_num_queries(len(few.captured_queries)):
        assert producer_client.get(url).status_code == 200


def test_track_analytics_read_the_track_its_access_and_its_sums_in_one_statement(
    rollups, producer_client, django_assert_num_queries
):
    url = f"/api/v1/tracks/{rollups['first'].pk}/producer-analytics?period=1-year"
    producer_client.get(url)

    # The lean path: the Bearer token's user, the track, the read check and the rollup sums
    # in one statement.
    with django_assert_num_queries(1):
        assert producer_client.get(url).status_code == 200
    # DRF's path (here taken for an extra query parameter): the user, then one statement.
    with django_assert_num_queries(2):
        assert producer_client.get(url + "&x=1").status_code == 200
