"""Stems of a track's exclusive: the producer uploads them, the exclusive buyer downloads
them (``content.commerce.selectors.stem_access`` decides who)."""

from __future__ import annotations

from types import SimpleNamespace

from django.conf import settings
from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from beatpass.api.parsers import StrictFormParser, StrictJSONParser, StrictMultiPartParser
from beatpass.api.schema import errors
from beatpass.api.throttling import UploadRateThrottle
from content.catalog.selectors import track_get, track_is_manageable
from content.commerce import selectors
from content.commerce.inputs import StemUploadInput
from content.commerce.presenters import present_stem
from content.commerce.schemas import StemEnvelope, StemListEnvelope
from content.commerce.services import stems as services
from content.licensing.context import client_ip
from content.media.services import downloads as download_services
from content.uploads.models import FileEntry
from content.uploads.services import human_size

TAG = "Stems"
WHO = (
    "Stems are private: the managers of the track's main artist and staff always reach them; "
    "the exclusive buyer once the purchase succeeded, while the exclusive license is active "
    "and its terms list stems (even if the producer hides the track afterwards); everyone else "
    "gets 403 (before and after the sale), 404 for a track they cannot see."
)


MISSING = "This stem's file is missing."


def _stored(entry) -> bool:
    """The stem's bytes are in storage: checked before a response starts streaming, so a
    missing file is a 404 rather than a connection dropped mid-response."""
    return bool(entry.file) and entry.file.storage.exists(entry.file.name)


def _manageable_track(request, track_id: int):
    track = track_get(viewer=request.user, track_id=track_id)
    if not track_is_manageable(user=request.user, track=track):
        raise PermissionDenied("Only the managers of the track's main artist manage its stems.")
    return track


class TrackStemsView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [StrictMultiPartParser, StrictFormParser, StrictJSONParser]

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.request.method == "POST":
            throttles.append(UploadRateThrottle())
        return throttles

    @extend_schema(
        operation_id="tracks_stems_list",
        summary="List a track's stems",
        description=f"The stems delivered with the track's exclusive, in order. {WHO}",
        responses={200: StemListEnvelope, **errors(401, 403, 404, 410)},
        tags=[TAG],
    )
    def get(self, request, track_id: int):
        track = selectors.stem_track_get(user=request.user, track_id=track_id)
        access = selectors.stem_access(user=request.user, track=track)
        stems = selectors.stems_of_track(track=track)
        return Response(
            {
                "status": "success",
                "stems": [present_stem(s) for s in stems],
                "access": access.route,
            }
        )

    @extend_schema(
        operation_id="tracks_stems_create",
        summary="Add a stem to a track",
        description=(
            "Managers of the track's main artist (and staff) add one stem: a multipart `file` "
            "(WAV, FLAC or AIFF; the upload size cap, magic bytes and a full decode are checked "
            "as for a track's audio), or the `file_entry_id` of an audio upload of theirs. "
            "`name` labels the layer (default: the file name). Answers 201 with the stem."
        ),
        request={"multipart/form-data": StemUploadInput, "application/json": StemUploadInput},
        responses={201: StemEnvelope, **errors(401, 403, 404, 422, 429)},
        tags=[TAG],
    )
    def post(self, request, track_id: int):
        track = _manageable_track(request, track_id)  # before reading a stranger's upload
        payload = request.data  # parsed here: the upload handler flags oversized files
        if getattr(request._request, "upload_too_large", False):
            raise ValidationError(
                {
                    "file": [
                        f"The file may not be greater than {human_size(settings.UPLOAD_MAX_BYTES)}."
                    ]
                }
            )
        data = StemUploadInput(data=payload)
        data.is_valid(raise_exception=True)
        entry = None
        if entry_id := data.validated_data.get("file_entry_id"):
            entry = FileEntry.objects.filter(pk=entry_id, owner=request.user).first()
            if entry is None:
                raise ValidationError({"file_entry_id": ["No upload of yours has this id."]})
        stem = services.stem_add(
            actor=request.user,
            track=track,
            uploaded=data.validated_data.get("file"),
            file_entry=entry,
            name=data.validated_data.get("name"),
        )
        return Response(
            {"status": "success", "stem": present_stem(stem)}, status=status.HTTP_201_CREATED
        )


class TrackStemDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tracks_stems_destroy",
        summary="Remove a stem from a track",
        description=(
            "Managers of the track's main artist (and staff) remove a stem; its stored file is "
            "deleted when nothing else uses it. 409 `stems_delivered` once the exclusive is "
            "sold (the buyer paid for these files), 409 `exclusive_pending` while a buyer is "
            "paying for it; staff may still remove a stem."
        ),
        responses={204: None, **errors(401, 403, 404, 409)},
        tags=[TAG],
    )
    def delete(self, request, track_id: int, stem_id: int):
        track = _manageable_track(request, track_id)
        services.stem_remove(
            actor=request.user, stem=selectors.stem_get(track=track, stem_id=stem_id)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _record(request, track, access, *, zipped: bool) -> None:
    if request.method == "GET":  # HEAD probes are not downloads
        services.stem_download_record(
            track=track,
            user=request.user,
            ip=client_ip(request),
            license=access.license,
            zipped=zipped,
        )


class TrackStemDownloadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tracks_stems_download",
        summary="Download one stem",
        description=(
            "Streams the stem as uploaded (one HTTP byte range supported: 206 / 416). For the "
            "exclusive buyer the license it is delivered under is in `X-License-Id`. " + WHO
        ),
        responses={
            (200, "audio/*"): OpenApiResponse(description="The file."),
            (206, "audio/*"): OpenApiResponse(description="A byte range of it."),
            **errors(
                401,
                403,
                404,
                410,
                416,
                e403="`stems_exclusive_buyer_only` or `stems_not_included`.",
                e410="`license_revoked`: the exclusive license was revoked.",
                e416="The byte range cannot be satisfied.",
            ),
        },
        tags=[TAG],
    )
    def get(self, request, track_id: int, stem_id: int):
        track = selectors.stem_track_get(user=request.user, track_id=track_id)
        access = selectors.stem_access(user=request.user, track=track)
        stem = selectors.stem_get(track=track, stem_id=stem_id)
        entry = stem.file
        if not _stored(entry):
            raise NotFound(MISSING)
        served = download_services.Servable(entry.file, entry.size, entry.mime, entry.extension)
        # "Track - Drums.wav" (an ASCII fallback and the Unicode name, as for track downloads)
        label = SimpleNamespace(pk=track.pk, name=f"{track.name} - {stem.name}")
        filename = download_services.download_filename(
            track=label, artist_names=[], extension=entry.extension
        )
        response = download_services.file_response(
            served=served, filename=filename, range_header=request.headers.get("Range")
        )
        # One event per download, as for tracks: of a player's ranges, the one at byte 0.
        if response.status_code == 200 or (
            response.status_code == 206 and response["Content-Range"].startswith("bytes 0-")
        ):
            _record(request, track, access, zipped=False)
        if access.license_uuid:
            response["X-License-Id"] = access.license_uuid
        return response


class TrackStemsZipView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tracks_stems_download_all",
        summary="Download all stems as one zip",
        description=(
            "Every stem of the track in one zip (stored, not compressed: audio does not "
            "compress), streamed as it is written; members are named `01 Drums.wav`… in "
            "order. 404 when the track has no stems. " + WHO
        ),
        responses={
            (200, "application/zip"): OpenApiResponse(description="The zip."),
            **errors(
                401,
                403,
                404,
                410,
                e403="`stems_exclusive_buyer_only` or `stems_not_included`.",
                e410="`license_revoked`: the exclusive license was revoked.",
            ),
        },
        tags=[TAG],
    )
    def get(self, request, track_id: int):
        track = selectors.stem_track_get(user=request.user, track_id=track_id)
        access = selectors.stem_access(user=request.user, track=track)
        stems = list(selectors.stems_of_track(track=track))
        if not stems:
            raise NotFound("This track has no stems.")
        if not all(_stored(stem.file) for stem in stems):
            raise NotFound(MISSING)
        label = SimpleNamespace(pk=track.pk, name=f"{track.name} - stems")
        ascii_name, unicode_name = download_services.download_filename(
            track=label, artist_names=[], extension=".zip"
        )
        response = StreamingHttpResponse(
            services.stems_zip_stream(stems), content_type="application/zip"
        )
        response["Content-Disposition"] = download_services.content_disposition(
            ascii_name, unicode_name
        )
        _record(request, track, access, zipped=True)
        if access.license_uuid:
            response["X-License-Id"] = access.license_uuid
        return response
