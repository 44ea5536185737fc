"""Exclusive license presets (help: license presets) and the producer's default."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from beatpass.api.errors import Conflict, validation_error
from content.commerce import terms
from content.commerce.models import ExclusiveLicensePreset

DEFAULT_PRESET_NAME = "My default"


def _unset_default(owner) -> None:
    """Caller holds the owner's preset rows (locked)."""
    ExclusiveLicensePreset.objects.filter(owner=owner, is_default=True).update(is_default=False)


def preset_create(
    *, owner, name: str, description: str = "", config: dict[str, Any], is_default: bool = False
) -> ExclusiveLicensePreset:
    with transaction.atomic():
        list(ExclusiveLicensePreset.objects.select_for_update().filter(owner=owner))
        if is_default:
            _unset_default(owner)
        try:
            with transaction.atomic():
                return ExclusiveLicensePreset.objects.create(
                    owner=owner,
                    name=name,
                    description=description,
                    config=terms.config_with_defaults(config),
                    is_default=is_default,
                )
        except IntegrityError:
            raise validation_error("name", "You already have a preset with this name.") from None


def preset_update(
    *, preset: ExclusiveLicensePreset, data: dict[str, Any]
) -> ExclusiveLicensePreset:
    """Tracks that use the preset keep the terms they copied (help: editing a preset does not
    update beats already using it)."""
    with transaction.atomic():
        list(ExclusiveLicensePreset.objects.select_for_update().filter(owner=preset.owner))
        preset = ExclusiveLicensePreset.objects.get(pk=preset.pk)
        for field in ("name", "description"):
            if field in data:
                setattr(preset, field, data[field])
        if "config" in data:
            preset.config = terms.config_with_defaults({**preset.config, **data["config"]})
        if data.get("is_default") and not preset.is_default:
            _unset_default(preset.owner)
            preset.is_default = True
        elif data.get("is_default") is False:
            preset.is_default = False
        try:
            with transaction.atomic():
                preset.save()
        except IntegrityError:
            raise validation_error("name", "You already have a preset with this name.") from None
        return preset


def preset_delete(*, preset: ExclusiveLicensePreset) -> None:
    """409 while tracks use it (help: update those tracks first)."""
    with transaction.atomic():
        locked = ExclusiveLicensePreset.objects.select_for_update().get(pk=preset.pk)
        used = locked.tracks.count()
        if used:
            raise Conflict(
                f"This preset is used by {used} track(s); switch them to another preset first.",
                code="preset_in_use",
                extra={"usage_count": used},
            )
        locked.delete()


def preset_set_default(*, preset: ExclusiveLicensePreset) -> ExclusiveLicensePreset:
    """Make ``preset`` its owner's only default. Locks the owner's presets."""
    with transaction.atomic():
        list(ExclusiveLicensePreset.objects.select_for_update().filter(owner=preset.owner))
        _unset_default(preset.owner)
        ExclusiveLicensePreset.objects.filter(pk=preset.pk).update(is_default=True)
        return ExclusiveLicensePreset.objects.get(pk=preset.pk)


def default_config_set(
    *, owner, config: dict[str, Any] | None = None, preset=None
) -> ExclusiveLicensePreset:
    """``POST /artist/exclusive-license-default``: make ``preset`` the default, or save
    ``config`` as the default (in the preset named "My default")."""
    if preset is not None:
        return preset_set_default(preset=preset)
    existing = ExclusiveLicensePreset.objects.filter(owner=owner, name=DEFAULT_PRESET_NAME).first()
    if existing is not None:
        return preset_update(preset=existing, data={"config": config or {}, "is_default": True})
    return preset_create(
        owner=owner, name=DEFAULT_PRESET_NAME, config=config or {}, is_default=True
    )
