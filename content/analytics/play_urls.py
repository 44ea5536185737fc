"""Routes of play logging, mounted at the top of ``/api/v1/`` (``beatpass.urls``), not with the
rest of the content app: the play start is the hottest write of the API, and resolving it behind
every other app's routes cost more CPU (0.4 ms) than the view itself (bench/analytics.py).

None of these paths is claimed by another app (``tracks/plays/...`` is not a track id).
"""

from django.urls import path

from content.analytics.api import plays

urlpatterns = [
    path("tracks/<str:track_id>/plays", plays.play_start_view(), name="track-play-start"),
    path(
        "tracks/plays/<str:track_id>/update-duration",
        plays.PlayUpdateDurationView.as_view(),
        name="track-play-update-duration",
    ),
    path("tracks/plays/<str:track_id>/log", plays.PlayLogView.as_view(), name="track-play-log"),
]
