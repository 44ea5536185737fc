"""``manage.py simulate_payment``: in-process through the webhook view, and over HTTP."""

from __future__ import annotations

import contextlib
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import CommandError, call_command

from conftest import bearer_client
from content.catalog.models import ExclusiveStatus, Track
from content.commerce.models import Purchase, WebhookEvent
from content.commerce.tests.conftest import exclusive_for_sale, initiate, make_payable
from content.tests.factories import ArtistFactory, UserFactory

PORTS = range(18100, 18200)  # this helper's port range


def _pending_purchase():
    artist = ArtistFactory(managers=[UserFactory()])
    make_payable(artist)
    track = exclusive_for_sale(artist)
    purchase_id = initiate(bearer_client(UserFactory()), track).json()["data"]["purchase_id"]
    return Purchase.objects.get(pk=purchase_id), track


@pytest.mark.django_db
def test_in_process_success_sells_the_track(capsys):
    purchase, track = _pending_purchase()
    call_command("simulate_payment", str(purchase.pk))
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.SUCCEEDED
    assert Track.objects.get(pk=track.pk).exclusive_status == ExclusiveStatus.SOLD
    assert "is succeeded" in capsys.readouterr().out
    assert WebhookEvent.objects.get().type == "payment_intent.succeeded"


@pytest.mark.django_db
def test_in_process_refund_relists_the_track(capsys):
    purchase, track = _pending_purchase()
    call_command("simulate_payment", str(purchase.pk))

    call_command("simulate_payment", str(purchase.pk), "--refund")

    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.REFUNDED
    assert Track.objects.get(pk=track.pk).exclusive_status == ExclusiveStatus.AVAILABLE
    assert "is refunded" in capsys.readouterr().out


@pytest.mark.django_db
def test_in_process_failure_declines(capsys):
    purchase, track = _pending_purchase()
    call_command("simulate_payment", str(purchase.pk), "--fail")
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.FAILED
    assert Track.objects.get(pk=track.pk).exclusive_status == ExclusiveStatus.AVAILABLE


@pytest.mark.django_db
def test_unknown_purchase_is_a_clear_error():
    with pytest.raises(CommandError, match="No purchase"):
        call_command("simulate_payment", "999999")


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def _server():
    for port in PORTS:
        try:
            server = make_server("127.0.0.1", port, WSGIHandler(), handler_class=_Quiet)
            break
        except OSError:
            continue
    else:
        raise RuntimeError("no free port in this helper's range")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.django_db(transaction=True)
def test_over_http_to_a_running_server():
    purchase, track = _pending_purchase()
    with _server() as base:
        call_command(
            "simulate_payment", str(purchase.pk), "--url", f"{base}/api/v1/webhooks/stripe"
        )
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.SUCCEEDED
    assert Track.objects.get(pk=track.pk).exclusive_status == ExclusiveStatus.SOLD


@pytest.mark.django_db(transaction=True)
def test_over_http_a_refused_signature_is_reported():
    from unittest import mock

    purchase, _ = _pending_purchase()
    with (
        _server() as base,
        mock.patch(
            "content.management.commands.simulate_payment.sign_payload",
            return_value="t=1,v1=00",
        ),
        pytest.raises(CommandError, match="400"),
    ):
        call_command(
            "simulate_payment", str(purchase.pk), "--url", f"{base}/api/v1/webhooks/stripe"
        )
