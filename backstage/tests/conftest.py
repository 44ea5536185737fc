"""Backstage fixtures: request handlers (staff holding the handle permission) and requests."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from backstage.models import BackstageRequest, BackstageRequestEvent
from conftest import bearer_client
from content.tests.factories import UserFactory

VALID_DATA = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "beats_url": "https://soundcloud.com/ada/beats",
    "role": "artist",
}


def grant_handle_permission(user):
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="backstage", codename="handle_backstagerequest"
        )
    )
    # has_perm caches per instance; hand back a fresh one.
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def handler(db):
    """Staff with `backstage.handle_backstagerequest` (the spec's backstageRequests.handle)."""
    return grant_handle_permission(UserFactory(is_staff=True, email="handler@example.com"))


@pytest.fixture
def handler_client(handler):
    return bearer_client(handler)


def make_request(
    user,
    *,
    type=BackstageRequest.Type.BECOME_ARTIST,
    status=BackstageRequest.Status.PENDING,
    artist=None,
    artist_name="Night Owl",
    data=None,
    **extra,
) -> BackstageRequest:
    """A request in any state, written directly (for arranging guard cases)."""
    handled = status != BackstageRequest.Status.PENDING
    from django.utils import timezone

    item = BackstageRequest.objects.create(
        user=user,
        type=type,
        status=status,
        artist=artist,
        artist_name=artist_name,
        data=data if data is not None else dict(VALID_DATA),
        handled_at=timezone.now() if handled else None,
        **extra,
    )
    BackstageRequestEvent.objects.create(request=item, actor=user, to_status=status)
    return item
