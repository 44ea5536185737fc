"""Invariants under concurrent writers (real transactions, one connection per thread)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from beatpass.api.errors import Conflict
from beatpass.testing import run_together
from content.credits import selectors as credit_selectors
from content.credits import services as credit_services
from content.credits import services as pinning
from content.credits.models import ArtistPinnedTrack, Credit
from content.tests.factories import ArtistFactory, TrackFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_credits_leave_one_row_and_one_conflict():
    credit_services.credit_roles_seed()
    user = UserFactory()
    artist = ArtistFactory(managers=[user])
    roles = credit_selectors.credit_roles_resolve(["producer"])

    def add():
        return credit_services.credit_add_track(
            artist=artist, actor=user, roles=roles, manual={"title": "Neon Lights"}
        )

    results = run_together(add, add, add)

    assert Credit.objects.filter(artist=artist).count() == 1
    assert sum(isinstance(r, Conflict) for r in results) == 2
    assert sum(isinstance(r, list) for r in results) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_pins_leave_exactly_one_pin():
    user = UserFactory()
    artist = ArtistFactory(managers=[user])
    tracks = [TrackFactory(artists=[artist]) for _ in range(4)]

    results = run_together(
        *[(lambda t=t: pinning.track_pin(artist=artist, track=t, actor=user)) for t in tracks]
    )

    assert all(isinstance(r, ArtistPinnedTrack) for r in results), results
    pins = list(ArtistPinnedTrack.objects.filter(artist=artist))
    assert len(pins) == 1
    assert pins[0].track_id in {t.pk for t in tracks}


@pytest.mark.django_db(transaction=True)
def test_concurrent_reorders_end_in_one_of_the_requested_orders():
    credit_services.credit_roles_seed()
    user = UserFactory()
    artist = ArtistFactory(managers=[user])
    roles = credit_selectors.credit_roles_resolve(["producer"])
    for title in ("A", "B", "C", "D"):
        credit_services.credit_add_track(
            artist=artist, actor=user, roles=roles, manual={"title": title}
        )
    ids = list(
        Credit.objects.filter(artist=artist).order_by("position").values_list("pk", flat=True)
    )
    forward, backward = ids, ids[::-1]

    run_together(
        lambda: credit_services.credits_reorder(artist=artist, ids=forward),
        lambda: credit_services.credits_reorder(artist=artist, ids=backward),
    )

    final = list(
        Credit.objects.filter(artist=artist).order_by("position").values_list("pk", flat=True)
    )
    assert final in (forward, backward)


@pytest.mark.django_db
def test_database_allows_one_pin_per_artist():
    artist = ArtistFactory()
    first, second = TrackFactory(artists=[artist]), TrackFactory(artists=[artist])
    ArtistPinnedTrack.objects.create(artist=artist, track=first)

    with pytest.raises(IntegrityError), transaction.atomic():
        ArtistPinnedTrack.objects.create(artist=artist, track=second)


@pytest.mark.django_db
def test_database_allows_one_row_per_artist_release_and_role():
    credit_services.credit_roles_seed()
    artist = ArtistFactory()
    role = credit_selectors.credit_roles_resolve(["producer"])[0]
    key = credit_services.release_key_for(spotify_track_id="trkNeon")
    Credit.objects.create(artist=artist, role=role, title="Neon", release_key=key)

    with pytest.raises(IntegrityError), transaction.atomic():
        Credit.objects.create(artist=artist, role=role, title="Neon (again)", release_key=key)
