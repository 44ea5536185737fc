"""The duplicate search's inverted index as postings: ``content_fingerprintterm`` (term,
fingerprint) under a B-tree primary key, kept by a trigger on ``content_fingerprint``, replacing
intarray's GIN index on ``terms``.

The GIN index found the fingerprints sharing a term with the query, but ranking them by how many
terms they share meant reading each one's ``terms`` array (TOAST) and intersecting it with the
query: at 100k fingerprints ~3,700 rows share a term with an upload's ~570 by chance, and that
intersection was ~100 ms of CPU per search. From postings the count comes from the index alone:
one B-tree descent per query term, one index tuple per shared (term, fingerprint), grouped.

The trigger posts a fingerprint's terms when it is inserted or its ``terms`` change, and removes
them when they change or the row is deleted (Django's flush truncates both tables). Existing
fingerprints are posted here. ``fingerprint_candidates`` keeps its signature and answer.
"""

from importlib import import_module

from django.db import migrations, models

from content.migrations._postgres import RemoveIndexOnPostgres, RunSQLOnPostgres

SYNC = """
CREATE FUNCTION fingerprint_terms_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM content_fingerprintterm
        WHERE term = ANY (OLD.terms) AND fingerprint_id = OLD.id;
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.terms IS DISTINCT FROM NEW.terms OR OLD.id <> NEW.id THEN
            DELETE FROM content_fingerprintterm
            WHERE term = ANY (OLD.terms) AND fingerprint_id = OLD.id;
            INSERT INTO content_fingerprintterm (term, fingerprint_id)
            SELECT DISTINCT t, NEW.id FROM unnest(NEW.terms) AS t WHERE t IS NOT NULL;
        END IF;
    ELSE
        INSERT INTO content_fingerprintterm (term, fingerprint_id)
        SELECT DISTINCT t, NEW.id FROM unnest(NEW.terms) AS t WHERE t IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER fingerprint_terms_sync
    AFTER INSERT OR DELETE OR UPDATE OF terms, id ON content_fingerprint
    FOR EACH ROW EXECUTE FUNCTION fingerprint_terms_sync();
INSERT INTO content_fingerprintterm (term, fingerprint_id)
SELECT DISTINCT t, f.id FROM content_fingerprint f, unnest(f.terms) AS t WHERE t IS NOT NULL;
"""

UNSYNC = """
DROP TRIGGER fingerprint_terms_sync ON content_fingerprint;
DROP FUNCTION fingerprint_terms_sync();
"""

# Same signature and answer as migration 0022's: the (up to) ``max_rows`` completed
# fingerprints sharing at least ``min_hits`` terms with ``query``, most shared first, ties by id,
# outside ``excluded`` tracks. The counting reads only the postings' primary key.
CANDIDATES = """
CREATE OR REPLACE FUNCTION fingerprint_candidates(
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
        SELECT fingerprint_id AS id, count(*) AS hits
        FROM content_fingerprintterm
        WHERE term = ANY (query)
        GROUP BY fingerprint_id
        HAVING count(*) >= min_hits
        ORDER BY hits DESC, fingerprint_id
        LIMIT max_rows + cardinality(excluded)
    ) AS candidate
    CROSS JOIN LATERAL (
        -- OFFSET 0: neither flattened nor given the outer conditions, so each candidate is
        -- one primary-key lookup whatever the table's statistics say
        SELECT * FROM content_fingerprint WHERE id = candidate.id OFFSET 0
    ) AS f
    WHERE f.status = 'completed' AND NOT (f.track_id = ANY (excluded))
    ORDER BY candidate.hits DESC, f.id
    LIMIT max_rows
$$;
"""

# Migration 0022's function, for going back.
GIN_CANDIDATES = import_module(
    "content.migrations.0022_dupes_candidates_function"
).FORWARD.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0023_lists_filter_branches"),
    ]

    operations = [
        migrations.CreateModel(
            name="FingerprintTerm",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "term",
                        "fingerprint_id",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("term", models.IntegerField()),
                ("fingerprint_id", models.BigIntegerField()),
            ],
        ),
        RunSQLOnPostgres(SYNC, UNSYNC),
        RunSQLOnPostgres(CANDIDATES, GIN_CANDIDATES),
        RemoveIndexOnPostgres(  # 0005 created it on PostgreSQL only
            model_name="fingerprint",
            name="fingerprint_terms_gin",
        ),
    ]
