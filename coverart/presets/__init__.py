"""The templates BeatPass ships: one JSON file per template in this folder.

Each file holds the template's fields (``name``, ``slug``, ``description``, ``genres``,
``moods``, ``sort_order``, ``spec``). The initial data migration loads them (insert-only);
``manage.py load_cover_templates [--update]`` loads them again later.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PRESET_DIR = Path(__file__).resolve().parent
FIELDS = ("name", "slug", "description", "genres", "moods", "sort_order", "spec", "active")


def load() -> list[dict[str, Any]]:
    """Every preset, in ``sort_order`` then slug order."""
    items = []
    for path in sorted(PRESET_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        unknown = set(data) - set(FIELDS)
        if unknown:
            raise ValueError(f"{path.name}: unknown fields {sorted(unknown)}")
        if data.get("slug") != path.stem:
            raise ValueError(f"{path.name}: the slug must match the file name")
        items.append(data)
    return sorted(items, key=lambda d: (d.get("sort_order", 0), d["slug"]))
