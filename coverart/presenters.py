"""Output of cover art objects (plain dicts)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from coverart.models import CoverArt, CoverPreview, CoverTemplate
from coverart.render.output import DERIVATIVE_SIZES
from coverart.selectors import MASTER_FILE
from coverart.services import file_url


def present_templates(templates: Iterable[CoverTemplate]) -> list[dict[str, Any]]:
    """List items (call ``services.template_previews_ensure`` on them first)."""
    return [_template_item(t) for t in templates]


def _template_item(template: CoverTemplate) -> dict[str, Any]:
    return {
        "id": template.pk,
        "name": template.name,
        "slug": template.slug,
        "description": template.description or None,
        "genres": list(template.genres),
        "moods": list(template.moods),
        "preview_url": file_url(template.preview) if template.preview else None,
        "model_type": "cover_template",
    }


def present_template(template: CoverTemplate) -> dict[str, Any]:
    item = _template_item(template)
    item.update(
        {
            "palettes": [p["name"] for p in template.spec["palettes"]],
            "active": template.active,
            "sort_order": template.sort_order,
            "spec_version": template.spec_version,
            "spec": template.spec,
            "created_at": template.created_at,
            "updated_at": template.updated_at,
        }
    )
    return item


def present_preview(preview: CoverPreview) -> dict[str, Any]:
    return {
        "status": "success",
        "preview_url": file_url(preview.path),
        "expires_at": preview.expires_at,
    }


def present_cover(cover: CoverArt) -> dict[str, Any]:
    key = cover.storage_key
    files = set(cover.files)
    images: dict[str, dict[str, str]] = {"1000": {"jpeg": file_url(f"{key}/{MASTER_FILE}")}}
    for size in DERIVATIVE_SIZES:
        images[str(size)] = {
            fmt: file_url(f"{key}/{size}.{ext}")
            for fmt, ext in (("jpeg", "jpg"), ("webp", "webp"))
            if f"{size}.{ext}" in files
        }
    return {
        "id": cover.pk,
        "source": cover.source,
        "template_id": cover.template_id,
        "palette": cover.palette or None,
        "image": images["1000"]["jpeg"],
        "images": images,
        "created_at": cover.created_at,
    }
