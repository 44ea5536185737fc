"""Who may buy a track's exclusive, and who may only see it.

Seeing: a private track is visible to the managers of every artist credited on it (main,
featured, co-producer) and to staff (catalog rule, unchanged). Buying: never a staff account
(403 ``staff_cannot_purchase``) nor a manager of any credited artist (422
``cannot_purchase_own_track``, commerce.mdx's "buyer is the track artist"); a private track is
not for sale to anyone (400 ``track_not_for_sale``). The rule lives in the service: calling it
directly gives the same answers as the HTTP route."""

from __future__ import annotations

import pytest

from conftest import bearer_client
from content.catalog.models import ExclusiveStatus, TrackArtist, Visibility
from content.commerce.errors import OwnTrack, StaffCannotPurchase, TrackNotForSale
from content.commerce.models import Purchase
from content.commerce.services.purchases import purchase_initiate
from content.commerce.tests.conftest import initiate
from content.tests.factories import ArtistFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(for_sale, producer):
    """The track for sale with a featured artist and a co-producer, each with a manager."""
    featured_manager, coproducer_manager = UserFactory(), UserFactory()
    for_sale.artists.add(
        ArtistFactory(managers=[featured_manager]),
        through_defaults={"role": TrackArtist.Role.FEATURED, "position": 1},
    )
    for_sale.artists.add(
        ArtistFactory(managers=[coproducer_manager]),
        through_defaults={"role": TrackArtist.Role.PRODUCER, "position": 2},
    )
    return {
        "main artist manager": producer,
        "featured artist manager": featured_manager,
        "co-producer manager": coproducer_manager,
        "staff": UserFactory(is_staff=True),
        "listener": UserFactory(),
    }


PUBLIC_TRACK = [
    ("main artist manager", 422, "cannot_purchase_own_track", "own_track"),
    ("featured artist manager", 422, "cannot_purchase_own_track", "own_track"),
    ("co-producer manager", 422, "cannot_purchase_own_track", "own_track"),
    ("staff", 403, "staff_cannot_purchase", "staff_account"),
    ("listener", 200, None, None),
]


@pytest.mark.parametrize(("who", "status", "error_code", "reason"), PUBLIC_TRACK)
def test_who_may_buy_a_public_exclusive(cast, for_sale, who, status, error_code, reason):
    client = bearer_client(cast[who])
    shown = client.get(f"/api/v1/tracks/{for_sale.pk}/purchase/status").json()["data"]
    assert shown["reason"] == reason
    assert shown["can_purchase"] is (status == 200)

    response = initiate(client, for_sale)

    assert response.status_code == status, response.json()
    assert response.json().get("error_code") == error_code
    for_sale.refresh_from_db()
    held = for_sale.exclusive_status == ExclusiveStatus.PENDING
    assert held is (status == 200)
    assert Purchase.objects.filter(buyer=cast[who]).exists() is (status == 200)


PRIVATE_TRACK = [
    # who, sees the page, initiate status, error_code
    ("main artist manager", 200, 422, "cannot_purchase_own_track"),
    ("featured artist manager", 200, 422, "cannot_purchase_own_track"),
    ("co-producer manager", 200, 422, "cannot_purchase_own_track"),
    ("staff", 200, 403, "staff_cannot_purchase"),
    ("listener", 404, 404, None),
]


@pytest.mark.parametrize(("who", "page", "status", "error_code"), PRIVATE_TRACK)
def test_seeing_a_private_track_never_lets_one_buy_it(
    cast, for_sale, who, page, status, error_code
):
    for_sale.visibility = Visibility.PRIVATE
    for_sale.save()
    client = bearer_client(cast[who])

    assert client.get(f"/api/v1/tracks/{for_sale.pk}").status_code == page
    response = initiate(client, for_sale)

    assert response.status_code == status
    assert response.json().get("error_code") == error_code
    for_sale.refresh_from_db()
    assert for_sale.exclusive_status == ExclusiveStatus.AVAILABLE
    assert not Purchase.objects.exists()


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("main artist manager", OwnTrack),
        ("featured artist manager", OwnTrack),
        ("co-producer manager", OwnTrack),
        ("staff", StaffCannotPurchase),
        ("listener", TrackNotForSale),
    ],
)
def test_the_service_itself_refuses_a_private_track(cast, for_sale, who, error):
    # A caller that skips the view's visibility check (a task, a script, a future route) still
    # cannot start the purchase.
    for_sale.visibility = Visibility.PRIVATE
    for_sale.save()

    with pytest.raises(error):
        purchase_initiate(buyer=cast[who], track=for_sale)

    assert not Purchase.objects.exists()


def test_a_private_track_is_quoted_as_not_for_sale_to_its_own_managers(cast, for_sale):
    for_sale.visibility = Visibility.PRIVATE
    for_sale.save()
    client = bearer_client(cast["featured artist manager"])

    response = client.post(f"/api/v1/tracks/{for_sale.pk}/purchase/calculate-price")

    assert response.status_code == 400
    assert response.json()["error_code"] == "track_not_for_sale"


def test_a_private_track_shows_no_price_to_its_managers(cast, for_sale):
    for_sale.visibility = Visibility.PRIVATE
    for_sale.save()

    for who in ("main artist manager", "featured artist manager", "staff"):
        track = bearer_client(cast[who]).get(f"/api/v1/tracks/{for_sale.pk}").json()["track"]
        assert track["price"] is None, who
        assert track["exclusive_price"] == 29.99  # the producer's setting, kept for later
