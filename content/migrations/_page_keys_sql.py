"""The track's ordering and visibility columns copied onto its genre, tag and like links, so a
deep page of a genre's, a tag's or a user's liked tracks is picked from one index of the link
table (index-only: the newest-first order and the visibility test are both in it) instead of
walking the whole catalogue newest-first and probing the link table per track.

``track_created_at``, ``track_visibility`` and ``track_exclusive_status`` are not Django fields:
row triggers keep them equal to the track's, whatever the write path (ORM, bulk, raw SQL):

- a link row inserted (or moved to another track) copies the track's values;
- a track inserted fills links written before it (Django's foreign keys are deferred);
- a track whose ``created_at``, ``visibility`` or ``exclusive_status`` changes updates its links.

The counters' statement triggers on the link tables see such an update as -1 then +1 for the
same scope: no net change. Read by ``content.catalog.selectors.page_keys``.
"""

TABLES = (
    ("content_track_genres", "genre_id", "track_genres_page_keys"),
    ("content_track_tags", "tag_id", "track_tags_page_keys"),
)
LIKES = ("content_tracklike", "user_id", "tracklike_page_keys")
ALL = (*TABLES, LIKES)

COLUMNS = """
    ADD COLUMN track_created_at timestamp with time zone,
    ADD COLUMN track_visibility varchar(7),
    ADD COLUMN track_exclusive_status varchar(9)
"""

# The backfill writes only the new columns, which no existing trigger reads: the tables' own
# triggers (counters, search documents) are off meanwhile, or a large catalogue would
# re-count and re-index every track for nothing.
FORWARD = "".join(
    f"""
ALTER TABLE {table} {COLUMNS};
ALTER TABLE {table} DISABLE TRIGGER USER;
UPDATE {table} l SET track_created_at = t.created_at, track_visibility = t.visibility,
       track_exclusive_status = t.exclusive_status
FROM content_track t WHERE t.id = l.track_id;
ALTER TABLE {table} ENABLE TRIGGER USER;
"""
    for table, _c, _i in ALL
)

FORWARD += """
CREATE FUNCTION beatpass_tracklink_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT t.created_at, t.visibility, t.exclusive_status
    INTO NEW.track_created_at, NEW.track_visibility, NEW.track_exclusive_status
    FROM content_track t WHERE t.id = NEW.track_id;
    RETURN NEW;
END $$;

CREATE FUNCTION beatpass_tracklink_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
""" + "".join(
    f"""    UPDATE {table} SET track_created_at = NEW.created_at, track_visibility = NEW.visibility,
           track_exclusive_status = NEW.exclusive_status
    WHERE track_id = NEW.id AND (track_created_at, track_visibility, track_exclusive_status)
          IS DISTINCT FROM (NEW.created_at, NEW.visibility, NEW.exclusive_status);
"""
    for table, _c, _i in ALL
) + """    RETURN NULL;
END $$;

CREATE TRIGGER tracklink_sync_ins AFTER INSERT ON content_track
    FOR EACH ROW EXECUTE FUNCTION beatpass_tracklink_sync();
CREATE TRIGGER tracklink_sync_upd AFTER UPDATE OF created_at, visibility, exclusive_status
    ON content_track FOR EACH ROW
    WHEN ((OLD.created_at, OLD.visibility, OLD.exclusive_status)
          IS DISTINCT FROM (NEW.created_at, NEW.visibility, NEW.exclusive_status))
    EXECUTE FUNCTION beatpass_tracklink_sync();
"""

for _table, _column, _index in ALL:
    _order = "created_at" if _table == LIKES[0] else "track_created_at"
    FORWARD += f"""
CREATE TRIGGER tracklink_fill BEFORE INSERT OR UPDATE OF track_id ON {_table}
    FOR EACH ROW EXECUTE FUNCTION beatpass_tracklink_fill();
CREATE INDEX {_index} ON {_table} ({_column}, {_order} DESC, track_id DESC)
    INCLUDE (track_visibility, track_exclusive_status);
"""

REVERSE = "".join(
    f"""
DROP TRIGGER IF EXISTS tracklink_fill ON {table};
DROP INDEX IF EXISTS {index};
ALTER TABLE {table} DROP COLUMN IF EXISTS track_created_at,
    DROP COLUMN IF EXISTS track_visibility, DROP COLUMN IF EXISTS track_exclusive_status;
"""
    for table, _c, index in ALL
) + """
DROP TRIGGER IF EXISTS tracklink_sync_ins ON content_track;
DROP TRIGGER IF EXISTS tracklink_sync_upd ON content_track;
DROP FUNCTION IF EXISTS beatpass_tracklink_sync();
DROP FUNCTION IF EXISTS beatpass_tracklink_fill();
"""
