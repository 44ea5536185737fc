from django.apps import AppConfig


class CoverartConfig(AppConfig):
    name = "coverart"
    verbose_name = "Cover art"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from coverart import services
        from coverart.models import CoverArt, CoverPreview, CoverTemplate

        # Files follow their rows however the rows go (a replaced cover, a deleted track or
        # album cascading to its cover, an expired preview, a template deleted in the admin),
        # and only once the deletion has committed.
        post_delete.connect(services.on_cover_deleted, sender=CoverArt, weak=False)
        post_delete.connect(services.on_preview_deleted, sender=CoverPreview, weak=False)
        post_delete.connect(services.on_template_deleted, sender=CoverTemplate, weak=False)
