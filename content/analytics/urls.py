"""Routes of analytics, mounted at the top of ``/api/v1/`` (``beatpass/urls.py``, after the
plays' ``play_urls``): before the catalog, which reads any ``tracks/<segment>`` as a track id,
and before every other app, whose routes cost more to walk than these views take (none of
these paths is claimed elsewhere)."""

from django.urls import path, re_path

from content.analytics.api import insights, intelligence

KIND = r"(?P<kind>tracks|albums|artists)"
ID = r"(?P<object_id>[^/]+)"

urlpatterns = [
    # Plays: see ``play_urls`` (mounted first in ``beatpass.urls``).
    # Analytics of one track, album or artist.
    path(
        "tracks/<str:track_id>/engagement-metrics",
        insights.EngagementView.as_view(),
        name="track-engagement-metrics",
    ),
    path(
        "tracks/<str:track_id>/producer-analytics",
        insights.track_analytics_view(),
        name="track-producer-analytics",
    ),
    path(
        "albums/<str:album_id>/producer-analytics",
        insights.AlbumAnalyticsView.as_view(),
        name="album-producer-analytics",
    ),
    path(
        "artists/<str:artist_id>/producer-analytics",
        insights.ArtistAnalyticsView.as_view(),
        name="artist-producer-analytics",
    ),
    path(
        "artists/<str:artist_id>/downloads-analytics",
        insights.DownloadsAnalyticsView.as_view(),
        name="artist-downloads-analytics",
    ),
    path(
        "artists/<str:artist_id>/producer-achievements",
        intelligence.ArtistAchievementsView.as_view(),
        name="artist-producer-achievements",
    ),
    # Insights API.
    path(
        "producer-intelligence/insights/export/formats",
        insights.ExportFormatsView.as_view(),
        name="insights-export-formats",
    ),
    re_path(
        r"^producer-intelligence/insights/export/(?P<fmt>csv|json|pdf)$",
        insights.ExportView.as_view(),
        name="insights-export",
    ),
    re_path(
        rf"^producer-intelligence/insights/{KIND}/{ID}/charts$",
        insights.ChartView.as_view(),
        name="insights-charts",
    ),
    re_path(
        rf"^producer-intelligence/insights/{KIND}/{ID}$",
        insights.InsightsView.as_view(),
        name="insights-analytics",
    ),
    # Producer intelligence.
    path(
        "producer-intelligence/achievements",
        intelligence.AchievementsView.as_view(),
        name="producer-achievements",
    ),
    path(
        "producer-intelligence/achievements/<str:key>/details",
        intelligence.AchievementDetailsView.as_view(),
        name="producer-achievement-details",
    ),
    path(
        "producer-intelligence/xp-sources", intelligence.XPSourcesView.as_view(), name="xp-sources"
    ),
    path(
        "producer-intelligence/producer-level",
        intelligence.ProducerLevelView.as_view(),
        name="producer-level",
    ),
    path(
        "producer-intelligence/progress-data",
        intelligence.ProgressDataView.as_view(),
        name="progress-data",
    ),
    path(
        "producer-intelligence/dashboard",
        intelligence.DashboardView.as_view(),
        name="producer-dashboard",
    ),
]
