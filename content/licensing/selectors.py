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
from datetime import UTC, datetime
from uuid import UUID

from django.db.models import Exists, JSONField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import JSONObject
from rest_framework.exceptions import NotAuthenticated, NotFound

from content import clock
from content.catalog.models import ExclusiveStatus, Track, manager_link
from content.commerce.models import Plan, Subscription
from content.commerce.selectors import Entitlement, active_subscriptions, download_entitlement
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


@dataclass(frozen=True)
class DownloadFacts:
    """Everything ``download_policy`` needs to know about one user and one track, read in one
    query (``with_download_facts``) rather than one query per question."""

    owner: bool  # staff, or a manager of the track's main artist
    subscription: Subscription | None  # the active one, its plan's ``downloads_per_period`` loaded
    fingerprint_status: str | None
    license: License | None  # the active license to reuse (exclusive first); pk, uuid, type loaded
    revoked: bool  # a revoked license of this user for this track exists


_FACTS = "dl_"  # prefix of the annotations ``with_download_facts`` adds


def with_download_facts(
    tracks: QuerySet[Track], *, user, now: datetime | None = None
) -> QuerySet[Track]:
    """``tracks`` annotated with the ``DownloadFacts`` of ``user`` (authenticated) at ``now``
    (default: now): five scalar subqueries on indexed columns (the subscription and the license
    each as one JSON object: fewer subqueries, less planning), so the track row and the whole
    policy come in one round trip. Read them back with ``download_facts_of`` (any object
    whose attributes carry the annotations)."""
    subscription = active_subscriptions(user=user, now=now).values(
        json=JSONObject(
            id="id",
            plan_id="plan_id",
            current_period_start="current_period_start",
            current_period_end="current_period_end",
            downloads_per_period="plan__downloads_per_period",
        )
    )
    license = (
        License.objects.filter(user=user, track=OuterRef("pk"), status=License.Status.ACTIVE)
        .order_by("license_type", "-issued_at")  # "exclusive" < "non_exclusive"
        .values(json=JSONObject(id="id", uuid="uuid", license_type="license_type"))
    )
    return tracks.annotate(
        **{
            f"{_FACTS}owner": Value(True) if user.is_staff else Exists(manager_link(user)),
            f"{_FACTS}fingerprint": Subquery(
                Fingerprint.objects.filter(track=OuterRef("pk")).order_by("pk").values("status")[:1]
            ),
            f"{_FACTS}revoked": Exists(
                License.objects.filter(
                    user=user, track=OuterRef("pk"), status=License.Status.REVOKED
                )
            ),
            f"{_FACTS}subscription": Subquery(subscription[:1], output_field=JSONField()),
            f"{_FACTS}license": Subquery(license[:1], output_field=JSONField()),
        }
    )


def download_facts_of(track, *, user) -> DownloadFacts:
    """The ``DownloadFacts`` of a track read through ``with_download_facts``: the subscription
    and the license come back as model instances with only the columns read (any other
    attribute loads on first access, like ``QuerySet.only``)."""
    values = vars(track)
    subscription = None
    if row := values[f"{_FACTS}subscription"]:
        subscription = Subscription.from_db(
            "default",
            ["id", "user_id", "plan_id", "status", "current_period_start", "current_period_end"],
            [
                row["id"],
                user.pk,
                row["plan_id"],
                Subscription.Status.ACTIVE,  # the query asked for an active one
                _timestamp(row["current_period_start"]),
                _timestamp(row["current_period_end"]),
            ],
        )
        subscription.plan = Plan.from_db(
            "default", ["id", "downloads_per_period"], [row["plan_id"], row["downloads_per_period"]]
        )
    license = None
    if row := values[f"{_FACTS}license"]:
        license = License.from_db(
            "default",
            ["id", "uuid", "license_type", "status", "user_id", "track_id"],
            [
                row["id"],
                UUID(row["uuid"]),
                row["license_type"],
                License.Status.ACTIVE,
                user.pk,
                track.pk,
            ],
        )
    return DownloadFacts(
        owner=bool(values[f"{_FACTS}owner"]),
        subscription=subscription,
        fingerprint_status=values[f"{_FACTS}fingerprint"],
        license=license,
        revoked=bool(values[f"{_FACTS}revoked"]),
    )


def _timestamp(text: str) -> datetime:
    """A timestamp from a JSON object (PostgreSQL writes its offset; SQLite stores UTC)."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def download_facts(*, user, track: Track) -> DownloadFacts:
    """The ``DownloadFacts`` of an authenticated ``user`` for ``track``, in one query."""
    annotated = with_download_facts(Track.objects.filter(pk=track.pk), user=user).first()
    if annotated is None:  # the track went away meanwhile
        raise NotFound()
    return download_facts_of(annotated, user=user)


def download_policy(
    *, user, track: Track, purpose: str = "download", facts: DownloadFacts | None = None
) -> DownloadDecision:
    """Decide (read-only) how ``user`` may get ``track``; raise the error that refuses it.

    ``purpose`` is ``download`` (the file) or ``license`` (``generate-license``: same rules, but
    owners need no license and free downloads do not make one). ``facts``: the track's
    ``download_facts_of`` when the caller read the track through ``with_download_facts``;
    otherwise they are read here (one query, none for anonymous users).
    """
    authenticated = user is not None and user.is_authenticated
    if authenticated and facts is None:
        facts = download_facts(user=user, track=track)
    if authenticated and facts.owner:
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
    entitlement = download_entitlement(user=user, track=track, subscription=facts.subscription)
    if entitlement is None:
        raise errors.SubscriptionRequired()
    if facts.fingerprint_status == Fingerprint.Status.FAILED:
        raise errors.FingerprintFailed()
    if facts.fingerprint_status != Fingerprint.Status.COMPLETED:
        raise errors.FingerprintPending()
    if sold_to_other:
        raise errors.ExclusiveSold()
    existing = facts.license
    if existing is not None:
        if purpose == "license":
            existing.refresh_from_db()  # the endpoint shows the whole certificate
        return DownloadDecision(DownloadDecision.LICENSE, entitlement, existing)
    if facts.revoked:
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
