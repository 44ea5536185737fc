"""Deleting a track races a buyer's exclusive hold, with real threads and transactions on
PostgreSQL: whichever takes the track's row first wins, and the other sees its outcome —
never a deleted track with a pending purchase, never a sale of a deleted track."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from beatpass.testing import run_together
from conftest import bearer_client
from content.catalog import services as catalog_services
from content.catalog.models import ExclusiveStatus, Track
from content.commerce.models import Purchase
from content.commerce.services.purchases import purchase_initiate
from content.commerce.tests.conftest import exclusive_for_sale, initiate, make_payable
from content.tests.factories import ArtistFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setting():
    producer = UserFactory()
    artist = ArtistFactory(managers=[producer])
    make_payable(artist)
    return producer, artist


def _in_thread(call):
    """Run ``call`` in a thread with its own connection; returns (thread, result box)."""
    box: dict = {}

    def worker():
        try:
            box["result"] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            box["result"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    return thread, box


def _wait_for_a_lock_wait(timeout: float = 15) -> None:
    """Until another backend of this database waits on a lock (the racing request)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else fixed for the transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the racing request never waited on the track's row lock")


def test_a_hold_waiting_on_a_delete_finds_the_track_gone(setting):
    producer, artist = setting
    track = exclusive_for_sale(artist)
    buyer = UserFactory()
    with transaction.atomic():
        deleted = catalog_services.tracks_delete(
            user=producer, ids=[track.pk], visible=Track.objects.visible_to(producer)
        )
        assert deleted == 1
        thread, box = _in_thread(lambda: initiate(bearer_client(buyer), track))
        _wait_for_a_lock_wait()  # the buyer's conditional UPDATE waits on the deleted row
    thread.join(timeout=30)
    response = box["result"]
    assert response.status_code == 404, response.json()
    assert not Purchase.objects.exists()
    assert not Track.objects.filter(pk=track.pk).exists()


def test_a_delete_waiting_on_a_hold_is_refused(setting):
    producer, artist = setting
    track = exclusive_for_sale(artist)
    buyer = UserFactory()
    with transaction.atomic():
        purchase, _ = purchase_initiate(buyer=buyer, track=track)
        thread, box = _in_thread(
            lambda: bearer_client(producer).delete(f"/api/v1/tracks/{track.pk}")
        )
        _wait_for_a_lock_wait()  # the delete's FOR UPDATE waits on the held row
    thread.join(timeout=30)
    response = box["result"]
    assert response.status_code == 409, response.json()
    assert response.json()["error_code"] == "exclusive_pending"
    assert Track.objects.get(pk=track.pk).exclusive_status == ExclusiveStatus.PENDING
    assert Purchase.objects.get(pk=purchase.pk).status == Purchase.Status.PENDING


def test_delete_and_initiate_started_together_have_one_consistent_outcome(setting):
    producer, artist = setting
    for round_ in range(8):
        track = exclusive_for_sale(artist, name=f"Race {round_}")
        buyer = UserFactory()
        deleted, initiated = run_together(
            lambda t=track: bearer_client(producer).delete(f"/api/v1/tracks/{t.pk}"),
            lambda t=track, b=buyer: initiate(bearer_client(b), t),
        )
        pair = (deleted.status_code, initiated.status_code)
        assert pair in {(200, 404), (409, 200)}, (deleted.json(), initiated.json())
        exists = Track.objects.filter(pk=track.pk).exists()
        purchases = Purchase.objects.filter(buyer=buyer)
        if pair == (200, 404):
            assert not exists
            assert not purchases.exists()
        else:
            assert deleted.json()["error_code"] == "exclusive_pending"
            assert exists
            assert purchases.get().status == Purchase.Status.PENDING
    # Never a pending purchase of a track that no longer exists.
    assert not Purchase.objects.filter(track__isnull=True, status=Purchase.Status.PENDING).exists()
