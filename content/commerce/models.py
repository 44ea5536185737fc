"""Commerce: plans and subscriptions (who may download under a non-exclusive license),
exclusive purchases and the gateway events that drive them, Connect payout accounts, coupons
and exclusive license presets.

Subscriptions are granted by staff (admin, ``manage.py grant_subscription``) or driven by the
gateway's ``customer.subscription.*`` events. Money is ``Decimal`` with an explicit currency.
"""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from beatpass.api.models import TimeStampedModel
from content.commerce.money import DEFAULT_CURRENCY, Money

currency_code = RegexValidator(r"^[A-Z]{3}$", "An ISO 4217 code in capitals, e.g. USD.")


class Plan(TimeStampedModel):
    class Interval(models.TextChoices):
        MONTH = "month", "Monthly"
        YEAR = "year", "Yearly"

    name = models.CharField(max_length=100, unique=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY, validators=[currency_code])
    interval = models.CharField(max_length=8, choices=Interval.choices, default=Interval.MONTH)
    downloads_per_period = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="New licenses a subscriber may obtain per billing period; empty = unlimited.",
    )
    is_active = models.BooleanField(default=True, help_text="Offered to new subscribers.")
    gateway_price_id = models.CharField(
        max_length=255, null=True, blank=True, unique=True, help_text="Payment gateway's price id."
    )

    class Meta:
        ordering = ("price", "name")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="plan_price_nonnegative"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="plan_currency_iso"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def money(self) -> Money:
        return Money(self.price, self.currency)

    @property
    def is_unlimited(self) -> bool:
        return self.downloads_per_period is None


class SubscriptionQuerySet(models.QuerySet):
    def live(self) -> SubscriptionQuerySet:
        """Not ended: active or past due (the gateway is still retrying the payment)."""
        return self.filter(status__in=Subscription.LIVE_STATUSES)


class Subscription(TimeStampedModel):
    """A user's subscription to a plan. At most one live (active or past due) per user.

    ``current_period_start``/``end`` bound the billing period; the download quota counts the
    licenses issued under this subscription since ``current_period_start``.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Past due"
        CANCELED = "canceled", "Canceled"
        EXPIRED = "expired", "Expired"

    LIVE_STATUSES = (Status.ACTIVE, Status.PAST_DUE)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField()
    canceled_at = models.DateTimeField(null=True, blank=True)
    # Filled by the payment gateway integration; null for subscriptions granted by staff.
    gateway = models.CharField(max_length=32, blank=True, help_text="e.g. stripe; empty = granted")
    gateway_customer_id = models.CharField(max_length=255, null=True, blank=True)
    gateway_subscription_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Staff member (or command) that granted it without payment.",
    )
    notes = models.TextField(blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ("-current_period_end", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(current_period_end__gt=F("current_period_start")),
                name="subscription_period_positive",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["active", "past_due"]),
                name="subscription_one_live_per_user",
            ),
        ]
        indexes = [models.Index(fields=["status", "current_period_end"], name="subscription_due")]

    def __str__(self) -> str:
        return f"{self.user} · {self.plan} ({self.status})"


# --- exclusive purchases ----------------------------------------------------------------------


class Purchase(TimeStampedModel):
    """One buyer's attempt to buy a track's exclusive, paid through the gateway.

    ``pending`` (a PaymentIntent exists; the track is held) → ``succeeded`` (webhook; the
    exclusive license is issued, the track is sold) or ``failed`` (declined, or the hold ran
    out) → ``refunded`` (the sale is undone). At most one pending and one succeeded purchase
    per track (partial unique constraints). Amounts are frozen at initiation.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        REFUNDED = "refunded", "Refunded"

    # No index of its own: purchase_buyer_recent leads with it (db_index=False).
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="purchases",
        db_index=False,
    )
    track = models.ForeignKey(
        "content.Track", null=True, on_delete=models.SET_NULL, related_name="purchases"
    )
    track_name = models.CharField(max_length=255, help_text="The track's name when bought.")
    # No index of its own: purchase_sales leads with it (db_index=False).
    seller_artist = models.ForeignKey(
        "content.Artist",
        null=True,
        on_delete=models.SET_NULL,
        related_name="sales",
        db_index=False,
    )
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PENDING)
    base_price = models.DecimalField(max_digits=10, decimal_places=2)
    platform_fee = models.DecimalField(max_digits=10, decimal_places=2)
    total_amount = models.DecimalField(max_digits=12, decimal_places=2)
    artist_amount = models.DecimalField(
        max_digits=10, decimal_places=2, help_text="The producer's share: the listed price."
    )
    currency = models.CharField(max_length=3, validators=[currency_code])
    gateway = models.CharField(max_length=16)
    payment_intent_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    destination_account_id = models.CharField(
        max_length=255, blank=True, help_text="The producer's Connect account paid out."
    )
    hold_expires_at = models.DateTimeField(help_text="The exclusive hold of this attempt ends.")
    license = models.ForeignKey(
        "content.License", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    succeeded_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_message = models.TextField(blank=True)
    refund_id = models.CharField(max_length=255, blank=True)
    amount_refunded = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # A coupon entered at checkout lowers the platform fee (never the producer's price): the
    # buyer pays base + fee - discount, the producer still receives the whole listed price.
    coupon = models.ForeignKey(
        "Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="purchases"
    )
    discount_amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["track"],
                condition=Q(status="pending"),
                name="purchase_one_pending_per_track",
            ),
            models.UniqueConstraint(
                fields=["track"],
                condition=Q(status="succeeded"),
                name="purchase_one_sale_per_track",
            ),
            models.CheckConstraint(
                condition=Q(
                    total_amount=F("base_price") + F("platform_fee") - F("discount_amount")
                ),
                name="purchase_total_is_price_plus_fee_less_discount",
            ),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0, discount_amount__lte=F("platform_fee")),
                name="purchase_discount_within_fee",
            ),
            models.CheckConstraint(
                condition=Q(base_price__gt=0, platform_fee__gte=0, amount_refunded__gte=0),
                name="purchase_amounts_positive",
            ),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | Q(succeeded_at__isnull=False),
                name="purchase_succeeded_has_timestamp",
            ),
            models.CheckConstraint(
                condition=~Q(status="refunded") | Q(refunded_at__isnull=False),
                name="purchase_refunded_has_timestamp",
            ),
        ]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="purchase_buyer_recent"),
            models.Index(
                fields=["seller_artist", "status", "-succeeded_at"], name="purchase_sales"
            ),
        ]

    def __str__(self) -> str:
        return f"Purchase {self.pk} · {self.track_name} ({self.status})"


class WebhookEvent(TimeStampedModel):
    """Every gateway event received, once (the event id is unique): a replayed or duplicate
    delivery of a processed, ignored or rejected event is a no-op. ``failed`` (a transient
    error: database unavailable, lock timeout, gateway down) ones are processed again on the
    next delivery; ``rejected`` ones (the payload cannot be used, whatever the retry) only by
    the admin's "reprocess" action."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored (type not handled)"
        FAILED = "failed", "Failed (transient: delivered again)"
        REJECTED = "rejected", "Rejected (payload unusable)"

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    gateway = models.CharField(max_length=16)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.RECEIVED)
    payload = models.JSONField()
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class ConnectAccount(TimeStampedModel):
    """An artist's payout account with the gateway (Stripe Connect Express). Purchases of the
    artist's exclusives need ``charges_enabled``; ``account.updated`` events keep it current."""

    artist = models.OneToOneField(
        "content.Artist", on_delete=models.CASCADE, related_name="connect_account"
    )
    gateway = models.CharField(max_length=16)
    account_id = models.CharField(max_length=255, unique=True)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    requirements_due = models.JSONField(default=list, blank=True)
    onboarded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.artist} · {self.account_id}"

    @property
    def status(self) -> str:
        if self.charges_enabled and self.payouts_enabled:
            return "active"
        if self.details_submitted:
            return "restricted"
        return "pending"


# --- coupons --------------------------------------------------------------------------------------


class Coupon(TimeStampedModel):
    """A discount code staff create in the admin (``POST /coupons/validate`` checks it).
    ``times_used`` only grows through ``coupon_redeem``'s conditional UPDATE, and a check
    constraint keeps it within ``max_uses``."""

    class Type(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage"
        FIXED = "fixed", "Fixed amount"

    code = models.CharField(max_length=40, unique=True, help_text="Stored in capitals.")
    type = models.CharField(max_length=10, choices=Type.choices)
    amount = models.DecimalField(
        max_digits=10, decimal_places=2, help_text="Percent off, or the fixed amount off."
    )
    currency = models.CharField(
        max_length=3, default=DEFAULT_CURRENCY, validators=[currency_code], help_text="Fixed only."
    )
    is_active = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="Empty = unlimited.")
    times_used = models.PositiveIntegerField(default=0, editable=False)
    allowed_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="Only these users may use it; empty = anyone.",
    )
    once_per_user = models.BooleanField(default=True)
    applicable_plans = models.ManyToManyField(
        Plan, blank=True, related_name="coupons", help_text="Empty = every plan."
    )

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(times_used__lte=F("max_uses")),
                name="coupon_uses_within_max",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="coupon_amount_positive"),
            models.CheckConstraint(
                condition=~Q(type="percentage") | Q(amount__lte=100),
                name="coupon_percentage_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self):
        # Validate the code as it will be stored: in capitals, an existing code in another
        # case is the same code (validate_unique runs after this), and "ß" doubles in length.
        super().clean()
        self.code = coupon_code(self.code or "")
        limit = self._meta.get_field("code").max_length
        if len(self.code) > limit:
            raise ValidationError(
                {"code": [f"The code may have at most {limit} characters once in capitals."]}
            )

    def save(self, *args, **kwargs):
        self.code = coupon_code(self.code)
        super().save(*args, **kwargs)


def coupon_code(text: str) -> str:
    """A coupon code as stored and looked up: compatibility-normalised (a full-width
    "ＳＡＶＥ１０" typed on a CJK keyboard is "SAVE10"), trimmed, in capitals."""
    return unicodedata.normalize("NFKC", text).strip().upper()


class CouponRedemption(TimeStampedModel):
    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="redemptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL)
    discount_amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    # The exclusive purchase the coupon was entered for: the use is reserved at checkout and
    # given back if that purchase fails or is refunded.
    purchase = models.OneToOneField(
        Purchase,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="coupon_redemption",
    )

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.coupon} by {self.user_id}"


# --- exclusive license presets ------------------------------------------------------------------


class ExclusiveLicensePreset(TimeStampedModel):
    """A producer's saved exclusive license configuration (help: license presets). Applying
    it copies ``config`` into the track, so editing a preset never changes tracks already
    using it. At most one default per producer (partial unique constraint)."""

    # No index of its own: preset_unique_name_per_owner leads with it (db_index=False).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="license_presets",
        db_index=False,
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    config = models.JSONField(help_text="Exclusive license configuration (complete).")
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ("-is_default", "name", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["owner"], condition=Q(is_default=True), name="preset_one_default_per_owner"
            ),
            models.UniqueConstraint(fields=["owner", "name"], name="preset_unique_name_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name


# --- stems ----------------------------------------------------------------------------------------


class TrackStem(TimeStampedModel):
    """One stem (an individual layer: drums, bass, melody…) the producer delivers with a
    track's exclusive (help: files to deliver). Each is an audio upload validated like a
    track's own audio (WAV, FLAC or AIFF; size cap, magic bytes, full decode) and stored
    privately: it has no URL, only the stem download route serves it, to the track's managers,
    staff and the exclusive buyer whose certificate lists stems."""

    # No index of its own: stem_file_once_per_track leads with it (db_index=False).
    track = models.ForeignKey(
        "content.Track", on_delete=models.CASCADE, related_name="stems", db_index=False
    )
    file = models.ForeignKey("content.FileEntry", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100, help_text="The layer, e.g. Drums.")
    position = models.PositiveSmallIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(fields=["track", "file"], name="stem_file_once_per_track"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · track {self.track_id}"


# --- payouts ------------------------------------------------------------------------------------


class Payout(TimeStampedModel):
    """A payout from a producer's Connect balance to their bank, as the gateway reports it
    (``payout.created|paid|failed`` events on the connected account). Recorded once per
    payout id; the status only moves forward (pending → in transit → paid → failed), so
    events delivered out of order or twice change nothing."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        IN_TRANSIT = "in_transit", "In transit"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    # How far along each status is; a payout never moves back (Stripe: a paid payout may
    # still fail later, a failed one is final).
    RANK = {"pending": 0, "in_transit": 1, "paid": 2, "failed": 3, "canceled": 3}

    # No index of its own: payout_account_status leads with it (db_index=False).
    account = models.ForeignKey(
        ConnectAccount, on_delete=models.CASCADE, related_name="payouts", db_index=False
    )
    payout_id = models.CharField(max_length=255, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, validators=[currency_code])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    arrival_date = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_message = models.TextField(blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["account", "status"], name="payout_account_status")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payout_amount_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.payout_id} · {self.amount} {self.currency} ({self.status})"


# --- refund requests ----------------------------------------------------------------------------


class RefundRequest(TimeStampedModel):
    """A buyer asks for their exclusive purchase to be refunded (help: refund policy — only
    within 24 hours of the purchase and before any file was downloaded; both checked when the
    request is made). Staff decide in the admin:

    ``open`` → ``approved`` (staff asked the gateway for the refund: ``refund_id``, or
    ``refund_error`` until a retry succeeds) → ``refunded`` (the gateway's ``charge.refunded``
    arrived: the purchase is refunded, the license revoked, the track re-listed); or
    ``open`` → ``denied`` (who and why, told to the buyer). A refund made at the gateway
    directly closes an open request as ``refunded`` too. At most one request in flight
    (open or approved) per purchase (partial unique constraint)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        APPROVED = "approved", "Approved (refund asked)"
        REFUNDED = "refunded", "Refunded"
        DENIED = "denied", "Denied"

    IN_FLIGHT = (Status.OPEN, Status.APPROVED)

    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="refund_requests")
    # No index of its own: refund_request_buyer leads with it (db_index=False).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="refund_requests",
        db_index=False,
    )
    reason = models.TextField(help_text="The buyer's words.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(
        blank=True, help_text="Why it was denied (shown to the buyer)."
    )
    refund_id = models.CharField(max_length=255, blank=True)
    refund_error = models.TextField(blank=True, help_text="The gateway's last refusal, if any.")
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["purchase"],
                condition=Q(status__in=["open", "approved"]),
                name="refund_request_one_open_per_purchase",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(decided_at__isnull=False),
                name="refund_request_decided_has_timestamp",
            ),
            models.CheckConstraint(
                condition=~Q(status="denied") | ~Q(decision_note=""),
                name="refund_request_denial_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="refunded") | Q(refunded_at__isnull=False),
                name="refund_request_refunded_has_timestamp",
            ),
        ]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="refund_request_buyer"),
            models.Index(fields=["status", "created_at"], name="refund_request_queue"),
        ]

    def __str__(self) -> str:
        return f"Refund request {self.pk} · purchase {self.purchase_id} ({self.status})"
