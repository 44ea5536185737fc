"""OpenAPI documentation of the backstage responses (the runtime output comes from
``serializers.present_backstage_requests``; a test compares the two)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from backstage.models import BackstageRequest
from beatpass.api.schema import ID_PATH, PAGE_PARAMS, ErrorOut, envelope, paginated

__all__ = ["ID_PATH", "PAGE_PARAMS"]


class BackstageArtistOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    verified = serializers.BooleanField()


class BackstageUserOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()


class BackstageRequestOut(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=BackstageRequest.Type.choices)
    status = serializers.ChoiceField(choices=BackstageRequest.Status.choices)
    artist_name = serializers.CharField()
    artist_id = serializers.IntegerField(allow_null=True)
    artist = BackstageArtistOut(allow_null=True)
    data = serializers.DictField(help_text="The applicant's payload (first_name, beats_url...).")
    notes = serializers.CharField(allow_null=True, help_text="Notes of the last decision.")
    user = BackstageUserOut()
    handled_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class SubmissionStatusOut(serializers.Serializer):
    can_submit = serializers.BooleanField()
    block_reason = serializers.ChoiceField(choices=["pending", "revoked"], allow_null=True)
    message = serializers.CharField(allow_null=True)
    contact_url = serializers.CharField(allow_null=True)
    blocking_request_id = serializers.IntegerField(allow_null=True)


BACKSTAGE_REQUEST = envelope("BackstageRequest", "backstage_request", BackstageRequestOut())
BACKSTAGE_REQUESTS = paginated("BackstageRequests", BackstageRequestOut())
STATUS_PARAM = OpenApiParameter(
    "status", str, enum=BackstageRequest.Status.values, description="Only requests in this state."
)
TYPE_PARAM = OpenApiParameter(
    "type", str, enum=BackstageRequest.Type.values, description="Only requests of this type."
)

CONFLICT = OpenApiResponse(
    ErrorOut,
    description="Guard (backstage_request_pending / backstage_request_revoked) or an invalid "
    "transition (backstage_request_invalid_transition).",
)
