"""The play start statement, free of Django so that bench/analytics.py's raw-WSGI floor runs
the very statement the endpoint runs (``services.plays`` executes it)."""

from __future__ import annotations

# A play counts as completed at this share of the track (the metrics glossary).
COMPLETED_PERCENT = 80

# One statement, one round trip: the track's visibility and the viewer's standing (the same
# rules as ``play_target``), the dedupe gate, the event. ``listened`` is capped at the track's
# duration and ``completed`` derived from it as ``_completed`` does.
START_SQL = f"""
WITH track AS (
    SELECT t.duration, t.visibility = 'public' AS public,
           (%(staff)s OR (%(user)s::bigint IS NOT NULL AND EXISTS (
                SELECT 1 FROM content_trackartist ta
                JOIN content_artist_managers m ON m.artist_id = ta.artist_id
                WHERE ta.track_id = t.id AND m.user_id = %(user)s::bigint))) AS insider
    FROM content_track t WHERE t.id = %(track)s
), counted AS (
    SELECT duration, LEAST(%(listened)s, duration) AS listened FROM track
    WHERE public AND NOT insider
), gate AS (
    INSERT INTO content_playgate AS g (track_id, listener, play_id, started_at)
    SELECT %(track)s, %(listener)s, nextval(%(sequence)s::regclass), %(now)s FROM counted
    ON CONFLICT (track_id, listener) DO UPDATE
        SET play_id = EXCLUDED.play_id, started_at = EXCLUDED.started_at
        WHERE g.started_at <= %(window_start)s
    RETURNING g.play_id
), play AS (
    INSERT INTO content_playevent (id, track_id, user_id, listener, source, started_at, day,
                                   track_duration_ms, listened_ms, completed, folded_ms,
                                   folded_completed)
    SELECT gate.play_id, %(track)s, %(user)s, %(listener)s, %(source)s, %(now)s, %(day)s,
           counted.duration, counted.listened,
           counted.duration > 0
               AND counted.listened * 100 >= counted.duration * {COMPLETED_PERCENT},
           -1, false
    FROM gate, counted
    RETURNING id
)
SELECT track.public, track.insider, (SELECT id FROM play),
       (SELECT g.play_id FROM content_playgate g
        WHERE g.track_id = %(track)s AND g.listener = %(listener)s
          AND NOT EXISTS (SELECT 1 FROM gate))
FROM track
"""  # noqa: S608 - a constant is interpolated, values are parameters
