"""No index of ours is covered by another: each one is written on every insert and update of
its table, so one that a wider index already answers costs writes (a download, a like, a
notification) and space for nothing.

An index is covered when another whole (not partial) B-tree index of the same table starts
with the same key columns, operator classes and collations (and, past one column, the same
sort directions): every lookup and ordering the first serves, the second serves too. A
foreign key's own index is the usual case: Django adds one to every ``ForeignKey`` unless
``db_index=False``, and most of ours lead a composite index or a unique constraint.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

# The tables of Django's own many-to-many fields (their pair's unique index and an index per
# column, which Django creates and a model cannot change) and of other projects' apps.
OURS = {"accounts", "backstage", "content", "recon", "coverart"}

# Covered on PostgreSQL only: the wider index is created by PostgreSQL-only SQL, and the
# embedded SQLite database of the demo server reads the user's likes through this one.
KEPT = {"tracklike_user_recent"}

COVERED = """
WITH idx AS (
  SELECT i.indrelid, c.relname AS tbl, i.indexrelid, ic.relname AS idx,
         i.indisunique AS uniq, i.indpred IS NULL AS whole, i.indexprs IS NULL AS plain,
         i.indnkeyatts AS nkeys,
         (i.indkey::int2[])[0:i.indnkeyatts - 1] AS keys,
         (i.indclass::oid[])[0:i.indnkeyatts - 1] AS classes,
         (i.indcollation::oid[])[0:i.indnkeyatts - 1] AS colls,
         (i.indoption::int2[])[0:i.indnkeyatts - 1] AS opts,
         am.amname
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indrelid
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_am am ON am.oid = ic.relam
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = current_schema()
)
SELECT a.tbl, a.idx, b.idx
FROM idx a JOIN idx b ON a.indrelid = b.indrelid AND a.indexrelid <> b.indexrelid
WHERE a.amname = 'btree' AND b.amname = 'btree'
  AND NOT a.uniq AND a.whole AND b.whole AND a.plain AND b.plain
  AND a.nkeys <= b.nkeys
  AND a.keys = b.keys[1:a.nkeys] AND a.classes = b.classes[1:a.nkeys]
  AND a.colls = b.colls[1:a.nkeys]
  AND (a.nkeys = 1 OR a.opts = b.opts[1:a.nkeys])
  -- two identical indexes: name the later one only
  AND (a.nkeys < b.nkeys OR b.uniq OR a.indexrelid > b.indexrelid)
ORDER BY 1, 2, 3
"""


def _our_tables() -> set[str]:
    return {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=False)
        if model._meta.app_label in OURS and model._meta.managed
    }


def _covered() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(COVERED)
        return cursor.fetchall()


def test_no_index_of_ours_is_covered_by_another():
    if connection.vendor != "postgresql":
        pytest.fail("the index catalogue read here is PostgreSQL's (the suite's database)")
    ours = _our_tables()
    covered = [
        f"{table}.{index} (covered by {by})"
        for table, index, by in _covered()
        if table in ours and index not in KEPT
    ]
    assert covered == []


def test_the_check_finds_a_covered_index():
    """The query above, on an index made to be covered: it would say so."""
    with connection.cursor() as cursor:
        cursor.execute('CREATE INDEX "probe_covered" ON "content_download" ("track_id")')
    found = [row for row in _covered() if row[1] == "probe_covered"]
    assert found == [("content_download", "probe_covered", "download_track_recent")]


def test_every_kept_exception_is_still_covered():
    """``KEPT`` lists only indexes the check would flag: one that stops being covered (or is
    renamed) leaves the list."""
    assert {index for _table, index, _by in _covered()} >= KEPT


def test_every_constraint_and_index_the_models_declare_exists():
    """Each ``Meta.constraints`` and ``Meta.indexes`` entry of ours is in the database under its
    name: a migration that drops one as a side effect (Django's ``AlterField`` of a field
    losing its index drops a partial unique index on that column too, such as one pending
    backstage request per user) fails here."""
    declared = {
        (model._meta.db_table, item.name)
        for model in apps.get_models(include_auto_created=False)
        if model._meta.app_label in OURS and model._meta.managed
        for item in (*model._meta.constraints, *model._meta.indexes)
    }
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema()
            UNION
            SELECT conrelid::regclass::text, conname FROM pg_constraint
            WHERE connamespace = current_schema()::regnamespace
            """
        )
        existing = set(cursor.fetchall())
    assert len(declared) > 50
    assert sorted(declared - existing) == []
