"""Throttles for the scopes in docs/developers/rate-limits.mdx, with X-RateLimit-* bookkeeping.

Rates come from ``settings.THROTTLE_RATES`` (each overridable by ``THROTTLE_RATE_<SCOPE>``) and
accept windows such as ``5/15min``. Counters live in the Django cache (Redis in production).
Every throttle records its numbers on the request; the tightest one ends up in the
``X-RateLimit-*`` headers (see ``RateLimitHeadersMiddleware``).
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import re
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError
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


@functools.lru_cache(maxsize=256)
def parse_rate(rate: str | None) -> tuple[int | None, int | None]:
    """(requests, seconds) of a rate such as ``30/min``; kept per rate text (a regex per hit
    was a tenth of a lean request's throttle)."""
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


# GCRA (the generic cell rate algorithm, a leaky bucket stored as one timestamp): a limit of N
# per period lets a hit through while the "theoretical arrival time" (TAT) is at most
# ``period - period/N`` in the future, then pushes the TAT on by ``period/N``. One integer per
# key, read and written in one Redis round trip (a Lua script, atomic across workers), so a
# hit costs the same at 10 or 1,000 requests per second. The previous sliding log kept every
# hit's timestamp in the window and rewrote the whole list per request (bench/throttle.py).
# Times are integer microseconds since the epoch (exact in a Lua double up to 2^53).
_GCRA_LUA = """
local now, interval, period = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
if ARGV[4] == '0' or new_tat - period > now then
    return {0, string.format('%.0f', tat)}
end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX',
           math.max(1, math.ceil((new_tat - now) / 1000)))
return {1, string.format('%.0f', new_tat)}
"""

# Takes one hit back: the TAT moves back by one interval (gone when that is no later than now).
_GCRA_UNDO_LUA = """
local now, interval = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') - interval
if tat <= now then
    redis.call('DEL', KEYS[1])
else
    redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX',
               math.max(1, math.ceil((tat - now) / 1000)))
end
return 1
"""


def _redis_client(cache):
    """The redis-py client behind Django's ``RedisCache`` (or None for other backends), made
    once per cache: ``get_client`` builds a new client object per call, which cost as much as
    the round trip itself. One client is thread-safe (it borrows pooled connections).

    ``django.core.cache.cache`` (what DRF's throttles and ``RateWindow`` default to) is a
    proxy, not a ``RedisCache``: it is unwrapped first, or every throttle of a Redis-backed
    deployment would fall back to the non-atomic get + set."""
    alias = getattr(cache, "_alias", None)
    if alias is not None and not isinstance(cache, RedisCache):
        cache = caches[alias]
    if not isinstance(cache, RedisCache):
        return None
    backend = cache._cache
    client = getattr(backend, "beatpass_throttle_client", None)
    if client is None:
        client = backend.beatpass_throttle_client = backend.get_client(write=True)
    return client


_GCRA_SHA = hashlib.sha1(_GCRA_LUA.encode(), usedforsecurity=False).hexdigest()
_GCRA_UNDO_SHA = hashlib.sha1(_GCRA_UNDO_LUA.encode(), usedforsecurity=False).hexdigest()
_SCRIPTS = {_GCRA_SHA: _GCRA_LUA, _GCRA_UNDO_SHA: _GCRA_UNDO_LUA}


class _KeptConnection(threading.local):
    """This thread's Redis connection for the throttle's scripts (``script_connection``)."""

    def __init__(self) -> None:
        self.connection = None
        self.pool = None
        self.pid = 0
        self.awaiting = False  # a command sent, its reply not read yet (``lean.throttle_send``)


_kept = _KeptConnection()


def script_connection(client):
    """This thread's own connection to ``client``'s Redis server, for the throttle's scripts:
    made once per thread and process with the client pool's settings (address, db, password,
    timeouts), but kept outside the pool. A hit is one command on every API request, and
    borrowing a pooled connection for it (lock, pid check, checkout, checkin) cost as much CPU
    as the command itself: 100-125 µs per hit through the client, 40-60 µs on a kept connection
    (redis-py, hiredis replies, loopback). A child process after a fork makes its own (the
    parent's socket is not shared). None while this thread awaits the reply of a command it
    sent and has not read (``lean.PendingHit``): the caller borrows from the pool then."""
    kept = _kept
    pool = client.connection_pool
    pid = os.getpid()
    if kept.pool is not pool or kept.pid != pid:
        kept.connection = pool.connection_class(**pool.connection_kwargs)
        kept.pool, kept.pid, kept.awaiting = pool, pid, False
    return None if kept.awaiting else kept.connection


def script_awaiting(awaiting: bool) -> None:
    """Mark this thread's kept connection as awaiting a reply (a command sent, not read), or
    free again (``lean.throttle_send`` / ``lean.PendingHit``)."""
    _kept.awaiting = awaiting


def run_script(client, sha: str, keys: list, args: list):
    """EVALSHA of one of the throttle's scripts on this thread's kept connection (EVAL when the
    server does not know it: a restart or SCRIPT FLUSH), as redis-py's ``Script`` would run
    it: one retry on a fresh connection after a connection error or timeout, a connection
    whose reply state is unknown (any other error while waiting) dropped."""
    connection = script_connection(client)
    if connection is None:  # this thread's connection awaits another reply: borrow one
        try:
            return client.evalsha(sha, len(keys), *keys, *args)
        except NoScriptError:
            return client.eval(_SCRIPTS[sha], len(keys), *keys, *args)
    for attempt in (1, 2):
        try:
            connection.send_command("EVALSHA", sha, len(keys), *keys, *args, check_health=False)
            try:
                return connection.read_response()
            except NoScriptError:
                connection.send_command("EVAL", _SCRIPTS[sha], len(keys), *keys, *args)
                return connection.read_response()
        except (RedisConnectionError, RedisTimeoutError, OSError):
            connection.disconnect()  # the next command connects again
            if attempt == 2:
                raise
        except BaseException:
            connection.disconnect()
            raise
    raise AssertionError("unreachable")  # pragma: no cover


class RateWindow:
    """An N-per-period limit on one key (GCRA). ``hit`` counts a request if allowed, ``peek``
    only looks; both return ``(allowed, RateLimitInfo, seconds to wait)``.

    With Redis (production) a hit is one atomic EVALSHA; with any other cache (the locmem test
    settings) the same arithmetic runs over ``cache.get``/``cache.set``, per process.
    ``X-RateLimit-Reset`` is when the limit is whole again, or, when refused, when the next
    request will be allowed (``Retry-After`` counts down to that moment).
    """

    def __init__(self, key: str, rate: str, *, cache=None, timer=time.time) -> None:
        self.num_requests, self.duration = parse_rate(rate)
        self.period = self.duration * 1_000_000
        self.interval = max(1, self.period // self.num_requests)
        # The default cache itself (this thread's), not the ``django.core.cache.cache`` proxy,
        # which looks it up again on every attribute read.
        self.cache = cache or caches[DEFAULT_CACHE_ALIAS]
        self.raw_key = key
        self.timer = timer

    @functools.cached_property
    def key(self) -> str:
        """The key as stored (the cache's prefix and version): what the Redis script is given;
        the other caches' ``get``/``set`` take ``raw_key`` and make it themselves."""
        return self.cache.make_and_validate_key(self.raw_key)

    def _run(self, now: int, *, count: bool) -> tuple[bool, int]:
        client = _redis_client(self.cache)
        if client is not None:
            allowed, tat = run_script(
                client, _GCRA_SHA, [self.key], [now, self.interval, self.period, int(count)]
            )
            return bool(allowed), int(tat)
        tat = max(self.cache.get(self.raw_key) or 0, now)
        new_tat = tat + self.interval
        if not count or new_tat - self.period > now:
            return False, tat
        self.cache.set(self.raw_key, new_tat, math.ceil((new_tat - now) / 1_000_000))
        return True, new_tat

    def _state(self, now: int, tat: int, counted: bool) -> tuple[bool, RateLimitInfo, float]:
        ahead = max(0, tat - now)
        remaining = min(self.num_requests, (self.period - ahead) // self.interval)
        if counted or remaining > 0:
            return True, RateLimitInfo(self.num_requests, remaining, math.ceil(tat / 1e6)), 0.0
        free_at = tat + self.interval - self.period
        wait = max(0, free_at - now) / 1e6
        return False, RateLimitInfo(self.num_requests, 0, math.ceil(free_at / 1e6)), wait

    def hit(self) -> tuple[bool, RateLimitInfo, float]:
        now = int(self.timer() * 1_000_000)
        allowed, tat = self._run(now, count=True)
        return self._state(now, tat, allowed)

    def peek(self) -> tuple[bool, RateLimitInfo, float]:
        now = int(self.timer() * 1_000_000)
        _allowed, tat = self._run(now, count=False)
        return self._state(now, tat, False)

    def undo(self) -> None:
        """Take back one counted hit (a request handed over to the view that counts it)."""
        now = int(self.timer() * 1_000_000)
        client = _redis_client(self.cache)
        if client is not None:
            run_script(client, _GCRA_UNDO_SHA, [self.key], [now, self.interval])
            return
        tat = (self.cache.get(self.raw_key) or 0) - self.interval
        if tat <= now:
            self.cache.delete(self.raw_key)
        else:
            self.cache.set(self.raw_key, tat, math.ceil((tat - now) / 1_000_000))

    def clear(self) -> None:
        self.cache.delete(self.raw_key)


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
        window = RateWindow(key, self.rate, cache=self.cache, timer=self.timer)
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
        # Hashed: an email as typed may hold spaces or control characters, which cache
        # backends reject in keys (memcached) or warn about.
        account = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        rates = settings.THROTTLE_RATES
        self.windows = [
            RateWindow(f"throttle:{self.scope}:{account}|{ip or '-'}", rates[self.scope]),
            RateWindow(
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
