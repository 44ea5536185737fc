"""A client can generate code from the OpenAPI document: every route is in it, and every
operation says what it does, who may call it and which errors it answers.

The routes come from Django's URL resolver, not from drf-spectacular, so a view the generator
skips (a plain Django view, an excluded APIView, a forgotten method) fails here."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from beatpass.api.schema import access_note

API_PREFIX = "/api/v1/"
# Not API operations: the JSON index of the API, the schema document itself and its HTML viewer.
EXEMPT = {"/api/v1/", "/api/v1/schema", "/api/v1/docs"}
METHODS = ("get", "post", "put", "patch", "delete")
# Words that belong to the code, not to a client's documentation.
INTERNAL = re.compile(
    r"``|\b(TODO|FIXME|XXX|mixin|viewset|queryset|selector|presenter|serializer|docstring)\b|"
    r"the spec's\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _shape(path: str) -> str:
    """``/tracks/<int:pk>/like`` and ``^tracks/(?P<pk>[^/.]+)/like$`` → ``/tracks/{}/like``."""
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "{}", path)  # regex groups (DRF routers)
    path = re.sub(r"<(?:\w+:)?\w+>|\{\w+\}", "{}", path)  # route converters, schema names
    path = path.replace("^", "").replace("$", "")
    return "/" + path.lstrip("/")


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield _shape(prefix + str(pattern.pattern)), pattern.callback


def _methods(callback) -> set[str]:
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset bound to {http method: action}
        return set(actions) & set(METHODS)
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is None:  # a plain function view: at least one operation
        return {"*"}
    return {m for m in METHODS if hasattr(cls, m)}


def test_every_api_route_and_method_is_in_the_schema(schema):
    documented = defaultdict(set)
    for path, method, _ in operations(schema):
        documented[_shape(path)].add(method)

    missing = []
    for path, callback in _routes(get_resolver().url_patterns):
        if not path.startswith(API_PREFIX) or path in EXEMPT:
            continue
        methods = _methods(callback)
        if "*" in methods:
            if not documented.get(path):
                missing.append(f"{path} (function view)")
            continue
        missing += [f"{m.upper()} {path}" for m in sorted(methods - documented.get(path, set()))]
    assert not missing, "routes missing from the OpenAPI document:\n" + "\n".join(missing)


def test_every_operation_documents_its_4xx_responses_with_the_error_body(schema):
    bad = []
    for path, method, op in operations(schema):
        codes = [code for code in op["responses"] if code.startswith("4")]
        if not codes:
            bad.append(f"{method.upper()} {path}: no 4xx response")
        for code in codes:
            content = op["responses"][code].get("content", {}).get("application/json", {})
            if content.get("schema", {}).get("$ref") != "#/components/schemas/ErrorOut":
                bad.append(f"{method.upper()} {path}: {code} without the Error body")
    assert not bad, "\n".join(bad)


# The payment provider's deliveries are not throttled: it retries a refused event for days, and
# a payment confirmation must never wait behind a rate limit.
UNTHROTTLED = {"POST /api/v1/webhooks/stripe"}


def test_operations_answer_the_errors_their_route_implies(schema):
    bad = []
    for path, method, op in operations(schema):
        codes = set(op["responses"])
        name = f"{method.upper()} {path}"
        if "429" not in codes and name not in UNTHROTTLED:
            bad.append(f"{name}: every route is throttled, 429 missing")
        if {} not in op.get("security", [{}]) and "401" not in codes:
            bad.append(f"{name}: needs a token, 401 missing")
        if "{" in path and "404" not in codes:
            bad.append(f"{name}: has a path parameter, 404 missing")
        if "requestBody" in op and "422" not in codes:
            bad.append(f"{name}: takes a body, 422 missing")
    assert not bad, "\n".join(bad)


def test_every_operation_has_its_own_summary_and_description(schema):
    ops = list(operations(schema))
    summaries = Counter(op.get("summary", "") for *_, op in ops)
    descriptions = Counter(_own_text(op) for *_, op in ops)
    bad = []
    for path, method, op in ops:
        name = f"{method.upper()} {path}"
        summary, description = op.get("summary", ""), _own_text(op)
        if not summary:
            bad.append(f"{name}: no summary")
        elif summaries[summary] > 1:
            bad.append(f"{name}: summary {summary!r} shared by {summaries[summary]} operations")
        if not description:
            bad.append(f"{name}: no description")
        elif descriptions[description] > 2:  # PUT and PATCH of one resource may share one
            bad.append(f"{name}: description shared by {descriptions[description]} operations")
        for text in (summary, op.get("description", "")):
            if INTERNAL.search(text):
                bad.append(f"{name}: internal note {INTERNAL.search(text).group(0)!r}")
    assert not bad, "\n".join(bad)


def _own_text(op) -> str:
    """The description without the access note every operation ends with."""
    text = op.get("description", "")
    for public in (True, False):
        text = text.replace(access_note(public=public), "")
    return text.strip()


def test_one_tag_per_operation_in_title_case(schema):
    bad = []
    for path, method, op in operations(schema):
        tags = op.get("tags", [])
        if len(tags) != 1:
            bad.append(f"{method.upper()} {path}: tags {tags}")
        elif not all(word[:1].isupper() for word in tags[0].split()):
            bad.append(f"{method.upper()} {path}: tag {tags[0]!r} is not in Title Case")
    assert not bad, "\n".join(bad)


def test_every_parameter_is_described(schema):
    bad = [
        f"{method.upper()} {path}: {param['in']} parameter {param['name']!r}"
        for path, method, op in operations(schema)
        for param in op.get("parameters", [])
        if not param.get("description")
    ]
    assert not bad, "undescribed parameters:\n" + "\n".join(bad)


# --- schema truth: the document describes what the server returns -----------------------------


def _ref(schema, ref_or_schema):
    while "$ref" in ref_or_schema:
        ref_or_schema = schema["components"]["schemas"][ref_or_schema["$ref"].split("/")[-1]]
    return ref_or_schema


def _ok_schema(schema, path, method="get"):
    op = schema["paths"][path][method]
    ok = next(code for code in op["responses"] if code.startswith("2"))
    return _ref(schema, op["responses"][ok]["content"]["application/json"]["schema"])


PAGE_KEYS = {"data", "current_page", "per_page", "total", "last_page", "from", "to"}


def test_list_operations_answer_one_laravel_page_not_an_array_of_them(schema):
    pages = 0
    for path, method, op in operations(schema):
        if method != "get" or not op["operationId"].endswith("_list"):
            continue
        body = _ok_schema(schema, path)
        if body.get("type") == "array":
            pytest.fail(f"GET {path} is documented as an array")
        if set(body.get("properties", {})) >= PAGE_KEYS:
            pages += 1
            assert _ref(schema, body["properties"]["data"]).get("type") == "array", path
    assert pages >= 10


def test_users_me_is_documented_with_its_status_user_envelope(schema):
    body = _ok_schema(schema, "/api/v1/users/me")
    assert set(body["properties"]) == {"status", "user"}
    user = _ref(schema, body["properties"]["user"])
    assert user["properties"]["avatar"].get("nullable") is True


def test_public_reads_do_not_require_a_token_and_private_ones_do(schema):
    def security(path, method="get"):
        return schema["paths"][path][method].get("security", [])

    for path in ("/api/v1/tracks", "/api/v1/tracks/{id}", "/api/v1/albums", "/api/v1/genres"):
        assert {} in security(path), f"GET {path} is public"
    assert {} not in security("/api/v1/tracks", "post")
    assert {} not in security("/api/v1/users/me")


def test_deletes_that_answer_a_body_document_it_with_200(schema):
    # drf-spectacular's default documents every DELETE as a bare 204.
    responses = schema["paths"]["/api/v1/tracks/{id}"]["delete"]["responses"]
    assert "204" not in responses
    body = _ref(schema, responses["200"]["content"]["application/json"]["schema"])
    assert set(body["properties"]) == {"status", "deleted"}
