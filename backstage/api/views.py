from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from backstage import selectors, services
from backstage.models import BackstageRequest
from beatpass.api.pagination import paginate

from .serializers import (
    BackstageRequestInput,
    DecisionInput,
    present_backstage_request,
    present_backstage_requests,
)


class CanHandleBackstageRequests(BasePermission):
    """The spec's ``backstageRequests.handle`` = Django's ``backstage.handle_backstagerequest``."""

    def has_permission(self, request, view):
        return selectors.can_handle_requests(request.user)


def _success(item: BackstageRequest, code: int = status.HTTP_200_OK) -> Response:
    body = {"status": "success", "backstage_request": present_backstage_request(item)}
    return Response(body, status=code)


class BackstageRequestViewSet(ViewSet):
    permission_classes = [IsAuthenticated]
    lookup_value_regex = r"\d+"

    @extend_schema(tags=["Backstage"])
    def list(self, request):
        wanted = request.query_params.get("status") or None
        if wanted is not None and wanted not in BackstageRequest.Status.values:
            raise ValidationError({"status": ["The selected status is invalid."]})
        page = paginate(selectors.backstage_request_list(user=request.user, status=wanted), request)
        return Response(page.envelope(present_backstage_requests(page.items)))

    @extend_schema(request=BackstageRequestInput, tags=["Backstage"])
    def create(self, request):
        data = BackstageRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        created = services.backstage_request_create(
            user=request.user,
            type=values["type"],
            artist_name=values["artist_name"],
            data=values["data"],
            artist_ref=values.get("artist_id"),
        )
        return _success(
            selectors.backstage_request_get(viewer=request.user, request_id=created.pk),
            status.HTTP_201_CREATED,
        )

    @extend_schema(tags=["Backstage"])
    def retrieve(self, request, pk=None):
        return _success(selectors.backstage_request_get(viewer=request.user, request_id=pk))

    @extend_schema(tags=["Backstage"])
    @action(detail=False, methods=["get"], url_path="submission-status")
    def submission_status(self, request):
        return Response(selectors.submission_status(user=request.user).as_response())

    def _decide(self, request, pk, service) -> Response:
        target = selectors.backstage_request_get(viewer=request.user, request_id=pk)
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        decided = service(
            backstage_request=target, actor=request.user, notes=data.validated_data["notes"]
        )
        return _success(selectors.backstage_request_get(viewer=request.user, request_id=decided.pk))

    @extend_schema(request=DecisionInput, tags=["Backstage"])
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[IsAuthenticated, CanHandleBackstageRequests],
    )
    def approve(self, request, pk=None):
        return self._decide(request, pk, services.backstage_request_approve)

    @extend_schema(request=DecisionInput, tags=["Backstage"])
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[IsAuthenticated, CanHandleBackstageRequests],
    )
    def deny(self, request, pk=None):
        return self._decide(request, pk, services.backstage_request_deny)

    @extend_schema(request=DecisionInput, tags=["Backstage"])
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[IsAuthenticated, CanHandleBackstageRequests],
    )
    def revoke(self, request, pk=None):
        return self._decide(request, pk, services.backstage_request_revoke)
