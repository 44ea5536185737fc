"""Fields whose own index another index covers (it leads with them) lose it: db_index=False.

DropFieldIndex drops only the index Django made for the field (a plain AlterField would also
drop a partial unique index on the same column)."""

import django.db.models.deletion
from django.db import migrations, models

from beatpass.migration_operations import DropFieldIndex


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0027_no_covered_fk_indexes"),
        ("recon", "0006_peaks_for_verification"),
    ]

    operations = [
        DropFieldIndex(
            model_name="match",
            name="track",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="placements",
                to="content.track",
            ),
        ),
        DropFieldIndex(
            model_name="matchnotice",
            name="match",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notices",
                to="recon.match",
            ),
        ),
        DropFieldIndex(
            model_name="referencerecording",
            name="source",
            field=models.CharField(
                choices=[
                    ("local", "Local files"),
                    ("spotify", "Spotify"),
                    ("deezer", "Deezer"),
                    ("youtube", "YouTube"),
                ],
                max_length=8,
            ),
        ),
    ]
