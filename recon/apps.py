from django.apps import AppConfig


class ReconConfig(AppConfig):
    name = "recon"
    verbose_name = "Audio Recon"

    def ready(self) -> None:
        # Register the Celery tasks (enqueue_on_commit looks them up by name).
        from django.db.models.signals import post_delete

        from content.catalog.models import Track
        from recon import services, tasks  # noqa: F401
        from recon.models import ReferenceRecording

        # The landmark tables have no foreign keys (COPY speed, partitioning): follow deletes.
        post_delete.connect(services.on_recording_deleted, sender=ReferenceRecording, weak=False)
        post_delete.connect(services.on_track_deleted, sender=Track, weak=False)
