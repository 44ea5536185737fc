"""Celery tasks of cover art (thin: each calls one service)."""

from __future__ import annotations

from celery import shared_task

from coverart import services
from coverart.models import CoverTemplate


@shared_task(name="coverart.render_template_preview", acks_late=True, ignore_result=True)
def render_template_preview(template_id: int) -> None:
    template = CoverTemplate.objects.filter(pk=template_id).first()
    if template is not None:
        services.template_preview_ensure(template=template)


@shared_task(name="coverart.cleanup_previews", acks_late=True, ignore_result=True)
def cleanup_previews() -> int:
    return services.previews_cleanup()
