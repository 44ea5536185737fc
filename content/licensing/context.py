"""The issuance context of a request (for views: licensing's and the download view)."""

from __future__ import annotations

from rest_framework.throttling import BaseThrottle

from content.licensing.services import IssuanceContext, platform_of
from content.media.services.downloads import hash_ip

# Optional headers a client app may send; kept (trimmed) on the certificate's private part.
CLIENT_HEADERS = {"timezone": "X-Timezone", "app_version": "X-App-Version"}


def client_ip(request) -> str | None:
    """The client address as the throttles see it (``NUM_PROXIES`` aware)."""
    return BaseThrottle().get_ident(request)


def issuance_context(request) -> IssuanceContext:
    user_agent = (request.headers.get("User-Agent") or "")[:512]
    platform, browser = platform_of(user_agent)
    extra = {"browser": browser}
    for key, header in CLIENT_HEADERS.items():
        value = (request.headers.get(header) or "").strip()
        if value:
            extra[key] = value[:64]
    return IssuanceContext(
        ip_hash=hash_ip(client_ip(request)),
        user_agent=user_agent,
        platform=platform,
        extra=extra,
    )
