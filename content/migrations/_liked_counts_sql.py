"""Liked tracks' counts in ``content_trackcount`` (scope ``liked``, ``ref_id`` = the user): the
user's likes split by the liked track's visibility and exclusive status, kept by the same
statement-level triggers as the other scopes (``_track_counts_sql``).

``content_tracklike`` is one more link table (``user_id`` the scope's key), and the track
triggers move a track's likes with the track (visibility change, sale, delete) as they move its
genre, tag and artist scopes. Migration 0013's functions are replaced with versions that know
the extra link; the reverse puts 0013's back.
"""

from content.migrations import _track_counts_sql as base

LIKED = ("liked", "content_tracklike", "user_id")
LINKS = (*base.LINKS, LIKED)


def _track_scopes(links, rows: str, sign: str, vis: str = "visibility", st: str = "exclusive_status"):
    parts = [f"SELECT 'all'::text AS s, 0::bigint AS ref, r.{vis} AS v, r.{st} AS st, {sign} AS n "
             f"FROM {rows} r"]  # fmt: skip
    for scope, table, column in links:
        parts.append(
            f"SELECT '{scope}', l.{column}, r.{vis}, r.{st}, {sign} "
            f"FROM {rows} r JOIN {table} l ON l.track_id = r.id"
        )
    return " UNION ALL ".join(parts)


def _functions(links) -> str:
    """The track triggers' functions and the refill, over ``links``."""
    return f"""
CREATE OR REPLACE FUNCTION beatpass_trackcount_track_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {base._apply(_track_scopes(links, "new_rows", "1"))} RETURN NULL; END $$;

CREATE OR REPLACE FUNCTION beatpass_trackcount_track_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {base._apply(_track_scopes(links, "old_rows", "-1"))} RETURN NULL; END $$;

CREATE OR REPLACE FUNCTION beatpass_trackcount_track_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {base._apply(_track_scopes(links, base.CHANGED, "-1", "old_v", "old_st") + " UNION ALL "
                 + _track_scopes(links, base.CHANGED, "1", "new_v", "new_st"))}
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION beatpass_trackcount_refill() RETURNS void LANGUAGE sql AS $$
    DELETE FROM content_trackcount;
    INSERT INTO content_trackcount (scope, ref_id, visibility, exclusive_status, count)
    SELECT d.s, d.ref, d.v, d.st, sum(d.n)
    FROM ({_track_scopes(links, "content_track", "1")}) d
    GROUP BY 1, 2, 3, 4;
$$;
"""


_scope, _table, _column = LIKED
FORWARD = _functions(LINKS)
for _op, _ref in (
    ("INSERT", "NEW TABLE AS new_rows"),
    ("DELETE", "OLD TABLE AS old_rows"),
    ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
):
    FORWARD += f"""
CREATE TRIGGER trackcount_{_op.lower()} AFTER {_op} ON {_table}
    REFERENCING {_ref} FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_trackcount_link('{_scope}', '{_column}');
"""
# The existing likes, counted once (the other scopes' rows are already right).
FORWARD += f"""
INSERT INTO content_trackcount (scope, ref_id, visibility, exclusive_status, count)
SELECT '{_scope}', l.{_column}, t.visibility, t.exclusive_status, count(*)
FROM {_table} l JOIN content_track t ON t.id = l.track_id
GROUP BY 2, 3, 4;
"""

REVERSE = (
    "".join(f"DROP TRIGGER IF EXISTS trackcount_{op} ON {_table};\n" for op in ("insert", "delete", "update"))
    + f"DELETE FROM content_trackcount WHERE scope = '{_scope}';\n"
    + _functions(base.LINKS)
)
