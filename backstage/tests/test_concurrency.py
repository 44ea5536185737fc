"""Real concurrent transactions against the one-pending-request invariant."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from backstage import selectors, services
from backstage.models import BackstageRequest, BackstageRequestEvent
from backstage.tests.conftest import VALID_DATA, grant_handle_permission, make_request
from beatpass.api.errors import Conflict
from conftest import bearer_client
from content.catalog.models import Artist
from content.tests.factories import UserFactory

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_submissions_create_exactly_one_pending_request():
    user = UserFactory()
    clients = [bearer_client(user) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []
    bodies: list[dict] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit(client, index):
        try:
            barrier.wait(timeout=30)
            response = client.post(
                "/api/v1/backstage-request",
                {"type": "become-artist", "artist_name": f"Racer {index}", "data": VALID_DATA},
                format="json",
            )
            with lock:
                statuses.append(response.status_code)
                bodies.append(response.json())
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            with lock:
                errors.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=submit, args=(c, i)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(statuses) == [201] + [409] * (THREADS - 1)
    conflicts = [body for body in bodies if body.get("error_code")]
    assert all(body["error_code"] == "backstage_request_pending" for body in conflicts)
    assert BackstageRequest.objects.filter(user=user).count() == 1
    assert BackstageRequest.objects.filter(user=user, status="pending").count() == 1
    assert BackstageRequestEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_approvals_apply_once():
    """Approve twice at once: the row lock makes exactly one of them win."""
    user = UserFactory()
    handler = grant_handle_permission(UserFactory(is_staff=True))
    item = make_request(user)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve():
        try:
            barrier.wait(timeout=30)
            services.backstage_request_approve(backstage_request=item, actor=handler)
            outcomes.append("approved")
        except Conflict as exc:
            outcomes.append(exc.code)
        except BaseException as exc:  # noqa: BLE001 - shows up in the assertion
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["approved", "backstage_request_invalid_transition"]
    assert item.events.filter(to_status="approved").count() == 1
    assert Artist.objects.count() == 1


@pytest.mark.django_db
def test_database_refuses_a_second_pending_request_for_a_user():
    user = UserFactory()
    make_request(user)

    with pytest.raises(IntegrityError), transaction.atomic():
        BackstageRequest.objects.create(
            user=user, type="become-artist", artist_name="Sneaky", data={}
        )


@pytest.mark.django_db
def test_constraint_violation_past_the_guard_still_answers_pending_conflict(monkeypatch):
    user = UserFactory()
    make_request(user)
    # Simulate a guard that let a racer through: the constraint must still answer with the 409.
    monkeypatch.setattr(
        selectors, "submission_status", lambda *, user: selectors.SubmissionStatus(can_submit=True)
    )

    with pytest.raises(Conflict) as caught:
        services.backstage_request_create(
            user=user, type="become-artist", artist_name="Racer", data={}
        )

    assert caught.value.code == "backstage_request_pending"
    assert caught.value.status_code == 409
    assert BackstageRequest.objects.filter(user=user).count() == 1
