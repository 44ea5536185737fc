"""Achievements: criteria, unlock once (even concurrently), notifications, XP and levels, and
the producer-intelligence endpoints."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db.models import F

from beatpass.accounts.models import Notification
from beatpass.testing import run_together
from conftest import bearer_client
from content.analytics.models import AchievementUnlock
from content.analytics.services.achievements import achievements_evaluate, achievements_sync
from content.analytics.tests.conftest import NOW
from content.catalog.models import Artist, ArtistLink, Track, Visibility
from content.tests.factories import ArtistFactory, GenreFactory, TrackFactory, UserFactory


def unlocked(artist) -> set[str]:
    return set(
        AchievementUnlock.objects.filter(artist=artist).values_list("achievement__slug", flat=True)
    )


def complete_track(artist, **extra):
    """A track with complete metadata (title, BPM, key + scale, genre, description, cover)."""
    return TrackFactory(
        artists=[artist],
        description="Dark trap",
        image="https://img.example.com/t.jpg",
        genres=[GenreFactory(name="trap")],
        **extra,
    )


@pytest.fixture
def profile_artist(achievements):
    managers = [UserFactory(), UserFactory()]
    artist = ArtistFactory(managers=managers, image="https://img.example.com/a.jpg", bio="Hi")
    for i in range(4):
        ArtistLink.objects.create(artist=artist, title=f"L{i}", url=f"https://e.com/{i}")
    return artist, managers


def test_profile_achievements_unlock_with_one_notification_per_manager(
    profile_artist, django_capture_on_commit_callbacks
):
    artist, managers = profile_artist

    with django_capture_on_commit_callbacks(execute=True):
        created = achievements_evaluate(artist_ids=[artist.pk])

    assert unlocked(artist) == {"photogenic", "oracle", "linked", "early-adopter"}
    assert len(created) == 4
    for manager in managers:
        notification = Notification.objects.get(user=manager)
        assert notification.kind == "achievement.unlocked"
        assert notification.title == "4 achievements unlocked"
        assert "Photogenic (Common, +200 XP)" in notification.body
        assert {a["slug"] for a in notification.data["achievements"]} == unlocked(artist)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in managers)
    unlock = AchievementUnlock.objects.get(artist=artist, achievement__slug="linked")
    assert unlock.xp == 400


def test_a_second_evaluation_unlocks_and_notifies_nothing(profile_artist):
    artist, _managers = profile_artist
    achievements_evaluate()

    again = achievements_evaluate()

    assert again == []
    assert Notification.objects.count() == 2
    assert AchievementUnlock.objects.filter(artist=artist).count() == 4


def test_a_single_unlock_names_the_achievement(achievements):
    manager = UserFactory()
    artist = ArtistFactory(managers=[manager], bio="Producer from Lagos.")
    achievements_evaluate(artist_ids=[artist.pk], event="profile")

    assert Notification.objects.get(user=manager).title == "Achievement unlocked: Oracle"


def test_unlocks_are_permanent_when_the_criteria_no_longer_hold(profile_artist):
    artist, _managers = profile_artist
    achievements_evaluate(artist_ids=[artist.pk])

    Artist.objects.filter(pk=artist.pk).update(image="", bio="")
    achievements_evaluate(artist_ids=[artist.pk])

    assert {"photogenic", "oracle"} <= unlocked(artist)


def test_upload_percentiles_among_producers(achievements, settings):
    settings.ACHIEVEMENTS_MIN_POPULATION = 10
    artists = [ArtistFactory() for _ in range(10)]
    for count, artist in enumerate(artists, start=1):
        for _ in range(count):
            TrackFactory(artists=[artist])

    achievements_evaluate(event="upload")

    holders = {
        slug: sorted(artists.index(a) + 1 for a in artists if slug in unlocked(a))
        for slug in ("track-producer", "prolific-creator", "production-master", "studio-legend")
    }
    assert holders == {
        "track-producer": [6, 7, 8, 9, 10],
        "prolific-creator": [8, 9, 10],
        "production-master": [10],
        "studio-legend": [10],
    }


def test_percentiles_wait_for_enough_producers(achievements, settings):
    settings.ACHIEVEMENTS_MIN_POPULATION = 10
    artists = [ArtistFactory() for _ in range(9)]
    for artist in artists:
        TrackFactory(artists=[artist])

    achievements_evaluate()

    assert not AchievementUnlock.objects.filter(achievement__category="upload").exists()


def test_trending_looks_at_public_tracks_with_plays(achievements, settings):
    settings.ACHIEVEMENTS_MIN_POPULATION = 10
    artists = [ArtistFactory() for _ in range(10)]
    for plays, artist in enumerate(artists, start=1):
        TrackFactory(artists=[artist], plays=plays)
    hidden = ArtistFactory()
    TrackFactory(artists=[hidden], plays=10_000, visibility=Visibility.PRIVATE)

    achievements_evaluate(event="plays")

    assert [i + 1 for i, a in enumerate(artists) if "rising-star" in unlocked(a)] == [8, 9, 10]
    assert [i + 1 for i, a in enumerate(artists) if "viral-hit" in unlocked(a)] == [10]
    assert not unlocked(hidden) & {"rising-star", "viral-hit"}


def test_metadata_share_counts_complete_tracks(achievements):
    artist = ArtistFactory()
    for _ in range(4):
        complete_track(artist)
    TrackFactory(artists=[artist], description="")  # incomplete: 80 % complete

    achievements_evaluate(artist_ids=[artist.pk])

    assert {"metadata-whiz"} <= unlocked(artist)
    assert not {"metadata-maven", "metadata-architect"} & unlocked(artist)


def test_collaborations_and_catalog_plays(achievements):
    artist, partner = ArtistFactory(), ArtistFactory()
    TrackFactory(artists=[partner, artist], plays=60)
    TrackFactory(artists=[artist], plays=40)

    achievements_evaluate(artist_ids=[artist.pk, partner.pk])

    assert {"collaboration-enthusiast", "first-fans"} <= unlocked(artist)
    assert "first-fans" not in unlocked(partner)  # 60 plays
    assert "collaboration-enthusiast" in unlocked(partner)


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        ((2024, 10, 31), "shadow-regent"),
        ((2024, 12, 24), "santas-helper"),
        ((2025, 1, 2), "opening-act"),
        ((2024, 12, 31), "opening-act"),
        ((2025, 2, 14), "lover-boy"),
        ((2025, 3, 1), None),
    ],
)
def test_seasonal_uploads(achievements, created, expected):
    artist = ArtistFactory()
    track = TrackFactory(artists=[artist])
    Track.objects.filter(pk=track.pk).update(
        created_at=datetime.datetime(*created, 15, tzinfo=datetime.UTC)
    )

    achievements_evaluate(artist_ids=[artist.pk], event="upload")

    seasonal = {s for s in unlocked(artist) if s in {
        "shadow-regent", "santas-helper", "opening-act", "lover-boy",
    }}  # fmt: skip
    assert seasonal == ({expected} if expected else set())


def test_profile_age_milestones(achievements, fake_clock):
    fake_clock.current = NOW
    artist = ArtistFactory()
    Artist.objects.filter(pk=artist.pk).update(created_at=NOW - datetime.timedelta(days=370))

    achievements_evaluate(artist_ids=[artist.pk])

    assert {"rising", "seasoned", "og"} <= unlocked(artist)
    assert not {"veteran", "legacy"} & unlocked(artist)


def test_early_adopters_are_the_first_30_profiles(achievements):
    artists = [ArtistFactory() for _ in range(31)]

    achievements_evaluate()

    assert "early-adopter" in unlocked(artists[29])
    assert "early-adopter" not in unlocked(artists[30])


def test_unavailable_achievements_never_unlock_and_top_biller_follows_licenses(
    achievements, settings
):
    from content.analytics.models import TrackDailyStats

    artist = ArtistFactory(image="https://img.example.com/a.jpg")
    track = TrackFactory(artists=[artist])
    TrackDailyStats.objects.create(track=track, day=NOW.date(), licenses=2)
    settings.ANALYTICS_LICENSE_MODEL = ""  # no license records: Top Biller cannot be earned
    achievements_evaluate()
    assert not {"model", "top-biller"} & unlocked(artist)

    settings.ANALYTICS_LICENSE_MODEL = "content.License"
    achievements_evaluate()

    assert "top-biller" in unlocked(artist)
    assert "model" not in unlocked(artist)


@pytest.mark.django_db(transaction=True)
def test_concurrent_evaluations_unlock_and_notify_once():
    achievements_sync()
    manager = UserFactory()
    artist = ArtistFactory(managers=[manager], bio="Bio", image="https://img.example.com/a.jpg")

    results = run_together(
        lambda: achievements_evaluate(artist_ids=[artist.pk]),
        lambda: achievements_evaluate(artist_ids=[artist.pk]),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(unlocked(artist)) == ["early-adopter", "oracle", "photogenic"]
    assert sum(len(r) for r in results) == 3
    assert Notification.objects.filter(user=manager).count() == 1


def test_a_profile_update_unlocks_after_commit(
    achievements, producer_client, producer_artist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = producer_client.put(
            f"/api/v1/artists/{producer_artist.pk}",
            {"name": producer_artist.name, "bio": "Beats since 2009."},
            format="json",
        )

    assert response.status_code == 200
    assert "oracle" in unlocked(producer_artist)


def test_the_fold_evaluates_the_artists_it_played(
    achievements, producer_artist, django_capture_on_commit_callbacks
):
    from content.analytics.services.fold import fold_plays
    from content.analytics.tests.conftest import add_play

    track = TrackFactory(artists=[producer_artist], duration=100_000)
    for listener in range(100):
        add_play(track, listener=listener + 1)

    with django_capture_on_commit_callbacks(execute=True):
        fold_plays()

    assert "first-fans" in unlocked(producer_artist)


# --- XP and levels ------------------------------------------------------------------------------


def test_xp_sources_follow_the_help(achievements, producer, producer_artist):
    partner = ArtistFactory()
    complete_track(producer_artist, plays=30)
    TrackFactory(artists=[producer_artist], plays=5)
    TrackFactory(artists=[partner, producer_artist], plays=100)  # featured: plays and collab
    AchievementUnlock.objects.create(
        artist=producer_artist, achievement=achievements["oracle"], unlocked_at=NOW, xp=300
    )

    body = bearer_client(producer).get("/api/v1/producer-intelligence/xp-sources").json()["data"]

    assert body["total_xp"] == 200 + 50 + 25 + 135 + 300
    assert [(s["source"], s["count"], s["xp"]) for s in body["sources"]] == [
        ("uploads", 2, 200),
        ("metadata", 1, 50),
        ("collaborations", 1, 25),
        ("plays", 135, 135),
        ("achievements", 1, 300),
    ]


def test_the_level_and_its_progress(achievements, producer, producer_artist):
    TrackFactory(artists=[producer_artist], plays=850)  # 100 + 850 = 950 XP

    data = bearer_client(producer).get("/api/v1/producer-intelligence/producer-level").json()

    assert data["data"] == {
        "level": 5,
        "title": "Intermediate Producer",
        "xp": 950,
        "current_level_xp": 800,
        "next_level_xp": 1118,  # 100 × 5^1.5
        "xp_to_next_level": 168,
        "progress_percentage": 47.2,
        "max_level": 100,
    }


# --- endpoints ----------------------------------------------------------------------------------


def test_the_achievements_list_shows_every_achievement_and_the_stats(
    achievements, producer, producer_artist
):
    AchievementUnlock.objects.create(
        artist=producer_artist, achievement=achievements["oracle"], unlocked_at=NOW, xp=300
    )
    TrackFactory(artists=[producer_artist])

    data = bearer_client(producer).get("/api/v1/producer-intelligence/achievements").json()["data"]

    assert data["artist"]["id"] == producer_artist.pk
    assert len(data["achievements"]) == 39
    oracle = next(a for a in data["achievements"] if a["slug"] == "oracle")
    assert (oracle["unlocked"], oracle["xp_earned"], oracle["rarity"]) == (True, 300, "common")
    assert oracle["unlock_rate"] == 100.0  # the only producer holds it
    model = next(a for a in data["achievements"] if a["slug"] == "model")
    assert model["available"] is False
    assert data["stats"] == {
        "unlocked": 1,
        "locked": 38,
        "total": 39,
        "completion_percentage": 2.6,
        "xp_earned": 300,
    }


def test_artist_achievements_are_for_its_managers_and_staff(
    achievements, producer_artist, user_client, staff_client, producer_client
):
    url = f"/api/v1/artists/{producer_artist.pk}/producer-achievements"

    assert producer_client.get(url).status_code == 200
    assert staff_client.get(url).status_code == 200
    assert user_client.get(url).status_code == 403


def test_choosing_another_artist_needs_managing_it(achievements, producer_client, staff_client):
    other = ArtistFactory()
    url = f"/api/v1/producer-intelligence/achievements?artist_id={other.pk}"

    assert producer_client.get(url).status_code == 403
    assert staff_client.get(url).json()["data"]["artist"]["id"] == other.pk
    assert (
        producer_client.get("/api/v1/producer-intelligence/achievements?artist_id=x").status_code
        == 422
    )


def test_a_user_without_an_artist_profile_is_told_so(achievements, user_client):
    response = user_client.get("/api/v1/producer-intelligence/dashboard")

    assert response.status_code == 403
    assert response.json()["error_code"] == "no_artist_profile"


def test_achievement_details_with_progress(achievements, producer, producer_artist, fake_clock):
    fake_clock.current = NOW
    Artist.objects.filter(pk=producer_artist.pk).update(
        created_at=NOW - datetime.timedelta(days=10)
    )
    client = bearer_client(producer)

    by_slug = client.get("/api/v1/producer-intelligence/achievements/rising/details").json()
    by_id = client.get(
        f"/api/v1/producer-intelligence/achievements/{achievements['rising'].pk}/details"
    ).json()

    assert by_slug == by_id
    data = by_slug["data"]
    assert (data["slug"], data["unlocked"], data["criteria"]) == (
        "rising",
        False,
        {"kind": "profile_age", "months": 3},
    )
    assert data["progress"] == {
        "current": 10,
        "target": 92,
        "unit": "days",
        "unlocks_on": "2025-09-08",
    }
    model = client.get("/api/v1/producer-intelligence/achievements/model/details").json()["data"]
    assert model["unavailable_reason"] == "Artist profiles have no picture gallery yet."
    assert client.get("/api/v1/producer-intelligence/achievements/nope/details").status_code == 404


def test_the_dashboard_and_progress_data_in_one_call(
    achievements, producer, producer_artist, clock_at_now
):
    from content.analytics.models import TrackDailyStats

    track = TrackFactory(artists=[producer_artist], plays=12)
    TrackDailyStats.objects.create(track=track, day=NOW.date(), plays=12, listeners=3)
    AchievementUnlock.objects.create(
        artist=producer_artist, achievement=achievements["oracle"], unlocked_at=NOW, xp=300
    )
    client = bearer_client(producer)

    dashboard = client.get("/api/v1/producer-intelligence/dashboard").json()
    progress = client.get("/api/v1/producer-intelligence/progress-data").json()["data"]

    assert dashboard["success"] is True
    assert (dashboard["xp"], dashboard["level"]) == (100 + 12 + 300, 3)
    assert [a["slug"] for a in dashboard["achievements"]] == ["oracle"]
    assert dashboard["stats"]["total_tracks"] == 1
    assert dashboard["stats"]["total_plays"] == 12
    assert dashboard["analytics"]["plays"] == {"total": 12, "period": 12, "previous_period": 0}
    assert progress["level"]["xp"] == 412
    assert len(progress["achievements"]) == 39
    assert progress["achievement_stats"]["unlocked"] == 1
    assert progress["dashboard"]["xp"] == 412
    assert [s["source"] for s in progress["xp_sources"]][-1] == "achievements"


def test_the_evaluate_command_runs_once(achievements, capsys):
    ArtistFactory(bio="Bio")

    from django.core.management import call_command

    call_command("evaluate_achievements")

    assert "2 new unlock(s)" in capsys.readouterr().out  # oracle and early adopter
    assert AchievementUnlock.objects.filter(achievement__xp=F("xp")).count() == 2
