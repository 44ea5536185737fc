"""Lyrics endpoints: public read per track; list and writes for track managers and staff."""

from __future__ import annotations

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
from beatpass.api.schema import ID_PATH, IDS_PATH, PAGE_PARAMS, envelope, paginated, status_only
from content.catalog.models import Track
from content.lyrics import selectors, services
from content.lyrics.inputs import LyricInput, LyricUpdateInput
from content.lyrics.presenters import LYRIC_FIELDS, present_lyric, present_lyric_row
from content.lyrics.schemas import LyricOut

LYRIC = envelope("Lyric", "lyric", LyricOut())


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
        summary="Get a track's lyrics",
        description=(
            "The lyrics of a track you may see; 404 when the track is hidden or has none."
        ),
    )
    @extend_schema(
        operation_id="track_lyric_retrieve",
        parameters=[OpenApiParameter("track_id", int, OpenApiParameter.PATH)],
        responses=LYRIC,
    )
    def get(self, request, track_id: int):
        lyric = selectors.lyric_for_track(viewer=request.user, track_id=track_id)
        return Response({"status": "success", "lyric": present_lyric(lyric)})
