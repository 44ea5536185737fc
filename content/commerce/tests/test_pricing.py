"""Exclusive pricing: the fee formula and its rounding, the track's pricing fields through
PUT /tracks/{id}, the rich output, and POST .../purchase/calculate-price."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import bearer_client
from content.catalog.models import ExclusiveStatus, LicensingType
from content.commerce.pricing import from_minor_units, price_exclusive, to_minor_units
from content.tests.factories import ArtistFactory, TrackFactory, UserFactory

# base price → (platform fee = round_half_up(base × 12% + 3.00), total = base + fee)
ROUNDING_TABLE = [
    ("0.01", "3.00", "3.01"),  # 3.0012
    ("0.99", "3.12", "4.11"),  # 3.1188
    ("9.99", "4.20", "14.19"),  # 4.1988
    ("10.00", "4.20", "14.20"),
    ("29.99", "6.60", "36.59"),  # 6.5988
    ("33.33", "7.00", "40.33"),  # 6.9996
    ("41.63", "8.00", "49.63"),  # 7.9956
    ("200.00", "27.00", "227.00"),  # the help page's example
    ("1000.00", "123.00", "1123.00"),
    ("99999.99", "12003.00", "112002.99"),  # 12002.9988
]


@pytest.mark.parametrize(("base", "fee", "total"), ROUNDING_TABLE)
def test_fee_is_twelve_percent_plus_three_rounded_once(base, fee, total):
    pricing = price_exclusive(Decimal(base), "usd")
    assert pricing.base_price == Decimal(base)
    assert pricing.platform_fee == Decimal(fee)
    assert pricing.total_amount == Decimal(total)
    assert pricing.total_amount == pricing.base_price + pricing.platform_fee
    assert pricing.artist_amount == Decimal(base)  # the producer keeps 100% of the price
    assert pricing.currency == "USD"
    assert str(pricing.platform_fee) == fee  # exactly two decimals, never float noise


def test_fee_parts_come_from_settings(settings):
    settings.COMMERCE_PLATFORM_FEE_PERCENT = "10"
    settings.COMMERCE_PLATFORM_FEE_FIXED = "0.50"
    pricing = price_exclusive(Decimal("29.99"), "USD")
    assert pricing.platform_fee == Decimal("3.50")  # 2.999 + 0.50 = 3.499
    assert pricing.total_amount == Decimal("33.49")


def test_zero_decimal_currency_rounds_to_whole_units():
    pricing = price_exclusive(Decimal("5000"), "JPY")
    assert pricing.platform_fee == Decimal("603")
    assert to_minor_units(pricing.total_amount, "JPY") == 5603


def test_minor_units_round_trip():
    assert to_minor_units(Decimal("36.59"), "USD") == 3659
    assert from_minor_units(3659, "usd") == Decimal("36.59")


def test_float_prices_are_refused():
    with pytest.raises(TypeError):
        price_exclusive(29.99, "USD")


# --- the track's pricing fields --------------------------------------------------------------


def exclusive_track(artist, *, price="29.99", **extra):
    return TrackFactory(
        artists=[artist],
        licensing_type=LicensingType.EXCLUSIVE_AVAILABLE,
        exclusive_price=Decimal(price),
        **extra,
    )


@pytest.mark.django_db
def test_main_artist_manager_sets_exclusive_pricing_and_terms(producer_client, producer_artist):
    track = TrackFactory(artists=[producer_artist])
    response = producer_client.put(
        f"/api/v1/tracks/{track.pk}",
        {
            "licensing_type": "exclusive_available",
            "exclusive_price": "249.50",
            "currency": "CAD",
            "exclusive_status": "sold",  # not an input: ignored
            "exclusive_terms": {
                "publishing_producer_percent": 30,
                "territory": "Canada",
                "files_to_deliver": ["wav", "stems", "stems"],
                "radio_stations": 5,
            },
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()["track"]
    assert body["licensing_type"] == "exclusive_available"
    assert body["exclusive_price"] == 249.5
    assert body["price"] == 249.5
    assert body["currency"] == "CAD"
    assert body["exclusive_status"] == "available"
    track.refresh_from_db()
    assert track.exclusive_price == Decimal("249.50")
    assert track.exclusive_status == ExclusiveStatus.AVAILABLE
    terms = track.exclusive_terms
    assert terms["publishing_producer_percent"] == 30
    assert terms["publishing_licensee_percent"] == 70
    assert terms["territory"] == "Canada"
    assert terms["files_to_deliver"] == ["wav", "stems"]
    assert terms["radio_stations"] == 5
    assert terms["governing_law"] == "United States"  # default kept
    assert terms["producer_royalty_percent"] == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"licensing_type": "exclusive_available"}, "exclusive_price"),
        ({"licensing_type": "exclusive_available", "exclusive_price": "0"}, "exclusive_price"),
        ({"exclusive_price": "-5"}, "exclusive_price"),
        ({"exclusive_price": "1.234"}, "exclusive_price"),
        ({"currency": "XYZ"}, "currency"),
        (
            {
                "exclusive_terms": {
                    "publishing_producer_percent": 30,
                    "publishing_licensee_percent": 80,
                }
            },
            "exclusive_terms",
        ),
        ({"exclusive_terms": {"producer_royalty_percent": 101}}, "exclusive_terms"),
        ({"exclusive_terms": {"files_to_deliver": []}}, "exclusive_terms"),
        ({"exclusive_terms": {"territory": "Mars"}}, "exclusive_terms"),
    ],
)
def test_invalid_pricing_is_422_and_changes_nothing(producer_client, producer_artist, body, field):
    track = TrackFactory(artists=[producer_artist])
    response = producer_client.put(f"/api/v1/tracks/{track.pk}", body, format="json")
    assert response.status_code == 422, response.json()
    assert any(key.split(".")[0] == field for key in response.json()["errors"])
    track.refresh_from_db()
    assert track.licensing_type == LicensingType.NON_EXCLUSIVE
    assert track.exclusive_price is None


@pytest.mark.django_db
def test_featured_artist_manager_and_strangers_cannot_price(producer_artist):
    featured_manager = UserFactory()
    featured = ArtistFactory(managers=[featured_manager])
    track = TrackFactory(artists=[producer_artist, featured])
    for client in (bearer_client(featured_manager), bearer_client(UserFactory())):
        response = client.put(
            f"/api/v1/tracks/{track.pk}", {"exclusive_price": "10.00"}, format="json"
        )
        assert response.status_code == 403
    track.refresh_from_db()
    assert track.exclusive_price is None


@pytest.mark.django_db
def test_sold_track_pricing_is_frozen(producer_client, producer_artist):
    track = exclusive_track(producer_artist, exclusive_status=ExclusiveStatus.SOLD)
    response = producer_client.put(
        f"/api/v1/tracks/{track.pk}", {"exclusive_price": "10.00"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error_code"] == "exclusive_sold"
    # other fields still editable
    response = producer_client.put(f"/api/v1/tracks/{track.pk}", {"bpm": 90}, format="json")
    assert response.status_code == 200


@pytest.mark.django_db
def test_pricing_fields_are_rich_only(api_client, user_client, producer_artist):
    track = exclusive_track(producer_artist)
    public = api_client.get(f"/api/v1/tracks/{track.pk}").json()["track"]
    assert "exclusive_price" not in public
    assert "price" not in public
    rich = user_client.get(f"/api/v1/tracks/{track.pk}").json()["track"]
    assert rich["price"] == 29.99
    assert rich["exclusive_price"] == 29.99
    assert rich["currency"] == "USD"
    assert rich["licensing_type"] == "exclusive_available"
    assert rich["exclusive_status"] == "available"


@pytest.mark.django_db
def test_sold_tracks_leave_the_browse_list_but_keep_their_page(user_client, producer_artist):
    listed = TrackFactory(artists=[producer_artist])
    sold = exclusive_track(producer_artist, exclusive_status=ExclusiveStatus.SOLD)
    ids = [t["id"] for t in user_client.get("/api/v1/tracks").json()["data"]]
    assert listed.pk in ids
    assert sold.pk not in ids
    page = user_client.get(f"/api/v1/tracks/{sold.pk}").json()["track"]
    assert page["exclusive_status"] == "sold"
    assert page["price"] is None


# --- calculate-price -------------------------------------------------------------------------


@pytest.mark.django_db
def test_calculate_price_returns_the_commerce_shape(user_client, producer_artist):
    track = exclusive_track(producer_artist, price="29.99")
    response = user_client.post(f"/api/v1/tracks/{track.pk}/purchase/calculate-price")
    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "data": {
            "base_price": 29.99,
            "platform_fee": 6.6,
            "total_amount": 36.59,
            "currency": "USD",
            "is_exclusive": True,
            "total_price": 36.59,
        },
    }
    assert b'"total_amount":36.59' in response.content


@pytest.mark.django_db
def test_calculate_price_errors(api_client, user_client, producer_artist):
    plain = TrackFactory(artists=[producer_artist])
    response = user_client.post(f"/api/v1/tracks/{plain.pk}/purchase/calculate-price")
    assert response.status_code == 400
    assert response.json()["error_code"] == "track_not_for_sale"

    sold = exclusive_track(producer_artist, exclusive_status=ExclusiveStatus.SOLD)
    response = user_client.post(f"/api/v1/tracks/{sold.pk}/purchase/calculate-price")
    assert response.status_code == 410
    assert response.json()["error_code"] == "exclusive_sold"

    assert api_client.post(f"/api/v1/tracks/{plain.pk}/purchase/calculate-price").status_code == 401
    assert user_client.post("/api/v1/tracks/999999/purchase/calculate-price").status_code == 404
