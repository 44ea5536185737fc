"""Lyrics endpoints: public read per track; list and writes for track managers and staff."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

from beatpass.api.errors import validation_error
from beatpass.api.pagination import paginate
from beatpass.api.params import parse_id_list, parse_pk
from content.lyrics_lrc import LrcError, parse_lrc
from content.models import Lyric, Track
from content.selectors import lyrics as selectors
from content.services import lyrics as services

from .playlist_schemas import LyricOut
from .schemas import ID_PATH, IDS_PATH, PAGE_PARAMS, envelope, paginated, status_only

MAX_LYRIC_CHARS = 50_000
LYRIC = envelope("Lyric", "lyric", LyricOut())


class LyricInput(serializers.Serializer):
    track_id = serializers.IntegerField(min_value=1)
    text = serializers.CharField(max_length=MAX_LYRIC_CHARS, trim_whitespace=False)
    is_synced = serializers.BooleanField(required=False, default=False)


class LyricUpdateInput(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_LYRIC_CHARS, trim_whitespace=False, required=False)
    is_synced = serializers.BooleanField(required=False)


def _lines(text: str, is_synced: bool) -> list[dict[str, Any]] | None:
    if not is_synced:
        return None
    try:
        return [{"time_ms": ln.time_ms, "text": ln.text} for ln in parse_lrc(text)]
    except LrcError:  # stored before validation existed (e.g. through the admin)
        return []


def present_lyric_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "track_id": row["track_id"],
        "track": {"id": row["track_id"], "name": row["track__name"], "model_type": "track"},
        "text": row["text"],
        "is_synced": row["is_synced"],
        "lines": _lines(row["text"], row["is_synced"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


LYRIC_FIELDS = ("id", "track_id", "track__name", "text", "is_synced", "created_at", "updated_at")


def present_lyric(lyric: Lyric) -> dict[str, Any]:
    row = {field: getattr(lyric, field) for field in LYRIC_FIELDS if "__" not in field}
    row["track__name"] = lyric.track.name
    return present_lyric_row(row)


class LyricViewSet(ViewSet):
    permission_classes = [IsAuthenticated]
    lookup_value_regex = r"[^/]+"

    @extend_schema(
        operation_id="lyrics_list",
        parameters=PAGE_PARAMS,
        responses=paginated("Lyrics", LyricOut()),
    )
    def list(self, request):
        if not selectors.is_track_manager(request.user):
            raise PermissionDenied("Only track managers and staff can list lyrics.")
        rows = selectors.lyric_list(user=request.user).values(*LYRIC_FIELDS)
        page = paginate(rows, request)
        return Response(page.envelope([present_lyric_row(r) for r in page.items]))

    @extend_schema(parameters=[ID_PATH], responses=LYRIC)
    def retrieve(self, request, pk=None):
        lyric = selectors.lyric_get(viewer=request.user, lyric_id=parse_pk(pk))
        return Response({"status": "success", "lyric": present_lyric(lyric)})

    @extend_schema(request=LyricInput, responses={201: LYRIC})
    def create(self, request):
        data = LyricInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        track = Track.objects.visible_to(request.user).filter(pk=values["track_id"]).first()
        if track is None:
            raise validation_error("track_id", "The selected track id is invalid.")
        lyric = services.lyric_create(
            user=request.user, track=track, text=values["text"], is_synced=values["is_synced"]
        )
        return Response(
            {"status": "success", "lyric": present_lyric(lyric)}, status=status.HTTP_201_CREATED
        )

    @extend_schema(parameters=[ID_PATH], request=LyricUpdateInput, responses=LYRIC)
    def update(self, request, pk=None):
        lyric = selectors.lyric_get(viewer=request.user, lyric_id=parse_pk(pk))
        data = LyricUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        lyric = services.lyric_update(user=request.user, lyric=lyric, data=data.validated_data)
        return Response({"status": "success", "lyric": present_lyric(lyric)})

    partial_update = update

    @extend_schema(
        parameters=[IDS_PATH],
        responses=status_only("LyricsDeleted", deleted=serializers.IntegerField()),
    )
    def destroy(self, request, pk=None):
        deleted = services.lyrics_delete(
            user=request.user,
            ids=parse_id_list(pk),
            visible_tracks=Track.objects.visible_to(request.user),
        )
        return Response({"status": "success", "deleted": deleted})


class TrackLyricView(APIView):
    """``GET /tracks/{id}/lyrics``: public; 404 for a hidden track or one without lyrics."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="track_lyric_retrieve",
        parameters=[OpenApiParameter("track_id", int, OpenApiParameter.PATH)],
        responses=LYRIC,
    )
    def get(self, request, track_id: int):
        lyric = selectors.lyric_for_track(viewer=request.user, track_id=track_id)
        return Response({"status": "success", "lyric": present_lyric(lyric)})
