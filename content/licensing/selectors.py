"""Reads for licensing, and THE download policy (``download_policy``): who may download or
license a track, in the order of the help page "How downloads work".

1. Managers of the track's main artist and staff: download without a license.
   (A ``free_download`` track: anyone downloads it, no license.)
2. Otherwise an entitlement (``commerce.selectors.download_entitlement``: an active
   subscription, or being the buyer of a sold exclusive), else 403 ``subscription_required``.
3. A completed fingerprint, else 409 ``fingerprint_pending`` (``Retry-After``).
4. Not sold exclusively to someone else, else 410 ``exclusive_sold``.
5. An active license of this user for this track is reused; a revoked one is 410
   ``license_revoked``; otherwise a new one will be issued if the plan's quota allows it
   (429 ``download_quota_exceeded``; re-checked under a row lock when issuing).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Q, QuerySet
from rest_framework.exceptions import NotAuthenticated, NotFound

from content import clock
from content.catalog.models import ExclusiveStatus, Track
from content.catalog.selectors import track_is_manageable
from content.commerce.models import Subscription
from content.commerce.selectors import Entitlement, download_entitlement
from content.fingerprints.models import Fingerprint
from content.licensing import errors
from content.licensing.models import License


@dataclass(frozen=True)
class DownloadDecision:
    route: str
    entitlement: Entitlement | None = None
    license: License | None = None  # an active license to reuse

    OWNER = "owner"
    FREE = "free"
    LICENSE = "license"

    @property
    def needs_license(self) -> bool:
        return self.route == self.LICENSE


def download_policy(*, user, track: Track, purpose: str = "download") -> DownloadDecision:
    """Decide (read-only) how ``user`` may get ``track``; raise the error that refuses it.

    ``purpose`` is ``download`` (the file) or ``license`` (``generate-license``: same rules, but
    owners need no license and free downloads do not make one).
    """
    authenticated = user is not None and user.is_authenticated
    if authenticated and track_is_manageable(user=user, track=track):
        if purpose == "license":
            raise errors.LicenseNotNeeded()
        return DownloadDecision(DownloadDecision.OWNER)
    sold_to_other = track.exclusive_status == ExclusiveStatus.SOLD and (
        not authenticated or track.exclusive_buyer_id != user.pk
    )
    if purpose == "download" and track.free_download and not sold_to_other:
        return DownloadDecision(DownloadDecision.FREE)
    if not authenticated:
        raise NotAuthenticated()
    entitlement = download_entitlement(user=user, track=track)
    if entitlement is None:
        raise errors.SubscriptionRequired()
    fingerprint_status = (
        Fingerprint.objects.filter(track=track).values_list("status", flat=True).first()
    )
    if fingerprint_status == Fingerprint.Status.FAILED:
        raise errors.FingerprintFailed()
    if fingerprint_status != Fingerprint.Status.COMPLETED:
        raise errors.FingerprintPending()
    if sold_to_other:
        raise errors.ExclusiveSold()
    existing = license_active_for(user=user, track=track)
    if existing is not None:
        return DownloadDecision(DownloadDecision.LICENSE, entitlement, existing)
    if License.objects.filter(user=user, track=track, status=License.Status.REVOKED).exists():
        raise errors.LicenseRevoked()
    quota_check(entitlement=entitlement)
    return DownloadDecision(DownloadDecision.LICENSE, entitlement)


# --- quota ----------------------------------------------------------------------------------------


def licenses_issued_in_period(*, subscription: Subscription) -> int:
    """Licenses obtained under ``subscription`` since its current period began (revoked ones
    included: issuing and revoking does not give a download back)."""
    return License.objects.filter(
        subscription=subscription, issued_at__gte=subscription.current_period_start
    ).count()


def quota_check(*, entitlement: Entitlement) -> None:
    """429 ``download_quota_exceeded`` once the period's licenses reach the plan's limit.
    Callers that issue hold the subscription's row lock, so the count cannot go stale."""
    limit = entitlement.downloads_per_period
    subscription = entitlement.subscription
    if limit is None or subscription is None:
        return
    if licenses_issued_in_period(subscription=subscription) >= limit:
        wait = (subscription.current_period_end - clock.now()).total_seconds()
        raise errors.QuotaExceeded(limit=limit, retry_after=max(1, math.ceil(wait)))


# --- lookups --------------------------------------------------------------------------------------


def license_active_for(*, user, track: Track) -> License | None:
    """The user's active license for ``track``; an exclusive one first (help: "exclusive
    licenses take priority in display")."""
    return (
        License.objects.filter(user=user, track=track, status=License.Status.ACTIVE)
        .order_by("license_type", "-issued_at")  # "exclusive" < "non_exclusive"
        .first()
    )


def _of_track(track_id: int) -> Q:
    """Licenses of track ``track_id``, including those whose track has since been deleted
    (the snapshot keeps its id): a certificate outlives its track."""
    return Q(track_id=track_id) | Q(track__isnull=True, snapshot__track__id=track_id)


def license_of_user_for_track(*, user, track_id: int, license_uuid: UUID | None) -> License:
    """The certificate ``user`` may view for track ``track_id``: the one named by
    ``license_uuid`` (theirs, or anyone's for staff), else their active one (exclusive first),
    else their latest. 404 otherwise."""
    licenses = License.objects.select_related("track").filter(_of_track(track_id))
    if license_uuid is not None:
        licenses = licenses.filter(uuid=license_uuid)
        if not user.is_staff:
            licenses = licenses.filter(user=user)
        found = licenses.first()
    else:
        mine = licenses.filter(user=user)
        found = (
            mine.filter(status=License.Status.ACTIVE).order_by("license_type", "-issued_at").first()
            or mine.order_by("-issued_at").first()
        )
    if found is None:
        raise NotFound("License not found.")
    return found


def license_by_uuid(*, license_uuid: UUID) -> License | None:
    return License.objects.filter(uuid=license_uuid).first()


def licenses_of_user(*, user) -> QuerySet[License]:
    return License.objects.filter(user=user).order_by("-issued_at", "-id")


def licenses_for_tracks(*, user, track_ids: Sequence[int]) -> dict[int, License]:
    """{track id: the user's active license} for ``track_ids`` in one query (exclusive first)."""
    rows = License.objects.filter(
        user=user, track_id__in=list(track_ids), status=License.Status.ACTIVE
    ).order_by("track_id", "license_type", "-issued_at")
    found: dict[int, License] = {}
    for row in rows:
        found.setdefault(row.track_id, row)
    return found
