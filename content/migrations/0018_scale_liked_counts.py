"""Liked tracks' totals from trigger-kept counters (scope ``liked``): see ``_liked_counts_sql``."""

from django.db import migrations, models

from content.migrations._liked_counts_sql import FORWARD, REVERSE


class RunSQLOnPostgres(migrations.RunSQL):
    """Counts are kept on PostgreSQL only; elsewhere (SQLite dev runs) lists count rows."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0017_commerce_payouts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="trackcount",
            name="scope",
            field=models.CharField(
                choices=[
                    ("all", "All tracks"),
                    ("genre", "Genre"),
                    ("tag", "Tag"),
                    ("artist", "Artist"),
                    ("liked", "Liked by a user"),
                ],
                max_length=6,
            ),
        ),
        RunSQLOnPostgres(FORWARD, REVERSE),
    ]
