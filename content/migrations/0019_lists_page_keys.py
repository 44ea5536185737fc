"""Deep pages by index: the track's order and visibility on its genre, tag and like links
(``_page_keys_sql``), and a newest-first track index carrying the visibility columns so that
``page=N`` skips its rows in an index-only scan."""

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
        ("content", "0018_scale_liked_counts"),
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
        RunSQLOnPostgres(FORWARD, REVERSE),
    ]
