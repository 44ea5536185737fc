"""Exact list counts kept by triggers (``content_trackcount``, see ``catalog.models.TrackCount``).

* ``beatpass_trackcount_apply(scopes, refs, visibilities, statuses, deltas)``: adds the grouped
  deltas to the counter rows, locking them in a fixed order (so two writers never deadlock on
  each other's counters) and creating missing rows.
* Statement-level triggers with transition tables on ``content_track`` (insert, delete, and an
  update that changes visibility or exclusive status: every scope of the track moves) and on the
  link tables (genres, tags, credited artists: that scope of the linked track moves). A link row
  whose track is already gone counts nothing: the track's delete trigger moved its scopes.
* TRUNCATE is not followed: re-run the fill (``beatpass_trackcount_refill()``) after one.
"""

LINKS = (
    ("genre", "content_track_genres", "genre_id"),
    ("tag", "content_track_tags", "tag_id"),
    ("artist", "content_trackartist", "artist_id"),
)


def _track_scopes(rows: str, sign: str, vis: str = "visibility", st: str = "exclusive_status"):
    """Deltas for every scope of the tracks in ``rows`` (a transition table or subquery)."""
    parts = [f"SELECT 'all'::text AS s, 0::bigint AS ref, r.{vis} AS v, r.{st} AS st, {sign} AS n "
             f"FROM {rows} r"]  # fmt: skip
    for scope, table, column in LINKS:
        parts.append(
            f"SELECT '{scope}', l.{column}, r.{vis}, r.{st}, {sign} "
            f"FROM {rows} r JOIN {table} l ON l.track_id = r.id"
        )
    return " UNION ALL ".join(parts)


def _apply(deltas: str) -> str:
    return (
        "PERFORM beatpass_trackcount_apply(array_agg(d.s), array_agg(d.ref), array_agg(d.v), "
        f"array_agg(d.st), array_agg(d.n)) FROM ({deltas}) d;"
    )


CHANGED = (
    "(SELECT o.id, o.visibility AS old_v, o.exclusive_status AS old_st, "
    "n.visibility AS new_v, n.exclusive_status AS new_st "
    "FROM old_rows o JOIN new_rows n ON n.id = o.id "
    "WHERE (o.visibility, o.exclusive_status) IS DISTINCT FROM (n.visibility, n.exclusive_status))"
)

FORWARD = f"""
CREATE FUNCTION beatpass_trackcount_apply(
    p_scope text[], p_ref bigint[], p_vis text[], p_status text[], p_n bigint[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
    FOR r IN
        SELECT d.s, d.ref, d.v, d.st, sum(d.n) AS n
        FROM unnest(p_scope, p_ref, p_vis, p_status, p_n) AS d(s, ref, v, st, n)
        GROUP BY 1, 2, 3, 4 HAVING sum(d.n) <> 0 ORDER BY 1, 2, 3, 4
    LOOP
        UPDATE content_trackcount SET count = count + r.n
        WHERE scope = r.s AND ref_id = r.ref AND visibility = r.v AND exclusive_status = r.st;
        IF NOT FOUND THEN
            INSERT INTO content_trackcount (scope, ref_id, visibility, exclusive_status, count)
            VALUES (r.s, r.ref, r.v, r.st, r.n)
            ON CONFLICT (scope, ref_id, visibility, exclusive_status)
            DO UPDATE SET count = content_trackcount.count + EXCLUDED.count;
        END IF;
    END LOOP;
END $$;

CREATE FUNCTION beatpass_trackcount_track_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {_apply(_track_scopes("new_rows", "1"))} RETURN NULL; END $$;

CREATE FUNCTION beatpass_trackcount_track_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {_apply(_track_scopes("old_rows", "-1"))} RETURN NULL; END $$;

CREATE FUNCTION beatpass_trackcount_track_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_apply(_track_scopes(CHANGED, "-1", "old_v", "old_st") + " UNION ALL "
            + _track_scopes(CHANGED, "1", "new_v", "new_st"))}
    RETURN NULL;
END $$;

CREATE TRIGGER trackcount_ins AFTER INSERT ON content_track
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_trackcount_track_ins();
CREATE TRIGGER trackcount_del AFTER DELETE ON content_track
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_trackcount_track_del();
CREATE TRIGGER trackcount_upd AFTER UPDATE ON content_track
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_trackcount_track_upd();

-- Link tables: TG_ARGV = (scope, link column).
CREATE FUNCTION beatpass_trackcount_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    deltas text := '';
    part text := 'SELECT %L AS s, l.%I::bigint AS ref, t.visibility AS v, '
                 't.exclusive_status AS st, %s AS n '
                 'FROM %s l JOIN content_track t ON t.id = l.track_id';
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        deltas := format(part, TG_ARGV[0], TG_ARGV[1], 1, 'new_rows');
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        deltas := deltas || CASE WHEN deltas = '' THEN '' ELSE ' UNION ALL ' END
                  || format(part, TG_ARGV[0], TG_ARGV[1], -1, 'old_rows');
    END IF;
    EXECUTE 'SELECT beatpass_trackcount_apply(array_agg(d.s), array_agg(d.ref), '
            'array_agg(d.v), array_agg(d.st), array_agg(d.n)) FROM (' || deltas || ') d';
    RETURN NULL;
END $$;

CREATE FUNCTION beatpass_trackcount_refill() RETURNS void LANGUAGE sql AS $$
    DELETE FROM content_trackcount;
    INSERT INTO content_trackcount (scope, ref_id, visibility, exclusive_status, count)
    SELECT d.s, d.ref, d.v, d.st, sum(d.n)
    FROM ({_track_scopes("content_track", "1")}) d
    GROUP BY 1, 2, 3, 4;
$$;
"""

for _scope, _table, _column in LINKS:
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

FORWARD += "SELECT beatpass_trackcount_refill();\n"

REVERSE = (
    "".join(
        f"DROP TRIGGER IF EXISTS trackcount_{op} ON {table};\n"
        for _s, table, _c in LINKS
        for op in ("insert", "delete", "update")
    )
    + """
DROP TRIGGER IF EXISTS trackcount_ins ON content_track;
DROP TRIGGER IF EXISTS trackcount_del ON content_track;
DROP TRIGGER IF EXISTS trackcount_upd ON content_track;
DROP FUNCTION IF EXISTS beatpass_trackcount_refill();
DROP FUNCTION IF EXISTS beatpass_trackcount_link();
DROP FUNCTION IF EXISTS beatpass_trackcount_track_ins();
DROP FUNCTION IF EXISTS beatpass_trackcount_track_del();
DROP FUNCTION IF EXISTS beatpass_trackcount_track_upd();
DROP FUNCTION IF EXISTS beatpass_trackcount_apply(text[], bigint[], text[], text[], bigint[]);
"""
)
