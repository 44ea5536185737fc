"""OpenAPI-only declarations of the licensing output."""

from __future__ import annotations

from rest_framework import serializers


class LicenseTrackOut(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    artists = serializers.ListField(child=serializers.CharField())


class LicenseSummaryOut(serializers.Serializer):
    uuid = serializers.UUIDField(help_text="The certificate id.")
    track_id = serializers.IntegerField(allow_null=True, help_text="null once the track is gone.")
    license_type = serializers.CharField(help_text="non_exclusive | exclusive")
    status = serializers.CharField(help_text="active | revoked")
    issued_at = serializers.DateTimeField()
    track = LicenseTrackOut(help_text="As licensed (frozen at issue).")
    attribution = serializers.CharField(help_text='"Produced by …"')
    verification_url = serializers.URLField(help_text="Public, human-readable verification page.")


class SecurityOut(serializers.Serializer):
    signature = serializers.CharField()
    signature_algorithm = serializers.CharField()
    signing_key_id = serializers.CharField()
    certificate_hash = serializers.CharField()
    verification_count = serializers.IntegerField()
    last_verified_at = serializers.DateTimeField(allow_null=True)


class CertificateOut(LicenseSummaryOut):
    valid = serializers.BooleanField(help_text="Authentic signature and hash, and active.")
    certificate = serializers.DictField(
        help_text="The signed snapshot: track, producers, attribution, fingerprint, licensee, "
        "terms, issued_at, certificate_id."
    )
    security = SecurityOut()
    issuance_context = serializers.DictField(
        help_text="Private: IP hash, user agent, platform, browser, timezone, app version."
    )
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_reason = serializers.CharField(allow_null=True)


class LicenseEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    license = CertificateOut()
    created = serializers.BooleanField(help_text="False when an existing license was returned.")


class CertificateEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    certificate = CertificateOut()


class CheckLicenseOut(serializers.Serializer):
    status = serializers.CharField(default="success")
    has_license = serializers.BooleanField()
    license = LicenseSummaryOut(allow_null=True)


class CheckLicensesBatchOut(serializers.Serializer):
    status = serializers.CharField(default="success")
    licenses = serializers.DictField(
        child=LicenseSummaryOut(allow_null=True),
        help_text="Track id → your active license, or null.",
    )


class PublicLicenseOut(serializers.Serializer):
    uuid = serializers.UUIDField()
    license_type = serializers.CharField(help_text="non_exclusive | exclusive")
    status = serializers.CharField(help_text="active | revoked")
    track_name = serializers.CharField()
    artists = serializers.ListField(child=serializers.CharField())
    attribution = serializers.CharField()
    licensee_name = serializers.CharField()
    licensee_email = serializers.CharField(help_text="Masked, e.g. j****n@email.com.")
    issued_at = serializers.CharField()
    fingerprint_hash = serializers.CharField()
    certificate_hash = serializers.CharField()
    verification_count = serializers.IntegerField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_reason = serializers.CharField(allow_null=True)


class VerificationChecksOut(serializers.Serializer):
    database = serializers.BooleanField()
    signature = serializers.BooleanField()
    hash = serializers.BooleanField()


class VerificationOut(serializers.Serializer):
    valid = serializers.BooleanField(help_text="Authentic and active.")
    status = serializers.CharField(help_text="The license's status: active | revoked.")
    checks = VerificationChecksOut()
    license = PublicLicenseOut()


class RevokedOut(serializers.Serializer):
    status = serializers.CharField(default="success")
    license = LicenseSummaryOut()
