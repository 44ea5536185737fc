"""A lean request path for the hottest endpoints (a licensed download, a play start, a track's
analytics).

DRF's dispatch (request wrapping, content negotiation, authentication classes, permission and
throttle objects, ``finalize_response``) costs more CPU than such an endpoint's own work, and
its authentication reads the user in a statement of its own. A lean view is a plain Django
view that handles only the common case itself and hands every other request to the endpoint's
DRF view, which words every refusal the lean path has not decided itself (401, 422, 429 …); a
lean path answers at most a 404 or 403 its own statement decided, through the same exception
handler. It decides, without side effects, that the request is the common case, counts the
throttle hit once and serves: a request handed over has either not been counted (the download
counts last) or has its hit and X-RateLimit numbers taken back (``throttle_undo``: the
analytics path counts before its statement, so that a throttled request runs none).

The pieces here keep the DRF path's rules:

* ``access_token``: simplejwt's own ``AccessToken`` validation (signature, expiry, type) of a
  ``Bearer`` header, done once per token and process: a validated token is kept (bounded LRU,
  ``TOKEN_CACHE_SIZE``) with its expiry, which is still enforced on every request, as
  simplejwt's ``check_exp`` does (leeway included). Nothing else about a token can change
  (access tokens have no blacklist here; revocation is the password-hash claim, checked
  against the user's row on every request). The user row is then read by the endpoint's own
  statement, and ``token_user`` applies ``BearerAuthentication.get_user``'s checks to it
  (unknown, inactive, token older than a password change).
* ``throttle_hit``: the same GCRA window (``RateWindow``, one EVALSHA with Redis), key, rate
  and clock as the scope's DRF throttle, and the same ``X-RateLimit-*`` bookkeeping;
  ``throttle_undo`` takes a counted hit back before a hand-over. ``throttle_send`` is the same
  hit in two halves, so that its Redis round trip overlaps the endpoint's statement: the
  EVALSHA is written to this thread's kept connection, the caller runs its statement, then
  ``PendingHit.allowed()`` reads the reply (with any other cache the hit is counted at once).
* ``drf_headers`` and ``finish``: a lean answer finished as ``APIView.finalize_response``
  would (JSON, the view's ``Allow``/``Vary`` headers); ``json_response`` builds a 200 so
  without a DRF ``Response``.
* ``drf_throttles_are``: whether a view's throttles are the given classes, so that the scopes a
  lean path counts are the ones its DRF view would.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.response import ResponseHeaders
from django.utils.functional import SimpleLazyObject
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import aware_utcnow, datetime_from_epoch, get_md5_hash_password

from beatpass.api import throttling
from beatpass.api.renderers import ORJSONRenderer
from beatpass.api.throttling import RateWindow, ScopedThrottle, _record

__all__ = [
    "CheckedHeaders",
    "access_token",
    "drf_headers",
    "drf_throttles_are",
    "fill_json",
    "finish",
    "json_response",
    "json_response_to_fill",
    "lazy_token_user",
    "throttle_hit",
    "throttle_keeps_off_the_database",
    "throttle_send",
    "throttle_undo",
    "token_accepts",
    "token_user",
    "token_user_id",
]

_PREFIX = "Bearer "


def access_token(request) -> AccessToken | None:
    """The valid access token of the request's ``Authorization: Bearer …`` header, or None
    (no header, another scheme, a bad or expired token: the DRF view decides what to say)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith(_PREFIX) or len(api_settings.AUTH_HEADER_TYPES) != 1:
        return None
    raw = header[len(_PREFIX) :]
    if not raw or " " in raw:
        return None
    known = _tokens.get(raw)
    if known is not None:
        token, expires_at = known
        if expires_at <= aware_utcnow() - token.get_token_backend().get_leeway():
            with _tokens_lock:
                _tokens.pop(raw, None)
            return None  # expired since: the DRF view says so
        with _tokens_lock:
            if raw in _tokens:
                _tokens.move_to_end(raw)
        return token
    try:
        token = AccessToken(raw)
    except TokenError:
        return None
    # ``AccessToken`` checked that ``exp`` is there and still ahead.
    expires_at = datetime_from_epoch(token["exp"])
    with _tokens_lock:
        _tokens[raw] = (token, expires_at)
        if len(_tokens) > TOKEN_CACHE_SIZE:
            _tokens.popitem(last=False)
    return token


# Validated access tokens of this process: raw token -> (token, expiry). Bounded (least
# recently used out first); about 0.5 KB an entry.
TOKEN_CACHE_SIZE = 4096
_tokens: OrderedDict[str, tuple] = OrderedDict()
_tokens_lock = threading.Lock()


def forget_tokens() -> None:
    """Empty the validated-token cache (a signing key or token setting changed)."""
    with _tokens_lock:
        _tokens.clear()


@receiver(setting_changed)
def _token_settings_changed(*, setting, **kwargs) -> None:
    if setting in {"SIMPLE_JWT", "SECRET_KEY", "USE_TZ"}:
        forget_tokens()


def token_user_id(token: AccessToken) -> int | None:
    """The token's user id as an int (the user model's integer primary key), or None."""
    value = token.get(api_settings.USER_ID_CLAIM)
    if type(value) is int:
        return value
    if type(value) is str and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def token_user(token: AccessToken, *, user_id: int, row: dict | None):
    """The user ``BearerAuthentication`` would authenticate from ``token``, built from ``row``
    (``id``-less columns ``is_active``, ``is_staff``, ``password`` read by the caller's
    statement; None when no such user), or None when authentication would refuse it."""
    if not token_accepts(token, row=row):
        return None
    return _user_of(user_id, row)


def lazy_token_user(token: AccessToken, *, user_id: int, row: dict | None):
    """``token_user``'s decision now and its user built on first use (a ``SimpleLazyObject``,
    as Django's ``AuthenticationMiddleware`` sets ``request.user``): for a lean path whose
    answer needs none of the user's attributes, building the model instance was a tenth of
    its Python."""
    if not token_accepts(token, row=row):
        return None
    return SimpleLazyObject(functools.partial(_user_of, user_id, row))


def token_accepts(token: AccessToken, *, row: dict | None) -> bool:
    """``BearerAuthentication.get_user``'s checks of ``token``'s user from ``row``
    (``token_user``'s): it exists, is active, and the token is not older than a password
    change."""
    if row is None:
        return False
    if api_settings.CHECK_USER_IS_ACTIVE and not row["is_active"]:
        return False
    return not (
        api_settings.CHECK_REVOKE_TOKEN
        and token.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(row["password"])
    )


def _user_of(user_id: int, row: dict):
    model = get_user_model()
    known = {model._meta.pk.attname: user_id, **row}
    # Only the columns read (``from_db`` takes them in the model's field order); any other
    # attribute loads on first access, as with ``QuerySet.only``.
    names = [f.attname for f in model._meta.concrete_fields if f.attname in known]
    return model.from_db("default", names, [known[name] for name in names])


def drf_headers(view_class) -> dict[str, str]:
    """The headers ``APIView.finalize_response`` adds to every answer of ``view_class``:
    ``Allow`` (with HEAD for a GET view, as Django's ``View.setup`` maps it) and ``Vary:
    Accept`` when it has several renderers. For a lean view's factory to compute once."""
    view = view_class()
    view.setup(HttpRequest())
    return dict(view.default_response_headers)


_RENDERER = ORJSONRenderer()


def finish(response: Response, *, headers: dict[str, str]) -> Response:
    """``response`` (the endpoint's, or the exception handler's) rendered as
    ``finalize_response`` leaves a JSON answer of a view whose one renderer is
    ``ORJSONRenderer`` (the only kind a lean path serves for), with ``headers``
    (``drf_headers``)."""
    response.accepted_renderer = _RENDERER
    response.accepted_media_type = "application/json"
    response.renderer_context = {}
    for name, value in headers.items():
        response[name] = value
    return response.render()


_JSON_CONTENT_TYPE = "application/json"  # what DRF sets for ``ORJSONRenderer`` (no charset)


def json_response(data, *, headers: dict[str, str]) -> HttpResponse:
    """``finish(Response(data), headers=headers)``'s 200 answer built straight: the same bytes
    (``ORJSONRenderer``), Content-Type and headers, without a DRF ``Response`` to render."""
    return fill_json(json_response_to_fill(headers=headers), data)


def json_response_to_fill(*, headers: dict[str, str]) -> HttpResponse:
    """``json_response``'s answer without its body yet (``fill_json``): for a lean path to
    build while its statement runs. Its headers are ``CheckedHeaders``."""
    response = HttpResponse(content_type=_JSON_CONTENT_TYPE, headers=headers)
    response.headers = CheckedHeaders(response.headers)
    return response


class CheckedHeaders(ResponseHeaders):
    """``ResponseHeaders`` that remember the text headers they checked. Setting a header
    checks and converts its name and value (``_convert_to_charset``: the same pair of strings
    gives the same stored pair, or the same error, every time); the middleware set a dozen
    headers on every answer, most of them the same on each (security headers, the
    Content-Security-Policy, Vary), which cost a tenth of a lean answer's request path. A pair
    checked once is stored as it was then; any other value is checked as usual."""

    def __setitem__(self, key, value):
        if type(key) is not str or type(value) is not str:
            super().__setitem__(key, value)
            return
        pair = (key, value)
        stored = _checked_headers.get(pair)
        if stored is None:
            super().__setitem__(key, value)  # raises for a header Django refuses
            lowered = key.lower()
            stored = (lowered, self._store[lowered])
            if len(_checked_headers) >= _CHECKED_HEADERS_MAX:
                _checked_headers.clear()  # bounded: the changing ones (X-RateLimit-*) churn
            _checked_headers[pair] = stored
        self._store[stored[0]] = stored[1]


_CHECKED_HEADERS_MAX = 1024
_checked_headers: dict[tuple[str, str], tuple[str, tuple[str, str]]] = {}


def fill_json(response: HttpResponse, data) -> HttpResponse:
    """``response`` (``json_response_to_fill``'s) with ``data`` as its body: then the same
    answer as ``json_response(data, headers=...)``."""
    response.content = _RENDERER.render(data)
    return response


def drf_throttles_are(view_class, *throttle_classes) -> bool:
    """Whether ``view_class`` (a DRF view) throttles with exactly ``throttle_classes``: a lean
    path that counts their scopes itself must count what the DRF view would."""
    return list(view_class.throttle_classes) == list(throttle_classes)


def throttle_hit(request, *, scope: str, ident: str) -> bool:
    """Count one hit of ``request`` in the ``scope`` throttle under ``ident`` (the identity the
    scope's DRF throttle uses: ``UserRateThrottle``'s is the user's pk) and record its
    ``X-RateLimit-*`` numbers; False when refused (a refused hit is not counted, so the DRF
    view, asked next, refuses it again and words the 429)."""
    rate = settings.THROTTLE_RATES.get(scope)
    if rate is None:
        return True
    window = RateWindow(f"throttle:{scope}:{ident}", rate, timer=ScopedThrottle.timer)
    allowed, info, _wait = window.hit()
    _record(request, info)
    return allowed


class PendingHit:
    """A throttle hit sent, its answer not read yet (``throttle_send``). ``allowed()`` reads
    it once and records the ``X-RateLimit-*`` numbers, as ``throttle_hit`` does; ``close()``
    (always, in a ``finally``) frees this thread's kept connection, dropping it when its reply
    was never read, so that no later command reads a stale reply."""

    __slots__ = ("_allowed", "_connection", "_now", "_request", "_window")

    def __init__(self, request, window: RateWindow | None, allowed: bool | None = None) -> None:
        self._request = request
        self._window = window
        self._allowed = allowed
        self._connection = None
        self._now = 0

    @property
    def known(self) -> bool | None:
        """The answer when it is already known (no Redis round trip pending), else None."""
        return self._allowed if self._connection is None else None

    def allowed(self) -> bool:
        if self._connection is not None:
            connection = self._connection
            try:
                reply = connection.read_response()
            except NoScriptError:  # a restarted server: not counted, count it the usual way
                self._release()
                return self._hit_now()
            except (RedisConnectionError, RedisTimeoutError):
                # As redis-py would retry the command: on a fresh connection.
                connection.disconnect()
                self._release()
                return self._hit_now()
            except BaseException:
                connection.disconnect()
                self._release()
                raise
            self._release()
            window = self._window
            allowed, info, _wait = window._state(self._now, int(reply[1]), bool(reply[0]))
            _record(self._request, info)
            self._allowed = allowed
        return self._allowed

    def close(self) -> None:
        if self._connection is not None:
            self._connection.disconnect()  # the reply was never read
            self._release()

    def _release(self) -> None:
        self._connection = None
        throttling.script_awaiting(False)

    def _hit_now(self) -> bool:
        allowed, info, _wait = self._window.hit()
        _record(self._request, info)
        self._allowed = allowed
        return allowed


def throttle_send(request, *, scope: str, ident: str) -> PendingHit:
    """``throttle_hit`` in two halves: with Redis the hit's EVALSHA is written now, on this
    thread's kept connection (``throttling.script_connection``), and its reply read by
    ``PendingHit.allowed()`` (the caller's statement runs meanwhile); with any other cache the
    hit is counted now. Same key, rate, clock, atomicity and numbers."""
    rate = settings.THROTTLE_RATES.get(scope)
    if rate is None:
        return PendingHit(request, None, allowed=True)
    window = RateWindow(f"throttle:{scope}:{ident}", rate, timer=ScopedThrottle.timer)
    pending = PendingHit(request, window)
    client = throttling._redis_client(window.cache)
    connection = None if client is None else throttling.script_connection(client)
    if connection is None:  # not Redis, or this thread's connection awaits another reply
        pending._hit_now()
        return pending
    now = int(window.timer() * 1_000_000)
    try:
        connection.send_command(
            "EVALSHA",
            throttling._GCRA_SHA,
            1,
            window.key,
            now,
            window.interval,
            window.period,
            1,
            check_health=False,
        )
    except (RedisConnectionError, RedisTimeoutError, OSError):
        connection.disconnect()
        pending._hit_now()  # not sent: the usual way, with a retry on a fresh connection
        return pending
    except BaseException:
        connection.disconnect()
        raise
    throttling.script_awaiting(True)
    pending._connection, pending._now = connection, now
    return pending


_NOT_SQL_CACHES = (RedisCache, LocMemCache, DummyCache)


def throttle_keeps_off_the_database() -> bool:
    """Whether the throttles' cache (``default``) uses no database connection (Redis, locmem,
    dummy), so that a statement may be pending on one while a hit is counted."""
    return isinstance(caches[DEFAULT_CACHE_ALIAS], _NOT_SQL_CACHES)


def throttle_undo(request, *, scope: str, ident: str) -> None:
    """Take back a hit ``throttle_hit`` counted for a request about to be handed over to the DRF
    view (which counts it itself, or refuses it before its throttles: a 401), with the
    ``X-RateLimit-*`` numbers it recorded."""
    rate = settings.THROTTLE_RATES.get(scope)
    if rate is not None:
        RateWindow(f"throttle:{scope}:{ident}", rate, timer=ScopedThrottle.timer).undo()
    request.__dict__.pop("ratelimit", None)
