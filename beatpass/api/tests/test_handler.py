"""The project's handler (``beatpass.api.handler``): API requests through the flat middleware
lane get the very answer Django's nested chain gives, byte for byte: status, every header in
its order, body. Both handlers answer the same requests on the same database state (each
request rolled back), with the throttles' clock frozen and their cache emptied in between."""

from __future__ import annotations

import itertools
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.client import ClientHandler
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.urls.exceptions import NoReverseMatch
from django.utils.deprecation import MiddlewareMixin

from beatpass.api.handler import ApiLaneMixin, WSGIHandler
from beatpass.api.throttling import ScopedThrottle
from conftest import bearer_client
from content.tests.factories import TrackFactory

pytestmark = pytest.mark.django_db

FROZEN = 1_800_000_000.25


class LaneClientHandler(ApiLaneMixin, ClientHandler):
    """The test client's handler with the lane, to compare with the test client's own."""


def _pair(**defaults) -> tuple[Client, Client]:
    plain = Client(enforce_csrf_checks=True, **defaults)
    lane = Client(enforce_csrf_checks=True, **defaults)
    lane.handler = LaneClientHandler(enforce_csrf_checks=True)
    return plain, lane


def _answer(client: Client, method: str, url: str, **extra):
    cache.clear()  # the throttles count from zero for each handler
    with transaction.atomic():
        response = client.generic(method, url, **extra)
        transaction.set_rollback(True)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, list(response.items()), body


def _same(pair, method: str, url: str, **extra) -> tuple:
    plain, lane = pair
    expected = _answer(plain, method, url, **extra)
    got = _answer(lane, method, url, **extra)
    assert got == expected, (method, url, extra)
    assert lane.handler._lane is not None
    return expected


@pytest.fixture(autouse=True)
def frozen_throttle_clock(monkeypatch):
    monkeypatch.setattr(ScopedThrottle, "timer", staticmethod(lambda: FROZEN))


# --- every route of the URLconf ------------------------------------------------------------------

_SAMPLES = ("1", "tracks", "csv", "1y", str(uuid.UUID(int=1)), "a-b", "x/y")


def _names(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", list(p.pattern.regex.groupindex)


def _reversed() -> tuple[set[str], list[str]]:
    """(a URL of every named route, its parameters filled with the first samples that
    reverse; the names no sample reverses)."""
    urls, missed = set(), []
    for name, params in _names(get_resolver().url_patterns):
        for values in itertools.product(_SAMPLES, repeat=len(params)):
            try:
                url = reverse(name, kwargs=dict(zip(params, values, strict=True)))
            except NoReverseMatch:
                continue
            urls.add(url)
            break
        else:
            missed.append(name)
    return urls, missed


def _api_urls() -> list[str]:
    """A URL of each named route under /api/, plus misses of each prefix."""
    urls = {url for url in _reversed()[0] if url.startswith("/api/")}
    urls |= {"/api/v1/no-such-route", "/api/v1/tracks/1/no-such", "/api/nowhere", "/api/v1"}
    return sorted(urls)


def test_the_route_sample_covers_every_route():
    urls, missed = _reversed()
    assert missed == ["admin:app_list"]  # its app_label takes registered apps only: not API
    assert len([url for url in urls if url.startswith("/api/")]) > 130
    assert "/api/v1/tracks/1/producer-analytics" in urls


@override_settings(CORS_ALLOWED_ORIGINS=["https://front.example"])
def test_every_api_route_answers_the_same_signed_in_and_anonymous(user):
    signed_in = _pair(HTTP_AUTHORIZATION=bearer_client(user)._credentials["HTTP_AUTHORIZATION"])
    anonymous = _pair()
    for url in _api_urls():
        _same(signed_in, "GET", url)
        _same(anonymous, "GET", url)
        _same(signed_in, "POST", url, data=b"{}", content_type="application/json")
        _same(anonymous, "DELETE", url)
        _same(signed_in, "GET", url, HTTP_ORIGIN="https://front.example")
        _same(
            anonymous,
            "OPTIONS",
            url,
            HTTP_ORIGIN="https://front.example",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        )


@override_settings(CORS_ALLOWED_ORIGINS=["https://front.example"])
def test_the_hot_reads_answer_the_same(producer, producer_artist, user):
    track = TrackFactory(artists=[producer_artist], duration=150_000)
    missing = f"/api/v1/tracks/{track.pk + 10_000}/producer-analytics?period=1-year"
    for who in (producer, user):
        pair = _pair(HTTP_AUTHORIZATION=bearer_client(who)._credentials["HTTP_AUTHORIZATION"])
        for url in (
            f"/api/v1/tracks/{track.pk}/producer-analytics?period=1-year",
            f"/api/v1/tracks/{track.pk}/producer-analytics?period=7-days",
            missing,
            f"/api/v1/artists/{producer_artist.pk}/producer-analytics?period=1-year",
            f"/api/v1/producer-intelligence/insights/artists/{producer_artist.pk}/charts?timeframe=1y",
        ):
            status, headers, _body = _same(pair, "GET", url)
            _same(pair, "GET", url, HTTP_ORIGIN="https://front.example")
            _same(pair, "HEAD", url)
            if who == producer and url != missing:
                assert status == 200, url
                names = [name for name, _value in headers]
                for header in ("X-RateLimit-Remaining", "Content-Security-Policy", "Vary"):
                    assert header in names, (url, header)


def test_refusals_answer_the_same(user):
    pair = _pair()
    expired = _pair(HTTP_AUTHORIZATION="Bearer not.a.token")
    url = "/api/v1/tracks/1/producer-analytics?period=1-year"
    assert _same(pair, "GET", url)[0] == 401
    assert _same(expired, "GET", url)[0] == 401
    assert _same(pair, "GET", "/api/v1/tracks?q=a%00b")[0] == 400  # RejectNulBytesMiddleware
    assert _same(pair, "GET", "/api/v1/tracks", HTTP_HOST="evil.example")[0] == 400  # host
    assert _same(pair, "POST", "/api/v1/auth/login", data=b"{", content_type="application/json")[
        0
    ] in (400, 422)


@override_settings(THROTTLE_RATES={**settings.THROTTLE_RATES, "user": "1/min"})
def test_a_throttled_hot_read_answers_the_same(user):
    auth = bearer_client(user)._credentials["HTTP_AUTHORIZATION"]
    plain, lane = _pair(HTTP_AUTHORIZATION=auth)
    url = "/api/v1/tracks/1/producer-analytics?period=1-year"
    answers = []
    for client in (plain, lane):
        cache.clear()
        answers.append([_answer_kept(client, url) for _ in range(2)])
    assert answers[0] == answers[1]
    status, headers, _body = answers[1][1]
    assert status == 429
    assert "Retry-After" in dict(headers)


def _answer_kept(client, url):
    """An answer without clearing the throttle cache in between (a second hit is refused)."""
    response = client.get(url)
    return response.status_code, list(response.items()), response.content


# --- the nesting's rules: who answers, where an exception is caught ------------------------------


class Tag(MiddlewareMixin):
    """Adds its name to ``X-Layers`` on the way out; answers or raises on request."""

    name = "tag"

    def process_request(self, request):
        if request.META.get("HTTP_X_ANSWER") == self.name:
            return HttpResponse(f"answered by {self.name}", status=418)
        if request.META.get("HTTP_X_RAISE_IN") == self.name:
            raise ValueError(self.name)
        return None

    def process_response(self, request, response):
        if request.META.get("HTTP_X_RAISE_OUT") == self.name:
            raise ValueError(self.name)
        response["X-Layers"] = f"{response.get('X-Layers', '')}{self.name};"
        return response


class Outer(Tag):
    name = "outer"


class Inner(Tag):
    name = "inner"


class PlainCallable:
    """A middleware that is no ``MiddlewareMixin`` and no known kind: no lane."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


def _raising_view(request):
    raise ValueError("view")


urlpatterns = [
    path("api/v1/echo", lambda request: HttpResponse(b"echo")),
    path("api/v1/raise", _raising_view),
]
_TAGGED = [
    settings.MIDDLEWARE[0],
    f"{__name__}.Outer",
    *settings.MIDDLEWARE[1:],
    f"{__name__}.Inner",
]


@override_settings(ROOT_URLCONF=__name__, MIDDLEWARE=_TAGGED, DEBUG_PROPAGATE_EXCEPTIONS=False)
@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"HTTP_X_ANSWER": "outer"},
        {"HTTP_X_ANSWER": "inner"},
        {"HTTP_X_RAISE_IN": "outer"},
        {"HTTP_X_RAISE_IN": "inner"},
        {"HTTP_X_RAISE_OUT": "outer"},
        {"HTTP_X_RAISE_OUT": "inner"},
    ],
)
def test_answers_and_exceptions_are_caught_where_the_nesting_catches_them(extra):
    pair = _pair()
    plain, lane = pair
    plain.raise_request_exception = lane.raise_request_exception = False
    status, headers, body = _same(pair, "GET", "/api/v1/echo", **extra)
    _same(pair, "GET", "/api/v1/raise", **extra)
    layers = dict(headers).get("X-Layers")
    if not extra:
        assert (status, layers, body) == (200, "inner;outer;", b"echo")
    if extra.get("HTTP_X_ANSWER") == "outer":
        assert (status, layers) == (418, "outer;")
    if extra.get("HTTP_X_RAISE_IN") == "inner":
        assert (status, layers) == (500, "outer;")


@override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, f"{__name__}.PlainCallable"])
def test_an_unknown_middleware_leaves_the_handler_djangos():
    handler = WSGIHandler()
    assert getattr(handler, "_lane", None) is None


def test_the_handler_takes_the_lane_with_the_base_and_production_middleware(tmp_path):
    assert WSGIHandler()._lane is not None
    production = [*settings.MIDDLEWARE]
    production.insert(
        production.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
    with override_settings(MIDDLEWARE=production, STATIC_ROOT=str(tmp_path)):
        assert WSGIHandler()._lane is not None


def test_the_wsgi_application_is_the_projects_handler():
    from beatpass.wsgi import application

    assert isinstance(application, WSGIHandler)


# --- the CORS middleware: django-cors-headers' answers -------------------------------------------

_STOCK_CORS = [
    "corsheaders.middleware.CorsMiddleware"
    if name == "beatpass.api.middleware.CorsMiddleware"
    else name
    for name in settings.MIDDLEWARE
]


@override_settings(CORS_ALLOWED_ORIGINS=["https://front.example"])
@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"HTTP_ORIGIN": ""},
        {"HTTP_ORIGIN": "https://front.example"},
        {"HTTP_ORIGIN": "https://other.example"},
        {"HTTP_ORIGIN": "null"},
    ],
)
@pytest.mark.parametrize("method", ["GET", "OPTIONS", "POST"])
@pytest.mark.parametrize(
    "url", ["/api/v1/tracks", "/api/v1/tracks/1/producer-analytics?period=1-year", "/"]
)
def test_the_cors_middleware_answers_as_django_cors_headers(user, extra, method, url):
    assert "beatpass.api.middleware.CorsMiddleware" in settings.MIDDLEWARE
    auth = {"HTTP_AUTHORIZATION": bearer_client(user)._credentials["HTTP_AUTHORIZATION"]}
    if method == "OPTIONS":
        extra = {**extra, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET"}
    ours = _answer(Client(enforce_csrf_checks=True, **auth), method, url, **extra)
    with override_settings(MIDDLEWARE=_STOCK_CORS):
        stock = _answer(Client(enforce_csrf_checks=True, **auth), method, url, **extra)
    assert ours == stock
    if url.startswith("/api/"):
        assert ("Vary", "Accept, origin") in ours[1] or any(
            name == "Vary" and "origin" in value for name, value in ours[1]
        )
