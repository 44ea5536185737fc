"""Fingerprint endpoints: regenerate, status, retry, and the duplicate check. Thin views."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from content.audio import chromaprint
from content.catalog import selectors as catalog_selectors
from content.catalog.models import Track
from content.fingerprints import selectors, services
from content.fingerprints.inputs import CheckDuplicatesInput
from content.fingerprints.models import Fingerprint
from content.fingerprints.presenters import present_duplicates, present_status
from content.uploads.models import FileEntry


def _managed_track(request, track_id: int) -> Track:
    """Hidden or missing → 404; visible but not the caller's → 403."""
    track = catalog_selectors.track_get(viewer=request.user, track_id=track_id)
    if not catalog_selectors.track_is_manageable(user=request.user, track=track):
        raise PermissionDenied("Only the track's managers can see its fingerprint.")
    return track


class FingerprintGenerateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Fingerprint a track",
        description=("Queues the audio fingerprint of a track you manage; answers its status."),
    )
    @extend_schema(
        request=None, responses={200: OpenApiTypes.OBJECT}, operation_id="generateFingerprint"
    )
    def post(self, request, track_id: int):
        track = _managed_track(request, track_id)
        services.fingerprint_request(track_id=track.pk)
        return Response({"status": "success", "message": "Fingerprint generation started"})


class FingerprintStatusView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Fingerprint status of a track",
        description=(
            "Where the track's fingerprint stands (pending, processing, completed, failed)."
        ),
    )
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="getFingerprintStatus")
    def get(self, request, track_id: int):
        track = _managed_track(request, track_id)
        return Response(present_status(selectors.fingerprint_of_track(track=track)))


class FingerprintRetryView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Retry a failed fingerprint",
        description="Queues a failed fingerprint again.",
    )
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, fingerprint_id: int):
        fingerprint = Fingerprint.objects.filter(pk=fingerprint_id).first()
        if fingerprint is None:
            raise NotFound()
        _managed_track(request, fingerprint.track_id)
        fingerprint = services.fingerprint_retry(fingerprint=fingerprint)
        return Response(
            {
                "status": "success",
                "message": "Fingerprint generation started",
                **present_status(fingerprint),
            }
        )


class CheckDuplicatesView(APIView):
    """``{"file_entry_id": id}`` checks an upload; ``{"track_ids": [...]}`` checks tracks."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Check for duplicates",
        description=(
            "Checks an upload (`file_entry_id`) or tracks (`track_ids`) against the"
            " catalog for copies of existing beats."
        ),
    )
    @extend_schema(
        request=CheckDuplicatesInput,
        responses={200: OpenApiTypes.OBJECT},
        operation_id="checkDuplicates",
    )
    def post(self, request):
        data = CheckDuplicatesInput(data=request.data)
        data.is_valid(raise_exception=True)
        if "file_entry_id" in data.validated_data:
            return Response(self._check_upload(request, data.validated_data["file_entry_id"]))
        return Response(self._check_tracks(request, data.validated_data["track_ids"]))

    def _check_upload(self, request, entry_id: int) -> dict:
        entry = FileEntry.objects.filter(pk=entry_id).first()
        if entry is None or (entry.owner_id != request.user.pk and not request.user.is_staff):
            raise NotFound()
        if entry.kind != FileEntry.Kind.AUDIO:
            raise serializers.ValidationError(
                {"file_entry_id": ["The selected file is not an audio file."]}
            )
        exclude = Track.objects.filter(file=entry).values_list("pk", flat=True)
        check = services.upload_duplicates(entry=entry, exclude_track_ids=list(exclude))
        if check.status in ("failed", chromaprint.INSUFFICIENT_AUDIO):
            return {
                "status": "success",
                "check_status": check.status,
                "message": check.message,
                "duplicates": [],
            }
        return {
            "status": "success",
            "check_status": check.status,
            "threshold": settings.DUPLICATE_SIMILARITY_THRESHOLD,
            "duplicates": present_duplicates(check.duplicates, viewer=request.user),
        }

    def _check_tracks(self, request, track_ids: list[int]) -> dict:
        ids = list(dict.fromkeys(track_ids))
        visible = set(
            Track.objects.visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True)
        )
        if len(visible) != len(ids):
            raise NotFound()
        if not request.user.is_staff:
            managed = set(
                Track.objects.managed_by(request.user)
                .filter(pk__in=ids)
                .values_list("pk", flat=True)
            )
            if managed != set(ids):
                raise PermissionDenied("You can only check your own tracks.")
        stored = {
            track_id: (items, tuned)
            for track_id, items, tuned in Fingerprint.objects.filter(
                track_id__in=ids, status=Fingerprint.Status.COMPLETED
            ).values_list("track_id", "items", "tuned_items")
        }
        found, extra, unchecked = [], [], []
        for track_id in ids:
            if track_id not in stored:
                unchecked.append(track_id)
                continue
            items, tuned = stored[track_id]
            for dup in selectors.fingerprint_find_duplicates(
                items=items, tuned=[tuned] if tuned else [], exclude_track_ids=[track_id]
            ):
                found.append(dup)
                extra.append({"duplicate_of": track_id})
        return {
            "status": "success",
            "threshold": settings.DUPLICATE_SIMILARITY_THRESHOLD,
            "duplicates": present_duplicates(found, viewer=request.user, extra=extra),
            "unchecked_track_ids": unchecked,
        }
