"""Licensing writes: issuing a certificate (snapshot, signature), obtaining one for a download
under the plan's quota, revoking, verifying (counted), re-signing after a key rotation.

Locks: issuing under a subscription locks the subscription row (``select_for_update``) so the
quota count and the "already licensed?" check cannot go stale; the partial unique constraint
(one active license per user, track and type) backs it for any other path.
"""

from __future__ import annotations

import logging
import re
import uuid as uuid_lib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from beatpass.accounts.models import User
from beatpass.accounts.services import notify
from beatpass.api.errors import Conflict
from content import clock
from content.catalog.models import Track, TrackArtist
from content.commerce.models import Subscription
from content.fingerprints.models import Fingerprint
from content.licensing import errors, selectors, signing, terms
from content.licensing.models import License
from content.licensing.selectors import DownloadDecision

log = logging.getLogger(__name__)

SNAPSHOT_SCHEMA = 1
DEV_KEYRING = "dev:beatpass-insecure-development-license-key"


# --- keys -----------------------------------------------------------------------------------------


def keyring() -> signing.Keyring:
    """The configured signing keys (``LICENSE_SIGNING_KEYS``, ``LICENSE_SIGNING_KEY_ID``).

    Outside production settings an unset configuration falls back to a well-known development
    key (``make run``, tests); production refuses to sign without real keys (503).
    """
    spec = getattr(settings, "LICENSE_SIGNING_KEYS", "")
    if not spec.strip():
        if str(settings.SETTINGS_MODULE).endswith(".production"):
            raise errors.SigningUnavailable("LICENSE_SIGNING_KEYS is not set.")
        spec = DEV_KEYRING
    try:
        return signing.Keyring.parse(spec, getattr(settings, "LICENSE_SIGNING_KEY_ID", ""))
    except signing.KeyringError as exc:
        log.error("license signing keys are misconfigured: %s", exc)
        raise errors.SigningUnavailable(str(exc)) from exc


# --- issuance context -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuanceContext:
    """What the licensee's client looked like at issue. ``ip_hash`` is salted; never the IP."""

    ip_hash: str = ""
    user_agent: str = ""
    platform: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # browser, timezone, app version


# --- snapshot -------------------------------------------------------------------------------------


def mask_email(email: str) -> str:
    """``jane.doe@example.com`` → ``j****e@example.com`` (help: verifying licenses)."""
    local, _, domain = (email or "").partition("@")
    if not domain:
        return "****"
    if len(local) <= 2:
        return f"{local[:1]}****@{domain}"
    return f"{local[0]}****{local[-1]}@{domain}"


def _iso(value) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def build_snapshot(
    *,
    license_uuid: uuid_lib.UUID,
    license_type: str,
    user: User,
    track: Track,
    fingerprint: Fingerprint,
    issued_at,
    terms_overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The certificate contents (help: license certificates lists every field), frozen."""
    credits = list(
        TrackArtist.objects.filter(track=track)
        .order_by("position", "id")
        .values_list("artist_id", "artist__name", "role")
    )
    producers = [
        name
        for _, name, role in credits
        if role in (TrackArtist.Role.MAIN, TrackArtist.Role.PRODUCER)
    ] or [name for _, name, _ in credits]
    genres = list(track.genres.order_by("name").values_list("display_name", "name"))
    genre_names = [display or name for display, name in genres]
    return {
        "schema": SNAPSHOT_SCHEMA,
        "certificate_id": str(license_uuid),
        "license_type": license_type,
        "issued_at": _iso(issued_at),
        "track": {
            "id": track.pk,
            "name": track.name,
            "artists": [{"id": pk, "name": name, "role": role} for pk, name, role in credits],
            "duration_ms": int(track.duration or 0),
            "genre": genre_names[0] if genre_names else None,
            "genres": genre_names,
            "release_date": track.release_date.isoformat() if track.release_date else None,
            "bpm": track.bpm,
            "key": track.key or None,
            "scale": track.scale or None,
        },
        "producers": producers,
        "attribution": terms.attribution_line(producers),
        "fingerprint": {
            "status": fingerprint.status,
            "algorithm": "Chromaprint",
            "fingerprinted_at": _iso(fingerprint.fingerprinted_at),
            "analysed_duration_ms": round((fingerprint.duration or 0) * 1000),
            "hash": fingerprint.hash,
        },
        "licensee": {
            "user_id": user.pk,
            "display_name": user.display_name,
            "email_masked": mask_email(user.email),
        },
        "terms": terms.terms_for(license_type, terms_overrides),
    }


# --- issuing --------------------------------------------------------------------------------------


def license_issue(
    *,
    user: User,
    track: Track,
    license_type: str,
    context: IssuanceContext,
    subscription: Subscription | None = None,
    terms_overrides: dict[str, Any] | None = None,
) -> tuple[License, bool]:
    """Issue a signed certificate, or return the active one of this type: (license, created).

    Needs a completed fingerprint (its hash goes into the certificate). Runs in a savepoint:
    a concurrent issue of the same (user, track, type) loses on the unique constraint and gets
    the winner's row. Notifies the producers (every credited artist's managers) in-app.
    Commerce issues exclusive licenses through here (``license_type="exclusive"`` and the
    producer's configured ``terms_overrides``).
    """
    fingerprint = Fingerprint.objects.filter(
        track=track, status=Fingerprint.Status.COMPLETED
    ).first()
    if fingerprint is None:
        raise errors.FingerprintPending()
    ring = keyring()
    issued_at = clock.now()
    license_uuid = uuid_lib.uuid4()
    snapshot = build_snapshot(
        license_uuid=license_uuid,
        license_type=license_type,
        user=user,
        track=track,
        fingerprint=fingerprint,
        issued_at=issued_at,
        terms_overrides=terms_overrides,
    )
    key_id, signature = ring.sign(snapshot)
    license = License(
        uuid=license_uuid,
        license_type=license_type,
        user=user,
        track=track,
        subscription=subscription,
        snapshot=snapshot,
        signature=signature,
        signing_key_id=key_id,
        certificate_hash=signing.certificate_hash(snapshot),
        issued_at=issued_at,
        ip_hash=context.ip_hash,
        user_agent=context.user_agent[:512],
        platform=context.platform[:32],
        client_context=dict(context.extra),
    )
    try:
        with transaction.atomic():
            license.save()
            _notify_producers(license=license, track=track, user=user)
    except IntegrityError:
        existing = License.objects.filter(
            user=user, track=track, license_type=license_type, status=License.Status.ACTIVE
        ).first()
        if existing is None:
            raise
        return existing, False
    return license, True


def _notify_producers(*, license: License, track: Track, user: User) -> None:
    managers = (
        User.objects.filter(managed_artists__artist_tracks__track=track)
        .exclude(pk=user.pk)
        .distinct()
    )
    licensee = user.display_name
    for manager in managers:
        notify(
            user=manager,
            kind="track.downloaded",
            title=f"{licensee} downloaded “{track.name}”",
            body=f"A {license.get_license_type_display().lower()} license was issued.",
            data={"track_id": track.pk, "license_uuid": str(license.uuid)},
            email=False,
        )


def license_for_download(
    *, user: User, track: Track, decision: DownloadDecision, context: IssuanceContext
) -> tuple[License | None, bool]:
    """The license a download (or ``generate-license``) uses: the decision's existing one, or
    a new one issued under the entitlement's quota. (None, False) for owners and free tracks.

    Locks the subscription row while checking the quota and issuing, so concurrent first
    downloads by one user create one license and never exceed the plan's limit.
    """
    if not decision.needs_license:
        return None, False
    if decision.license is not None:
        return decision.license, False
    entitlement = decision.entitlement
    with transaction.atomic():
        subscription = None
        if entitlement.subscription is not None:
            subscription = Subscription.objects.select_for_update().get(
                pk=entitlement.subscription.pk
            )
        existing = License.objects.filter(
            user=user,
            track=track,
            license_type=entitlement.license_type,
            status=License.Status.ACTIVE,
        ).first()
        if existing is not None:
            return existing, False
        if subscription is not None:
            selectors.quota_check(entitlement=entitlement)
        return license_issue(
            user=user,
            track=track,
            license_type=entitlement.license_type,
            context=context,
            subscription=subscription,
        )


# --- revocation -----------------------------------------------------------------------------------


def license_revoke(*, license: License, actor: User, reason: str) -> License:
    """Revoke an active license (staff). Locks the row; the holder is notified (in-app and
    email). Revoked licenses verify as ``revoked`` and block downloads of that track (410)."""
    reason = (reason or "").strip()
    if not reason:
        from beatpass.api.errors import validation_error

        raise validation_error("notes", "The notes field is required.")
    with transaction.atomic():
        locked = License.objects.select_for_update().get(pk=license.pk)
        if locked.status == License.Status.REVOKED:
            raise Conflict("This license is already revoked.", code="license_already_revoked")
        locked.status = License.Status.REVOKED
        locked.revoked_at = clock.now()
        locked.revoked_by = actor
        locked.revoked_reason = reason
        locked.save(
            update_fields=["status", "revoked_at", "revoked_by", "revoked_reason", "updated_at"]
        )
        if locked.user_id is not None:
            track_name = locked.snapshot.get("track", {}).get("name", "a track")
            notify(
                user=locked.user,
                kind="license.revoked",
                title=f"Your license for “{track_name}” was revoked",
                body=f"Reason: {reason}\nCertificate {locked.uuid}. Contact support for details.",
                data={"license_uuid": str(locked.uuid), "track_id": locked.track_id},
            )
    return locked


# --- verification ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    license: License
    signature_ok: bool
    hash_ok: bool

    @property
    def authentic(self) -> bool:
        return self.signature_ok and self.hash_ok

    @property
    def valid(self) -> bool:
        return self.authentic and self.license.status == License.Status.ACTIVE


def license_check(*, license: License) -> Verification:
    """Recompute the signature and the hash of the stored snapshot (no side effects)."""
    try:
        ring = keyring()
        signature_ok = ring.verify(
            license.snapshot, key_id=license.signing_key_id, signature=license.signature
        )
    except (errors.SigningUnavailable, TypeError):
        signature_ok = False
    try:
        hash_ok = signing.certificate_hash(license.snapshot) == license.certificate_hash
    except TypeError:  # a snapshot edited to hold floats or other non-canonical values
        hash_ok = False
    # The snapshot must be about this row: a valid snapshot copied from another license is not.
    same_row = license.snapshot.get("certificate_id") == str(license.uuid)
    return Verification(license=license, signature_ok=signature_ok and same_row, hash_ok=hash_ok)


def license_verify(*, license_uuid) -> Verification | None:
    """Public verification: counts it (atomic ``F`` increment) and checks the certificate."""
    now = clock.now()
    updated = License.objects.filter(uuid=license_uuid).update(
        verification_count=F("verification_count") + 1, last_verified_at=now
    )
    if not updated:
        return None
    license = License.objects.select_related("track").get(uuid=license_uuid)
    return license_check(license=license)


# --- key rotation ---------------------------------------------------------------------------------


def licenses_resign(*, from_key_id: str | None = None, dry_run: bool = False) -> dict[str, int]:
    """Re-sign authentic certificates with the current key so an old key can be retired.

    Certificates that do not verify with their own key are left alone (and counted): a
    rotation must never launder a tampered row. Each row is locked while it is re-signed.
    """
    ring = keyring()
    counts = {"resigned": 0, "current": 0, "not_authentic": 0}
    queryset = License.objects.exclude(signing_key_id=ring.current)
    if from_key_id:
        queryset = queryset.filter(signing_key_id=from_key_id)
    counts["current"] = License.objects.filter(signing_key_id=ring.current).count()
    for pk in queryset.order_by("pk").values_list("pk", flat=True).iterator():
        with transaction.atomic():
            license = License.objects.select_for_update().get(pk=pk)
            if not license_check(license=license).authentic:
                counts["not_authentic"] += 1
                continue
            if not dry_run:
                license.signing_key_id, license.signature = ring.sign(license.snapshot)
                license.save(update_fields=["signing_key_id", "signature", "updated_at"])
            counts["resigned"] += 1
    return counts


_PLATFORMS = (
    (re.compile(r"iPhone|iPad|iPod"), "iOS"),
    (re.compile(r"Android"), "Android"),
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"Mac OS X|Macintosh"), "macOS"),
    (re.compile(r"CrOS"), "ChromeOS"),
    (re.compile(r"Linux"), "Linux"),
)
_BROWSERS = (
    (re.compile(r"Edg/"), "Edge"),
    (re.compile(r"OPR/"), "Opera"),
    (re.compile(r"Firefox/"), "Firefox"),
    (re.compile(r"Chrome/|CriOS/"), "Chrome"),
    (re.compile(r"Safari/"), "Safari"),
)


def platform_of(user_agent: str) -> tuple[str, str]:
    """(platform, browser) guessed from a User-Agent; ("other", "other") when unknown."""
    platform = next((name for rx, name in _PLATFORMS if rx.search(user_agent)), "other")
    browser = next((name for rx, name in _BROWSERS if rx.search(user_agent)), "other")
    return platform, browser
