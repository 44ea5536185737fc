"""The project's WSGI handler: Django's, with the middleware of API requests run in one flat
loop instead of a dozen nested layers.

Django nests every middleware in two Python frames (the middleware's ``__call__`` and
``convert_exception_to_response``'s wrapper), and ``MiddlewareMixin`` adds its own ``hasattr``
tests: on a cheap API answer that nesting, with the middleware that has nothing to do for an
API request (sessions, ``request.user``, messages: ``_NotForTheAPI``), cost about a fifth of
the request's CPU (bench/analytics.py). ``ApiLaneMixin`` keeps the very same middleware
instances Django built (same settings, same order), takes each one's request half and response
half, and for a path under ``SITE_ONLY_SKIP_PREFIX`` (``/api/``) runs the request halves
outermost first, then the view (the handler's own ``_get_response``: URL resolution, view
middleware, the view, exception middleware), then the response halves innermost first, with
the nesting's rules kept:

* a request half that answers ends the descent: its own response half and those of the
  middleware outside it run on that answer (``MiddlewareMixin.__call__``);
* an exception becomes its answer where the nesting's wrapper would have caught it
  (``response_for_exception``): one raised by a request half skips that middleware's response
  half, one raised by a response half reaches the next middleware out.

Every other path goes through Django's chain untouched. URL resolution, for every path, is
``beatpass.api.dispatch.resolve`` (Django's answer, for less CPU). The lane is built only when every
configured middleware is one whose halves are known (``_halves``: ``MiddlewareMixin``'s
protocol, django-cors-headers, WhiteNoise, the site-only ones); any other middleware in
``MIDDLEWARE`` leaves the handler Django's own, so a middleware added later is never skipped.
``beatpass.api.tests.test_handler`` holds every answer (status, headers in order, body) equal
to Django's handler's, over every route of the URLconf and the refusals of the middleware.
"""

from __future__ import annotations

from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIHandler as DjangoWSGIHandler
from django.urls import get_resolver, set_urlconf
from django.utils.deprecation import MiddlewareMixin

from beatpass.api import dispatch
from beatpass.api.middleware import _NotForTheAPI

__all__ = ["ApiLaneMixin", "WSGIHandler", "lane_middleware"]


class _Unknown(Exception):
    """A middleware whose halves are not known: no lane."""


def _halves(mw) -> tuple:
    """(request half, response half) of middleware instance ``mw`` for an API request; either
    may be None. Raises ``_Unknown`` for a middleware whose halves are not known."""
    cls = type(mw)
    if getattr(mw, "async_mode", False):
        raise _Unknown(cls)
    if isinstance(mw, _NotForTheAPI):
        return None, None  # it passes API requests straight through
    if cls.__call__ is MiddlewareMixin.__call__:
        return getattr(mw, "process_request", None), getattr(mw, "process_response", None)
    try:
        from corsheaders.middleware import CorsMiddleware
    except ImportError:  # pragma: no cover - a dependency of the base settings
        CorsMiddleware = None  # noqa: N806
    if CorsMiddleware is not None and cls.__call__ is CorsMiddleware.__call__:
        return mw.check_preflight, mw.add_response_headers
    try:
        from whitenoise.middleware import WhiteNoiseMiddleware
    except ImportError:  # pragma: no cover - production settings only
        WhiteNoiseMiddleware = None  # noqa: N806
    if WhiteNoiseMiddleware is not None and cls.__call__ is WhiteNoiseMiddleware.__call__:

        def serve_static(request):  # ``WhiteNoiseMiddleware.__call__``'s request half
            if mw.autorefresh:
                static_file = mw.find_file(request.path_info)
            else:
                static_file = mw.files.get(request.path_info)
            if static_file is not None:
                return mw.serve(static_file, request)
            return None

        return serve_static, None
    raise _Unknown(cls)


def lane_middleware(handler) -> list | None:
    """The middleware instances of ``handler``'s chain (loaded), outermost first, or None when
    the chain is not the plain nesting ``BaseHandler.load_middleware`` builds."""
    instances = []
    layer = handler._middleware_chain
    while True:
        inner = getattr(layer, "__wrapped__", None)
        if inner is None:
            return None
        if inner == handler._get_response:
            return instances
        instances.append(inner)
        layer = getattr(inner, "get_response", None)
        if layer is None:
            return None


class ApiLaneMixin:
    """For a ``BaseHandler`` subclass: API requests through the flat lane (module docstring)."""

    _lane = None

    def resolve_request(self, request):
        """``BaseHandler.resolve_request`` with ``dispatch.resolve`` (the same match, for
        less CPU), for every path."""
        if hasattr(request, "urlconf"):
            urlconf = request.urlconf
            set_urlconf(urlconf)
            resolver = get_resolver(urlconf)
        else:
            resolver = get_resolver()
        resolver_match = dispatch.resolve(resolver, request.path_info)
        request.resolver_match = resolver_match
        return resolver_match

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async)
        self._lane = None
        if is_async:
            return
        instances = lane_middleware(self)
        if instances is None:
            return
        try:
            halves = [_halves(mw) for mw in instances]
        except _Unknown:
            return
        requests = tuple((i, req) for i, (req, _res) in enumerate(halves) if req is not None)
        # Innermost first, with each one's depth: it runs when the descent went deeper.
        responses = tuple(
            (i, res) for i, (_req, res) in reversed(list(enumerate(halves))) if res is not None
        )
        chain = self._middleware_chain
        get_response = self._get_response
        bottom = len(halves)

        def lane(request):
            depth = bottom
            for i, request_half in requests:
                try:
                    response = request_half(request)
                except Exception as exc:  # noqa: BLE001 - the nesting's wrapper, as Django's
                    response = response_for_exception(request, exc)
                    depth = i  # its own response half is skipped
                    break
                if response:
                    depth = i + 1  # its own response half runs too
                    break
            else:
                try:
                    response = get_response(request)
                except Exception as exc:  # noqa: BLE001
                    response = response_for_exception(request, exc)
            for i, response_half in responses:
                if i < depth:
                    try:
                        response = response_half(request, response)
                    except Exception as exc:  # noqa: BLE001
                        response = response_for_exception(request, exc)
            return response

        def dispatch(request):
            # Read per request, as ``_NotForTheAPI`` reads it: the lane skips those middleware.
            if request.path_info.startswith(settings.SITE_ONLY_SKIP_PREFIX):
                return lane(request)
            return chain(request)

        self._lane = lane
        self._middleware_chain = dispatch


class WSGIHandler(ApiLaneMixin, DjangoWSGIHandler):
    """What ``beatpass.wsgi.application`` serves (gunicorn, runserver)."""
