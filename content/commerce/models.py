"""Plans and subscriptions: who may download beats under a non-exclusive license.

The commerce feature drives subscriptions from the payment gateway (webhooks fill the gateway
ids and move ``status`` and the period); until then staff grant them in the admin or with
``manage.py grant_subscription``. Money is ``Decimal`` with an explicit currency.
"""

from __future__ import annotations

from django.conf import settings
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
