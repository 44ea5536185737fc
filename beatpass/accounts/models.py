from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from beatpass.api.models import TimeStampedModel


def display_name_for(name: str, user_id: int) -> str:
    """The name shown for a user: their chosen name, else a neutral ``user-<id>``.

    Never derived from the email address: the part before the @ is often a real name, or the
    address itself, and display names are public (playlist owners, editors, invitations).
    A plain function so presenters working on ``.values()`` rows apply the same rule.
    """
    return name or f"user-{user_id}"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin, TimeStampedModel):
    """A BeatPass account. Logs in with an email address; ``name`` is the display name."""

    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    avatar = models.URLField(max_length=500, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        return display_name_for(self.name, self.pk)


class Notification(TimeStampedModel):
    """An in-app notification. ``kind`` is a dotted event name, e.g. ``backstage.denied``."""

    # No index of its own: notification_user_recent leads with it (db_index=False).
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["user", "-created_at"], name="notification_user_recent")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"


class NotificationPreference(models.Model):
    """One user's channels for one notification group (see ``accounts.notifications``). No row
    means the defaults: every channel on."""

    # No index of its own: notification_pref_unique leads with it (db_index=False).
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notification_preferences", db_index=False
    )
    group = models.CharField(max_length=32)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="notification_pref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.group} in_app={self.in_app} email={self.email}"
