"""The landmark index tables (see recon/models.py and the README's Audio Recon section).

PostgreSQL: range-partitioned on the landmark hash (16 equal ranges of the 22-bit hash), so a
lookup sends each partition only the hashes in its range (recon.store.lookup) and each probe is one
descent of that partition's B-tree (hash) INCLUDE (owner, time) — index-only scans, no heap
visits; each partition stays a manageable size to VACUUM/REINDEX; a BRIN index on the owner id
(rows arrive in owner order through COPY) makes re-ingest/delete of one owner cheap without a
second B-tree. SQLite (``make run``) gets plain tables with the same columns.
"""

from django.db import migrations

TABLES = (("recon_reference_landmark", "recording_id"), ("recon_track_landmark", "track_id"))
PARTITIONS = 16
HASH_BITS = 22  # recon.matching.landmarks packs (f1: 9, df: 7, dt: 6) bits


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, owner in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TABLE {table} (hash integer NOT NULL, {owner} integer NOT NULL, "
                f"t integer NOT NULL) PARTITION BY RANGE (hash)"
            )
            width = (1 << HASH_BITS) // PARTITIONS
            for i in range(PARTITIONS):
                low = "MINVALUE" if i == 0 else str(i * width)
                high = "MAXVALUE" if i == PARTITIONS - 1 else str((i + 1) * width)
                schema_editor.execute(
                    f"CREATE TABLE {table}_p{i:02d} PARTITION OF {table} "
                    f"FOR VALUES FROM ({low}) TO ({high})"
                )
            schema_editor.execute(
                f"CREATE INDEX {table}_hash ON {table} (hash) INCLUDE ({owner}, t)"
            )
            schema_editor.execute(f"CREATE INDEX {table}_owner ON {table} USING brin ({owner})")
        else:
            schema_editor.execute(
                f"CREATE TABLE {table} (hash integer NOT NULL, {owner} integer NOT NULL, "
                f"t integer NOT NULL)"
            )
            schema_editor.execute(f"CREATE INDEX {table}_hash ON {table} (hash, {owner}, t)")
            schema_editor.execute(f"CREATE INDEX {table}_owner ON {table} ({owner})")


def drop(apps, schema_editor):
    for table, _ in TABLES:
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    dependencies = [("recon", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
