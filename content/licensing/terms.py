"""The terms each license type grants (help: license certificates, non-exclusive licenses).

Copied into every certificate at issue, so a later change here never alters an issued one.
Exclusive terms are configured per track by the producer (commerce); ``EXCLUSIVE_DEFAULTS``
are the platform defaults it starts from. Pure data, no Django.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

NON_EXCLUSIVE: dict[str, Any] = {
    "title": "Non-Exclusive License",
    "territory": "Worldwide",
    "duration": "Perpetual",
    "projects": "One song per download",
    "attribution": "Required",
    "content_id": "Not allowed",
    "live_performances": "Up to 50 attendees per event",
    "transferable": False,
    "governing_law": "Canada",
    "permissions": [
        "Create original songs: add vocals or instruments to make new music",
        "Distribute on platforms: Spotify, Apple Music, YouTube, Bandcamp and others",
        "Monetize your music: ads, digital sales, streaming revenue",
        "Live performances of up to 50 attendees per event",
        "Promotional use: social media, fan engagement, music videos",
        "Modify the beat: tempo, key, arrangement",
    ],
    "restrictions": [
        "Do not release the beat by itself (instrumental alone)",
        "No film, TV or commercials without a license upgrade",
        "No performances over 50 attendees without a license upgrade",
        "Do not share, resell or transfer this license",
        "Do not claim ownership or register the beat with a PRO or for copyright",
        "Do not register the beat for Content ID",
    ],
}

EXCLUSIVE_DEFAULTS: dict[str, Any] = {
    "title": "Exclusive License",
    "territory": "Worldwide",
    "duration": "Perpetual",
    "projects": "Unlimited",
    "attribution": "As agreed with the producer",
    "content_id": "Allowed",
    "live_performances": "Unlimited",
    "transferable": False,
    "governing_law": "Canada",
    "publishing_split": {"producer_percent": 20, "licensee_percent": 80},
    "permissions": [
        "All non-exclusive rights",
        "Unlimited distribution and streaming",
        "Broadcasting: radio, TV, unlimited stations",
        "Film, TV and commercials (sync)",
        "Unlimited performances, any venue size",
        "Content ID registration",
        "Stems and project files, where delivered",
    ],
    "restrictions": [
        "Do not resell or transfer this license",
        "The producer keeps the publishing share stated above",
    ],
}


def terms_for(license_type: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The terms of ``license_type`` with the producer's configured ``overrides`` (exclusive)."""
    base = NON_EXCLUSIVE if license_type == "non_exclusive" else EXCLUSIVE_DEFAULTS
    terms = deepcopy(base)
    terms.update(deepcopy(overrides or {}))
    return terms


def attribution_line(producers: list[str]) -> str:
    names = ", ".join(producers) if producers else "the producer"
    return f"Produced by {names}"
