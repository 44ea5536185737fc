"""``POST /tracks/{id}/plays``, ``/tracks/plays/{id}/update-duration``, ``/tracks/plays/{id}/log``.

They have their own throttle scope (``plays``, per user or IP) instead of the global ones, so
a player's progress reports never eat the listener's general request budget.
"""

from __future__ import annotations

import orjson
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from beatpass.api import lean
from beatpass.api.exceptions import exception_handler
from beatpass.api.params import parse_pk
from beatpass.api.schema import errors, status_only
from beatpass.api.throttling import ScopedThrottle
from content.analytics import schemas
from content.analytics.inputs import PlayLogInput, PlayStartInput, UpdateDurationInput
from content.analytics.models import PlaySource
from content.analytics.services import plays


class PlayRateThrottle(ScopedThrottle):
    scope = "plays"

    @property
    def cache(self):
        # The configured cache itself, not DRF's default ``cache`` proxy: ``RateWindow`` only
        # takes its one-round-trip atomic Redis path (EVALSHA) when it sees a ``RedisCache``;
        # behind the proxy it fell back to get + set, each building a new Redis client
        # (a third of the endpoint's CPU, and not atomic across workers).
        return caches["default"]

    def ident_for(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
        return f"ip:{self.get_ident(request)}"


def _client(request) -> dict:
    return {
        "viewer": request.user,
        "ip": BaseThrottle().get_ident(request) or "",
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:512],
    }


_SOURCES = frozenset(PlaySource.values)


def _plain_source(data) -> str | None:
    """The ``source`` of the common play-start body (``{}`` or ``{"source": "<valid>"}`` as
    JSON) without building a serializer, which cost a fifth of the start's CPU; None for any
    other body, which ``PlayStartInput`` then validates."""
    if type(data) is not dict or len(data) > 1:
        return None
    source = data.get("source", PlaySource.WEB.value)
    if len(data) == 1 and "source" not in data:
        return None
    return source if type(source) is str and source in _SOURCES else None


class PlayStartView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [PlayRateThrottle]

    @extend_schema(
        operation_id="track_play_start",
        summary="Start a play",
        description=(
            "Records a play of the track and returns its `play_id` (send it to "
            "update-duration while the track plays). Anonymous listeners are welcome. The "
            "same listener restarting the track within the dedupe window (30 s) gets the play "
            "already counted back (`counted: false`); plays by the managers of a credited "
            "artist and by staff do not count (`play_id: null`). Private tracks are 404 to "
            "everyone else. `source`: " + schemas.SOURCES_TEXT + " (default web)."
        ),
        tags=[schemas.TAG_PLAYS],
        parameters=[schemas.TRACK_PATH],
        request=PlayStartInput,
        responses={
            201: schemas.PlayStartedOut,
            200: schemas.PlayStartedOut,
            **errors(400, 404, 422, 429),
        },
    )
    def post(self, request, track_id):
        track = parse_pk(track_id)
        source = _plain_source(request.data)
        if source is None:  # anything unusual: the serializer decides (and words the errors)
            data = PlayStartInput(data=request.data)
            data.is_valid(raise_exception=True)
            source = data.validated_data["source"]
        started = plays.play_start(track_id=track, source=source, **_client(request))
        return Response(
            {"status": "success", "play_id": started.play_id, "counted": started.counted},
            status=status.HTTP_201_CREATED if started.counted else status.HTTP_200_OK,
        )


def _json_source(request) -> str | None:
    """The ``source`` of an anonymous start whose body is plain JSON (``{}``, empty, or
    ``{"source": "<valid>"}``), else None."""
    if request.content_type != "application/json":
        return None
    raw = request.body
    if not raw.strip():
        return PlaySource.WEB.value
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return _plain_source(data)


def play_start_view():
    """``PlayStartView`` with a lean path for the common case, an anonymous listener posting
    ``{}`` or a valid ``source`` as JSON (no Authorization header, no cookie): the same
    throttle (``plays`` scope, its X-RateLimit numbers), service and body, without DRF's
    request wrapping, negotiation and serializer (a tenth of the start's CPU). Everything
    else, a refused hit included (refusals are not counted), goes to ``PlayStartView``, which
    also documents the operation (``cls``)."""
    drf_view = PlayStartView.as_view()
    headers = lean.drf_headers(PlayStartView)

    @csrf_exempt
    def view(request, track_id):
        meta = request.META
        if request.method != "POST" or meta.get("HTTP_AUTHORIZATION") or meta.get("HTTP_COOKIE"):
            return drf_view(request, track_id=track_id)
        source = _json_source(request)
        if source is None or not PlayRateThrottle().allow_request(request, None):
            return drf_view(request, track_id=track_id)
        try:
            started = plays.play_start(
                track_id=parse_pk(track_id),
                source=source,
                viewer=AnonymousUser(),
                ip=BaseThrottle().get_ident(request) or "",
                user_agent=meta.get("HTTP_USER_AGENT", "")[:512],
            )
        except NotFound as exc:
            return lean.finish(exception_handler(exc, {"request": request}), headers=headers)
        return lean.finish(
            Response(
                {"status": "success", "play_id": started.play_id, "counted": started.counted},
                status=status.HTTP_201_CREATED if started.counted else status.HTTP_200_OK,
            ),
            headers=headers,
        )

    view.cls = PlayStartView  # what the schema generator documents
    view.initkwargs = {}
    return view


class PlayUpdateDurationView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [PlayRateThrottle]

    @extend_schema(
        operation_id="track_play_update_duration",
        summary="Update a play's listen duration",
        description=(
            "Reports how much of the track the listener has heard. The duration only grows "
            "(a lower value leaves it unchanged) and is capped at the track's duration; at 80 "
            "% the play is `completed`. Only the listener who started the play may update it, "
            "within a few hours of its start (ANALYTICS_PLAY_UPDATE_SECONDS); otherwise 404."
        ),
        tags=[schemas.TAG_PLAYS],
        parameters=[schemas.TRACK_PATH],
        request=UpdateDurationInput,
        responses={200: schemas.PlayProgressOut, **errors(400, 404, 422, 429)},
    )
    def post(self, request, track_id):
        track = parse_pk(track_id)
        data = UpdateDurationInput(data=request.data)
        data.is_valid(raise_exception=True)
        progress = plays.play_update_duration(
            track_id=track,
            play_id=data.validated_data["play_id"],
            listened_ms=data.validated_data["listened_ms"],
            **_client(request),
        )
        return Response(
            {
                "status": "success",
                "play_id": progress.play_id,
                "listened_ms": progress.listened_ms,
                "completed": progress.completed,
            }
        )


class PlayLogView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [PlayRateThrottle]

    @extend_schema(
        operation_id="logTrackPlay",
        summary="Log a track play",
        description=(
            "Records a finished play in one call (`listened_ms` heard), for clients that "
            "report after playback. Same counting rules as starting a play; inside the "
            "dedupe window the earlier play's duration is raised instead. Signed-in "
            "listeners only."
        ),
        tags=[schemas.TAG_PLAYS],
        parameters=[schemas.TRACK_PATH],
        request=PlayLogInput,
        responses={
            200: status_only(
                "PlayLogged",
                play_id=serializers.IntegerField(allow_null=True),
                counted=serializers.BooleanField(),
            ),
            **errors(400, 401, 404, 422, 429),
        },
    )
    def post(self, request, track_id):
        track = parse_pk(track_id)
        data = PlayLogInput(data=request.data)
        data.is_valid(raise_exception=True)
        started = plays.play_log(
            track_id=track,
            source=data.validated_data["source"],
            listened_ms=data.validated_data["listened_ms"],
            **_client(request),
        )
        return Response(
            {"status": "success", "play_id": started.play_id, "counted": started.counted}
        )
