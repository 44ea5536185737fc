"""Reads for the producer program: the submission guard, the user's requests, the staff to tell."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from rest_framework.exceptions import NotFound

from .models import BackstageRequest

Status = BackstageRequest.Status

CONTACT_URL = "/contact"
PENDING_MESSAGE = (
    "Your application is already under review. Please wait for the decision email before "
    "submitting another request."
)
REVOKED_MESSAGE = (
    "Your producer access was revoked. To appeal, contact support at /contact so admins can "
    "review your request for reinstatement."
)
# block_reason -> (message, error_code, contact_url). Order matters: pending wins over revoked.
BLOCKS = {
    Status.PENDING: (PENDING_MESSAGE, "backstage_request_pending", None),
    Status.REVOKED: (REVOKED_MESSAGE, "backstage_request_revoked", CONTACT_URL),
}


@dataclass(frozen=True)
class SubmissionStatus:
    can_submit: bool
    block_reason: str | None = None
    message: str | None = None
    contact_url: str | None = None
    blocking_request_id: int | None = None
    error_code: str | None = None

    def as_response(self) -> dict:
        """The spec's body for ``GET /backstage-request/submission-status``."""
        body = asdict(self)
        body.pop("error_code")
        return body


def submission_status(*, user) -> SubmissionStatus:
    """The global per-user guard: a pending or a revoked request blocks a new submission.

    Denied and approved requests do not block. With both pending and revoked, pending wins.
    """
    blocking = (
        BackstageRequest.objects.filter(user=user, status__in=list(BLOCKS))
        .annotate(
            precedence=Case(
                When(status=Status.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("precedence", "-created_at", "-id")
        .values_list("id", "status")
        .first()
    )
    if blocking is None:
        return SubmissionStatus(can_submit=True)
    request_id, status = blocking
    message, code, contact_url = BLOCKS[status]
    return SubmissionStatus(
        can_submit=False,
        block_reason=status,
        message=message,
        contact_url=contact_url,
        blocking_request_id=request_id,
        error_code=code,
    )


def backstage_request_list(
    *, viewer, status: str | None = None, type: str | None = None
) -> QuerySet[BackstageRequest]:
    """Newest first. Request handlers see every request (the moderation queue); everyone
    else sees their own."""
    queryset = BackstageRequest.objects.for_listing()
    if not can_handle_requests(viewer):
        queryset = queryset.filter(user=viewer)
    if status:
        queryset = queryset.filter(status=status)
    if type:
        queryset = queryset.filter(type=type)
    return queryset.order_by("-created_at", "-id")


def backstage_request_get(*, viewer, request_id: int) -> BackstageRequest:
    """The viewer's own request (staff and request handlers: any), or 404 if not theirs."""
    queryset = BackstageRequest.objects.for_listing()
    if not (viewer.is_staff or can_handle_requests(viewer)):
        queryset = queryset.filter(user=viewer)
    found = queryset.filter(pk=request_id).first()
    if found is None:
        raise NotFound()
    return found


def can_handle_requests(user) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.has_perm("backstage.handle_backstagerequest")
    )


def request_handlers() -> QuerySet:
    """Active staff who hold the handle permission (directly, through a group, or superuser)."""
    permission = Permission.objects.filter(
        content_type__app_label="backstage", codename="handle_backstagerequest"
    ).first()
    holds = Q(is_superuser=True)
    if permission is not None:
        holds |= Q(user_permissions=permission) | Q(groups__permissions=permission)
    User = get_user_model()  # noqa: N806
    ids = User.objects.filter(holds, is_active=True, is_staff=True).values("pk")
    return User.objects.filter(pk__in=ids).order_by("pk")
