"""The download's statements restate the download policy in SQL to record the ``Download``
row of the common case: ``download_read_and_record`` (the range and fallback read) and the lean
path's own ``download_serve_and_record_send``, which shares its condition and decides the
common case by itself (no Python policy after it; the policy, ``download_policy``, decides
everything else). This table puts the statements and the policy to every branch and pins what
each answers, so a change to one that the others do not follow fails here; the lean statement
must also name the file and the license the DRF view would serve.

Agreement, for a non-staff user: the statement records a row with license L ⇔ the policy
serves without issuing anything, under license L (None: owner or free download); it records
nothing ⇔ the policy refuses or must issue a first license; it finds no track ⇔ the track is
hidden from the user (404). Staff are never recorded by the statement (the DRF view serves
them). Stem downloads have their own route and rule (``commerce.selectors.stem_access``), not
this statement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.exceptions import APIException, NotFound
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken

from beatpass.api.errors import ApplicationError
from content.catalog.models import ExclusiveStatus, Track, Visibility
from content.commerce.models import Subscription
from content.fingerprints.models import Fingerprint
from content.licensing.models import License
from content.licensing.selectors import download_facts_of, download_policy
from content.licensing.services import IssuanceContext, license_issue, license_revoke
from content.licensing.tests.conftest import make_plan, subscribe
from content.media.models import Download
from content.media.selectors import download_track_get
from content.media.services.downloads import (
    download_read_and_record,
    download_serve_and_record_send,
    download_unrecord,
    servable_for,
)
from content.tests.factories import ArtistFactory, UserFactory

pytestmark = pytest.mark.django_db

HIDDEN = "hidden"
NOT_RECORDED = "not recorded"


def statement_answer(user, track_id: int):
    """What the SQL does: HIDDEN, NOT_RECORDED, or ("recorded", license id)."""
    claim = AccessToken.for_user(user).get(jwt_settings.REVOKE_TOKEN_CLAIM)
    found = download_read_and_record(
        user_id=user.pk, track_id=track_id, fmt="wav", ip="198.51.100.7", revoke_claim=claim
    )
    if found is None:
        return HIDDEN
    _, _, recorded = found
    if recorded is None:
        return NOT_RECORDED
    download_unrecord(recorded=recorded)
    return ("recorded", recorded["license_id"])


def served_answer(user, track_id: int):
    """What the lean path's statement (``download_serve_and_record_send``: the same read and
    record, returning only what serving needs) does: NOT_RECORDED (hidden or not recorded) or
    ("recorded", license id), after checking that what it says to serve (file, license UUID)
    is what the DRF view serves."""
    claim = AccessToken.for_user(user).get(jwt_settings.REVOKE_TOKEN_CLAIM)
    pending = download_serve_and_record_send(
        user_id=user.pk, track_id=track_id, fmt="wav", ip="198.51.100.7", revoke_claim=claim
    )
    assert pending is not None  # sent apart: nothing observes the test's connection
    try:
        recorded = pending.result()
    finally:
        pending.close()
    if recorded is None:
        return NOT_RECORDED
    download_unrecord(recorded={"id": recorded.id})
    track = download_track_get(viewer=user, track_id=track_id, fmt="wav")
    expected = servable_for(entry=track.file, fmt="wav", rendition=track.download_rendition)
    assert (recorded.served.file.name, recorded.served.size) == (
        expected.file.name,
        expected.size,
    )
    assert (recorded.served.mime, recorded.served.extension) == (expected.mime, expected.extension)
    assert (recorded.track_name, recorded.artist_names) == (
        track.name,
        track.download_artist_names,
    )
    if recorded.license_id is None:
        assert recorded.license_uuid is None
    else:
        assert recorded.license_uuid == str(License.objects.get(pk=recorded.license_id).uuid)
    return ("recorded", recorded.license_id)


def policy_answer(user, track_id: int):
    """What the Python policy does: HIDDEN, ("refused", error code), ("issues",) or
    ("serves", license id)."""
    try:
        track = download_track_get(viewer=user, track_id=track_id, fmt="wav")
    except NotFound:
        return HIDDEN
    try:
        decision = download_policy(
            user=user, track=track, facts=download_facts_of(track, user=user)
        )
    except ApplicationError as exc:
        return ("refused", exc.code)
    except APIException as exc:
        return ("refused", exc.get_codes())
    if decision.needs_license and decision.license is None:
        return ("issues",)
    return ("serves", decision.license.pk if decision.license else None)


def _license(user, track, *, kind=License.Type.NON_EXCLUSIVE, subscription=None) -> License:
    license, _ = license_issue(
        user=user,
        track=track,
        license_type=kind,
        context=IssuanceContext(platform="test"),
        subscription=subscription,
    )
    return license


def _subscriber_with_license(track, *, quota=None):
    user = UserFactory()
    subscription = subscribe(user, make_plan(name=f"Plan {user.pk}", quota=quota))
    return user, _license(user, track, subscription=subscription)


def _sold_to(track, buyer) -> None:
    Track.objects.filter(pk=track.pk).update(
        exclusive_status=ExclusiveStatus.SOLD, exclusive_buyer=buyer
    )


# Each case: given the track (licensable, public, fingerprint completed), set the state up and
# return (user, the license expected to be served or None); then both answers are pinned.
def owner(track, producer):
    return producer, None


def featured_artist_manager_without_subscription(track, producer):
    manager = UserFactory()
    track.artists.add(ArtistFactory(managers=[manager]), through_defaults={"role": "featured"})
    return manager, None


def subscriber_holding_a_license(track, producer):
    return _subscriber_with_license(track)


def subscriber_without_a_license_yet(track, producer):
    user = UserFactory()
    subscribe(user)
    return user, None


def quota_used_up_but_this_track_licensed(track, producer):
    return _subscriber_with_license(track, quota=1)


def quota_used_up_on_other_tracks(track, producer):
    user = UserFactory()
    subscription = subscribe(user, make_plan(name=f"Quota {user.pk}", quota=1))
    other = Track.objects.create(name="Other", duration=3000)
    from content.licensing.tests.conftest import complete_fingerprint

    complete_fingerprint(other, hash_value="cd" * 32)
    _license(user, other, subscription=subscription)
    return user, None


def no_subscription_any_more(track, producer):
    user, _ = _subscriber_with_license(track)
    Subscription.objects.filter(user=user).delete()
    return user, None


def subscription_expired(track, producer):
    user, _ = _subscriber_with_license(track)
    Subscription.objects.filter(user=user).update(
        current_period_start=track.created_at - timedelta(days=31),
        current_period_end=track.created_at - timedelta(days=1),
    )
    return user, None


def fingerprint_pending(track, producer):
    user, _ = _subscriber_with_license(track)
    Fingerprint.objects.filter(track=track).update(status=Fingerprint.Status.PENDING)
    return user, None


def fingerprint_failed(track, producer):
    user, _ = _subscriber_with_license(track)
    Fingerprint.objects.filter(track=track).update(status=Fingerprint.Status.FAILED)
    return user, None


def exclusive_sold_to_someone_else(track, producer):
    user, _ = _subscriber_with_license(track)
    _sold_to(track, UserFactory())
    return user, None


def exclusive_sold_to_me(track, producer):
    buyer = UserFactory()
    license = _license(buyer, track, kind=License.Type.EXCLUSIVE)
    _sold_to(track, buyer)
    return buyer, license


def exclusive_sold_to_me_and_hidden_since(track, producer):
    buyer, license = exclusive_sold_to_me(track, producer)
    Track.objects.filter(pk=track.pk).update(visibility=Visibility.PRIVATE)
    return buyer, license


def exclusive_sold_to_me_then_license_revoked(track, producer):
    buyer, license = exclusive_sold_to_me(track, producer)
    license_revoke(license=license, actor=None, reason="refund approved")
    return buyer, None


def revoked_license(track, producer):
    user, license = _subscriber_with_license(track)
    license_revoke(license=license, actor=None, reason="terms violation")
    return user, None


def hidden_track(track, producer):
    user, _ = _subscriber_with_license(track)
    Track.objects.filter(pk=track.pk).update(visibility=Visibility.PRIVATE)
    return user, None


def free_download_stranger(track, producer):
    Track.objects.filter(pk=track.pk).update(free_download=True)
    return UserFactory(), None


def free_download_sold_to_someone_else(track, producer):
    Track.objects.filter(pk=track.pk).update(free_download=True)
    _sold_to(track, UserFactory())
    subscriber = UserFactory()
    subscribe(subscriber)
    return subscriber, None


SERVES = "serves"
CASES = [
    # case, what the policy answers (SERVES: without issuing, with the expected license)
    (owner, SERVES),
    (featured_artist_manager_without_subscription, ("refused", "subscription_required")),
    (subscriber_holding_a_license, SERVES),
    (subscriber_without_a_license_yet, ("issues",)),
    (quota_used_up_but_this_track_licensed, SERVES),
    (quota_used_up_on_other_tracks, ("refused", "download_quota_exceeded")),
    (no_subscription_any_more, ("refused", "subscription_required")),
    (subscription_expired, ("refused", "subscription_required")),
    (fingerprint_pending, ("refused", "fingerprint_pending")),
    (fingerprint_failed, ("refused", "fingerprint_failed")),
    (exclusive_sold_to_someone_else, ("refused", "exclusive_sold")),
    (exclusive_sold_to_me, SERVES),
    (exclusive_sold_to_me_and_hidden_since, SERVES),
    (exclusive_sold_to_me_then_license_revoked, ("refused", "license_revoked")),
    (revoked_license, ("refused", "license_revoked")),
    (hidden_track, HIDDEN),
    (free_download_stranger, SERVES),
    (free_download_sold_to_someone_else, ("refused", "exclusive_sold")),
]


@pytest.mark.parametrize(("setup", "expected"), CASES, ids=[c[0].__name__ for c in CASES])
def test_the_statement_and_the_policy_agree(track, producer, setup, expected):
    user, license = setup(track, producer)
    downloads = Download.objects.count()

    policy = policy_answer(user, track.pk)
    statement = statement_answer(user, track.pk)
    served = served_answer(user, track.pk)

    if expected == SERVES:
        expected = ("serves", license.pk if license else None)
    assert policy == expected
    if policy == HIDDEN:
        assert statement == HIDDEN
    elif policy[0] == "serves":
        assert statement == ("recorded", policy[1])
    else:
        assert statement == NOT_RECORDED
    # the lean path's statement records exactly when the read-and-record statement does
    assert served == (NOT_RECORDED if statement == HIDDEN else statement)
    assert Download.objects.count() == downloads


def test_staff_are_served_by_the_policy_and_never_recorded_by_the_statement(track):
    staff = UserFactory(is_staff=True)
    Track.objects.filter(pk=track.pk).update(visibility=Visibility.PRIVATE)

    assert policy_answer(staff, track.pk) == ("serves", None)
    assert statement_answer(staff, track.pk) in (HIDDEN, NOT_RECORDED)
    assert served_answer(staff, track.pk) == NOT_RECORDED


def test_constants_are_inlined_as_literals_and_only_stood_in_values_stay_parameters():
    """``_inline_constants`` (the lean statement's inner read): a constant becomes a quoted
    literal, a ``%`` in one is doubled for the placeholders, a literal ``%%`` stays, and only
    the stood-in values are left as placeholders, in order."""
    from django.db import connection

    from beatpass.api.compiled import _Statement
    from content.media.selectors import _inline_constants

    statement = _Statement(
        sql="SELECT %s, %s::text LIKE 'x%%', %s, %s",
        params=("it's 5%", -1, 7, -2),
        slots=((1, "track_id"), (3, "user_id")),
        names=None,
        flat=False,
        col_count=4,
        converters=(),
    )
    sql, names = _inline_constants(statement, connection)

    assert sql == "SELECT 'it''s 5%%', %s::text LIKE 'x%%', 7, %s"
    assert names == ("track_id", "user_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [3, 4])
        assert cursor.fetchone() == ("it's 5%", False, 7, 4)
