"""The bpm and key indexes ordered newest first within each bpm value / key (and carrying the
other filters' columns): a filtered page merges one newest-first walk per value
(``selectors.page_key_branches``) instead of walking the whole newest-first index, whose cost
grew with the catalogue divided by the filter's selectivity. And the plain list's version
(``TrackListVersion``), bumped by triggers on every write that can reorder it, which tells
when remembered deep-page positions still hold (``selectors.page_checkpoint``). And the
link rows' copies of a new track's columns filled by one set-based statement per insert."""

from django.db import migrations, models

from content.migrations._postgres import RunSQLOnPostgres

VERSION_FORWARD = """
INSERT INTO content_tracklistversion (scope, version) VALUES ('all', 0);
-- Versions come from a sequence, which a rollback never rewinds: a number is never seen
-- twice, even when a transaction that bumped it rolled back (remembered checkpoints of a
-- list that never committed cannot match a later version).
CREATE SEQUENCE content_tracklistversion_seq;

CREATE FUNCTION beatpass_tracklist_version_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Each transition table is named only in its own branch (PL/pgSQL plans an expression
    -- whole, and a trigger only has the tables of its event).
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT 1 FROM new_rows) THEN
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT 1 FROM old_rows) THEN
            RETURN NULL;
        END IF;
    END IF;
    UPDATE content_tracklistversion SET version = nextval('content_tracklistversion_seq')
        WHERE scope = 'all';
    RETURN NULL;
END $$;

CREATE FUNCTION beatpass_tracklist_version_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.created_at, o.visibility, o.exclusive_status)
              IS DISTINCT FROM (n.created_at, n.visibility, n.exclusive_status)
    ) THEN
        UPDATE content_tracklistversion SET version = nextval('content_tracklistversion_seq')
        WHERE scope = 'all';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tracklist_version_ins AFTER INSERT ON content_track
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION beatpass_tracklist_version_rows();
CREATE TRIGGER tracklist_version_del AFTER DELETE ON content_track
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION beatpass_tracklist_version_rows();
CREATE TRIGGER tracklist_version_truncate AFTER TRUNCATE ON content_track
    FOR EACH STATEMENT EXECUTE FUNCTION beatpass_tracklist_version_rows();
CREATE TRIGGER tracklist_version_upd AFTER UPDATE ON content_track
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION beatpass_tracklist_version_upd();
"""

# The link rows' copies of a new track's date and visibility (``_page_keys_sql``) were filled by
# a row trigger: three UPDATE statements per inserted track, each firing the link tables' own
# statement triggers (the counters), planned anew every time: ~1 ms a track, so a bulk insert
# of 1M tracks ran for hours. One statement per insert now, set-based over its new rows.
LINKS = ("content_track_genres", "content_track_tags", "content_tracklike")

_SYNC_HEAD = """
DROP TRIGGER tracklink_sync_ins ON content_track;

CREATE FUNCTION beatpass_tracklink_sync_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
"""
_SYNC_TAIL = """    RETURN NULL;
END $$;

CREATE TRIGGER tracklink_sync_ins AFTER INSERT ON content_track
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION beatpass_tracklink_sync_inserted();
"""
_SYNC_UPDATE = """    UPDATE {table} AS l SET track_created_at = n.created_at,
           track_visibility = n.visibility, track_exclusive_status = n.exclusive_status
    FROM new_rows AS n
    WHERE l.track_id = n.id AND (l.track_created_at, l.track_visibility, l.track_exclusive_status)
          IS DISTINCT FROM (n.created_at, n.visibility, n.exclusive_status);
"""
SYNC_FORWARD = "".join([_SYNC_HEAD, *(_SYNC_UPDATE.format(table=t) for t in LINKS), _SYNC_TAIL])

SYNC_REVERSE = """
DROP TRIGGER tracklink_sync_ins ON content_track;
DROP FUNCTION beatpass_tracklink_sync_inserted();
CREATE TRIGGER tracklink_sync_ins AFTER INSERT ON content_track
    FOR EACH ROW EXECUTE FUNCTION beatpass_tracklink_sync();
"""

VERSION_REVERSE = """
DROP TRIGGER tracklist_version_upd ON content_track;
DROP TRIGGER tracklist_version_truncate ON content_track;
DROP TRIGGER tracklist_version_del ON content_track;
DROP TRIGGER tracklist_version_ins ON content_track;
DROP FUNCTION beatpass_tracklist_version_upd();
DROP FUNCTION beatpass_tracklist_version_rows();
DROP SEQUENCE content_tracklistversion_seq;
DELETE FROM content_tracklistversion;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0022_dupes_candidates_function"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="track", name="track_key_pitch_class"),
        migrations.RemoveIndex(model_name="track", name="track_bpm"),
        migrations.AddIndex(
            model_name="track",
            index=models.Index(
                fields=["key_pitch_class", "scale", "-created_at", "-id"],
                include=("visibility", "exclusive_status", "bpm"),
                name="track_key_pitch_class",
            ),
        ),
        migrations.AddIndex(
            model_name="track",
            index=models.Index(
                fields=["bpm", "-created_at", "-id"],
                include=("visibility", "exclusive_status", "key_pitch_class", "scale"),
                name="track_bpm",
            ),
        ),
        migrations.CreateModel(
            name="TrackListVersion",
            fields=[
                ("scope", models.CharField(max_length=6, primary_key=True, serialize=False)),
                ("version", models.BigIntegerField(default=0)),
            ],
        ),
        RunSQLOnPostgres(VERSION_FORWARD, VERSION_REVERSE),
        RunSQLOnPostgres(SYNC_FORWARD, SYNC_REVERSE),
    ]
