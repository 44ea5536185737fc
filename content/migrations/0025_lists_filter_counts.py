"""The bpm and key filters' exact totals from trigger-kept counters (``TrackCount`` scopes
``bpm`` and ``key``), and the plain list's version following a track's bpm and key (the
filtered lists' remembered positions): see ``_filter_counts_sql``."""

from django.db import migrations, models

from content.migrations._filter_counts_sql import FORWARD, REVERSE
from content.migrations._postgres import RunSQLOnPostgres


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0024_dupes_postings"),
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
                    ("bpm", "Tracks of a bpm"),
                    ("key", "Tracks of a key and scale"),
                ],
                max_length=6,
            ),
        ),
        RunSQLOnPostgres(FORWARD, REVERSE),
    ]
