"""License certificate endpoints (API reference: Commerce & Licensing → License Certificates).

Generate / check / certificate / PDF / list are for the signed-in licensee; verification is
public (own throttle scope); revocation needs staff with ``content.revoke_license``.
"""

from __future__ import annotations

import logging
import uuid

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from beatpass.api.errors import ServiceUnavailable
from beatpass.api.pagination import paginate
from beatpass.api.params import parse_pk
from beatpass.api.schema import PAGE_PARAMS, errors, paginated
from beatpass.api.throttling import LicenseVerifyRateThrottle
from content.catalog import selectors as catalog_selectors
from content.licensing import schemas, selectors, services
from content.licensing.context import issuance_context
from content.licensing.errors import RetryAfterMixin
from content.licensing.inputs import (
    CheckLicensesBatchInput,
    GenerateLicenseInput,
    RevokeLicenseInput,
)
from content.licensing.pdf import CertificateDocument, render_certificate_pdf
from content.licensing.presenters import (
    present_certificate,
    present_license_summary,
    present_verification,
    verification_url,
)

log = logging.getLogger(__name__)

TAG = ["License Certificates"]
TRACK_PATH = OpenApiParameter("track_id", int, OpenApiParameter.PATH, description="Track id.")
UUID_PATH = OpenApiParameter(
    "license_uuid", str, OpenApiParameter.PATH, description="License certificate UUID."
)
LICENSE_QUERY = OpenApiParameter(
    "license",
    str,
    description="A specific license (UUID) of yours for this track; default: your active one "
    "(exclusive first), else your latest.",
)
PDF_UNAVAILABLE = "Server-side PDF generation is temporarily unavailable. Please try again later."
FLOW_ERRORS = errors(
    401,
    403,
    404,
    409,
    410,
    422,
    429,
    e403="`subscription_required`: no active subscription.",
    e409="`fingerprint_pending` (with `Retry-After`) or `fingerprint_failed`.",
    e410="`exclusive_sold`, or `license_revoked` (your license for this track was revoked).",
    e422="`license_not_needed` for the track's managers; validation errors.",
    e429="`download_quota_exceeded` (with `Retry-After`: the end of the billing period).",
)


def parse_uuid(raw) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise NotFound("License not found.") from None


def optional_license_param(request) -> uuid.UUID | None:
    raw = request.query_params.get("license")
    if raw in (None, ""):
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ValidationError({"license": ["The license must be a valid UUID."]}) from None


class GenerateLicenseView(RetryAfterMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tracks_generate_license",
        summary="Generate a license certificate",
        description=(
            "Issues a non-exclusive license certificate for the track under your subscription, "
            "with the same rules as a download (subscription, completed fingerprint, not sold "
            "exclusively, plan quota) but without the file. Your existing active license is "
            "returned instead of a second one (200, `created: false`); a new one is 201. The "
            "`X-License-Id` header carries its UUID."
        ),
        parameters=[TRACK_PATH],
        request=GenerateLicenseInput,
        responses={200: schemas.LicenseEnvelope, 201: schemas.LicenseEnvelope, **FLOW_ERRORS},
        tags=TAG,
    )
    def post(self, request, track_id):
        track = catalog_selectors.track_get(viewer=request.user, track_id=parse_pk(track_id))
        GenerateLicenseInput(data=request.data).is_valid(raise_exception=True)
        decision = selectors.download_policy(user=request.user, track=track, purpose="license")
        license, created = services.license_for_download(
            user=request.user, track=track, decision=decision, context=issuance_context(request)
        )
        verification = services.license_check(license=license)
        response = Response(
            {
                "status": "success",
                "license": present_certificate(license, verification=verification),
                "created": created,
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
        response["X-License-Id"] = str(license.uuid)
        return response


class CheckLicenseView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tracks_check_license",
        summary="Do I hold a license for this track?",
        description="`has_license` and your active license for the track (exclusive first), "
        "or `null`. Revoked licenses do not count.",
        parameters=[TRACK_PATH],
        responses={200: schemas.CheckLicenseOut, **errors(401, 404)},
        tags=TAG,
    )
    def get(self, request, track_id):
        track_id = parse_pk(track_id)
        found = selectors.licenses_for_tracks(user=request.user, track_ids=[track_id])
        license = found.get(track_id)
        return Response(
            {
                "status": "success",
                "has_license": license is not None,
                "license": present_license_summary(license) if license else None,
            }
        )


class CheckLicensesBatchView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tracks_check_licenses_batch",
        summary="Check licenses for many tracks",
        description='`{"track_ids": [...]}` (1-100) → `licenses`: track id → your active '
        "license or `null`, in one query.",
        request=CheckLicensesBatchInput,
        responses={200: schemas.CheckLicensesBatchOut, **errors(401, 422)},
        tags=TAG,
    )
    def post(self, request):
        data = CheckLicensesBatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(data.validated_data["track_ids"]))
        found = selectors.licenses_for_tracks(user=request.user, track_ids=ids)
        return Response(
            {
                "status": "success",
                "licenses": {
                    str(pk): (present_license_summary(found[pk]) if pk in found else None)
                    for pk in ids
                },
            }
        )


class LicenseCertificateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tracks_license_certificate",
        summary="View a license certificate",
        description=(
            "Every field of your certificate for the track: the signed snapshot (track, "
            "fingerprint, licensee, terms), signature, hash, verification count, issuance "
            "context and verification URL. Works after the track was renamed or deleted. Staff "
            "may name any license with `?license=`."
        ),
        parameters=[TRACK_PATH, LICENSE_QUERY],
        responses={200: schemas.CertificateEnvelope, **errors(401, 404, 422)},
        tags=TAG,
    )
    def get(self, request, track_id):
        license = selectors.license_of_user_for_track(
            user=request.user,
            track_id=parse_pk(track_id),
            license_uuid=optional_license_param(request),
        )
        verification = services.license_check(license=license)
        return Response(
            {
                "status": "success",
                "certificate": present_certificate(license, verification=verification),
            }
        )


class LicensePdfView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tracks_download_license_pdf",
        summary="Download the license certificate as PDF",
        description=(
            "One A4 page: every certificate field, the terms of its type, the producer "
            "attribution and a QR code pointing at the public verification page."
        ),
        parameters=[TRACK_PATH, LICENSE_QUERY],
        responses={
            (200, "application/pdf"): OpenApiResponse(description="The certificate (PDF)."),
            **errors(401, 404, 422, 503),
        },
        tags=TAG,
    )
    def get(self, request, track_id):
        license = selectors.license_of_user_for_track(
            user=request.user,
            track_id=parse_pk(track_id),
            license_uuid=optional_license_param(request),
        )
        document = CertificateDocument(
            snapshot=license.snapshot,
            uuid=str(license.uuid),
            status=license.status,
            signature=license.signature,
            signing_key_id=license.signing_key_id,
            certificate_hash=license.certificate_hash,
            verification_count=license.verification_count,
            verification_url=verification_url(license),
            revoked_at=license.revoked_at.isoformat() if license.revoked_at else None,
            revoked_reason=license.revoked_reason or None,
        )
        try:
            pdf = render_certificate_pdf(document)
        except Exception as exc:  # noqa: BLE001 - a rendering bug must answer the spec's 503
            log.exception("license PDF rendering failed for %s", license.uuid)
            raise ServiceUnavailable(PDF_UNAVAILABLE, code="pdf_unavailable") from exc
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="beatpass-license-{license.uuid}.pdf"'
        )
        response["Content-Length"] = str(len(pdf))
        return response


class UserLicensesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="user_licenses",
        summary="Your licenses",
        description="Every license certificate you hold, newest first (revoked ones included, "
        "with their status).",
        parameters=PAGE_PARAMS,
        responses={200: paginated("Licenses", schemas.LicenseSummaryOut()), **errors(401, 422)},
        tags=TAG,
    )
    def get(self, request):
        page = paginate(selectors.licenses_of_user(user=request.user), request)
        return Response(page.envelope([present_license_summary(row) for row in page.items]))


class VerifyLicenseView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [LicenseVerifyRateThrottle]

    @extend_schema(
        operation_id="verify_license",
        summary="Verify a license (public)",
        description=(
            "Recomputes the certificate's HMAC signature and SHA-256 hash and answers `valid` "
            "(authentic and active), the license `status`, the individual `checks` and the "
            "public fields (masked email, no user id). Each call counts as a verification. "
            "Throttled per IP (`license_verify` scope). Unknown UUIDs are 404."
        ),
        parameters=[UUID_PATH],
        responses={200: schemas.VerificationOut, **errors(404, 429)},
        tags=TAG,
        auth=[],
    )
    def get(self, request, license_uuid):
        verification = services.license_verify(license_uuid=parse_uuid(license_uuid))
        if verification is None:
            raise NotFound("License not found.")
        return Response(present_verification(verification))


class CanRevokeLicenses(IsAuthenticated):
    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if not (request.user.is_staff and request.user.has_perm("content.revoke_license")):
            raise PermissionDenied("You are not allowed to revoke licenses.")
        return True


class RevokeLicenseView(APIView):
    permission_classes = [CanRevokeLicenses]

    @extend_schema(
        operation_id="licenses_revoke",
        summary="Revoke a license",
        description=(
            "Staff with the `content.revoke_license` permission. `notes` (the reason) is "
            "required; the holder is notified, verification then answers `revoked`, and the "
            "holder's downloads of the track answer 410 `license_revoked`."
        ),
        parameters=[UUID_PATH],
        request=RevokeLicenseInput,
        responses={
            200: schemas.RevokedOut,
            **errors(401, 403, 404, 409, 422, e409="`license_already_revoked`."),
        },
        tags=TAG,
    )
    def post(self, request, license_uuid):
        license = selectors.license_by_uuid(license_uuid=parse_uuid(license_uuid))
        if license is None:
            raise NotFound("License not found.")
        data = RevokeLicenseInput(data=request.data)
        data.is_valid(raise_exception=True)
        revoked = services.license_revoke(
            license=license, actor=request.user, reason=data.validated_data["notes"]
        )
        return Response({"status": "success", "license": present_license_summary(revoked)})
