"""``beatpass.api.dispatch.resolve`` gives Django's ``URLResolver.resolve`` answer: an equal
``ResolverMatch`` (every attribute, ``tried`` included) or an equal ``Resolver404``."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import get_resolver, include, path, re_path, register_converter
from django.urls.resolvers import RegexPattern, Resolver404, RoutePattern, URLPattern

from beatpass.api.dispatch import literal_prefix, resolve
from beatpass.api.handler import WSGIHandler
from beatpass.api.tests.test_handler import _reversed

_ATTRIBUTES = (
    "func",
    "args",
    "kwargs",
    "url_name",
    "app_names",
    "app_name",
    "namespaces",
    "namespace",
    "route",
    "tried",
    "captured_kwargs",
    "extra_kwargs",
    "view_name",
    "_func_path",
)


def _outcome(resolver_call, url: str):
    try:
        match = resolver_call(url)
    except Resolver404 as e:
        return ("404", e.args[0])
    return ("match", {name: getattr(match, name) for name in _ATTRIBUTES})


def _assert_same(url: str, resolver=None) -> str:
    resolver = resolver or get_resolver()
    expected = _outcome(resolver.resolve, url)
    got = _outcome(lambda u: resolve(resolver, u), url)
    assert got == expected, url
    return expected[0]


def _variants(url: str) -> list[str]:
    return [url, url + "/", url + "x", url.rstrip("/") + "/extra", url.upper(), url[:-1]]


def test_every_route_of_the_urlconf_resolves_the_same():
    urls, _missed = _reversed()
    outcomes = {"match": 0, "404": 0}
    for url in sorted(urls):
        for variant in _variants(url):
            outcomes[_assert_same(variant)] += 1
    for miss in ("/", "", "/api/", "/api/v1", "/api/v1/", "/nowhere", "/admin", "/api/v1/%00"):
        _assert_same(miss)
    assert outcomes["match"] > len(urls)  # each route matched at least once, misses too
    assert outcomes["404"] > 100


class Even:
    """A converter that refuses odd numbers (``to_python`` raises: the pattern does not
    match and the next one is tried)."""

    regex = "[0-9]+"

    def to_python(self, value):
        if int(value) % 2:
            raise ValueError(value)
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(Even, "even")


class Custom(URLPattern):
    """A pattern subclass: resolved by its own ``resolve``."""

    def resolve(self, path):
        match = super().resolve(path)
        if match is not None:
            match.kwargs["custom"] = True
        return match


def view(request, *args, **kwargs):  # pragma: no cover - resolved, never called
    raise AssertionError


inner = (
    [
        path("items/<even:number>", view, name="even"),
        path("items/<int:number>", view, name="odd", kwargs={"extra": 1}),
        re_path(r"^regex/(\d+)/(\d+)$", view, name="positional"),
        re_path(r"^mixed/(?P<a>\d+)/(\d+)$", view, name="mixed"),
        re_path(r"^ab?c$", view, name="optional"),
        re_path(r"^x|y$", view, name="alternation"),
        re_path(r"(?i)^case$", view, name="case"),
        Custom(RoutePattern("custom/<str:slug>", is_endpoint=True), view, name="custom"),
    ],
    "inner",
)
urlpatterns = [
    path("", view, name="root"),
    path("api/v1/", include(inner, namespace="ns"), {"default": "d"}),
    re_path(r"^re/(?P<kind>a|b)/", include([path("<slug:s>", view, name="slug")])),
    path("deep/", include([path("", include([path("end", view, name="end")]))])),
]


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/api/v1/items/2",
        "/api/v1/items/3",
        "/api/v1/items/x",
        "/api/v1/regex/1/2",
        "/api/v1/mixed/1/2",
        "/api/v1/ac",
        "/api/v1/abc",
        "/api/v1/abbc",
        "/api/v1/x",
        "/api/v1/zzzy",
        "/api/v1/CASE",
        "/api/v1/custom/a",
        "/re/a/s-1",
        "/re/c/s-1",
        "/deep/end",
        "/deep/",
        "/nowhere",
    ],
)
def test_patterns_of_every_kind_resolve_the_same(url):
    _assert_same(url)


def test_literal_prefixes():
    assert literal_prefix(RoutePattern("tracks/<str:id>/plays")) == "tracks/"
    assert literal_prefix(RoutePattern("")) == ""
    assert literal_prefix(RegexPattern(r"^export/(?P<fmt>csv|json)$")) == "export/"
    assert literal_prefix(RegexPattern(r"^ab?c$")) == "a"
    assert literal_prefix(RegexPattern(r"^a{2}")) == ""
    assert literal_prefix(RegexPattern(r"^x|y$")) == ""
    assert literal_prefix(RegexPattern(r"(?i)^case$")) == ""
    assert literal_prefix(RegexPattern(r"no-anchor")) == ""
    assert literal_prefix(RegexPattern(r"^a\.b")) == "a"


def test_the_handler_resolves_with_it(rf):
    handler = WSGIHandler()
    request = rf.get("/api/v1/tracks/1/producer-analytics")
    match = handler.resolve_request(request)
    assert request.resolver_match is match
    assert match.url_name == "track-producer-analytics"
    assert match.kwargs == {"track_id": "1"}


def test_a_route_added_after_the_first_resolution_is_seen():
    resolver = get_resolver(__name__)
    assert _assert_same("/later", resolver) == "404"
    urlpatterns.append(path("later", view, name="later"))
    try:
        assert _assert_same("/later", resolver) == "match"
    finally:
        urlpatterns.pop()
