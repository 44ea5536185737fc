"""Deep pages by index: the track's order and visibility on its genre, tag and like links
(``_page_keys_sql``), a newest-first track index carrying the visibility and filter columns so
that ``page=N`` skips its rows in an index-only scan, and the visibility columns in the bpm and
key indexes (their capped counts read the index alone)."""

from django.db import migrations, models

from content.migrations._page_keys_sql import FORWARD, REVERSE


class RunSQLOnPostgres(migrations.RunSQL):
    """Page keys are read on PostgreSQL only; elsewhere (SQLite dev runs) lists use the ORM."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0019_gaps_webhook_rejected"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="track",
            index=models.Index(
                fields=["-created_at", "-id"],
                include=("visibility", "exclusive_status", "bpm", "key_pitch_class", "scale"),
                name="track_newest_covering",
            ),
        ),
        # The bpm and key filters' capped counts: index-only (visibility included).
        migrations.RemoveIndex(model_name="track", name="track_key_pitch_class"),
        migrations.RemoveIndex(model_name="track", name="track_bpm"),
        migrations.AddIndex(
            model_name="track",
            index=models.Index(
                fields=["key_pitch_class", "scale"],
                include=("visibility", "exclusive_status", "id"),
                name="track_key_pitch_class",
            ),
        ),
        migrations.AddIndex(
            model_name="track",
            index=models.Index(
                fields=["bpm"], include=("visibility", "exclusive_status", "id"), name="track_bpm"
            ),
        ),
        RunSQLOnPostgres(FORWARD, REVERSE),
    ]
