"""Celery tasks of plans and subscriptions (thin: call one service)."""

from __future__ import annotations

from celery import shared_task

from content.commerce import services


@shared_task(name="content.expire_subscriptions", acks_late=True, reject_on_worker_lost=True)
def expire_subscriptions() -> int:
    """Periodic (see setup_periodic_tasks): granted subscriptions past their period end."""
    return services.subscriptions_expire()


@shared_task(name="content.release_exclusive_holds", acks_late=True, reject_on_worker_lost=True)
def release_exclusive_holds() -> int:
    """Periodic (see setup_periodic_tasks): exclusive holds whose buyer never paid."""
    from content.commerce.services.purchases import exclusive_holds_release

    return exclusive_holds_release()
