"""The signed-in list row builds its pricing inline (speed): it must say what
``pricing_fields`` says for every combination of the rules."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

from content.catalog.models import ExclusiveStatus, LicensingType
from content.catalog.presenters import _rich_track, pricing_fields


def _row(**pricing) -> dict:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return {
        "id": 1,
        "album_id": None,
        "name": "n",
        "image": "i",
        "album__image": None,
        "created_at": now,
        "duration": 1000,
        "bpm": None,
        "key": "",
        "scale": "",
        "plays": 0,
        "likes_count": 0,
        "description": "",
        "release_date": None,
        "number": None,
        "updated_at": now,
        "is_liked": False,
        "currency": "USD",
        "has_stems": False,
        **pricing,
    }


def test_inline_pricing_equals_pricing_fields_for_every_combination():
    combos = itertools.product(
        ["public", "private", "unlisted"],
        [s.value for s in ExclusiveStatus],
        [t.value for t in LicensingType],
        [None, Decimal("29.99"), Decimal("0.50")],
    )
    checked = 0
    for visibility, status, licensing, price in combos:
        row = _row(
            visibility=visibility,
            exclusive_status=status,
            licensing_type=licensing,
            exclusive_price=price,
        )
        expected = pricing_fields(row)
        item = _rich_track(row, {}, {}, {}, album=False)
        assert {key: item[key] for key in expected} == expected, (visibility, status, licensing)
        checked += 1
    assert checked > 20
