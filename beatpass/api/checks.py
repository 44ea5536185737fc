"""System checks for the project's own settings."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

_ADMIN_NEEDS = (
    ("admin.E410", "django.contrib.sessions.middleware.SessionMiddleware"),
    ("admin.E408", "django.contrib.auth.middleware.AuthenticationMiddleware"),
    ("admin.E409", "django.contrib.messages.middleware.MessageMiddleware"),
)


@checks.register(checks.Tags.admin)
def site_only_middleware(app_configs=None, **kwargs):
    """The admin's middleware checks (silenced in settings because the middleware moved into
    ``SITE_ONLY_MIDDLEWARE``), done where it lives now: each one either in ``MIDDLEWARE`` or
    in ``SITE_ONLY_MIDDLEWARE`` behind an installed ``SiteOnlyMiddleware``."""
    middleware = list(settings.MIDDLEWARE)
    wrapped = "beatpass.api.middleware.SiteOnlyMiddleware" in middleware
    site_only = list(getattr(settings, "SITE_ONLY_MIDDLEWARE", ())) if wrapped else []
    errors = []
    for check_id, path in _ADMIN_NEEDS:
        if path not in middleware and path not in site_only:
            errors.append(
                checks.Error(
                    f"'{path}' must be in MIDDLEWARE or SITE_ONLY_MIDDLEWARE (with "
                    "'beatpass.api.middleware.SiteOnlyMiddleware' in MIDDLEWARE) for the admin.",
                    id=f"beatpass.{check_id}",
                )
            )
    return errors
