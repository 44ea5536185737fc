"""Shared fixtures: users with roles, authenticated API clients, a clean throttle cache."""

from __future__ import annotations

import shutil

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from content.tests.factories import ArtistFactory, UserFactory


def bearer_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    client.user = user
    return client


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _test_media_root():
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def producer(db):
    """A user who manages one artist profile."""
    user = UserFactory(name="Producer")
    ArtistFactory(name="Producer Artist", managers=[user])
    return user


@pytest.fixture
def producer_artist(producer):
    return producer.managed_artists.get()


@pytest.fixture
def user_client(user) -> APIClient:
    return bearer_client(user)


@pytest.fixture
def other_client(other_user) -> APIClient:
    return bearer_client(other_user)


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    return bearer_client(staff_user)


@pytest.fixture
def producer_client(producer) -> APIClient:
    return bearer_client(producer)


@pytest.fixture
def spotify_stub(settings):
    """A loopback Spotify Web API; the adapter's settings point at it (credits feature)."""
    from content.credits.tests.spotify_stub import running_stub

    with running_stub(settings) as stub:
        yield stub


@pytest.fixture
def credit_roles(db):
    """The seeded credit roles (re-seeded in case a transactional test flushed them)."""
    from content.credits.models import CreditRole
    from content.credits.services import credit_roles_seed

    credit_roles_seed()
    return {role.slug: role for role in CreditRole.objects.all()}


class FakeClock:
    """Stands in for ``content.clock.now``; tests move it with ``advance(days=7)``."""

    def __init__(self, start) -> None:
        self.current = start

    def now(self):
        return self.current

    def advance(self, **delta) -> None:
        from datetime import timedelta

        self.current += timedelta(**delta)


@pytest.fixture
def fake_clock(monkeypatch) -> FakeClock:
    """Freeze the services' clock (``content.clock.now``) at the current time; no sleeps."""
    from django.utils import timezone

    from content import clock

    fake = FakeClock(timezone.now())
    monkeypatch.setattr(clock, "now", fake.now)
    return fake
