"""License certificates: a signed, frozen snapshot of what was licensed, to whom, on what terms.

The snapshot is written once at issue and never changes (renaming the track or the user later
does not touch it). ``signature`` is an HMAC-SHA256 of its canonical JSON with the key named by
``signing_key_id``; ``certificate_hash`` is its SHA-256. Verification recomputes both, so a row
edited in the database verifies as invalid.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from beatpass.api.models import TimeStampedModel


class License(TimeStampedModel):
    class Type(models.TextChoices):
        NON_EXCLUSIVE = "non_exclusive", "Non-exclusive"
        EXCLUSIVE = "exclusive", "Exclusive"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        REVOKED = "revoked", "Revoked"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    license_type = models.CharField(max_length=16, choices=Type.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    # A license outlives its track and its holder's account: the snapshot is the record.
    # No index of its own: license_user_recent leads with it (db_index=False).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="licenses",
        db_index=False,
    )
    # No index of its own: license_track_user leads with it (db_index=False).
    track = models.ForeignKey(
        "content.Track",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="licenses",
        db_index=False,
    )
    # No index of its own: license_subscription_period leads with it (db_index=False).
    subscription = models.ForeignKey(
        "content.Subscription",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="licenses",
        help_text="The subscription it was obtained under (counts against its quota).",
        db_index=False,
    )
    snapshot = models.JSONField(help_text="The signed certificate contents; never edited.")
    signature = models.CharField(max_length=64, help_text="HMAC-SHA256 (hex) of the snapshot.")
    signing_key_id = models.CharField(max_length=32)
    certificate_hash = models.CharField(max_length=64, help_text="SHA-256 (hex) of the snapshot.")
    issued_at = models.DateTimeField()
    verification_count = models.PositiveIntegerField(default=0)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    # Issuance context: what the licensee's client looked like. Never the raw IP.
    ip_hash = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    platform = models.CharField(max_length=32, blank=True)
    client_context = models.JSONField(
        default=dict, blank=True, help_text="Browser, timezone, app version (when sent)."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_reason = models.TextField(blank=True)

    class Meta:
        ordering = ("-issued_at", "-id")
        permissions = [("revoke_license", "Can revoke license certificates")]
        constraints = [
            # One live license of a type per holder and track: concurrent first downloads
            # cannot both issue one. Revoked ones are history and do not count.
            models.UniqueConstraint(
                fields=["user", "track", "license_type"],
                condition=Q(status="active"),
                name="license_one_active_per_user_track_type",
            ),
            models.CheckConstraint(
                condition=Q(status="active", revoked_at__isnull=True)
                | Q(status="revoked", revoked_at__isnull=False),
                name="license_revoked_has_timestamp",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-issued_at"], name="license_user_recent"),
            models.Index(fields=["subscription", "issued_at"], name="license_subscription_period"),
            # analytics recounts the licenses of recent days for every track
            models.Index(fields=["issued_at"], name="license_issued_at"),
            models.Index(fields=["track", "user"], name="license_track_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_license_type_display()} license {self.uuid}"
