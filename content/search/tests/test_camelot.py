"""The Camelot wheel in Python and in the database agree, and neighbours are the mixable keys."""

from __future__ import annotations

import pytest
from django.db import connection

from content.catalog.models import KEYS
from content.search import camelot


def test_known_keys_sit_where_djs_expect_them():
    assert camelot.label(camelot.code_for("A", "minor")) == "8A"
    assert camelot.label(camelot.code_for("C", "major")) == "8B"
    assert camelot.label(camelot.code_for("E", "minor")) == "9A"
    assert camelot.label(camelot.code_for("F#", "minor")) == "11A"
    assert camelot.label(camelot.code_for("Ab", "minor")) == "1A"
    assert camelot.label(camelot.code_for("B", "major")) == "1B"
    assert camelot.code_for("Db", "major") == camelot.code_for("C#", "major")


def test_neighbours_are_the_relative_key_and_one_step_either_way():
    a_minor = camelot.parse_label("8A")

    assert {camelot.label(c) for c in camelot.neighbours(a_minor)} == {"8B", "7A", "9A"}
    assert {camelot.label(c) for c in camelot.neighbours(camelot.parse_label("12B"))} == {
        "12A",
        "11B",
        "1B",
    }
    assert {camelot.label(c) for c in camelot.neighbours(camelot.parse_label("1A"))} == {
        "1B",
        "12A",
        "2A",
    }


def test_compatibility_scores_same_key_above_neighbours_above_the_rest():
    a_minor, c_major, e_minor, d_major = (
        camelot.code_for("A", "minor"),
        camelot.code_for("C", "major"),
        camelot.code_for("E", "minor"),
        camelot.code_for("D", "major"),
    )

    assert camelot.compatibility(a_minor, a_minor) == 1.0
    assert camelot.compatibility(a_minor, c_major) == 0.8
    assert camelot.compatibility(a_minor, e_minor) == 0.8
    assert camelot.compatibility(a_minor, d_major) == 0.0
    assert camelot.compatibility(a_minor, None) == 0.0


@pytest.mark.django_db
def test_the_database_codes_every_catalog_key_like_python_does():
    pairs = [(key, scale) for key in KEYS for scale in ("major", "minor")]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT k, s, beatpass_search_camelot(k, s) FROM unnest(%s::text[], %s::text[])"
            " AS given(k, s)",
            [[k for k, _ in pairs], [s for _, s in pairs]],
        )
        from_database = {(k, s): code for k, s, code in cursor.fetchall()}

    assert from_database == {(k, s): camelot.code_for(k, s) for k, s in pairs}
    assert len(set(from_database.values())) == 24
