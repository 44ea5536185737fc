"""The download's route alone, so that it can be resolved before every other app's routes.

``content.media.urls`` includes it (its place among the media routes). Resolving a download's
URL behind the API's other routes (some fifty patterns tried) cost a fifth of the lean
download's own CPU (cProfile, bench/downloads.py): the project's URLconf can include this
module first, as it does the play and analytics routes (``beatpass/urls.py``); the route is
then found there and the later include is never reached for it.
"""

from django.urls import path

from content.media import api

urlpatterns = [
    path("tracks/<str:track_id>/download", api.track_download_view(), name="track-download"),
]
