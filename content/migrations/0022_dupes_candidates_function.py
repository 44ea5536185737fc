"""The duplicate search's candidate lookup as one SQL function, ``fingerprint_candidates``.

intarray estimates ``terms && query`` per element, so a query of a few hundred terms looks like
it matches most rows: left alone the planner picks a sequential scan (150 ms at 20k rows against
1 ms through the GIN index) and, past ~50k rows, a parallel plan. The function carries its own
planner settings (``SET`` clauses apply while it runs, then the session's return), so the search
is one statement and one round trip instead of five (savepoint, set, query, reset, release).
The candidates' fingerprints come back in PostgreSQL's binary array format
(``array_send``), which the caller reads with numpy instead of parsing thousands of integers
from text. Read by ``content.fingerprints.selectors``; SQLite (dev) scans in Python instead.
"""

from django.db import migrations

from content.migrations._postgres import RunSQLOnPostgres

FORWARD = """
CREATE FUNCTION fingerprint_candidates(
    query int4[], excluded int8[], min_hits int, max_rows int
) RETURNS TABLE (
    track_id int8, items bytea, tuned_items bytea, fingerprinted_at timestamptz
)
LANGUAGE sql STABLE
SET enable_seqscan = off
SET max_parallel_workers_per_gather = 0
AS $$
    SELECT f.track_id, array_send(f.items), array_send(f.tuned_items), f.fingerprinted_at
    FROM (
        SELECT id, icount(terms & query) AS hits
        FROM content_fingerprint
        WHERE terms && query
        ORDER BY hits DESC, id
        LIMIT max_rows + cardinality(excluded)
    ) AS candidate
    JOIN content_fingerprint f ON f.id = candidate.id
    WHERE candidate.hits >= min_hits
      AND f.status = 'completed'
      AND NOT (f.track_id = ANY (excluded))
    ORDER BY candidate.hits DESC, f.id
    LIMIT max_rows
$$;
"""

REVERSE = "DROP FUNCTION fingerprint_candidates(int4[], int8[], int, int);"


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0021_gaps_refund_requests"),
    ]

    operations = [RunSQLOnPostgres(FORWARD, REVERSE)]
