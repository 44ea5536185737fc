"""Routes of the audio pipeline: metadata extraction, waveforms, downloads."""

from django.urls import include, path

from content.media import api

urlpatterns = [
    # "tracks/wave-batch" is not a track id: mounted before the catalog's router.
    path("tracks/wave-batch", api.WaveBatchView.as_view(), name="track-wave-batch"),
    path(
        "tracks/<str:file_entry_id>/extract-metadata",
        api.ExtractMetadataView.as_view(),
        name="track-extract-metadata",
    ),
    path("tracks/<str:track_id>/wave", api.TrackWaveView.as_view(), name="track-wave"),
    path("", include("content.media.download_urls")),  # the download, alone (see there)
]
