"""Writes of commerce, one module per concern (subscriptions, track pricing, purchases and
their webhooks, Connect accounts, coupons, presets). Callers import from here."""

from content.commerce.services.subscriptions import (  # noqa: F401
    DEFAULT_PLAN_NAME,
    DEFAULT_PLAN_PRICE,
    INTERVAL_DAYS,
    plan_default,
    subscription_cancel,
    subscription_grant,
    subscriptions_expire,
)
