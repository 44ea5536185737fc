"""Account writes: registration, login, token refresh/logout, profile updates, notifications."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core import exceptions as django_exceptions
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied, ValidationError
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch, get_md5_hash_password

from beatpass.api.errors import InvalidCredentials
from beatpass.api.throttling import LoginFailureLimiter

from . import notifications as groups
from .models import Notification, NotificationPreference, User
from .selectors import visible_groups

logger = logging.getLogger(__name__)

INVALID_CREDENTIALS = "These credentials do not match our records."
INVALID_TOKEN = "Token is invalid or expired."  # noqa: S105 - a message, not a secret


def _check_password(password: str, user: User | None) -> None:
    try:
        password_validation.validate_password(password, user)
    except django_exceptions.ValidationError as exc:
        raise ValidationError({"password": list(exc.messages)}) from None


def tokens_for(user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def user_register(*, email: str, password: str, name: str = "") -> User:
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": ["The email has already been taken."]})
    candidate = User(email=email, name=name)
    _check_password(password, candidate)
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password, name=name)
    except IntegrityError:  # a concurrent registration won the race
        raise ValidationError({"email": ["The email has already been taken."]}) from None


def user_login(*, email: str, password: str, request=None) -> User:
    """Authenticate, counting failures per (account, IP) and per account (see
    ``LoginFailureLimiter``): 429 once either window is full."""
    limiter = LoginFailureLimiter.for_request(email, request)
    limiter.check(request)
    user = authenticate(request, email=email.strip().lower(), password=password)
    if user is None:
        limiter.record_failure()
        disabled = User.objects.filter(email__iexact=email.strip(), is_active=False).first()
        if disabled is not None and disabled.check_password(password):
            raise PermissionDenied("Your account has been disabled.")
        raise InvalidCredentials(INVALID_CREDENTIALS)
    limiter.reset()
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return user


def token_refresh(*, refresh: str) -> dict[str, str]:
    """Rotate a refresh token: the old one is blacklisted, a new pair is issued. Once only.

    Concurrent refreshes with one token race for the same outstanding-token row: it is locked
    (``select_for_update``) and the blacklist row is inserted inside one transaction, so exactly
    one caller rotates and every other one sees the token as used (401). The unique
    ``BlacklistedToken.token`` backs this up should the lock ever be skipped. Inactive users and
    tokens minted before a password change fail too.
    """
    try:
        token = RefreshToken(refresh)
    except TokenError:
        raise AuthenticationFailed(INVALID_TOKEN) from None
    user = User.objects.filter(pk=token.payload.get(jwt_settings.USER_ID_CLAIM)).first()
    if user is None or not user.is_active:
        raise AuthenticationFailed(INVALID_TOKEN)
    if token.payload.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
        raise AuthenticationFailed(INVALID_TOKEN)
    jti = token.payload[jwt_settings.JTI_CLAIM]
    try:
        with transaction.atomic():
            outstanding, _ = OutstandingToken.objects.get_or_create(
                jti=jti,
                defaults={
                    "user": user,
                    "token": str(token),
                    "created_at": token.current_time,
                    "expires_at": datetime_from_epoch(token.payload["exp"]),
                },
            )
            outstanding = OutstandingToken.objects.select_for_update().get(pk=outstanding.pk)
            if BlacklistedToken.objects.filter(token=outstanding).exists():
                raise AuthenticationFailed(INVALID_TOKEN)  # another request rotated it first
            BlacklistedToken.objects.create(token=outstanding)
            return tokens_for(user)
    except IntegrityError:
        raise AuthenticationFailed(INVALID_TOKEN) from None


def token_logout(*, refresh: str, user: User) -> None:
    try:
        token = RefreshToken(refresh)
    except TokenError:
        raise ValidationError({"refresh": ["Token is invalid or expired."]}) from None
    if str(token.payload.get(jwt_settings.USER_ID_CLAIM)) != str(user.pk):
        raise ValidationError({"refresh": ["Token is invalid or expired."]})
    token.blacklist()


def user_update(*, user: User, data: dict[str, Any]) -> User:
    """Profile update. Changing the password needs the current one and revokes old tokens."""
    fields = []
    for field in ("name", "avatar"):
        if field in data:
            setattr(user, field, data[field])
            fields.append(field)
    if "email" in data and data["email"].lower() != user.email:
        email = data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
            raise ValidationError({"email": ["The email has already been taken."]})
        user.email = email
        fields.append("email")
    if data.get("password"):
        if not data.get("current_password"):
            raise ValidationError({"current_password": ["The current password field is required."]})
        if not user.check_password(data["current_password"]):
            raise ValidationError({"current_password": ["The current password is incorrect."]})
        _check_password(data["password"], user)
        user.set_password(data["password"])
        fields.append("password")
    if fields:
        fields.append("updated_at")
        try:
            with transaction.atomic():
                user.save(update_fields=fields)
        except IntegrityError:
            raise ValidationError({"email": ["The email has already been taken."]}) from None
    return user


def absolute_url(path: str) -> str:
    """``/admin/...`` → ``https://beatpass.example/admin/...`` (``PUBLIC_BASE_URL``): links in
    notifications and emails must work outside the request that created them."""
    return f"{settings.PUBLIC_BASE_URL}/{path.lstrip('/')}"


def notify(
    *,
    user: User,
    kind: str,
    title: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    email: bool = True,
) -> Notification | None:
    """Create an in-app notification and, after commit, email it, as far as the user's
    preferences for the kind's group allow (a locked channel is always on). Answers the
    in-app row, or None when the user turned the group's in-app channel off. Safe to call
    inside atomic()."""
    in_app, by_email = channels_for(user=user, kind=kind)
    notification = None
    if in_app:
        notification = Notification.objects.create(
            user=user, kind=kind, title=title, body=body, data=data or {}
        )
    if email and by_email and user.email:
        address = user.email

        def _send() -> None:
            try:
                send_mail(title, body or title, None, [address], fail_silently=False)
            except Exception:  # noqa: BLE001 - mail must never break the workflow that notified
                logger.exception("could not email %s notification to user %s", kind, user.pk)

        transaction.on_commit(_send)
    return notification


def channels_for(*, user: User, kind: str) -> tuple[bool, bool]:
    """(in_app, email) for one notification kind: the user's row for its group, defaults on."""
    group = groups.group_for(kind)
    row = (
        NotificationPreference.objects.filter(user=user, group=group.key)
        .values_list("in_app", "email")
        .first()
    )
    in_app, by_email = row if row is not None else (True, True)
    return (
        in_app or groups.IN_APP in group.locked,
        by_email or groups.EMAIL in group.locked,
    )


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notification_settings_update(*, user: User, changes: list[dict]) -> None:
    """Apply ``[{key, in_app?, email?}, ...]`` to the user's notification preferences, all or
    nothing. Unknown or unavailable groups and turning a locked channel off are 422s with the
    item's dotted field key; a channel not sent keeps its current value."""
    available = {group.key: group for group in visible_groups(user=user)}
    problems: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, change in enumerate(changes):
        group = available.get(change["key"])
        if group is None:
            problems[f"groups.{index}.key"] = ["This notification group does not exist for you."]
            continue
        if group.key in seen:
            problems[f"groups.{index}.key"] = ["This group is listed twice."]
        seen.add(group.key)
        for channel in groups.CHANNELS:
            if channel in group.locked and change.get(channel) is False:
                problems[f"groups.{index}.{channel}"] = [
                    f"The {group.name} group's {channel.replace('_', '-')} channel cannot be "
                    "turned off."
                ]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        # Missing rows first (defaults on), then lock them all: two first-time changes to
        # different channels at once are serialised on the row instead of the second upsert
        # writing the default back over the first's channel.
        NotificationPreference.objects.bulk_create(
            [NotificationPreference(user=user, group=key) for key in sorted(seen)],
            ignore_conflicts=True,
        )
        current = {
            row.group: row
            for row in NotificationPreference.objects.select_for_update()
            .filter(user=user, group__in=seen)
            .order_by("group")  # one lock order (as the inserts above): no deadlock
        }
        rows = []
        for change in changes:
            row = current[change["key"]]
            for channel in groups.CHANNELS:
                if channel in change:
                    setattr(row, channel, change[channel])
            row.updated_at = timezone.now()  # bulk_update skips auto_now
            rows.append(row)
        NotificationPreference.objects.bulk_update(rows, ["in_app", "email", "updated_at"])
