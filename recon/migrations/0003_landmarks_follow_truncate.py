"""The landmark tables have no foreign keys (COPY-loaded, partitioned); row deletes follow their
owners through recon.store. A TRUNCATE of the owners (a bulk reset, Django's test flush) fires
no row trigger: these statement triggers empty the landmark tables with them, so no orphan
landmark ever votes for a recording or track that is gone. SQLite: nothing to do."""

from django.db import migrations

FOLLOW = (
    ("recon_referencerecording", "recon_reference_landmark"),
    ("content_track", "recon_track_landmark"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for owner, table in FOLLOW:
        schema_editor.execute(
            f"CREATE FUNCTION {table}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN TRUNCATE {table}; RETURN NULL; END $$"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_follows_truncate AFTER TRUNCATE ON {owner} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_truncate()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for owner, table in FOLLOW:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_follows_truncate ON {owner}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_truncate()")


class Migration(migrations.Migration):
    dependencies = [("recon", "0002_landmark_tables")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
