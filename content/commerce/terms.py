"""The exclusive license configuration a producer sets per track or preset (help: license
configuration), and the certificate terms it turns into. Pure data, no ORM.

Usage counts are integers; ``None`` means unlimited (the default for every one of them).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

TERRITORIES = (
    "Worldwide",
    "United States",
    "Canada",
    "United Kingdom",
    "Europe",
    "North America",
    "South America",
    "Asia",
    "Africa",
    "Australia/Oceania",
)
GOVERNING_LAWS = (
    "United States",
    "Canada",
    "United Kingdom",
    "Germany",
    "France",
    "Australia",
    "Japan",
    "South Korea",
    "Brazil",
    "Mexico",
)
DELIVERABLES = {
    "wav": "WAV (Uncompressed)",
    "wav_tagged": "WAV (Tagged)",
    "mp3_320": "MP3 320kbps",
    "mp3_256": "MP3 256kbps",
    "flac": "FLAC (Lossless)",
    "stems": "Stems",
    "midi": "MIDI Files",
    "trackout": "Trackout/Multitrack",
}
USAGE_LIMITS = (
    "distribute_copies",
    "audio_streams",
    "monetized_music_videos",
    "non_monetized_music_videos",
    "monetized_video_streams",
    "non_monetized_video_streams",
    "radio_stations",
    "non_profit_performances",
)
TOGGLES = ("broadcasting_rights", "for_profit_performances", "content_id_allowed")

DEFAULT_CONFIG: dict[str, Any] = {
    "publishing_producer_percent": 20,
    "publishing_licensee_percent": 80,
    "territory": "Worldwide",
    "governing_law": "United States",
    **{name: None for name in USAGE_LIMITS},
    **{name: True for name in TOGGLES},
    "files_to_deliver": ["wav", "wav_tagged", "mp3_320", "stems"],
    "producer_royalty_percent": 3,
}


def config_with_defaults(config: dict[str, Any] | None) -> dict[str, Any]:
    merged = deepcopy(DEFAULT_CONFIG)
    merged.update(deepcopy(config or {}))
    return merged


def _limit(value: int | None) -> str:
    return "Unlimited" if value is None else f"Up to {value:,}"


def certificate_terms(config: dict[str, Any] | None) -> dict[str, Any]:
    """The ``terms_overrides`` an exclusive certificate is issued with (on top of the
    licensing defaults): the frozen configuration in words plus the raw values."""
    c = config_with_defaults(config)
    return {
        "territory": c["territory"],
        "governing_law": c["governing_law"],
        "content_id": "Allowed" if c["content_id_allowed"] else "Not allowed",
        "publishing_split": {
            "producer_percent": c["publishing_producer_percent"],
            "licensee_percent": c["publishing_licensee_percent"],
        },
        "producer_royalty_percent": c["producer_royalty_percent"],
        "usage": {name: _limit(c[name]) for name in USAGE_LIMITS},
        "broadcasting": "Allowed" if c["broadcasting_rights"] else "Not included",
        "for_profit_performances": "Allowed" if c["for_profit_performances"] else "Not included",
        "files_delivered": [DELIVERABLES[f] for f in c["files_to_deliver"]],
    }
