"""The lean path's shared helpers: the per-process cache of validated access tokens (expiry
still enforced on every request, bounded) and the throttle hit in two halves (its Redis reply
read after the caller's statement), against the same numbers as the plain hit."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache
from django.http import BadHeaderError, HttpRequest
from django.http.response import ResponseHeaders
from django.utils.functional import empty as lazy_empty
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from beatpass.api import lean
from beatpass.api.tests.test_throttling import redis_url  # noqa: F401 - a fixture
from beatpass.api.throttling import RateWindow, ScopedThrottle
from content.tests.factories import UserFactory


def _request(token: str) -> HttpRequest:
    request = HttpRequest()
    request.META["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return request


@pytest.fixture(autouse=True)
def _empty_token_cache():
    lean.forget_tokens()
    yield
    lean.forget_tokens()


@pytest.mark.django_db
def test_a_token_is_validated_once_then_served_from_the_cache(monkeypatch):
    raw = str(RefreshToken.for_user(UserFactory()).access_token)
    first = lean.access_token(_request(raw))

    def never(*args, **kwargs):
        raise AssertionError("validated again")

    monkeypatch.setattr(lean, "AccessToken", never)
    again = lean.access_token(_request(raw))

    assert first is not None
    assert again is first


@pytest.mark.django_db
def test_a_cached_token_expires_on_time(monkeypatch):
    raw = str(RefreshToken.for_user(UserFactory()).access_token)
    token = lean.access_token(_request(raw))
    expires = datetime.datetime.fromtimestamp(token["exp"], tz=datetime.UTC)

    monkeypatch.setattr(lean, "aware_utcnow", lambda: expires - datetime.timedelta(microseconds=1))
    assert lean.access_token(_request(raw)) is token
    monkeypatch.setattr(lean, "aware_utcnow", lambda: expires)  # simplejwt: exp <= now expires
    assert lean.access_token(_request(raw)) is None
    monkeypatch.undo()
    assert raw not in lean._tokens  # dropped, not kept as a refusal


@pytest.mark.django_db
def test_the_leeway_is_applied_to_cached_tokens(monkeypatch):
    raw = str(RefreshToken.for_user(UserFactory()).access_token)
    token = lean.access_token(_request(raw))
    # simplejwt's backend (built once from SIMPLE_JWT) is what both paths read the leeway from.
    monkeypatch.setattr(token.get_token_backend(), "leeway", 30)
    expires = datetime.datetime.fromtimestamp(token["exp"], tz=datetime.UTC)

    monkeypatch.setattr(lean, "aware_utcnow", lambda: expires + datetime.timedelta(seconds=29))
    assert lean.access_token(_request(raw)) is token
    monkeypatch.setattr(lean, "aware_utcnow", lambda: expires + datetime.timedelta(seconds=30))
    assert lean.access_token(_request(raw)) is None


@pytest.mark.django_db
def test_the_cache_is_bounded_least_recently_used_first(monkeypatch):
    monkeypatch.setattr(lean, "TOKEN_CACHE_SIZE", 2)
    users = UserFactory.create_batch(3)
    a, b, c = (str(RefreshToken.for_user(user).access_token) for user in users)
    for raw in (a, b, a, c):  # a used again after b: b is the least recently used
        assert lean.access_token(_request(raw)) is not None

    assert list(lean._tokens) == [a, c]


@pytest.mark.django_db
def test_refused_tokens_are_not_cached():
    user = UserFactory()
    refresh = str(RefreshToken.for_user(user))
    expired = AccessToken.for_user(user)
    expired.set_exp(lifetime=datetime.timedelta(seconds=-1))
    for raw in (refresh, str(expired), "not-a-token"):
        assert lean.access_token(_request(raw)) is None
    assert not lean._tokens


@pytest.mark.django_db
def test_changed_token_settings_empty_the_cache(settings, monkeypatch):
    raw = str(RefreshToken.for_user(UserFactory()).access_token)
    assert lean.access_token(_request(raw)) is not None

    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "SIGNING_KEY": "another-key-" + "x" * 40}

    assert not lean._tokens
    validated = []
    monkeypatch.setattr(lean, "AccessToken", lambda raw: validated.append(raw) or AccessToken(raw))
    assert lean.access_token(_request(raw)) is not None
    assert validated == [raw]  # validated again, as simplejwt would


# --- the token's user, checked from a row ------------------------------------------------------


def _row_of(user) -> dict:
    return {"is_active": user.is_active, "is_staff": user.is_staff, "password": user.password}


@pytest.mark.django_db
def test_the_lazy_user_is_built_on_first_use_as_the_eager_one(django_assert_num_queries):
    user = UserFactory(is_staff=True)
    token = AccessToken.for_user(user)

    with django_assert_num_queries(0):
        lazy = lean.lazy_token_user(token, user_id=user.pk, row=_row_of(user))
        eager = lean.token_user(token, user_id=user.pk, row=_row_of(user))
        assert lazy._wrapped is lazy_empty  # nothing built yet
        assert (lazy.pk, lazy.is_staff, lazy.is_authenticated) == (user.pk, True, True)
        assert isinstance(lazy, type(user))
        assert lazy == eager == user
    with django_assert_num_queries(1):  # a column the row left out loads on first access
        assert lazy.email == user.email


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["missing", "inactive", "password changed"])
def test_the_lazy_user_is_refused_as_the_eager_one(change):
    user = UserFactory()
    token = AccessToken.for_user(user)
    row = _row_of(user)
    if change == "missing":
        row = None
    elif change == "inactive":
        row["is_active"] = False
    else:
        user.set_password("another-password-123")
        row["password"] = user.password

    assert lean.token_user(token, user_id=user.pk, row=row) is None
    assert lean.lazy_token_user(token, user_id=user.pk, row=row) is None
    assert not lean.token_accepts(token, row=row)


def test_a_response_filled_later_is_the_json_response():
    data = {"success": True, "data": {"name": "Ünïcode", "values": [1, 2.5, None]}}
    headers = {"Allow": "GET, HEAD, OPTIONS", "Vary": "Accept"}

    built = lean.json_response(data, headers=headers)
    filled = lean.fill_json(lean.json_response_to_fill(headers=headers), data)

    assert filled.status_code == built.status_code == 200
    assert list(filled.items()) == list(built.items())
    assert filled.content == built.content


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Frame-Options", "DENY"),
        ("x-frame-options", "SAMEORIGIN"),  # the same header, another spelling
        ("Content-Disposition", 'attachment; filename="bèat.mp3"'),  # latin-1
        ("X-Title", "ビート"),  # not latin-1: MIME-encoded
        ("X-Count", 3),  # not text: converted as usual
        ("X-Bytes", b"raw"),
    ],
)
def test_checked_headers_store_what_django_stores(name, value):
    django_headers = ResponseHeaders({"Allow": "GET"})
    for _ in range(2):  # the second time from what the first remembered
        checked = lean.CheckedHeaders({"Allow": "GET"})
        django_headers[name] = value
        checked[name] = value
        assert checked._store == django_headers._store
        assert list(checked.items()) == list(django_headers.items())


def test_checked_headers_refuse_a_newline_every_time():
    for _ in range(2):
        with pytest.raises(BadHeaderError):
            lean.CheckedHeaders({})["X-Injected"] = "a\r\nSet-Cookie: x=1"
    assert ("X-Injected", "a\r\nSet-Cookie: x=1") not in lean._checked_headers


def test_checked_headers_are_bounded(monkeypatch):
    monkeypatch.setattr(lean, "_CHECKED_HEADERS_MAX", 3)
    lean._checked_headers.clear()
    headers = lean.CheckedHeaders({})
    for remaining in range(10):
        headers["X-RateLimit-Remaining"] = str(remaining)
        assert len(lean._checked_headers) <= 3
    assert headers["X-RateLimit-Remaining"] == "9"


# --- the throttle hit in two halves ------------------------------------------------------------


@pytest.fixture
def redis_default_cache(redis_url, settings):  # noqa: F811
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"lean-{uuid.uuid4()}",
        }
    }
    from django.core.cache import cache

    assert isinstance(cache._connections[cache._alias], RedisCache) or cache.get("x") is None
    return cache


def _numbers(request):
    info = request.ratelimit
    return info.limit, info.remaining, info.reset


@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_a_sent_hit_counts_and_answers_as_a_plain_hit(backend, request, settings, monkeypatch):
    if backend == "redis":
        request.getfixturevalue("redis_default_cache")
    monkeypatch.setattr(ScopedThrottle, "timer", staticmethod(lambda: 1_750_000_000.25))
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "user": "3/min"}
    sent, plain = [], []
    for _ in range(5):
        req = HttpRequest()
        hit = lean.throttle_send(req, scope="user", ident="sent")
        try:
            sent.append((hit.allowed(), _numbers(req)))
        finally:
            hit.close()
        req = HttpRequest()
        plain.append((lean.throttle_hit(req, scope="user", ident="plain"), _numbers(req)))

    assert [allowed for allowed, _ in sent] == [True, True, True, False, False]
    assert sent == plain


def test_with_redis_the_reply_is_read_after_the_callers_work(redis_default_cache, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "user": "2/min"}
    req = HttpRequest()
    hit = lean.throttle_send(req, scope="user", ident="overlap")
    try:
        assert hit.known is None  # sent, not read yet
        # The caller's work meanwhile, on another connection of the same pool.
        assert redis_default_cache.get("unrelated") is None
        assert hit.allowed() is True
    finally:
        hit.close()
    assert req.ratelimit.remaining == 1


def test_an_unread_hit_gives_no_stale_reply_to_the_next_command(redis_default_cache, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "user": "5/min"}
    hit = lean.throttle_send(HttpRequest(), scope="user", ident="abandoned")
    hit.close()  # the caller failed before reading it

    redis_default_cache.set("after", "value")
    assert redis_default_cache.get("after") == "value"
    window = RateWindow("throttle:user:abandoned", "5/min", timer=ScopedThrottle.timer)
    assert window.peek()[1].remaining == 4  # the hit was sent, so it counted


def test_a_flushed_script_cache_still_counts_once(redis_default_cache, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "user": "5/min"}
    from beatpass.api.throttling import _redis_client

    _redis_client(redis_default_cache).script_flush()
    req = HttpRequest()
    hit = lean.throttle_send(req, scope="user", ident="noscript")
    try:
        assert hit.allowed() is True
    finally:
        hit.close()

    assert req.ratelimit.remaining == 4


# --- a prepared statement in two halves ----------------------------------------------------------


@pytest.mark.django_db
def test_a_sent_statement_is_read_after_other_work():
    from django.db import connection

    from beatpass.api.compiled import prepared_send

    sql = "SELECT %(a)s::int + %(b)s::int, pg_backend_pid()"
    pending = prepared_send(connection, sql, {"a": 2, "b": 3})
    assert pending is not None  # nothing logs queries here: the two-half path
    try:
        other_work = sum(range(1000))
        row = pending.fetchone()
    finally:
        pending.close()

    assert other_work == 499500
    assert row[0] == 5


@pytest.mark.django_db
def test_a_sent_statement_never_read_leaves_the_connection_ready():
    from django.db import connection

    from beatpass.api.compiled import prepared_send

    pending = prepared_send(connection, "SELECT %(a)s::int", {"a": 7})
    pending.close()  # the caller gave up (a throttled request)

    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)


@pytest.mark.django_db
def test_with_queries_logged_the_statement_is_run_whole(django_assert_num_queries):
    from django.db import connection

    from beatpass.api.compiled import prepared_send

    with django_assert_num_queries(0):
        assert prepared_send(connection, "SELECT %(a)s::int", {"a": 1}) is None


def test_a_database_cache_keeps_the_statement_after_the_hit(settings):
    assert lean.throttle_keeps_off_the_database()  # the test settings' locmem
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "throttle_cache",
        }
    }
    assert not lean.throttle_keeps_off_the_database()
