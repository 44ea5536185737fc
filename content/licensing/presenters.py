"""Output of licenses: the holder's full certificate, summaries for lists, and the public
verification view (masked email, no user id, no issuance context)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from content.licensing.models import License
from content.licensing.services import Verification


def verification_url(license: License) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/verify-license/{license.uuid}"


def present_license_summary(license: License) -> dict[str, Any]:
    """One license in lists and checks (one row, no extra queries)."""
    track = license.snapshot.get("track", {})
    return {
        "uuid": str(license.uuid),
        "track_id": license.track_id,
        "license_type": license.license_type,
        "status": license.status,
        "issued_at": license.issued_at,
        "track": {
            "id": track.get("id"),
            "name": track.get("name"),
            "artists": [a.get("name") for a in track.get("artists", [])],
        },
        "attribution": license.snapshot.get("attribution"),
        "verification_url": verification_url(license),
    }


def present_certificate(license: License, *, verification: Verification) -> dict[str, Any]:
    """The holder's (or staff's) view: every field of the certificate."""
    return {
        **present_license_summary(license),
        "valid": verification.valid,
        "certificate": license.snapshot,
        "security": {
            "signature": license.signature,
            "signature_algorithm": "HMAC-SHA256",
            "signing_key_id": license.signing_key_id,
            "certificate_hash": license.certificate_hash,
            "verification_count": license.verification_count,
            "last_verified_at": license.last_verified_at,
        },
        "issuance_context": {
            "ip_hash": license.ip_hash,
            "user_agent": license.user_agent,
            "platform": license.platform,
            **license.client_context,
        },
        "revoked_at": license.revoked_at,
        "revoked_reason": license.revoked_reason or None,
    }


def present_public(verification: Verification) -> dict[str, Any]:
    """What anyone may see (help: verifying licenses)."""
    license = verification.license
    snapshot = license.snapshot
    track = snapshot.get("track", {})
    licensee = snapshot.get("licensee", {})
    fingerprint = snapshot.get("fingerprint", {})
    return {
        "uuid": str(license.uuid),
        "license_type": license.license_type,
        "status": license.status,
        "track_name": track.get("name"),
        "artists": [a.get("name") for a in track.get("artists", [])],
        "attribution": snapshot.get("attribution"),
        "licensee_name": licensee.get("display_name"),
        "licensee_email": licensee.get("email_masked"),
        "issued_at": snapshot.get("issued_at"),
        "fingerprint_hash": fingerprint.get("hash"),
        "certificate_hash": license.certificate_hash,
        "verification_count": license.verification_count,
        "revoked_at": license.revoked_at,
        "revoked_reason": license.revoked_reason or None,
    }


def present_verification(verification: Verification) -> dict[str, Any]:
    """``{"valid", "status": active|revoked, "checks", "license"}``: ``status`` is the license's
    (the shape the API reference gives this endpoint)."""
    return {
        "valid": verification.valid,
        "status": verification.license.status,
        "checks": {
            "database": True,
            "signature": verification.signature_ok,
            "hash": verification.hash_ok,
        },
        "license": present_public(verification),
    }
