"""Records: append-only audit events, the data CHECK, and what deletions do to the history."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from backstage.models import BackstageRequest, BackstageRequestEvent
from backstage.tests.conftest import make_request
from content.tests.factories import ArtistFactory, UserFactory


@pytest.mark.django_db
def test_audit_events_are_append_only():
    event = make_request(UserFactory()).events.get()

    event.notes = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


@pytest.mark.django_db
@pytest.mark.parametrize("data", [["a"], "text", 3, None])
def test_database_refuses_request_data_that_is_not_an_object(data):
    with pytest.raises(IntegrityError), transaction.atomic():
        BackstageRequest.objects.create(
            user=UserFactory(), type="become-artist", artist_name="X", data=data
        )


@pytest.mark.django_db
def test_deleting_an_artist_keeps_the_request_history():
    artist = ArtistFactory()
    item = make_request(UserFactory(), type="claim-artist", artist=artist)

    artist.delete()

    item.refresh_from_db()
    assert item.artist is None
    assert item.events.count() == 1


@pytest.mark.django_db
def test_deleting_a_user_removes_their_requests_and_events():
    user = UserFactory()
    make_request(user)

    user.delete()

    assert not BackstageRequest.objects.exists()
    assert not BackstageRequestEvent.objects.exists()
