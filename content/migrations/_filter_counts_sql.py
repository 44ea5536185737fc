"""Counters of the bpm and key filters (``content_trackcount`` scopes ``bpm`` and ``key``) and the
plain list's version following a track's bpm and key.

* ``bpm``: ``ref_id`` = the bpm value; ``key``: ``ref_id`` = pitch class × 3 + the scale's
  position in ("", "major", "minor") (``catalog.selectors.key_ref``). Tracks without a bpm or a
  key count in neither. A ``?bpm_min=&bpm_max=`` or ``?key=`` list then sums at most 151 (3)
  counter rows instead of counting up to ``PAGINATION_COUNT_CAP`` rows and asking the planner
  for an estimate beyond.
* The track triggers' functions (0018's, ``_liked_counts_sql``) are replaced with versions that
  add these two scopes; an update moves a track's counters when its visibility, exclusive
  status, bpm, key or scale changes (the other scopes' deltas cancel out when only the bpm or
  key changed).
* ``TrackListVersion`` also moves when a track's bpm, key or scale changes: the filtered lists'
  remembered positions (``selectors.page_checkpoint``) live under that version too. A second
  version (scope ``links``) moves with every write of the genre and tag links (and of their
  copies of their track's columns): the genre and tag lists' remembered positions.

The reverse puts 0018's functions and 0023's version function back.
"""

# ruff: noqa: S608 - the SQL is built from constants of this module, never from input

from content.migrations import _liked_counts_sql as liked
from content.migrations import _track_counts_sql as base

# The key counter's ref of a track row ``r`` (pitch class NULL: no key, not counted).
KEY_REF = (
    "({r}.key_pitch_class * 3 + CASE {r}.scale WHEN 'major' THEN 1 WHEN 'minor' THEN 2 "
    "ELSE 0 END)"
)


def _filter_scopes(rows: str, sign: str, *, vis: str, st: str, bpm: str, key: str) -> str:
    return (
        f"SELECT 'bpm'::text, r.{bpm}::bigint, r.{vis}, r.{st}, {sign} FROM {rows} r "
        f"WHERE r.{bpm} IS NOT NULL UNION ALL "
        f"SELECT 'key'::text, r.{key}::bigint, r.{vis}, r.{st}, {sign} FROM {rows} r "
        f"WHERE r.{key} IS NOT NULL"
    )


def _track_scopes(rows: str, sign: str) -> str:
    """Every scope of the track rows ``rows`` (a table or a transition table)."""
    with_key = f"(SELECT t.*, {KEY_REF.format(r='t')} AS key_ref FROM {rows} t)"
    return (
        liked._track_scopes(liked.LINKS, rows, sign)
        + " UNION ALL "
        + _filter_scopes(
            with_key, sign, vis="visibility", st="exclusive_status", bpm="bpm", key="key_ref"
        )
    )


# The updated tracks whose counted columns changed, old and new values side by side.
CHANGED = (
    "(SELECT o.id, o.visibility AS old_v, o.exclusive_status AS old_st, "
    f"o.bpm AS old_bpm, {KEY_REF.format(r='o')} AS old_key, "
    "n.visibility AS new_v, n.exclusive_status AS new_st, "
    f"n.bpm AS new_bpm, {KEY_REF.format(r='n')} AS new_key "
    "FROM old_rows o JOIN new_rows n ON n.id = o.id "
    "WHERE (o.visibility, o.exclusive_status, o.bpm, o.key_pitch_class, o.scale) "
    "IS DISTINCT FROM (n.visibility, n.exclusive_status, n.bpm, n.key_pitch_class, n.scale))"
)


def _changed_scopes(side: str, sign: str) -> str:
    v, st = f"{side}_v", f"{side}_st"
    return (
        liked._track_scopes(liked.LINKS, CHANGED, sign, v, st)
        + " UNION ALL "
        + _filter_scopes(CHANGED, sign, vis=v, st=st, bpm=f"{side}_bpm", key=f"{side}_key")
    )


FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION beatpass_trackcount_track_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {base._apply(_track_scopes("new_rows", "1"))} RETURN NULL; END $$;

CREATE OR REPLACE FUNCTION beatpass_trackcount_track_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {base._apply(_track_scopes("old_rows", "-1"))} RETURN NULL; END $$;

CREATE OR REPLACE FUNCTION beatpass_trackcount_track_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {base._apply(_changed_scopes("old", "-1") + " UNION ALL " + _changed_scopes("new", "1"))}
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION beatpass_trackcount_refill() RETURNS void LANGUAGE sql AS $$
    DELETE FROM content_trackcount;
    INSERT INTO content_trackcount (scope, ref_id, visibility, exclusive_status, count)
    SELECT d.s, d.ref, d.v, d.st, sum(d.n)
    FROM ({_track_scopes("content_track", "1")}) d
    GROUP BY 1, 2, 3, 4;
$$;
"""

_VERSION_UPD = """
CREATE OR REPLACE FUNCTION beatpass_tracklist_version_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.created_at, o.visibility, o.exclusive_status{extra_old})
              IS DISTINCT FROM (n.created_at, n.visibility, n.exclusive_status{extra_new})
    ) THEN
        UPDATE content_tracklistversion SET version = nextval('content_tracklistversion_seq')
        WHERE scope = 'all';
    END IF;
    RETURN NULL;
END $$;
"""

# The genre and tag lists' version (scope ``links``): bumped by every statement that writes
# their link rows, the copies of a track's date, visibility and status included (a track's
# change reaches its links through ``tracklink_sync``), so their remembered positions hold
# only while neither the links nor their tracks changed.
LINKS_VERSION = """
INSERT INTO content_tracklistversion (scope, version) VALUES ('links', 0);

CREATE FUNCTION beatpass_tracklist_version_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT 1 FROM old_rows) THEN
            RETURN NULL;
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM new_rows) THEN
        RETURN NULL;
    END IF;
    UPDATE content_tracklistversion SET version = nextval('content_tracklistversion_seq')
        WHERE scope = 'links';
    RETURN NULL;
END $$;
""" + "".join(
    f"""
CREATE TRIGGER tracklist_version_{op.lower()} AFTER {op} ON {table}
    REFERENCING {ref} FOR EACH STATEMENT EXECUTE FUNCTION beatpass_tracklist_version_links();"""
    for table in ("content_track_genres", "content_track_tags")
    for op, ref in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
        ("UPDATE", "NEW TABLE AS new_rows"),
    )
)

LINKS_VERSION_REVERSE = "".join(
    f"DROP TRIGGER tracklist_version_{op} ON {table};\n"
    for table in ("content_track_genres", "content_track_tags")
    for op in ("insert", "delete", "update")
) + (
    "DROP FUNCTION beatpass_tracklist_version_links();\n"
    "DELETE FROM content_tracklistversion WHERE scope = 'links';\n"
)

FORWARD = (
    LINKS_VERSION
    + FUNCTIONS
    + _VERSION_UPD.format(
        extra_old=", o.bpm, o.key_pitch_class, o.scale",
        extra_new=", n.bpm, n.key_pitch_class, n.scale",
    )
    # The existing tracks, counted once (the other scopes' rows are already right).
    + f"""
INSERT INTO content_trackcount (scope, ref_id, visibility, exclusive_status, count)
SELECT d.s, d.ref, d.v, d.st, sum(d.n) FROM (
    {_filter_scopes(
        f"(SELECT t.*, {KEY_REF.format(r='t')} AS key_ref FROM content_track t)", "1",
        vis="visibility", st="exclusive_status", bpm="bpm", key="key_ref",
    )}
) d (s, ref, v, st, n)
GROUP BY 1, 2, 3, 4;
"""
)

REVERSE = (
    LINKS_VERSION_REVERSE
    + "DELETE FROM content_trackcount WHERE scope IN ('bpm', 'key');\n"
    + liked._functions(liked.LINKS)
    + _VERSION_UPD.format(extra_old="", extra_new="")
)
