"""Audio Recon endpoints: a track's placements (credited producers and staff) and a rescan
request (staff, and the track's managers — throttled)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from beatpass.api.errors import ApplicationError
from beatpass.api.params import parse_pk
from beatpass.api.schema import errors
from beatpass.api.throttling import ScopedThrottle
from content.catalog import selectors as catalog_selectors
from recon import schemas, selectors, services
from recon.presenters import iso, present_placements

TAG = ["Audio Recon"]
TRACK_PATH = OpenApiParameter(
    "track", int, OpenApiParameter.PATH, description="The track to retrieve matches for."
)
NOT_PRODUCER = "You are not a credited producer on this track."


class RescanRateThrottle(ScopedThrottle):
    """Managers asking for rescans, per user and track; staff are not throttled."""

    scope = "recon_rescan"

    def applies(self, request, view) -> bool:
        return request.method == "POST" and not request.user.is_staff

    def ident_for(self, request):
        view_kwargs = request.parser_context.get("kwargs", {})
        return f"{request.user.pk}:{view_kwargs.get('track')}"


class PlacementsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tracks_placements",
        summary="Get Audio Recon matches",
        description=(
            "Songs on streaming platforms that contain audio similar to the track, confidence "
            "90+ only, highest first. For the track's credited producers (main artist and "
            "co-producers, verified or not) and staff. Without a verified producer on the "
            "track, `placements` is empty and `artist_verified` false. `scan_status` is null "
            "before the first scan."
        ),
        parameters=[TRACK_PATH],
        responses={
            200: schemas.PlacementsOut,
            **errors(401, 403, 404, e403="You are not a credited producer on this track."),
        },
        tags=TAG,
    )
    def get(self, request, track):
        found = catalog_selectors.track_get(viewer=request.user, track_id=parse_pk(track))
        if not request.user.is_staff and not selectors.user_is_credited_producer(
            user=request.user, track=found
        ):
            raise PermissionDenied(NOT_PRODUCER)
        verified = selectors.track_has_verified_producer(track=found)
        matches = list(selectors.track_placements(track=found)) if verified else []
        body = present_placements(
            matches=matches, scan=selectors.scan_for(track=found), artist_verified=verified
        )
        return Response(body)


class RescanView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [RescanRateThrottle]

    @extend_schema(
        operation_id="tracks_placements_rescan",
        summary="Queue an Audio Recon rescan",
        description=(
            "Scans the track again now (queued). Staff, and managers of the track's main "
            "artist (throttled per track). The track must be eligible: uploaded audio, a "
            "completed fingerprint and a verified credited producer."
        ),
        parameters=[TRACK_PATH],
        request=None,
        responses={
            202: schemas.RescanOut,
            **errors(
                401,
                403,
                404,
                422,
                429,
                e422="`recon_not_eligible`: the track cannot be scanned (see description).",
            ),
        },
        tags=TAG,
    )
    def post(self, request, track):
        found = catalog_selectors.track_get(viewer=request.user, track_id=parse_pk(track))
        if not catalog_selectors.track_is_manageable(user=request.user, track=found):
            raise PermissionDenied()
        if not selectors.track_is_eligible(track_id=found.pk):
            raise ApplicationError(
                "This track is not eligible for Audio Recon: it needs uploaded audio, a "
                "completed fingerprint and a verified credited producer.",
                code="recon_not_eligible",
                status=422,
            )
        services.scan_request(track=found)
        scan = selectors.scan_for(track=found)
        return Response(
            {
                "message": "Scan queued.",
                "scan_status": scan.status,
                "scanned_at": iso(scan.scanned_at),
                "requested_at": iso(scan.requested_at or scan.updated_at),
            },
            status=status.HTTP_202_ACCEPTED,
        )
