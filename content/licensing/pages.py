"""The public, human-readable verification page (``/verify-license/<uuid>``): server-rendered
HTML, no JavaScript, readable on a phone. The certificates' QR codes point here."""

from __future__ import annotations

import math
import uuid

from django.shortcuts import render
from django.views.decorators.http import require_safe

from beatpass.api.throttling import LicenseVerifyRateThrottle
from content.licensing import services
from content.licensing.presenters import present_public


@require_safe
def verify_license_page(request, license_uuid: str):
    throttle = LicenseVerifyRateThrottle()
    if not throttle.allow_request(request, None):
        wait = max(1, math.ceil(throttle.wait() or 1))
        response = render(
            request, "licensing/verify_license.html", {"state": "throttled", "wait": wait},
            status=429,
        )  # fmt: skip
        response["Retry-After"] = str(wait)
        return response
    try:
        parsed = uuid.UUID(license_uuid)
    except ValueError:
        parsed = None
    verification = services.license_verify(license_uuid=parsed) if parsed else None
    if verification is None:
        return render(
            request,
            "licensing/verify_license.html",
            {"state": "not_found", "uuid": license_uuid[:64]},
            status=404,
        )
    if verification.valid:
        state = "valid"
    elif not verification.authentic:
        state = "tampered"
    else:
        state = "revoked"
    return render(
        request,
        "licensing/verify_license.html",
        {
            "state": state,
            "license": present_public(verification),
            "checks": verification,
            "issued_at": verification.license.issued_at,
        },
    )
