"""Connect accounts: where an artist's exclusive sales are paid out."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from beatpass.accounts.services import notify
from content import clock
from content.catalog.models import Artist
from content.commerce.gateways import get_gateway
from content.commerce.gateways.base import AccountState
from content.commerce.models import ConnectAccount


def _apply(account: ConnectAccount, state: AccountState) -> ConnectAccount:
    account.charges_enabled = state.charges_enabled
    account.payouts_enabled = state.payouts_enabled
    account.details_submitted = state.details_submitted
    account.requirements_due = state.requirements_due
    if state.charges_enabled and state.payouts_enabled and account.onboarded_at is None:
        account.onboarded_at = clock.now()
    return account


def connect_onboard(*, artist: Artist, user) -> tuple[ConnectAccount, str]:
    """The artist's Connect account (created on first use) and an onboarding link. With the
    test gateway the account is active at once and the link is the return URL."""
    gateway = get_gateway()
    account = ConnectAccount.objects.filter(artist=artist).first()
    if account is None:
        state = gateway.create_connect_account(
            email=user.email, idempotency_key=f"beatpass-artist-{artist.pk}-connect"
        )
        try:
            with transaction.atomic():
                account = _apply(
                    ConnectAccount(
                        artist=artist, gateway=gateway.name, account_id=state.account_id
                    ),
                    state,
                )
                account.save()
        except IntegrityError:  # a concurrent onboarding created it
            account = ConnectAccount.objects.get(artist=artist)
    url = gateway.create_onboarding_link(
        account_id=account.account_id,
        refresh_url=settings.STRIPE_CONNECT_REFRESH_URL,
        return_url=settings.STRIPE_CONNECT_RETURN_URL,
    )
    if not (account.charges_enabled and account.payouts_enabled):
        account = connect_refresh(account=account)
    return account, url


def connect_refresh(*, account: ConnectAccount) -> ConnectAccount:
    state = get_gateway(account.gateway).retrieve_connect_account(account_id=account.account_id)
    with transaction.atomic():
        locked = ConnectAccount.objects.select_for_update().get(pk=account.pk)
        _apply(locked, state).save()
        return locked


def connect_account_updated(*, account: dict) -> ConnectAccount | None:
    """``account.updated``: keep the stored state current (unknown accounts are ignored). When
    the gateway starts asking for something new (verification, documents), the artist's
    managers are told (webhooks.mdx: "producer is informed if action is required")."""
    from content.commerce.gateways.stripe_gateway import account_state

    with transaction.atomic():
        row = (
            ConnectAccount.objects.select_for_update()
            .select_related("artist")
            .filter(account_id=account.get("id"))
            .first()
        )
        if row is None:
            return None
        before = set(row.requirements_due or [])
        _apply(row, account_state(account)).save()
        newly_due = sorted(set(row.requirements_due) - before)
        for manager in row.artist.managers.all() if newly_due else []:
            notify(
                user=manager,
                kind="payouts.action_required",
                title="Your payout account needs attention",
                body="Stripe asks for: " + ", ".join(newly_due),
                data={"artist_id": row.artist_id, "requirements_due": newly_due},
            )
        return row
