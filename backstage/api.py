from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from backstage import selectors, services
from backstage.inputs import BackstageRequestInput, DecisionInput
from backstage.models import BackstageRequest
from backstage.presenters import present_backstage_request, present_backstage_requests
from backstage.schemas import (
    BACKSTAGE_REQUEST,
    BACKSTAGE_REQUESTS,
    CONFLICT,
    ID_PATH,
    PAGE_PARAMS,
    STATUS_PARAM,
    TYPE_PARAM,
    SubmissionStatusOut,
)
from beatpass.api.pagination import paginate
from beatpass.api.schema import errors


class CanHandleBackstageRequests(BasePermission):
    """The spec's ``backstageRequests.handle`` = Django's ``backstage.handle_backstagerequest``."""

    def has_permission(self, request, view):
        return selectors.can_handle_requests(request.user)


def _success(item: BackstageRequest, code: int = status.HTTP_200_OK) -> Response:
    body = {"status": "success", "backstage_request": present_backstage_request(item)}
    return Response(body, status=code)


DECISION = extend_schema(
    request=DecisionInput,
    parameters=[ID_PATH],
    responses={200: BACKSTAGE_REQUEST, 409: CONFLICT},
)


@extend_schema_view(
    list=extend_schema(
        operation_id="backstage_request_list",
        parameters=[*PAGE_PARAMS, STATUS_PARAM, TYPE_PARAM],
        responses={200: BACKSTAGE_REQUESTS, **errors(401, 422)},
        summary="List backstage requests",
        description="Newest first. Request handlers (the `backstage.handle_backstagerequest` "
        "permission) see every request, which makes this the "
        "moderation queue (`?status=pending`); everyone else sees their own.",
    ),
    create=extend_schema(
        request=BackstageRequestInput, responses={201: BACKSTAGE_REQUEST, 409: CONFLICT}
    ),
    retrieve=extend_schema(parameters=[ID_PATH], responses=BACKSTAGE_REQUEST),
    submission_status=extend_schema(responses=SubmissionStatusOut),
    approve=DECISION,
    deny=DECISION,
    revoke=DECISION,
)
@extend_schema(tags=["Backstage"])
class BackstageRequestViewSet(ViewSet):
    permission_classes = [IsAuthenticated]
    lookup_value_regex = r"\d+"

    def list(self, request):
        filters = {}
        for name, allowed in (
            ("status", BackstageRequest.Status.values),
            ("type", BackstageRequest.Type.values),
        ):
            wanted = request.query_params.get(name) or None
            if wanted is not None and wanted not in allowed:
                raise ValidationError({name: [f"The selected {name} is invalid."]})
            filters[name] = wanted
        queryset = selectors.backstage_request_list(viewer=request.user, **filters)
        page = paginate(queryset, request)
        return Response(page.envelope(present_backstage_requests(page.items)))

    @extend_schema(
        summary="Submit a backstage request",
        description=(
            "Asks for producer access (become an artist, claim an artist or verify "
            "one). One pending request at a time: a second one is 409."
        ),
    )
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

    @extend_schema(
        summary="Get a backstage request",
        description="One of your requests; request handlers can read anyone's.",
    )
    def retrieve(self, request, pk=None):
        return _success(selectors.backstage_request_get(viewer=request.user, request_id=pk))

    @extend_schema(
        summary="Can I submit a backstage request?",
        description=(
            "Whether you may submit a new request now, and why not (a pending "
            "request, a recent denial)."
        ),
    )
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

    @extend_schema(
        summary="Approve a backstage request",
        description=(
            "Grants the access asked for and notifies the requester. Request "
            "handlers only; a request already decided is 409."
        ),
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[IsAuthenticated, CanHandleBackstageRequests],
    )
    def approve(self, request, pk=None):
        return self._decide(request, pk, services.backstage_request_approve)

    @extend_schema(
        summary="Deny a backstage request",
        description=(
            "Denies the request with an optional reason and notifies the requester."
            " Request handlers only; a request already decided is 409."
        ),
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[IsAuthenticated, CanHandleBackstageRequests],
    )
    def deny(self, request, pk=None):
        return self._decide(request, pk, services.backstage_request_deny)

    @extend_schema(
        summary="Revoke an approved backstage request",
        description=(
            "Takes back access granted by an approved request. Request handlers "
            "only; a request that is not approved is 409."
        ),
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[IsAuthenticated, CanHandleBackstageRequests],
    )
    def revoke(self, request, pk=None):
        return self._decide(request, pk, services.backstage_request_revoke)
