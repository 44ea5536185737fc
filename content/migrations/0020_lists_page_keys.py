"""Deep pages by index: the track's order and visibility on its genre, tag and like links
(``_page_keys_sql``), a newest-first track index carrying the visibility and filter columns so
that ``page=N`` skips its rows in an index-only scan, and the visibility columns in the bpm and
key indexes (their capped counts read the index alone)."""

from django.db import migrations, models

from content.migrations._page_keys_sql import FORWARD, REVERSE
from content.migrations._postgres import RunSQLOnPostgres


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
