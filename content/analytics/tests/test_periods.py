"""Pure rules: periods, growth, engagement levels, levels and XP, percentiles."""

from __future__ import annotations

import datetime

import pytest

from content.analytics import periods
from content.analytics.achievements import CATALOG, level_for, title_for, xp_required
from content.analytics.selectors.criteria import add_months, share_below, top_threshold


def test_a_period_ends_today_and_the_previous_one_is_just_before():
    current = periods.ending_today(7, datetime.date(2025, 6, 18))

    assert (current.first, current.last, current.days) == (
        datetime.date(2025, 6, 12),
        datetime.date(2025, 6, 18),
        7,
    )
    previous = current.previous()
    assert (previous.first, previous.last) == (
        datetime.date(2025, 6, 5),
        datetime.date(2025, 6, 11),
    )


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [(340, 295, 15.3), (50, 100, -50.0), (7, 7, 0.0), (5, 0, None), (0, 0, None)],
)
def test_growth_is_the_percent_change_or_none_without_a_base(current, previous, expected):
    assert periods.growth(current, previous) == expected


def test_the_trend_compares_the_second_half_of_a_range_with_the_first():
    assert periods.half_trend([1, 1, 0, 3, 3]) == 200.0  # 2 -> 6 (the middle day is left out)
    assert periods.half_trend([5]) is None


def test_retention_levels_follow_the_help_thresholds():
    assert [periods.retention_level(r) for r in (80, 79.9, 60, 40, 39.9)] == [
        "Excellent",
        "Good",
        "Good",
        "Fair",
        "Poor",
    ]


def test_quality_score_of_the_help_example_is_77_good():
    counts = {"completed": 10, "mostly": 5, "half": 3, "partial": 1, "skipped": 1}

    score = periods.quality_score(counts)

    assert score == 77
    assert periods.quality_rating(score) == "Good"


def test_quality_badge_needs_both_measures_for_the_top_levels():
    assert periods.quality_badge(85, 90) == "High Engagement"
    assert periods.quality_badge(85, 50) == "Moderate Engagement"
    assert periods.quality_badge(65, 61) == "Good Engagement"
    assert periods.quality_badge(10, 20) == "Low Engagement"


def test_durations_are_written_as_the_cards_show_them():
    assert periods.duration_text(49_400) == "0:49"
    assert periods.duration_text(3_725_000) == "1:02:05"
    assert periods.total_time_text((4 * 3600 + 23 * 60) * 1000) == "4h 23m"
    assert periods.total_time_text(45_000) == "45s"


def test_levels_follow_the_glossary_formula_and_titles():
    assert [xp_required(level) for level in (1, 2, 5, 10)] == [0, 100, 800, 2700]
    assert level_for(0) == 1
    assert level_for(799) == 4
    assert level_for(800) == 5
    assert level_for(10**9) == 100
    assert [title_for(level) for level in (1, 3, 9, 10, 50, 100)] == [
        "Novice Producer",
        "Apprentice Producer",
        "Skilled Producer",
        "Experienced Producer",
        "Legendary Producer",
        "Legendary Producer",
    ]


def test_the_catalog_has_the_39_achievements_of_the_help_with_its_rarity_counts():
    rarities = [entry["rarity"] for entry in CATALOG]

    assert len(CATALOG) == 39
    assert len({entry["slug"] for entry in CATALOG}) == 39
    assert [rarities.count(level) for level in (1, 2, 3, 4)] == [16, 9, 10, 4]
    by_slug = {entry["slug"]: entry for entry in CATALOG}
    assert (by_slug["studio-legend"]["xp"], by_slug["studio-legend"]["rarity"]) == (5000, 4)
    assert (by_slug["early-adopter"]["xp"], by_slug["early-adopter"]["rarity"]) == (1000, 3)
    assert by_slug["opening-act"]["criteria"] == {
        "kind": "seasonal_upload",
        "start": "12-31",
        "end": "01-02",
    }


def test_top_percent_threshold_counts_the_others_strictly_ahead(settings):
    settings.ACHIEVEMENTS_MIN_POPULATION = 1
    values = [50, 40, 40, 30, 20, 10, 10, 5, 1, 0]

    assert top_threshold(values, 10) == 50  # one slot
    assert top_threshold(values, 25) == 40  # three slots: the tie at 40 is in
    assert top_threshold(values, 50) == 20


def test_percentiles_need_a_minimum_population(settings):
    settings.ACHIEVEMENTS_MIN_POPULATION = 10

    assert top_threshold([5, 4, 3], 50) is None


def test_share_below_gives_ties_the_same_share():
    assert share_below([3, 1, 1, 2]) == {1: 0.0, 2: 0.5, 3: 0.75}


def test_adding_months_clamps_to_the_end_of_short_months():
    assert add_months(datetime.date(2024, 11, 30), 3) == datetime.date(2025, 2, 28)
    assert add_months(datetime.date(2023, 11, 29), 3) == datetime.date(2024, 2, 29)
    assert add_months(datetime.date(2025, 1, 15), 12) == datetime.date(2026, 1, 15)
