"""Every branch of the download flow, in the order of "How downloads work": owner and staff,
subscriber (license issued once, reused), no subscription, quota, fingerprint, exclusive sale,
revoked license, free tracks; plus producer notifications and what counts as a download."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from beatpass.accounts.models import Notification
from content.catalog.models import ExclusiveStatus
from content.commerce.models import Subscription
from content.fingerprints.models import Fingerprint
from content.licensing.models import License
from content.licensing.services import license_revoke
from content.licensing.tests.conftest import (
    body_of,
    download,
    licensable_track,
    make_plan,
    subscribe,
)
from content.media.models import AudioRendition, Download
from content.media.services.downloads import hash_ip
from content.media.services.renditions import rendition_compute
from content.tests.factories import ArtistFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_owner_downloads_without_a_license(producer_client, producer, track):
    response = download(producer_client, track)

    assert response.status_code == 200
    assert body_of(response) == track.file.file.open("rb").read()
    assert "X-License-Id" not in response
    assert not License.objects.exists()
    event = Download.objects.get()
    assert (event.user, event.license, event.format) == (producer, None, "wav")


def test_owner_needs_neither_subscription_nor_fingerprint(producer_client, producer_artist):
    track = licensable_track(producer_artist, fingerprint=False)
    assert download(producer_client, track).status_code == 200


def test_staff_download_without_a_license(staff_client, track):
    response = download(staff_client, track)
    assert response.status_code == 200
    assert not License.objects.exists()


def test_featured_artist_manager_is_not_an_owner(producer_artist):
    from conftest import bearer_client

    featured_manager = UserFactory()
    featured = ArtistFactory(managers=[featured_manager])
    track = licensable_track(producer_artist)
    track.track_artists.create(artist=featured, role="featured", position=1)

    response = download(bearer_client(featured_manager), track)

    assert response.status_code == 403
    assert response.json()["error_code"] == "subscription_required"


def test_subscriber_gets_a_license_on_first_download_and_reuses_it(
    subscriber_client, subscriber, track
):
    first = download(subscriber_client, track)
    second = download(subscriber_client, track)

    assert first.status_code == second.status_code == 200
    license = License.objects.get()
    assert first["X-License-Id"] == second["X-License-Id"] == str(license.uuid)
    assert (license.user, license.track, license.license_type) == (
        subscriber,
        track,
        License.Type.NON_EXCLUSIVE,
    )
    assert license.subscription == subscriber.subscriptions.get()
    assert list(Download.objects.values_list("license", flat=True)) == [license.pk, license.pk]


def test_no_subscription_is_403_subscription_required(user_client, api_client, track):
    response = download(user_client, track)
    assert response.status_code == 403
    assert response.json() == {
        "message": "An active subscription is required to download and license this track.",
        "error_code": "subscription_required",
    }
    assert download(api_client, track).status_code == 401
    assert not License.objects.exists()
    assert not Download.objects.exists()


@pytest.mark.parametrize(
    "status", [Subscription.Status.PAST_DUE, Subscription.Status.CANCELED, "ended"]
)
def test_subscription_that_is_not_active_now_gives_no_downloads(user, user_client, track, status):
    if status == "ended":
        subscription = subscribe(user)
        Subscription.objects.filter(pk=subscription.pk).update(
            current_period_start=timezone.now() - timedelta(days=40),
            current_period_end=timezone.now() - timedelta(seconds=1),
        )
    else:
        subscribe(user, status=status)
    assert download(user_client, track).status_code == 403


def test_quota_is_enforced_per_period_and_rereads_are_free(user, user_client, producer_artist):
    subscribe(user, make_plan(name="Two a month", quota=2))
    tracks = [licensable_track(producer_artist, name=f"Beat {n}") for n in range(3)]

    assert download(user_client, tracks[0]).status_code == 200
    assert download(user_client, tracks[1]).status_code == 200
    assert download(user_client, tracks[0]).status_code == 200  # already licensed: free
    refused = download(user_client, tracks[2])

    assert refused.status_code == 429
    assert refused.json()["error_code"] == "download_quota_exceeded"
    assert 29 * 86400 < int(refused["Retry-After"]) <= 30 * 86400  # until the period ends
    assert License.objects.count() == 2


def test_fingerprint_pending_is_409_with_retry_after(subscriber_client, producer_artist):
    track = licensable_track(producer_artist, fingerprint=False)
    missing = download(subscriber_client, track)
    Fingerprint.objects.create(track=track, status=Fingerprint.Status.PROCESSING)
    processing = download(subscriber_client, track)

    for response in (missing, processing):
        assert response.status_code == 409
        assert response.json()["error_code"] == "fingerprint_pending"
        assert response["Retry-After"] == "60"
    assert not License.objects.exists()


def test_failed_fingerprint_is_409_fingerprint_failed(subscriber_client, producer_artist):
    track = licensable_track(producer_artist, fingerprint=False)
    Fingerprint.objects.create(track=track, status=Fingerprint.Status.FAILED, error="silence")
    response = download(subscriber_client, track)
    assert response.status_code == 409
    assert response.json()["error_code"] == "fingerprint_failed"


def test_exclusive_sold_is_410_except_for_the_buyer_and_the_owner(
    subscriber_client, producer_client, track
):
    buyer = UserFactory()
    subscribe(buyer)
    track.exclusive_status = ExclusiveStatus.SOLD
    track.exclusive_buyer = buyer
    track.save()
    from conftest import bearer_client

    refused = download(subscriber_client, track)

    assert refused.status_code == 410
    assert refused.json() == {
        "message": "This track has been sold exclusively and is no longer available",
        "error_code": "exclusive_sold",
    }
    assert download(producer_client, track).status_code == 200
    assert download(bearer_client(buyer), track).status_code == 200


def test_exclusive_sale_blocks_even_an_existing_non_exclusive_licensee(subscriber_client, track):
    assert download(subscriber_client, track).status_code == 200
    track.exclusive_status = ExclusiveStatus.SOLD
    track.save()
    assert download(subscriber_client, track).status_code == 410
    assert License.objects.get().status == License.Status.ACTIVE  # still valid, never revoked


def test_pending_exclusive_sale_does_not_block_downloads(subscriber_client, track):
    from datetime import timedelta

    from django.utils import timezone

    track.exclusive_status = ExclusiveStatus.PENDING
    track.exclusive_hold_until = timezone.now() + timedelta(minutes=15)  # a pending sale's hold
    track.save()
    assert download(subscriber_client, track).status_code == 200


def test_revoked_license_blocks_downloads_of_that_track_with_410(
    subscriber_client, staff_user, track
):
    download(subscriber_client, track)
    license_revoke(license=License.objects.get(), actor=staff_user, reason="Chargeback")

    response = download(subscriber_client, track)

    assert response.status_code == 410
    assert response.json()["error_code"] == "license_revoked"
    assert License.objects.count() == 1  # no fresh license to get around the revocation


def test_free_download_tracks_need_no_license(api_client, user_client, track):
    track.free_download = True
    track.save()
    assert download(api_client, track).status_code == 200
    assert download(user_client, track).status_code == 200
    assert not License.objects.exists()


def test_free_download_of_a_sold_track_is_410(user_client, track):
    subscribe(user_client.user)
    track.free_download = True
    track.exclusive_status = ExclusiveStatus.SOLD
    track.save()
    assert download(user_client, track).status_code == 410


def test_producers_of_every_credited_artist_are_notified_once_per_license(
    subscriber_client, subscriber, producer, track
):
    co_manager = UserFactory()
    featured = ArtistFactory(managers=[co_manager])
    track.track_artists.create(artist=featured, role="featured", position=1)

    download(subscriber_client, track)
    download(subscriber_client, track)

    notes = Notification.objects.filter(kind="track.downloaded")
    assert sorted(n.user_id for n in notes) == sorted([producer.pk, co_manager.pk])
    assert "Jane Doe" in notes[0].title
    assert not Notification.objects.filter(user=subscriber, kind="track.downloaded").exists()


def test_head_issues_nothing(subscriber_client, track):
    response = subscriber_client.head(f"/api/v1/tracks/{track.pk}/download")
    assert response.status_code == 200
    assert not License.objects.exists()
    assert not Download.objects.exists()


def test_a_range_not_from_zero_still_needs_and_issues_the_license(subscriber_client, track):
    response = download(subscriber_client, track, HTTP_RANGE="bytes=100-")
    assert response.status_code == 206
    assert response["X-License-Id"] == str(License.objects.get().uuid)
    assert not Download.objects.exists()  # only the range starting at 0 counts as a download


def test_unknown_format_is_422(subscriber_client, track):
    response = download(subscriber_client, track, fmt="ogg")
    assert response.status_code == 422
    assert "format" in response.json()["errors"]


def test_issuance_context_is_kept_without_the_raw_ip(subscriber_client, track):
    download(
        subscriber_client,
        track,
        REMOTE_ADDR="198.51.100.7",
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1",
        HTTP_X_TIMEZONE="America/Toronto",
    )
    license = License.objects.get()
    assert license.ip_hash
    assert "198.51.100.7" not in license.ip_hash
    assert license.platform == "iOS"
    assert license.client_context == {"browser": "Safari", "timezone": "America/Toronto"}


def test_a_reused_license_costs_one_select_and_one_insert(
    subscriber_client, subscriber, track, django_assert_num_queries
):
    """ONE statement: the user (authentication), the track, its file, rendition, credits and
    the whole policy, and the insert of the Download row: no transaction, no savepoint."""
    AudioRendition.objects.create(source_file=track.file, format="mp3")
    rendition_compute(rendition_id=AudioRendition.objects.get().pk)
    first = download(subscriber_client, track, "wav")
    body_of(first)

    for fmt in ("wav", "mp3"):
        with django_assert_num_queries(1) as captured:
            response = download(subscriber_client, track, fmt)
            body_of(response)
        assert response.status_code == 200
        assert response["X-License-Id"] == first["X-License-Id"]
        assert 'INSERT INTO "content_download"' in captured.captured_queries[-1]["sql"]
    assert Download.objects.filter(user=subscriber).count() == 3


def test_a_first_license_is_issued_in_one_transaction_with_its_download(
    subscriber_client, track, django_assert_num_queries
):
    """User, policy select; then in one transaction (the first-license path is rare: its
    savepoints stay): lock the subscription, re-check for a
    license under the lock, the fingerprint, the credits and genres of the snapshot, the
    license insert in a savepoint (a concurrent twin loses on the unique constraint), the
    producers, their notification preference and notification, the Download row. (Here the
    outer transaction is itself a savepoint: the test runs inside one.)"""
    with django_assert_num_queries(18) as captured:
        response = download(subscriber_client, track, "wav")
        body_of(response)

    assert response.status_code == 200
    statements = [q["sql"].split(" ", 1)[0] for q in captured.captured_queries]
    # the download's block, license_for_download's block, the license insert
    assert statements.count("SAVEPOINT") == 3
    assert License.objects.get().downloads.count() == 1


def test_owner_download_costs_one_statement(producer_client, track, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = download(producer_client, track, "wav")
        body_of(response)
    assert response.status_code == 200
    assert "X-License-Id" not in response


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_download_row_is_one_asynchronously_committed_insert(
    producer_artist, django_assert_num_queries
):
    """In production a reuse is not inside any transaction: the Download row goes in as one
    ``SET LOCAL synchronous_commit TO OFF; INSERT`` round trip, with every column right."""
    from conftest import bearer_client

    subscriber = UserFactory()
    subscribe(subscriber)
    client = bearer_client(subscriber)
    track = licensable_track(producer_artist)
    first = download(client, track, "wav")
    body_of(first)

    with django_assert_num_queries(1) as captured:
        response = download(client, track, "wav", REMOTE_ADDR="203.0.113.9")
        body_of(response)

    assert response.status_code == 200
    assert "set_config('synchronous_commit', 'off', true)" in captured.captured_queries[-1]["sql"]
    license = License.objects.get()
    latest = Download.objects.latest("id")
    assert (latest.track, latest.user, latest.license, latest.format) == (
        track,
        subscriber,
        license,
        "wav",
    )
    assert latest.ip_hash == hash_ip("203.0.113.9")
    assert abs(timezone.now() - latest.created_at) < timedelta(minutes=1)
    assert abs(latest.updated_at - latest.created_at) < timedelta(seconds=1)
    assert Download.objects.count() == 2


def test_the_reused_download_query_answers_for_each_user_and_track(
    subscriber_client, producer_artist, user_client
):
    """The download's SQL is compiled once and reused: each request still gets its own user's
    and track's answer (license, subscription, file)."""
    from conftest import bearer_client

    first_track = licensable_track(producer_artist, name="First")
    second_track = licensable_track(producer_artist, name="Second")
    other = UserFactory()
    subscribe(other)
    other_client = bearer_client(other)

    mine = download(subscriber_client, first_track)
    theirs = download(other_client, first_track)
    mine_second = download(subscriber_client, second_track)
    refused = download(user_client, first_track)

    assert mine.status_code == theirs.status_code == mine_second.status_code == 200
    assert len({mine["X-License-Id"], theirs["X-License-Id"], mine_second["X-License-Id"]}) == 3
    assert mine_second["Content-Disposition"].endswith('Second.wav"')
    assert refused.status_code == 403
    assert License.objects.get(uuid=theirs["X-License-Id"]).user == other
