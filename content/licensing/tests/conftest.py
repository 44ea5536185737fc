"""Fixtures of the licensing tests: a subscriber, a licensable track (audio + completed
fingerprint), and helpers to download through the API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from content.commerce.models import Plan, Subscription
from content.fingerprints.models import Fingerprint
from content.tests.audio_helpers import stored_entry, tone_wav
from content.tests.factories import GenreFactory, TrackFactory, UserFactory

FINGERPRINT_HASH = "ab" * 32


def complete_fingerprint(track, *, hash_value: str = FINGERPRINT_HASH) -> Fingerprint:
    fingerprint, _ = Fingerprint.objects.update_or_create(
        track=track,
        defaults={
            "status": Fingerprint.Status.COMPLETED,
            "items": [1, 2, 3],
            "duration": 3.0,
            "hash": hash_value,
            "fingerprinted_at": timezone.now(),
        },
    )
    return fingerprint


def make_plan(*, name: str = "Unlimited", quota: int | None = None) -> Plan:
    return Plan.objects.create(
        name=name, price=Decimal("9.99"), currency="USD", downloads_per_period=quota
    )


def subscribe(user, plan: Plan | None = None, *, status=Subscription.Status.ACTIVE, days=30):
    now = timezone.now()
    return Subscription.objects.create(
        user=user,
        plan=plan or make_plan(name=f"Plan for {user.pk}"),
        status=status,
        current_period_start=now - timedelta(days=1),
        current_period_end=now + timedelta(days=days),
    )


def licensable_track(producer_artist, *, name: str = "Night Drive", fingerprint: bool = True):
    owner = producer_artist.managers.first() or UserFactory()
    track = TrackFactory(
        name=name,
        file=stored_entry(owner, tone_wav(3.0)),
        artists=[producer_artist],
        genres=[GenreFactory(name="trap", display_name="Trap")],
        duration=3000,
    )
    if fingerprint:
        complete_fingerprint(track)
    return track


@pytest.fixture
def subscriber(db):
    user = UserFactory(name="Jane Doe", email="janedoe@example.com")
    subscribe(user)
    return user


@pytest.fixture
def subscriber_client(subscriber):
    from conftest import bearer_client

    return bearer_client(subscriber)


@pytest.fixture
def track(producer_artist):
    return licensable_track(producer_artist)


def download(client, track, fmt: str | None = None, **headers):
    url = f"/api/v1/tracks/{track.pk}/download"
    if fmt:
        url += f"?format={fmt}"
    return client.get(url, **headers)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)
