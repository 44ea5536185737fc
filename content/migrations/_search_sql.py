"""The PostgreSQL side of search, installed by migration ``0006_search`` (frozen with it: a later
change goes into a new migration). Not a migration itself: the loader skips ``_`` modules.

Pieces:

* ``beatpass_search``: a text search configuration copied from ``simple`` (no stemming, so
  producer names and slang stay as typed) with ``unaccent`` in front of it.
* ``beatpass_search_norm(text)``: lower-case, unaccented, single-spaced (exact-name matches).
* ``beatpass_search_prior(plays, likes)``: ``ln(1 + plays + 5 * likes)`` rounded down to
  eighths: log-damped, and coarse enough that counting plays rarely touches a search row.
* ``beatpass_search_camelot(key, scale)``: 1-12 = 1A-12A (minor), 13-24 = 1B-12B (major).
* ``beatpass_search_track_refresh(ids)`` / ``beatpass_search_album_refresh(ids)``: rebuild the
  documents of those tracks/albums (an upsert that skips unchanged rows) and add their words
  to the spelling vocabulary. Statement-level triggers with transition tables call them once
  per statement, so bulk writes cost one set-based refresh, not one per row.
* Expression indexes for artists, playlists, users, tags and genres: their documents only
  depend on their own row, so the index itself is the document.

Exclusive sales: a track is ``listed`` unless private or exclusively sold. The sold state is
read as ``to_jsonb(t) ->> 'exclusive_status'``, which is NULL (so: listed) while the licensing
feature's column does not exist, and takes effect as soon as it does, with no change here.
"""

SEARCH_SQL = r"""
CREATE TEXT SEARCH CONFIGURATION beatpass_search (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION beatpass_search
    ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, simple;

CREATE FUNCTION beatpass_search_norm(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT btrim(regexp_replace(
        lower(public.unaccent('public.unaccent'::regdictionary, value)), '\s+', ' ', 'g'))
$$;

CREATE FUNCTION beatpass_search_prior(plays bigint, likes bigint) RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (floor(8 * ln(1 + greatest(coalesce(plays, 0), 0)
                          + 5 * greatest(coalesce(likes, 0), 0))) / 8)::real
$$;

CREATE FUNCTION beatpass_search_camelot(key text, scale text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE
        WHEN pc IS NULL THEN NULL
        WHEN scale = 'minor' THEN ((7 * (pc + 3)) % 12 + 7) % 12 + 1
        WHEN scale = 'major' THEN ((7 * pc) % 12 + 7) % 12 + 13
    END)::smallint
    FROM (SELECT CASE key
        WHEN 'C' THEN 0 WHEN 'C#' THEN 1 WHEN 'Db' THEN 1 WHEN 'D' THEN 2 WHEN 'D#' THEN 3
        WHEN 'Eb' THEN 3 WHEN 'E' THEN 4 WHEN 'F' THEN 5 WHEN 'F#' THEN 6 WHEN 'Gb' THEN 6
        WHEN 'G' THEN 7 WHEN 'G#' THEN 8 WHEN 'Ab' THEN 8 WHEN 'A' THEN 9 WHEN 'A#' THEN 10
        WHEN 'Bb' THEN 10 WHEN 'B' THEN 11 END AS pc) AS k
$$;

-- The documents of artists, playlists and users depend on their own row only: expression
-- indexes over these functions are the documents (queries call the same functions).
CREATE FUNCTION beatpass_search_doc2(name text, description text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('beatpass_search'::regconfig, coalesce(name, '')), 'A')
        || setweight(to_tsvector('beatpass_search'::regconfig,
                                 left(coalesce(description, ''), 2000)), 'D')
$$;

CREATE FUNCTION beatpass_search_add_terms(texts text[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO content_searchterm (term)
    SELECT DISTINCT word
    FROM unnest(texts) AS given(t),
         unnest(tsvector_to_array(to_tsvector('beatpass_search'::regconfig, coalesce(t, ''))))
             AS word
    WHERE length(word) BETWEEN 3 AND 64
    ON CONFLICT DO NOTHING
$$;

-- --- tracks ---------------------------------------------------------------------------------

CREATE FUNCTION beatpass_search_track_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- Two transactions changing one track (a tag each) serialise on its search row here, and
    -- the next statement reads with a fresh snapshot (READ COMMITTED): the second refresh sees
    -- the first one's committed change instead of overwriting it with an older picture.
    PERFORM 1 FROM content_searchtrack WHERE track_id = ANY(ids) ORDER BY track_id FOR UPDATE;
    -- Artists, genres and tags are aggregated once for the whole batch (hash joins), not
    -- looked up track by track: a bulk rebuild runs several times faster.
    WITH artists AS (
        SELECT ta.track_id,
               string_agg(a.name, ' ' ORDER BY ta.position, ta.id) AS names,
               (array_agg(ta.artist_id ORDER BY ta.position, ta.id))[1] AS main_artist_id
        FROM content_trackartist AS ta JOIN content_artist AS a ON a.id = ta.artist_id
        WHERE ta.track_id = ANY(ids)
        GROUP BY ta.track_id
    ), genres AS (
        SELECT tg.track_id, string_agg(g.name || ' ' || g.display_name, ' ') AS names
        FROM content_track_genres AS tg JOIN content_genre AS g ON g.id = tg.genre_id
        WHERE tg.track_id = ANY(ids)
        GROUP BY tg.track_id
    ), tags AS (
        SELECT tt.track_id, string_agg(x.name, ' ') AS names
        FROM content_track_tags AS tt JOIN content_tag AS x ON x.id = tt.tag_id
        WHERE tt.track_id = ANY(ids)
        GROUP BY tt.track_id
    )
    INSERT INTO content_searchtrack AS d
        (track_id, document, name_norm, listed, popularity, created_at, bpm, camelot,
         main_artist_id)
    SELECT t.id,
           setweight(to_tsvector('beatpass_search'::regconfig, t.name), 'A')
           || setweight(to_tsvector('beatpass_search'::regconfig, coalesce(ar.names, '')), 'B')
           || setweight(to_tsvector('beatpass_search'::regconfig,
                                    concat_ws(' ', ge.names, tg.names)), 'C')
           || setweight(to_tsvector('beatpass_search'::regconfig, left(t.description, 2000)),
                        'D'),
           beatpass_search_norm(t.name),
           t.visibility = 'public'
               AND coalesce(to_jsonb(t) ->> 'exclusive_status', '') <> 'sold',
           beatpass_search_prior(t.plays, t.likes_count),
           t.created_at,
           t.bpm,
           beatpass_search_camelot(t.key, t.scale),
           ar.main_artist_id
    FROM content_track AS t
    LEFT JOIN artists AS ar ON ar.track_id = t.id
    LEFT JOIN genres AS ge ON ge.track_id = t.id
    LEFT JOIN tags AS tg ON tg.track_id = t.id
    WHERE t.id = ANY(ids)
    ON CONFLICT (track_id) DO UPDATE SET
        document = excluded.document, name_norm = excluded.name_norm,
        listed = excluded.listed, popularity = excluded.popularity,
        created_at = excluded.created_at, bpm = excluded.bpm, camelot = excluded.camelot,
        main_artist_id = excluded.main_artist_id
    WHERE (d.document, d.name_norm, d.listed, d.popularity, d.created_at, d.bpm, d.camelot,
           d.main_artist_id)
          IS DISTINCT FROM
          (excluded.document, excluded.name_norm, excluded.listed, excluded.popularity,
           excluded.created_at, excluded.bpm, excluded.camelot, excluded.main_artist_id);

    INSERT INTO content_searchterm (term)
    SELECT DISTINCT word
    FROM content_searchtrack AS d,
         unnest(tsvector_to_array(ts_filter(d.document, '{a,b,c}'))) AS word
    WHERE d.track_id = ANY(ids) AND length(word) BETWEEN 3 AND 64
    ON CONFLICT DO NOTHING;
END
$$;

CREATE FUNCTION beatpass_search_track_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM beatpass_search_track_refresh(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END
$$;

-- Only changes that alter a document count: a play counted without moving the (coarse) prior
-- leaves the search row alone.
CREATE FUNCTION beatpass_search_track_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM beatpass_search_track_refresh(ARRAY(
        SELECT n.id FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
        WHERE (n.name, n.description, n.visibility, n.created_at, n.bpm, n.key, n.scale)
              IS DISTINCT FROM (o.name, o.description, o.visibility, o.created_at, o.bpm, o.key,
                                o.scale)
           OR beatpass_search_prior(n.plays, n.likes_count)
              IS DISTINCT FROM beatpass_search_prior(o.plays, o.likes_count)
           OR (to_jsonb(n) ->> 'exclusive_status')
              IS DISTINCT FROM (to_jsonb(o) ->> 'exclusive_status')));
    RETURN NULL;
END
$$;

CREATE TRIGGER beatpass_search_track_insert AFTER INSERT ON content_track
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_search_track_inserted();
CREATE TRIGGER beatpass_search_track_update AFTER UPDATE ON content_track
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_search_track_updated();

-- Link tables (artists, genres, tags of a track): refresh every track a statement touched.
CREATE FUNCTION beatpass_search_track_link_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM beatpass_search_track_refresh(ARRAY(SELECT DISTINCT track_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM beatpass_search_track_refresh(ARRAY(SELECT DISTINCT track_id FROM old_rows));
    ELSE
        PERFORM beatpass_search_track_refresh(ARRAY(
            SELECT track_id FROM new_rows UNION SELECT track_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION beatpass_search_album_link_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM beatpass_search_album_refresh(ARRAY(SELECT DISTINCT album_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM beatpass_search_album_refresh(ARRAY(SELECT DISTINCT album_id FROM old_rows));
    ELSE
        PERFORM beatpass_search_album_refresh(ARRAY(
            SELECT album_id FROM new_rows UNION SELECT album_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

-- --- albums ---------------------------------------------------------------------------------

CREATE FUNCTION beatpass_search_album_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- Serialise concurrent refreshes of one album (see beatpass_search_track_refresh).
    PERFORM 1 FROM content_searchalbum WHERE album_id = ANY(ids) ORDER BY album_id FOR UPDATE;
    WITH artists AS (
        SELECT aa.album_id, string_agg(a.name, ' ' ORDER BY aa.position, aa.id) AS names
        FROM content_albumartist AS aa JOIN content_artist AS a ON a.id = aa.artist_id
        WHERE aa.album_id = ANY(ids)
        GROUP BY aa.album_id
    ), genres AS (
        SELECT ag.album_id, string_agg(g.name || ' ' || g.display_name, ' ') AS names
        FROM content_album_genres AS ag JOIN content_genre AS g ON g.id = ag.genre_id
        WHERE ag.album_id = ANY(ids)
        GROUP BY ag.album_id
    ), tags AS (
        SELECT at.album_id, string_agg(x.name, ' ') AS names
        FROM content_album_tags AS at JOIN content_tag AS x ON x.id = at.tag_id
        WHERE at.album_id = ANY(ids)
        GROUP BY at.album_id
    )
    INSERT INTO content_searchalbum AS d (album_id, document, name_norm, popularity, created_at)
    SELECT al.id,
           setweight(to_tsvector('beatpass_search'::regconfig, al.name), 'A')
           || setweight(to_tsvector('beatpass_search'::regconfig, coalesce(ar.names, '')), 'B')
           || setweight(to_tsvector('beatpass_search'::regconfig,
                                    concat_ws(' ', ge.names, tg.names)), 'C')
           || setweight(to_tsvector('beatpass_search'::regconfig, left(al.description, 2000)),
                        'D'),
           beatpass_search_norm(al.name),
           beatpass_search_prior(al.plays, al.likes_count),
           al.created_at
    FROM content_album AS al
    LEFT JOIN artists AS ar ON ar.album_id = al.id
    LEFT JOIN genres AS ge ON ge.album_id = al.id
    LEFT JOIN tags AS tg ON tg.album_id = al.id
    WHERE al.id = ANY(ids)
    ON CONFLICT (album_id) DO UPDATE SET
        document = excluded.document, name_norm = excluded.name_norm,
        popularity = excluded.popularity, created_at = excluded.created_at
    WHERE (d.document, d.name_norm, d.popularity, d.created_at)
          IS DISTINCT FROM
          (excluded.document, excluded.name_norm, excluded.popularity, excluded.created_at);

    INSERT INTO content_searchterm (term)
    SELECT DISTINCT word
    FROM content_searchalbum AS d,
         unnest(tsvector_to_array(ts_filter(d.document, '{a,b,c}'))) AS word
    WHERE d.album_id = ANY(ids) AND length(word) BETWEEN 3 AND 64
    ON CONFLICT DO NOTHING;
END
$$;

CREATE FUNCTION beatpass_search_album_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM beatpass_search_album_refresh(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END
$$;

CREATE FUNCTION beatpass_search_album_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM beatpass_search_album_refresh(ARRAY(
        SELECT n.id FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
        WHERE (n.name, n.description, n.created_at) IS DISTINCT FROM
              (o.name, o.description, o.created_at)
           OR beatpass_search_prior(n.plays, n.likes_count)
              IS DISTINCT FROM beatpass_search_prior(o.plays, o.likes_count)));
    RETURN NULL;
END
$$;

CREATE TRIGGER beatpass_search_album_insert AFTER INSERT ON content_album
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_search_album_inserted();
CREATE TRIGGER beatpass_search_album_update AFTER UPDATE ON content_album
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_search_album_updated();

-- --- renames of what documents quote: artists, genres, tags ----------------------------------

CREATE FUNCTION beatpass_search_artist_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    renamed bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM beatpass_search_add_terms(ARRAY(SELECT name FROM new_rows));
        RETURN NULL;
    END IF;
    renamed := ARRAY(SELECT n.id FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
                     WHERE n.name IS DISTINCT FROM o.name);
    IF cardinality(renamed) = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM beatpass_search_add_terms(ARRAY(SELECT name FROM new_rows WHERE id = ANY(renamed)));
    PERFORM beatpass_search_track_refresh(ARRAY(
        SELECT DISTINCT track_id FROM content_trackartist WHERE artist_id = ANY(renamed)));
    PERFORM beatpass_search_album_refresh(ARRAY(
        SELECT DISTINCT album_id FROM content_albumartist WHERE artist_id = ANY(renamed)));
    RETURN NULL;
END
$$;

CREATE TRIGGER beatpass_search_artist_insert AFTER INSERT ON content_artist
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_search_artist_changed();
CREATE TRIGGER beatpass_search_artist_update AFTER UPDATE ON content_artist
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_search_artist_changed();

-- Genres and tags: TG_ARGV[0] names the table, so one function serves both.
CREATE FUNCTION beatpass_search_label_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF TG_ARGV[0] = 'genre' THEN
            PERFORM beatpass_search_add_terms(ARRAY(
                SELECT name || ' ' || display_name FROM new_rows));
        ELSE
            PERFORM beatpass_search_add_terms(ARRAY(SELECT name FROM new_rows));
        END IF;
        RETURN NULL;
    END IF;
    IF TG_ARGV[0] = 'genre' THEN
        PERFORM beatpass_search_track_refresh(ARRAY(
            SELECT DISTINCT l.track_id FROM content_track_genres AS l
            JOIN new_rows AS n ON n.id = l.genre_id JOIN old_rows AS o ON o.id = n.id
            WHERE (n.name, n.display_name) IS DISTINCT FROM (o.name, o.display_name)));
        PERFORM beatpass_search_album_refresh(ARRAY(
            SELECT DISTINCT l.album_id FROM content_album_genres AS l
            JOIN new_rows AS n ON n.id = l.genre_id JOIN old_rows AS o ON o.id = n.id
            WHERE (n.name, n.display_name) IS DISTINCT FROM (o.name, o.display_name)));
    ELSE
        PERFORM beatpass_search_track_refresh(ARRAY(
            SELECT DISTINCT l.track_id FROM content_track_tags AS l
            JOIN new_rows AS n ON n.id = l.tag_id JOIN old_rows AS o ON o.id = n.id
            WHERE n.name IS DISTINCT FROM o.name));
        PERFORM beatpass_search_album_refresh(ARRAY(
            SELECT DISTINCT l.album_id FROM content_album_tags AS l
            JOIN new_rows AS n ON n.id = l.tag_id JOIN old_rows AS o ON o.id = n.id
            WHERE n.name IS DISTINCT FROM o.name));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER beatpass_search_genre_insert AFTER INSERT ON content_genre
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_search_label_changed('genre');
CREATE TRIGGER beatpass_search_genre_update AFTER UPDATE ON content_genre
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_search_label_changed('genre');
CREATE TRIGGER beatpass_search_tag_insert AFTER INSERT ON content_tag
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_search_label_changed('tag');
CREATE TRIGGER beatpass_search_tag_update AFTER UPDATE ON content_tag
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_search_label_changed('tag');

-- Playlists and users: their words join the vocabulary (their documents are indexes).
CREATE FUNCTION beatpass_search_name_terms() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM beatpass_search_add_terms(ARRAY(SELECT name FROM new_rows));
    RETURN NULL;
END
$$;

CREATE FUNCTION beatpass_search_renamed_terms() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM beatpass_search_add_terms(ARRAY[NEW.name]);
    RETURN NULL;
END
$$;

CREATE TRIGGER beatpass_search_playlist_insert AFTER INSERT ON content_playlist
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_search_name_terms();
CREATE TRIGGER beatpass_search_playlist_update AFTER UPDATE OF name ON content_playlist
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION beatpass_search_renamed_terms();
CREATE TRIGGER beatpass_search_user_insert AFTER INSERT ON accounts_user
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION beatpass_search_name_terms();
CREATE TRIGGER beatpass_search_user_update AFTER UPDATE OF name ON accounts_user
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION beatpass_search_renamed_terms();
"""

# Link-table triggers: three statements (INSERT, UPDATE, DELETE) per table, because a trigger
# with transition tables may only have one event.
_LINKS = {
    "content_trackartist": "beatpass_search_track_link_changed",
    "content_track_genres": "beatpass_search_track_link_changed",
    "content_track_tags": "beatpass_search_track_link_changed",
    "content_albumartist": "beatpass_search_album_link_changed",
    "content_album_genres": "beatpass_search_album_link_changed",
    "content_album_tags": "beatpass_search_album_link_changed",
}
_REFERENCING = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}
for _table, _function in _LINKS.items():
    for _event, _referencing in _REFERENCING.items():
        SEARCH_SQL += (
            f"CREATE TRIGGER beatpass_search_{_event.lower()} AFTER {_event} ON {_table}\n"
            f"    REFERENCING {_referencing} FOR EACH STATEMENT EXECUTE FUNCTION {_function}();\n"
        )

SEARCH_SQL += r"""
-- --- foreign keys: a deleted track or album takes its document along -------------------------
ALTER TABLE content_searchtrack ADD CONSTRAINT content_searchtrack_track_fk
    FOREIGN KEY (track_id) REFERENCES content_track (id) ON DELETE CASCADE;
ALTER TABLE content_searchalbum ADD CONSTRAINT content_searchalbum_album_fk
    FOREIGN KEY (album_id) REFERENCES content_album (id) ON DELETE CASCADE;

-- --- indexes ---------------------------------------------------------------------------------
-- Tracks: every search reads listed rows only, so every index is partial.
CREATE INDEX content_searchtrack_document ON content_searchtrack USING gin (document)
    WHERE listed;
CREATE INDEX content_searchtrack_name ON content_searchtrack (name_norm text_pattern_ops)
    WHERE listed;
-- Candidate caps walk this one for very common words (see backends/postgres.py).
CREATE INDEX content_searchtrack_popular ON content_searchtrack
    (popularity DESC, track_id DESC) WHERE listed;
CREATE INDEX content_searchtrack_camelot_bpm ON content_searchtrack (camelot, bpm) WHERE listed;
CREATE INDEX content_searchtrack_bpm ON content_searchtrack (bpm) WHERE listed;
CREATE INDEX content_searchtrack_artist ON content_searchtrack (main_artist_id) WHERE listed;

CREATE INDEX content_searchalbum_document ON content_searchalbum USING gin (document);
-- text_pattern_ops: equality, and LIKE 'prefix%' (suggestions) under any collation.
CREATE INDEX content_searchalbum_name ON content_searchalbum (name_norm text_pattern_ops);
CREATE INDEX content_searchalbum_popular ON content_searchalbum (popularity DESC, album_id DESC);

CREATE INDEX content_artist_search ON content_artist
    USING gin (beatpass_search_doc2(name, bio));
CREATE INDEX content_artist_search_name ON content_artist
    (beatpass_search_norm(name) text_pattern_ops);
CREATE INDEX content_playlist_search ON content_playlist
    USING gin (beatpass_search_doc2(name, description)) WHERE public;
CREATE INDEX content_playlist_search_name ON content_playlist (beatpass_search_norm(name))
    WHERE public;
CREATE INDEX accounts_user_search ON accounts_user
    USING gin (beatpass_search_doc2(name, '')) WHERE is_active AND name <> '';
CREATE INDEX accounts_user_search_name ON accounts_user (beatpass_search_norm(name))
    WHERE is_active AND name <> '';
CREATE INDEX content_tag_search ON content_tag (beatpass_search_norm(name) text_pattern_ops);
CREATE INDEX content_tag_search_document ON content_tag
    USING gin (beatpass_search_doc2(name, ''));
CREATE INDEX content_genre_search_document ON content_genre
    USING gin (beatpass_search_doc2(display_name, name));

-- Nearest words by trigram distance (KNN). A 256-byte signature instead of the default 12 keeps
-- the signatures of different words apart, so a nearest-neighbour scan visits few pages.
CREATE INDEX content_searchterm_trigram ON content_searchterm
    USING gist (term gist_trgm_ops(siglen=256));

-- Audio descriptors: the vector as a cube (exact distances computed in C) and the SimHash
-- signature as bit(256) (Hamming distance with bit_count(a # b)). No GiST on the cube: at 35
-- dimensions an R-tree visits nearly every page (measured: as slow as a scan at 100k), so
-- similarity search scans the 32-byte signatures and re-ranks a shortlist exactly.
ALTER TABLE content_trackdescriptor ADD COLUMN embedding cube
    GENERATED ALWAYS AS (cube(vector)) STORED;
ALTER TABLE content_trackdescriptor ADD COLUMN signature_bits bit(256)
    GENERATED ALWAYS AS (('x' || encode(signature, 'hex'))::bit(256)) STORED;
-- The scan reads this index only (about 60 bytes a track instead of the 330-byte row).
CREATE INDEX content_trackdescriptor_signature ON content_trackdescriptor (track_id)
    INCLUDE (signature_bits) WHERE signature_bits IS NOT NULL;

-- --- existing rows --------------------------------------------------------------------------
SELECT beatpass_search_track_refresh(ARRAY(SELECT id FROM content_track));
SELECT beatpass_search_album_refresh(ARRAY(SELECT id FROM content_album));
SELECT beatpass_search_add_terms(ARRAY(SELECT name FROM content_artist));
SELECT beatpass_search_add_terms(ARRAY(SELECT name FROM content_tag));
SELECT beatpass_search_add_terms(ARRAY(SELECT name || ' ' || display_name FROM content_genre));
SELECT beatpass_search_add_terms(ARRAY(SELECT name FROM content_playlist));
SELECT beatpass_search_add_terms(ARRAY(SELECT name FROM accounts_user));
"""

_TRIGGERS = [
    ("beatpass_search_track_insert", "content_track"),
    ("beatpass_search_track_update", "content_track"),
    ("beatpass_search_album_insert", "content_album"),
    ("beatpass_search_album_update", "content_album"),
    ("beatpass_search_artist_insert", "content_artist"),
    ("beatpass_search_artist_update", "content_artist"),
    ("beatpass_search_genre_insert", "content_genre"),
    ("beatpass_search_genre_update", "content_genre"),
    ("beatpass_search_tag_insert", "content_tag"),
    ("beatpass_search_tag_update", "content_tag"),
    ("beatpass_search_playlist_insert", "content_playlist"),
    ("beatpass_search_playlist_update", "content_playlist"),
    ("beatpass_search_user_insert", "accounts_user"),
    ("beatpass_search_user_update", "accounts_user"),
] + [
    (f"beatpass_search_{event.lower()}", table) for table in _LINKS for event in _REFERENCING
]

SEARCH_SQL_REVERSE = (
    "".join(f"DROP TRIGGER IF EXISTS {name} ON {table};\n" for name, table in _TRIGGERS)
    + r"""
DROP INDEX IF EXISTS content_artist_search, content_artist_search_name, content_playlist_search,
    content_playlist_search_name, accounts_user_search, accounts_user_search_name,
    content_tag_search, content_tag_search_document, content_genre_search_document,
    content_searchterm_trigram;
ALTER TABLE content_trackdescriptor DROP COLUMN IF EXISTS embedding,
    DROP COLUMN IF EXISTS signature_bits;
DROP FUNCTION IF EXISTS beatpass_search_name_terms(), beatpass_search_renamed_terms(),
    beatpass_search_label_changed(),
    beatpass_search_artist_changed(), beatpass_search_album_updated(),
    beatpass_search_album_inserted(), beatpass_search_album_refresh(bigint[]),
    beatpass_search_album_link_changed(), beatpass_search_track_link_changed(),
    beatpass_search_track_updated(), beatpass_search_track_inserted(),
    beatpass_search_track_refresh(bigint[]), beatpass_search_add_terms(text[]),
    beatpass_search_doc2(text, text), beatpass_search_camelot(text, text),
    beatpass_search_prior(bigint, bigint), beatpass_search_norm(text);
DROP TEXT SEARCH CONFIGURATION IF EXISTS beatpass_search;
"""
)
