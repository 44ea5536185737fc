"""The achievement catalog as data (help: gamification/achievements).

The help pages list 36 achievements while the catalog page counts 39 (16 common, 9 rare,
10 epic, 4 legendary): three are not described anywhere. The issue names "play milestones"
among the events that unlock achievements, so the three missing ones (two common, one epic)
are play milestones in the Milestone category: First Fans, Crowd Pleaser, Heavy Rotation.

``criteria`` kinds are interpreted by ``content.analytics.services.achievements``; percentiles
compare with every producer (an artist with at least one track as main artist) or every public
track with plays. Two achievements cannot be earned yet and say why in ``unavailable``: Model
(the artist profile has no picture gallery) and Top Biller (needs license sales; it turns on
with ``ANALYTICS_LICENSE_MODEL``).

Pure data: no Django imports. The migration that seeds the table keeps its own frozen copy.
"""

from __future__ import annotations

COMMON, RARE, EPIC, LEGENDARY = 1, 2, 3, 4


def _a(slug, name, description, category, rarity, xp, **criteria):
    return {
        "slug": slug,
        "name": name,
        "description": description,
        "category": category,
        "rarity": rarity,
        "xp": xp,
        "criteria": criteria,
    }


CATALOG: tuple[dict, ...] = (
    # Upload: the artist's track count among producers.
    _a("track-producer", "Track Producer", "Top 50% of producers by track count",
       "upload", COMMON, 500, kind="uploads_percentile", top=50),
    _a("prolific-creator", "Prolific Creator", "Top 25% of producers by track count",
       "upload", RARE, 1500, kind="uploads_percentile", top=25),
    _a("production-master", "Production Master", "Top 10% of producers by track count",
       "upload", EPIC, 3000, kind="uploads_percentile", top=10),
    _a("studio-legend", "Studio Legend", "Top 5% of producers by track count",
       "upload", LEGENDARY, 5000, kind="uploads_percentile", top=5),
    # Trending: one of the artist's tracks among all public tracks by plays.
    _a("rising-star", "Rising Star", "Track in top 25% by play count",
       "trending", COMMON, 1000, kind="track_plays_percentile", top=25),
    _a("chart-topper", "Chart Topper", "Track in top 10% by play count",
       "trending", RARE, 2000, kind="track_plays_percentile", top=10),
    _a("viral-hit", "Viral Hit", "Track in top 5% by play count",
       "trending", EPIC, 3500, kind="track_plays_percentile", top=5),
    # Metadata: share of the artist's tracks with complete metadata.
    _a("metadata-whiz", "Metadata Whiz", "Total metadata accuracy over 70%",
       "metadata", COMMON, 800, kind="metadata_share", over=70),
    _a("metadata-maven", "Metadata Maven", "Total metadata accuracy over 80%",
       "metadata", RARE, 1500, kind="metadata_share", over=80),
    _a("metadata-architect", "Metadata Architect", "Total metadata accuracy over 90%",
       "metadata", EPIC, 2500, kind="metadata_share", over=90),
    # Profile.
    _a("photogenic", "Photogenic", "First picture uploaded to artist profile",
       "profile", COMMON, 200, kind="profile_image"),
    _a("oracle", "Oracle", "Artist profile bio filled out",
       "profile", COMMON, 300, kind="profile_bio"),
    _a("linked", "Linked", "More than 3 links added to artist profile",
       "profile", COMMON, 400, kind="profile_links", more_than=3),
    _a("model", "Model", "More than 5 pictures uploaded in about section",
       "profile", COMMON, 500, kind="profile_gallery", more_than=5,
       unavailable="Artist profiles have no picture gallery yet."),
    # Genre.
    _a("genre-specialist", "Genre Specialist", "Top 10% track performance within a genre",
       "genre", RARE, 1500, kind="genre_track_percentile", top=10),
    _a("genre-master", "Genre Master", "Top 20% genre diversity with 3+ genres",
       "genre", EPIC, 2500, kind="genre_diversity", top=20, min_genres=3),
    _a("genre-virtuoso", "Genre Virtuoso", "Top 10% genre diversity with 5+ genres",
       "genre", LEGENDARY, 4000, kind="genre_diversity", top=10, min_genres=5),
    # Collaboration: tracks credited to the artist and at least one other artist.
    _a("collaboration-enthusiast", "Collaboration Enthusiast", "Complete first collaboration",
       "collaboration", COMMON, 500, kind="collaborations", at_least=1),
    _a("team-player", "Team Player", "Complete 10 collaborations",
       "collaboration", RARE, 1500, kind="collaborations", at_least=10),
    _a("bridge-builder", "Bridge Builder", "Complete 25 collaborations",
       "collaboration", EPIC, 3000, kind="collaborations", at_least=25),
    _a("network-spider", "Network Spider", "Complete 50 collaborations",
       "collaboration", LEGENDARY, 5000, kind="collaborations", at_least=50),
    # Composite: the overall producer score (see services.achievements.overall_scores).
    _a("rising-talent", "Rising Talent", "Top 25% overall performance with 5+ tracks",
       "composite", RARE, 2000, kind="overall_percentile", top=25, min_tracks=5),
    _a("elite-producer", "Elite Producer", "Top 15% overall performance with 10+ tracks",
       "composite", EPIC, 3500, kind="overall_percentile", top=15, min_tracks=10),
    _a("legendary-producer", "Legendary Producer", "Top 5% overall performance with 20+ tracks",
       "composite", LEGENDARY, 6000, kind="overall_percentile", top=5, min_tracks=20),
    # Excellence: the track score (plays, likes, downloads).
    _a("track-excellence", "Track Excellence", "Top 10% track by composite score",
       "excellence", RARE, 1800, kind="track_score_percentile", top=10),
    # Milestone: profile age, platform firsts, and the three play milestones.
    _a("early-adopter", "Early Adopter", "Join BeatPass in beta phase (first 30 artist profiles)",
       "milestone", EPIC, 1000, kind="early_artist", first=30),
    _a("rising", "Rising", "3 month old artist profile",
       "milestone", COMMON, 150, kind="profile_age", months=3),
    _a("seasoned", "Seasoned", "6 month old artist profile",
       "milestone", RARE, 300, kind="profile_age", months=6),
    _a("og", "OG", "1 year old artist profile",
       "milestone", RARE, 600, kind="profile_age", months=12),
    _a("veteran", "Veteran", "2 year old artist profile",
       "milestone", EPIC, 1000, kind="profile_age", months=24),
    _a("legacy", "Legacy", "3 year old artist profile",
       "milestone", EPIC, 1500, kind="profile_age", months=36),
    _a("top-biller", "Top Biller", "Have the top-earning overall track",
       "milestone", COMMON, 800, kind="top_licensed_track",
       unavailable="Needs license sales (not recorded yet)."),
    _a("first-fans", "First Fans", "100 plays across your catalog",
       "milestone", COMMON, 250, kind="catalog_plays", at_least=100),
    _a("crowd-pleaser", "Crowd Pleaser", "1,000 plays across your catalog",
       "milestone", COMMON, 750, kind="catalog_plays", at_least=1000),
    _a("heavy-rotation", "Heavy Rotation", "100,000 plays across your catalog",
       "milestone", EPIC, 3000, kind="catalog_plays", at_least=100_000),
    # Seasonal: a track uploaded in the window (any year; dates as month-day).
    _a("shadow-regent", "Shadow Regent", "Upload a beat Oct 30 - Nov 1 (Halloween)",
       "seasonal", COMMON, 200, kind="seasonal_upload", start="10-30", end="11-01"),
    _a("santas-helper", "Santa's Helper", "Upload a beat Dec 23 - Dec 26 (Christmas)",
       "seasonal", COMMON, 200, kind="seasonal_upload", start="12-23", end="12-26"),
    _a("opening-act", "Opening Act", "Upload a beat Dec 31 - Jan 2 (New Year)",
       "seasonal", COMMON, 200, kind="seasonal_upload", start="12-31", end="01-02"),
    _a("lover-boy", "Lover Boy", "Upload a beat Feb 13 - Feb 15 (Valentine's Day)",
       "seasonal", COMMON, 200, kind="seasonal_upload", start="02-13", end="02-15"),
)  # fmt: skip

# Which events can unlock what: evaluating on an event only looks at these kinds.
EVENT_KINDS: dict[str, frozenset[str]] = {
    "upload": frozenset(
        {
            "uploads_percentile",
            "metadata_share",
            "genre_diversity",
            "collaborations",
            "seasonal_upload",
            "overall_percentile",
        }
    ),
    "profile": frozenset({"profile_image", "profile_bio", "profile_links", "profile_gallery"}),
    "plays": frozenset(
        {
            "track_plays_percentile",
            "genre_track_percentile",
            "track_score_percentile",
            "catalog_plays",
            "overall_percentile",
        }
    ),
}

LEVEL_TITLES: tuple[tuple[int, str], ...] = (
    (1, "Novice Producer"),
    (3, "Apprentice Producer"),
    (5, "Intermediate Producer"),
    (7, "Skilled Producer"),
    (10, "Experienced Producer"),
    (15, "Advanced Producer"),
    (20, "Professional Producer"),
    (30, "Expert Producer"),
    (40, "Master Producer"),
    (50, "Legendary Producer"),
)
MAX_LEVEL = 100


def xp_required(level: int) -> int:
    """XP needed to reach ``level`` (metrics glossary: 100 × (level - 1) ^ 1.5)."""
    return round(100 * (level - 1) ** 1.5)


def level_for(xp: int) -> int:
    level = 1
    while level < MAX_LEVEL and xp_required(level + 1) <= xp:
        level += 1
    return level


def title_for(level: int) -> str:
    title = LEVEL_TITLES[0][1]
    for first, name in LEVEL_TITLES:
        if level >= first:
            title = name
    return title
