"""Matcher landmark-v2 (peak triplets hashed onto the whole int32 range, recon.matching.landmarks):
the landmark tables are re-created with 16 equal range partitions of the int32 hash (0002 split
the 22-bit pair hash), and ``TrackScan.matcher`` records which matcher computed a track's stored
landmarks.

The landmark rows are derived data and are not converted (a v1 pair hash says nothing about the
v2 triplets): both tables start empty. Recordings keep ``matcher = "landmark-v1"``, which scans
ignore and which ``recon_ingest`` / ``source_ingest`` re-index on their next run; a track's
landmarks are recomputed at its next scan (its ``matcher`` is empty). Reversible as a schema: the
reverse re-creates 0002's layout, empty too (then re-ingest with the v1 code).
"""

from django.db import migrations, models

TABLES = (("recon_reference_landmark", "recording_id"), ("recon_track_landmark", "track_id"))
PARTITIONS = 16


def _create(schema_editor, *, low_bound: int, width: int) -> None:
    for table, owner in TABLES:
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}")
        if schema_editor.connection.vendor != "postgresql":
            schema_editor.execute(
                f"CREATE TABLE {table} (hash integer NOT NULL, {owner} integer NOT NULL, "
                f"t integer NOT NULL)"
            )
            schema_editor.execute(f"CREATE INDEX {table}_hash ON {table} (hash, {owner}, t)")
            schema_editor.execute(f"CREATE INDEX {table}_owner ON {table} ({owner})")
            continue
        schema_editor.execute(
            f"CREATE TABLE {table} (hash integer NOT NULL, {owner} integer NOT NULL, "
            f"t integer NOT NULL) PARTITION BY RANGE (hash)"
        )
        for i in range(PARTITIONS):
            low = "MINVALUE" if i == 0 else str(low_bound + i * width)
            high = "MAXVALUE" if i == PARTITIONS - 1 else str(low_bound + (i + 1) * width)
            schema_editor.execute(
                f"CREATE TABLE {table}_p{i:02d} PARTITION OF {table} "
                f"FOR VALUES FROM ({low}) TO ({high})"
            )
        schema_editor.execute(f"CREATE INDEX {table}_hash ON {table} (hash) INCLUDE ({owner}, t)")
        schema_editor.execute(f"CREATE INDEX {table}_owner ON {table} USING brin ({owner})")


def forward(apps, schema_editor):
    # the int32 range: partition i holds hashes in [-2^31 + i·2^28, -2^31 + (i+1)·2^28)
    _create(schema_editor, low_bound=-(1 << 31), width=(1 << 32) // PARTITIONS)


def backward(apps, schema_editor):
    # 0002's layout: 16 equal ranges of the 22-bit pair hash
    _create(schema_editor, low_bound=0, width=(1 << 22) // PARTITIONS)


class Migration(migrations.Migration):
    dependencies = [("recon", "0003_landmarks_follow_truncate")]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
        migrations.AddField(
            model_name="trackscan",
            name="matcher",
            field=models.CharField(
                blank=True,
                help_text="Matcher that computed the stored landmarks.",
                max_length=32,
            ),
        ),
    ]
