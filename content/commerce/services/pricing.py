"""Track pricing and exclusive configuration (PUT /tracks/{id}, track creation)."""

from __future__ import annotations

from typing import Any

from beatpass.api.errors import validation_error
from content.catalog.models import ExclusiveStatus, LicensingType, Track
from content.commerce import terms
from content.commerce.errors import LicensingLocked
from content.commerce.models import ExclusiveLicensePreset

PRICING_FIELDS = (
    "licensing_type",
    "exclusive_price",
    "currency",
    "exclusive_terms",
    "exclusive_preset_id",
)


def _preset_for(*, user, preset_id: int) -> ExclusiveLicensePreset:
    presets = ExclusiveLicensePreset.objects.all()
    if not user.is_staff:
        presets = presets.filter(owner=user)
    preset = presets.filter(pk=preset_id).first()
    if preset is None:
        raise validation_error("exclusive_preset_id", "The selected preset is invalid.")
    return preset


def track_pricing_apply(*, track: Track, data: dict[str, Any], user=None) -> Track:
    """Set the pricing fields present in ``data`` on ``track`` (not saved: the caller saves,
    holding the track's row lock). A sold track's licensing is frozen (409); an exclusive
    being paid for cannot be withdrawn (409); a price change applies to future purchases
    (the pending one keeps its price)."""
    if track.pk is None and user is not None and "exclusive_terms" not in data:
        # A new track starts from the producer's default preset (help: auto-applied).
        default = ExclusiveLicensePreset.objects.filter(owner=user, is_default=True).first()
        if default is not None and "exclusive_preset_id" not in data:
            track.exclusive_terms = terms.config_with_defaults(default.config)
            track.exclusive_preset = default
    if not any(field in data for field in PRICING_FIELDS):
        return track
    if track.exclusive_status == ExclusiveStatus.SOLD:
        raise LicensingLocked(
            "This track has been sold exclusively; its licensing can no longer change.",
            code="exclusive_sold",
        )
    pending = track.exclusive_status == ExclusiveStatus.PENDING
    if "licensing_type" in data:
        if pending and data["licensing_type"] != LicensingType.EXCLUSIVE_AVAILABLE:
            raise LicensingLocked(
                "A buyer is paying for this exclusive; it cannot be withdrawn now.",
                code="exclusive_pending",
            )
        track.licensing_type = data["licensing_type"]
    if "exclusive_price" in data:
        track.exclusive_price = data["exclusive_price"]
    if "currency" in data:
        track.currency = data["currency"]
    if data.get("exclusive_preset_id") is not None:
        preset = _preset_for(user=user, preset_id=data["exclusive_preset_id"])
        track.exclusive_preset = preset
        track.exclusive_terms = terms.config_with_defaults(preset.config)
    elif "exclusive_preset_id" in data:
        track.exclusive_preset = None
    if "exclusive_terms" in data:
        given = data["exclusive_terms"]
        if data.get("exclusive_preset_id") is None:
            track.exclusive_preset = None  # its own terms now, not the preset's
        track.exclusive_terms = (
            None
            if given is None
            else terms.config_with_defaults({**(track.exclusive_terms or {}), **given})
        )
    if track.licensing_type == LicensingType.EXCLUSIVE_AVAILABLE and track.exclusive_price is None:
        raise validation_error(
            "exclusive_price",
            "The exclusive price field is required when exclusive licensing is available.",
        )
    return track
