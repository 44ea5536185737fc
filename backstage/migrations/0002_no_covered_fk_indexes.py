"""Fields whose own index another index covers (it leads with them) lose it: db_index=False.

DropFieldIndex drops only the index Django made for the field (a plain AlterField would also
drop a partial unique index on the same column)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from beatpass.migration_operations import DropFieldIndex


class Migration(migrations.Migration):
    dependencies = [
        ("backstage", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        DropFieldIndex(
            model_name="backstagerequest",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="backstage_requests",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
