"""The producer program: users ask to become, claim or verify an artist profile; staff decide."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import CharField, Func, Q, Value
from django.db.models.lookups import Exact

from beatpass.api.models import TimeStampedModel

HANDLE_PERMISSION = "backstage.handle_backstagerequest"  # the spec's `backstageRequests.handle`


class JSONTypeOf(Func):
    """The JSON type of a value: 'object', 'array', 'string', ...

    PostgreSQL's ``jsonb_typeof``; SQLite (the ``make run`` default) spells it ``json_type``.
    """

    function = "jsonb_typeof"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="json_type", **extra_context)


class BackstageRequestQuerySet(models.QuerySet):
    def for_listing(self) -> BackstageRequestQuerySet:
        """Everything the output needs, in one query."""
        return self.select_related("user", "artist")


class BackstageRequest(TimeStampedModel):
    class Type(models.TextChoices):
        BECOME_ARTIST = "become-artist", "Become an artist"
        VERIFY_ARTIST = "verify-artist", "Verify an artist"
        CLAIM_ARTIST = "claim-artist", "Claim an artist"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"
        REVOKED = "revoked", "Revoked"

    # No index of its own: backstage_user_status leads with it (db_index=False).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="backstage_requests",
        db_index=False,
    )
    type = models.CharField(max_length=16, choices=Type.choices)
    artist_name = models.CharField(max_length=255)
    # become-artist: the profile the approval created; claim/verify: the profile asked about.
    # SET_NULL: deleting an artist must not erase the audit history of who asked for it.
    artist = models.ForeignKey(
        "content.Artist",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="backstage_requests",
    )
    data = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    notes = models.TextField(blank=True, help_text="The last decision's notes, sent to the user.")
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    # What the current approval granted, so that a revoke undoes exactly that and nothing more
    # (a user who already managed the artist keeps managing it; an artist verified by someone
    # else stays verified).
    granted_manager = models.BooleanField(default=False)
    granted_verification = models.BooleanField(default=False)

    objects = BackstageRequestQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        permissions = [
            ("handle_backstagerequest", "Can approve, deny and revoke backstage requests"),
        ]
        constraints = [
            # The guard of last resort: services check first (under a row lock), this catches
            # anything that slips past them.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="pending"),
                name="backstage_one_pending_request_per_user",
            ),
            models.CheckConstraint(
                condition=Exact(JSONTypeOf("data"), Value("object")),
                name="backstage_request_data_is_an_object",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(handled_at__isnull=False),
                name="backstage_handled_requests_have_handled_at",
            ),
            models.CheckConstraint(
                condition=Q(status="approved")
                | Q(granted_manager=False, granted_verification=False),
                name="backstage_only_approved_requests_hold_grants",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "status"], name="backstage_user_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type} {self.artist_name} ({self.status})"


class BackstageRequestEvent(models.Model):
    """One status transition, append-only: written in the transaction that made the change.

    No ``updated_at``: an audit row is never updated (``save`` refuses it).
    """

    request = models.ForeignKey(BackstageRequest, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(
        max_length=10, choices=BackstageRequest.Status.choices, blank=True
    )
    to_status = models.CharField(max_length=10, choices=BackstageRequest.Status.choices)
    notes = models.TextField(blank=True)
    # What the transition did to the catalog, e.g. {"artist_created": 12, "manager_added": true}.
    effects = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("Backstage request events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Backstage request events are append-only.")
