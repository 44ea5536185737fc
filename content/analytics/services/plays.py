"""Play logging: start a play, report its listen duration, or log a finished play in one call.

Counting rules (the numbers producers see must be honest):

- the same listener starting the same track again within ``ANALYTICS_DEDUPE_SECONDS`` (30 s)
  gets the play already counted back: one play, however many restarts or retries;
- plays by the managers of any artist credited on the track, and by staff, are not counted
  (``play_id: null``): nobody pumps their own numbers, moderators reviewing a track neither;
- private tracks are 404 for everyone else (so their plays are never counted);
- the listen duration only grows and never exceeds the track's duration; a play is
  ``completed`` once 80 % of the track was heard.

The hot path is one statement on PostgreSQL: the track lookup (visibility, the viewer's
standing) chained to an ``INSERT … ON CONFLICT`` on the dedupe gate chained to the event
insert. No shared row is written: counters move in the fold.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import os
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from rest_framework.exceptions import NotFound

from beatpass.api.compiled import prepared_cursor
from content import clock
from content.analytics.days import local_day, today
from content.analytics.models import ListenerSalt, PlayEvent, PlayGate, PlaySource
from content.analytics.selectors.access import play_target
from content.analytics.sql import COMPLETED_PERCENT, START_SQL


@dataclass(frozen=True)
class PlayStarted:
    play_id: int | None
    counted: bool  # a new play was recorded by this call


@dataclass(frozen=True)
class PlayProgress:
    play_id: int
    listened_ms: int
    completed: bool


# --- listeners ------------------------------------------------------------------------------------


_salts: dict[datetime.date, bytes] = {}
_salts_lock = threading.Lock()


def listener_salt(day: datetime.date) -> bytes:
    """The random salt of ``day``, shared by every process through ``ListenerSalt``."""
    salt = _salts.get(day)
    if salt is not None:
        return salt
    row = ListenerSalt.objects.filter(day=day).first()
    if row is None:
        try:
            with transaction.atomic():
                row = ListenerSalt.objects.create(day=day, salt=os.urandom(32))
        except IntegrityError:  # another process created it first: use theirs
            row = ListenerSalt.objects.get(day=day)
    with _salts_lock:
        if len(_salts) > 8:
            _salts.clear()
        _salts[day] = bytes(row.salt)
    return _salts[day]


def anonymous_listener(*, ip: str, user_agent: str, day: datetime.date) -> int:
    """A negative 63-bit id for an anonymous listener, stable for one day only."""
    digest = hashlib.sha256(
        listener_salt(day) + f"\x00{ip}\x00{user_agent}".encode("utf-8", "replace")
    ).digest()
    return -(int.from_bytes(digest[:8], "big") >> 1) - 1


def listener_for(*, viewer, ip: str, user_agent: str, day: datetime.date) -> int:
    if viewer is not None and viewer.is_authenticated:
        return viewer.pk
    return anonymous_listener(ip=ip or "", user_agent=user_agent or "", day=day)


def _completed(listened_ms: int, duration_ms: int) -> bool:
    return duration_ms > 0 and listened_ms * 100 >= duration_ms * COMPLETED_PERCENT


# --- start ----------------------------------------------------------------------------------------


def play_start(
    *,
    track_id: int,
    viewer,
    ip: str,
    user_agent: str,
    source: str = PlaySource.WEB,
    listened_ms: int = 0,
) -> PlayStarted:
    """Record a play of ``track_id`` unless the counting rules say it does not count.

    404 when the track is missing or hidden from the viewer. Race-safe: of many concurrent
    identical starts exactly one records a play (the gate's unique (track, listener) row).
    """
    signed_in = viewer is not None and viewer.is_authenticated
    now = clock.now()
    day = local_day(now)
    values = {
        "track": track_id,
        "user": viewer.pk if signed_in else None,
        "staff": bool(signed_in and viewer.is_staff),
        "listener": listener_for(viewer=viewer, ip=ip, user_agent=user_agent, day=day),
        "source": source,
        "now": now,
        "day": day,
        "listened": max(0, listened_ms),
        "window_start": now - datetime.timedelta(seconds=settings.ANALYTICS_DEDUPE_SECONDS),
    }
    if connection.vendor == "postgresql":
        return _start_postgresql(values)
    target = play_target(viewer=viewer, track_id=track_id)
    if target is None:
        raise NotFound()
    if target.viewer_is_insider:
        return PlayStarted(play_id=None, counted=False)
    listened = min(values["listened"], target.duration_ms)
    return _start_portable(
        {
            **values,
            "duration": target.duration_ms,
            "listened": listened,
            "completed": _completed(listened, target.duration_ms),
        }
    )


_sequence: str | None = None


def _event_sequence(cursor) -> str:
    global _sequence
    if _sequence is None:
        cursor.execute("SELECT pg_get_serial_sequence('content_playevent', 'id')")
        _sequence = cursor.fetchone()[0]
    return _sequence


def _start_postgresql(values: dict) -> PlayStarted:
    # Prepared: the statement (a lookup, two upserts) is planned once per connection, not on
    # every play.
    with prepared_cursor(connection) as cursor:
        cursor.execute(START_SQL, {**values, "sequence": _event_sequence(cursor)})
        row = cursor.fetchone()
        if row is None:
            raise NotFound()  # no such track
        public, insider, new_play, earlier_play = row
        if insider:
            return PlayStarted(play_id=None, counted=False)
        if not public:
            raise NotFound()
        if new_play is not None:
            return PlayStarted(play_id=new_play, counted=True)
        if earlier_play is None:
            # A concurrent identical start committed while this statement waited on the gate
            # row: it is newer than this statement's snapshot, so read it again.
            cursor.execute(
                "SELECT play_id FROM content_playgate WHERE track_id = %s AND listener = %s",
                [values["track"], values["listener"]],
            )
            found = cursor.fetchone()
            earlier_play = found[0] if found else None
    return PlayStarted(play_id=earlier_play, counted=False)


def _start_portable(values: dict) -> PlayStarted:
    """The same rule with row locks (SQLite serialises writers anyway)."""
    with transaction.atomic():
        gate = (
            PlayGate.objects.select_for_update()
            .filter(track_id=values["track"], listener=values["listener"])
            .first()
        )
        if gate is not None and gate.started_at > values["window_start"]:
            return PlayStarted(play_id=gate.play_id, counted=False)
        event = PlayEvent.objects.create(
            track_id=values["track"],
            user_id=values["user"],
            listener=values["listener"],
            source=values["source"],
            started_at=values["now"],
            day=values["day"],
            track_duration_ms=values["duration"],
            listened_ms=values["listened"],
            completed=values["completed"],
        )
        PlayGate.objects.update_or_create(
            track_id=values["track"],
            listener=values["listener"],
            defaults={"play_id": event.pk, "started_at": values["now"]},
        )
    return PlayStarted(play_id=event.pk, counted=True)


# --- listen duration ------------------------------------------------------------------------------


def _listener_candidates(*, viewer, ip: str, user_agent: str) -> list[int]:
    """Who the caller may be as a listener: the user, or the anonymous hash of today or
    yesterday (a play started before midnight is reported after it)."""
    if viewer is not None and viewer.is_authenticated:
        return [viewer.pk]
    day = today()
    return [
        anonymous_listener(ip=ip or "", user_agent=user_agent or "", day=d)
        for d in (day, day - datetime.timedelta(days=1))
    ]


def play_update_duration(
    *, track_id: int, play_id: int, listened_ms: int, viewer, ip: str, user_agent: str
) -> PlayProgress:
    """Raise the listen duration of the caller's active play (never lowers it, never past the
    track's duration). 404 for an unknown play, someone else's play, another track's play or a
    play started more than ``ANALYTICS_PLAY_UPDATE_SECONDS`` ago. One statement."""
    listeners = _listener_candidates(viewer=viewer, ip=ip, user_agent=user_agent)
    active_since = clock.now() - datetime.timedelta(seconds=settings.ANALYTICS_PLAY_UPDATE_SECONDS)
    greatest, least = ("GREATEST", "LEAST") if connection.vendor == "postgresql" else ("MAX", "MIN")
    placeholders = ", ".join(["%s"] * len(listeners))
    # Only ever raises listened_ms; ``completed`` follows it (it never goes back either).
    sql = f"""
        UPDATE content_playevent
        SET listened_ms = {greatest}(listened_ms, {least}(%s, track_duration_ms)),
            completed = (track_duration_ms > 0 AND
                         {greatest}(listened_ms, {least}(%s, track_duration_ms)) * 100
                         >= track_duration_ms * {COMPLETED_PERCENT})
        WHERE id = %s AND track_id = %s AND listener IN ({placeholders}) AND started_at >= %s
        RETURNING listened_ms, completed
    """  # noqa: S608 - only placeholders and constants are interpolated
    params = [listened_ms, listened_ms, play_id, track_id, *listeners, active_since]
    with connection.cursor() as cursor:  # one statement: atomic on its own
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No active play with this id for this track.")
    return PlayProgress(play_id=play_id, listened_ms=row[0], completed=bool(row[1]))


def play_log(
    *, track_id: int, viewer, ip: str, user_agent: str, source: str, listened_ms: int
) -> PlayStarted:
    """A finished play reported in one call. Same counting rules as ``play_start``; when the
    listener's play is still inside the dedupe window, its duration is raised instead."""
    started = play_start(
        track_id=track_id,
        viewer=viewer,
        ip=ip,
        user_agent=user_agent,
        source=source,
        listened_ms=listened_ms,
    )
    if started.play_id is not None and not started.counted and listened_ms > 0:
        # The earlier play may be past its update window: then there is nothing to raise.
        with contextlib.suppress(NotFound):
            play_update_duration(
                track_id=track_id,
                play_id=started.play_id,
                listened_ms=listened_ms,
                viewer=viewer,
                ip=ip,
                user_agent=user_agent,
            )
    return started
