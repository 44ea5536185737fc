"""Uploads: POST /uploads (multipart), and each user's own file entries."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from beatpass.api.pagination import paginate
from beatpass.api.params import parse_pk
from beatpass.api.parsers import StrictMultiPartParser
from beatpass.api.schema import ID_PATH, PAGE_PARAMS, envelope, paginated
from beatpass.api.throttling import UploadRateThrottle
from content.uploads.inputs import UploadInput
from content.uploads.models import FileEntry
from content.uploads.presenters import present_file_entry
from content.uploads.schemas import FileEntryOut
from content.uploads.services import file_entry_create, human_size


@extend_schema_view(
    list=extend_schema(
        operation_id="uploads_list",
        parameters=PAGE_PARAMS,
        responses=paginated("FileEntries", FileEntryOut()),
    ),
    retrieve=extend_schema(
        parameters=[ID_PATH], responses=envelope("FileEntry", "file_entry", FileEntryOut())
    ),
    create=extend_schema(
        request={"multipart/form-data": UploadInput},
        responses={201: envelope("FileEntry", "file_entry", FileEntryOut())},
    ),
)
class UploadViewSet(ViewSet):
    """``POST /uploads`` (multipart ``file``); users list and read only their own entries."""

    permission_classes = [IsAuthenticated]
    parser_classes = [StrictMultiPartParser]  # NUL bytes in fields or names: 400

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(UploadRateThrottle())
        return throttles

    def list(self, request):
        page = paginate(
            FileEntry.objects.filter(owner=request.user).order_by("-created_at", "-id"), request
        )
        return Response(page.envelope([present_file_entry(e) for e in page.items]))

    def retrieve(self, request, pk=None):
        entry = FileEntry.objects.filter(owner=request.user, pk=parse_pk(pk)).first()
        if entry is None:
            raise NotFound()
        return Response({"status": "success", "file_entry": present_file_entry(entry)})

    def create(self, request):
        payload = request.data  # parse first: the upload handler flags oversized files
        if getattr(request._request, "upload_too_large", False):
            raise ValidationError(
                {
                    "file": [
                        f"The file may not be greater than {human_size(settings.UPLOAD_MAX_BYTES)}."
                    ]
                }
            )
        data = UploadInput(data=payload)
        data.is_valid(raise_exception=True)
        entry = file_entry_create(owner=request.user, uploaded=data.validated_data["file"])
        return Response(
            {"status": "success", "file_entry": present_file_entry(entry)},
            status=status.HTTP_201_CREATED,
        )
