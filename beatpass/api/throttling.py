"""Throttles for the scopes in docs/developers/rate-limits.mdx, with X-RateLimit-* bookkeeping.

Rates come from ``settings.THROTTLE_RATES`` (each overridable by ``THROTTLE_RATE_<SCOPE>``) and
accept windows such as ``5/15min``. Counters live in the Django cache (Redis in production).
Every throttle records its numbers on the request; the tightest one ends up in the
``X-RateLimit-*`` headers (see ``RateLimitHeadersMiddleware``).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache as default_cache
from rest_framework import throttling
from rest_framework.exceptions import Throttled

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*$")
_UNIT_SECONDS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


def parse_rate(rate: str | None) -> tuple[int | None, int | None]:
    if rate is None:
        return None, None
    match = _RATE.match(rate)
    if not match:
        raise ValueError(f"Invalid throttle rate {rate!r}; expected e.g. '30/min' or '5/15min'.")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNIT_SECONDS[unit]


@dataclass(frozen=True)
class RateLimitInfo:
    limit: int
    remaining: int
    reset: int  # unix timestamp when the window frees a slot

    def tighter_than(self, other: RateLimitInfo | None) -> bool:
        return other is None or self.remaining < other.remaining


def _record(request, info: RateLimitInfo, *, replace: bool = False) -> None:
    django_request = getattr(request, "_request", request)
    current = getattr(django_request, "ratelimit", None)
    if replace or info.tighter_than(current):
        django_request.ratelimit = info


class SlidingWindow:
    """A sliding-window counter in the cache: the list of hit timestamps inside the window."""

    def __init__(self, key: str, rate: str, *, cache=None, timer=time.time) -> None:
        self.key = key
        self.num_requests, self.duration = parse_rate(rate)
        self.cache = cache or default_cache
        self.timer = timer

    def _history(self, now: float) -> list[float]:
        history = self.cache.get(self.key, [])
        return [t for t in history if t > now - self.duration]

    def peek(self) -> tuple[bool, RateLimitInfo, float]:
        now = self.timer()
        history = self._history(now)
        return self._state(history, now)

    def hit(self) -> tuple[bool, RateLimitInfo, float]:
        """Count one hit if allowed. Returns (allowed, info, seconds to wait)."""
        now = self.timer()
        history = self._history(now)
        allowed, info, wait = self._state(history, now)
        if allowed:
            history.insert(0, now)
            self.cache.set(self.key, history, self.duration)
            info = RateLimitInfo(
                info.limit,
                self.num_requests - len(history),
                int(math.ceil(history[-1] + self.duration)),
            )
        return allowed, info, wait

    def _state(self, history: list[float], now: float) -> tuple[bool, RateLimitInfo, float]:
        oldest = history[-1] if history else now
        reset = int(math.ceil(oldest + self.duration))
        allowed = len(history) < self.num_requests
        wait = 0.0 if allowed else max(0.0, oldest + self.duration - now)
        return (
            allowed,
            RateLimitInfo(self.num_requests, self.num_requests - len(history), reset),
            wait,
        )

    def clear(self) -> None:
        self.cache.delete(self.key)


class ScopedThrottle(throttling.SimpleRateThrottle):
    """SimpleRateThrottle that understands multi-unit windows and records X-RateLimit numbers."""

    scope: str = ""
    _wait: float = 0.0

    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)

    def parse_rate(self, rate):
        return parse_rate(rate)

    def ident_for(self, request) -> str | None:
        raise NotImplementedError  # pragma: no cover - each scope defines its identity

    def applies(self, request, view) -> bool:
        return True

    def get_cache_key(self, request, view):
        if not self.applies(request, view):
            return None
        ident = self.ident_for(request)
        return None if ident is None else f"throttle:{self.scope}:{ident}"

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        window = SlidingWindow(key, self.rate, cache=self.cache, timer=self.timer)
        allowed, info, self._wait = window.hit()
        _record(request, info)
        return allowed

    def wait(self):
        return self._wait


def _user_or_ip(throttle: throttling.SimpleRateThrottle, request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{throttle.get_ident(request)}"


class AnonRateThrottle(ScopedThrottle):
    scope = "anon"

    def ident_for(self, request):
        if request.user and request.user.is_authenticated:
            return None
        return self.get_ident(request)


class UserRateThrottle(ScopedThrottle):
    scope = "user"

    def ident_for(self, request):
        if request.user and request.user.is_authenticated:
            return request.user.pk
        return None


class WriteRateThrottle(ScopedThrottle):
    """Counts only requests that change data (POST/PUT/PATCH/DELETE)."""

    scope = "write"

    def applies(self, request, view):
        return request.method not in ("GET", "HEAD", "OPTIONS")

    def ident_for(self, request):
        return _user_or_ip(self, request)


class UploadRateThrottle(ScopedThrottle):
    scope = "upload"

    def ident_for(self, request):
        return _user_or_ip(self, request)


class AuthRateThrottle(ScopedThrottle):
    """Login, register and refresh: per client IP."""

    scope = "auth"

    def ident_for(self, request):
        return self.get_ident(request)


# The account-wide login limit when a settings override leaves it out (tests override
# ``THROTTLE_RATES`` whole).
DEFAULT_LOGIN_FAILURE_ACCOUNT_RATE = "100/15min"


class LoginFailureLimiter:
    """Failed logins, counted twice: per (account, client IP) at ``login_failure`` (5/15 min),
    which stops guessing from one place, and per account from every IP at the much higher
    ``login_failure_account`` (100/15 min), which stops a distributed guess. An attacker who
    hammers an account from their own addresses locks only those addresses out: its owner,
    logging in from elsewhere, is not blocked until the attacker has spread 100 failures over
    20+ addresses. A success clears both counters.

    A refusal records the window that refused on the request, so the 429's ``Retry-After`` and
    ``X-RateLimit-*`` headers describe that window (not the looser per-IP request throttle).
    """

    scope = "login_failure"
    account_scope = "login_failure_account"

    def __init__(self, email: str, *, ip: str | None = None) -> None:
        account = email.strip().lower()
        rates = settings.THROTTLE_RATES
        self.windows = [
            SlidingWindow(f"throttle:{self.scope}:{account}|{ip or '-'}", rates[self.scope]),
            SlidingWindow(
                f"throttle:{self.account_scope}:{account}",
                rates.get(self.account_scope, DEFAULT_LOGIN_FAILURE_ACCOUNT_RATE),
            ),
        ]

    @classmethod
    def for_request(cls, email: str, request) -> LoginFailureLimiter:
        ip = throttling.BaseThrottle().get_ident(request) if request is not None else None
        return cls(email, ip=ip)

    def check(self, request=None) -> None:
        for window in self.windows:
            allowed, info, wait = window.peek()
            if not allowed:
                if request is not None:
                    _record(request, info, replace=True)
                raise Throttled(wait=wait)

    def record_failure(self) -> None:
        for window in self.windows:
            window.hit()

    def reset(self) -> None:
        for window in self.windows:
            window.clear()


class LicenseVerifyRateThrottle(ScopedThrottle):
    """Public license verification (the JSON endpoint and the HTML page): per client IP, so a
    scraper cannot walk UUIDs or inflate verification counts."""

    scope = "license_verify"

    def ident_for(self, request):
        return self.get_ident(request)
