"""Two refund requests for the same purchase sent at the same moment (real threads, real
transactions): exactly one is stored, the other is 409 ``refund_request_open``."""

from __future__ import annotations

import pytest

from beatpass.testing import run_concurrently
from conftest import bearer_client
from content.commerce.models import Purchase, RefundRequest
from content.commerce.tests.conftest import exclusive_for_sale, initiate, make_payable, pay
from content.tests.factories import ArtistFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("copies", [2, 8])
def test_simultaneous_requests_store_one(copies):
    artist = ArtistFactory(managers=[UserFactory()])
    make_payable(artist)
    track = exclusive_for_sale(artist)
    buyer = UserFactory()
    purchase = Purchase.objects.get(
        pk=initiate(bearer_client(buyer), track).json()["data"]["purchase_id"]
    )
    pay(bearer_client(buyer), purchase)

    def ask(i):
        return bearer_client(buyer).post(
            f"/api/v1/purchases/{purchase.pk}/refund-request",
            {"reason": f"copy {i}"},
            format="json",
        )

    responses = run_concurrently(ask, copies)

    codes = sorted(getattr(r, "status_code", r) for r in responses)
    assert codes == [201] + [409] * (copies - 1)
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {body["error_code"] for body in refused} == {"refund_request_open"}
    assert RefundRequest.objects.count() == 1
