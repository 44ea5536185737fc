"""Liked tracks' totals from trigger-kept counters (scope ``liked``): see ``_liked_counts_sql``."""

from django.db import migrations, models

from content.migrations._liked_counts_sql import FORWARD, REVERSE
from content.migrations._postgres import RunSQLOnPostgres


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
