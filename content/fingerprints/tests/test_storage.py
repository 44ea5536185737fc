"""The fingerprint array field: integer[] on PostgreSQL, JSON text elsewhere (SQLite dev)."""

from __future__ import annotations

from types import SimpleNamespace

from django.db import connection

from content.fingerprints.models import IntArrayField

SQLITE = SimpleNamespace(vendor="sqlite")


def test_on_sqlite_the_array_is_stored_as_json_text():
    field = IntArrayField()

    assert field.db_type(SQLITE) == "text"
    assert field.get_placeholder([1], None, SQLITE) == "%s"
    assert field.get_db_prep_value([1, -2, 2**31 - 1], SQLITE) == "[1, -2, 2147483647]"
    assert field.get_db_prep_value(None, SQLITE) is None
    assert field.from_db_value("[1, -2]", None, SQLITE) == [1, -2]


def test_on_postgresql_it_is_an_integer_array():
    field = IntArrayField()

    assert field.db_type(connection) == "integer[]"
    assert field.from_db_value([1, 2], None, connection) == [1, 2]
