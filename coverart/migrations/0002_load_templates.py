"""Load the shipped cover templates (``coverart/presets/*.json``), insert-only.

The presets are data, read from disk when the migration runs; templates edited in the admin
are never overwritten here (``manage.py load_cover_templates --update`` does that on purpose).
Each spec is validated with the pure renderer's validator, as a save would.
"""

from django.db import migrations


def load_templates(apps, schema_editor):
    from coverart import presets
    from coverart.render import validate_spec

    CoverTemplate = apps.get_model("coverart", "CoverTemplate")
    existing = set(CoverTemplate.objects.values_list("slug", flat=True))
    for data in presets.load():
        if data["slug"] in existing:
            continue
        validate_spec(data["spec"])
        CoverTemplate.objects.create(spec_version=data["spec"]["version"], **data)


class Migration(migrations.Migration):
    dependencies = [("coverart", "0001_initial")]

    # Reversal drops nothing: the previous migration's reversal drops the table.
    operations = [migrations.RunPython(load_templates, migrations.RunPython.noop)]
