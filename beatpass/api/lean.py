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
  ``Bearer`` header; the user row is then read by the endpoint's own statement, and
  ``token_user`` applies ``BearerAuthentication.get_user``'s checks to it (unknown, inactive,
  token older than a password change).
* ``throttle_hit``: the same GCRA window (``RateWindow``, one EVALSHA with Redis), key, rate
  and clock as the scope's DRF throttle, and the same ``X-RateLimit-*`` bookkeeping;
  ``throttle_undo`` takes a counted hit back before a hand-over.
* ``drf_headers`` and ``finish``: a lean answer finished as ``APIView.finalize_response``
  would (JSON, the view's ``Allow``/``Vary`` headers).
* ``drf_throttles_are``: whether a view's throttles are the given classes, so that the scopes a
  lean path counts are the ones its DRF view would.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from beatpass.api.renderers import ORJSONRenderer
from beatpass.api.throttling import RateWindow, ScopedThrottle, _record

__all__ = [
    "access_token",
    "drf_headers",
    "drf_throttles_are",
    "finish",
    "throttle_hit",
    "throttle_undo",
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
    try:
        return AccessToken(raw)
    except TokenError:
        return None


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
    if row is None:
        return None
    if api_settings.CHECK_USER_IS_ACTIVE and not row["is_active"]:
        return None
    if api_settings.CHECK_REVOKE_TOKEN and token.get(
        api_settings.REVOKE_TOKEN_CLAIM
    ) != get_md5_hash_password(row["password"]):
        return None
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


def throttle_undo(request, *, scope: str, ident: str) -> None:
    """Take back a hit ``throttle_hit`` counted for a request about to be handed over to the DRF
    view (which counts it itself, or refuses it before its throttles: a 401), with the
    ``X-RateLimit-*`` numbers it recorded."""
    rate = settings.THROTTLE_RATES.get(scope)
    if rate is not None:
        RateWindow(f"throttle:{scope}:{ident}", rate, timer=ScopedThrottle.timer).undo()
    request.__dict__.pop("ratelimit", None)
