"""The API's cross-cutting wire rules: error bodies, pagination, NUL bytes, throttling."""

import pytest
from django.db import DataError
from django.test import override_settings

from beatpass.api.exceptions import exception_handler
from beatpass.api.middleware import RejectNulBytesMiddleware
from content.playlists.models import Playlist
from content.tests.factories import TrackFactory

pytestmark = pytest.mark.django_db


def test_missing_token_on_protected_endpoint_is_401_with_spec_body(api_client):
    response = api_client.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


def test_garbage_bearer_token_is_401_with_spec_body(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    response = api_client.get("/api/v1/tracks")
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


def test_validation_error_is_422_with_message_and_field_errors(producer_client):
    response = producer_client.post("/api/v1/tracks", {"bpm": 20}, format="json")
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert body["errors"]["name"] == ["The name field is required."]
    assert body["errors"]["bpm"] == ["Ensure this value is greater than or equal to 50."]
    assert body["message"].startswith("The name field is required.")
    assert "more error" in body["message"]


def test_nested_list_errors_are_flattened_with_dotted_keys(producer_client):
    response = producer_client.post(
        "/api/v1/tracks", {"artists": [1, "x"], "name": "n"}, format="json"
    )
    assert response.status_code == 422
    assert "artists.1" in response.json()["errors"]


def test_a_missing_list_item_is_named_by_its_path_not_its_index(user_client):
    response = user_client.post(
        "/api/v1/tracks/check-licenses-batch", {"track_ids": [1, None]}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"track_ids.1": ["The track ids.1 field is required."]}


def test_malformed_json_is_400_with_message(user_client):
    response = user_client.generic(
        "PUT", "/api/v1/users/me", '{"name": "x",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("Malformed JSON")


def test_nul_byte_in_json_string_is_rejected_and_nothing_changes(user_client, user):
    response = user_client.put("/api/v1/users/me", {"name": "evil\x00name"}, format="json")
    assert response.status_code == 400
    user.refresh_from_db()
    assert "\x00" not in user.name


def test_nul_byte_in_json_key_is_rejected(user_client):
    response = user_client.generic(
        "PUT", "/api/v1/users/me", '{"na\\u0000me": "x"}', content_type="application/json"
    )
    assert response.status_code == 400


def test_nul_byte_in_query_parameter_is_rejected(api_client):
    response = api_client.get("/api/v1/tracks?query=a%00b")
    assert response.status_code == 400
    assert "NUL" in response.json()["message"]


@pytest.mark.parametrize("query", ["query=a\x00b", "query=%2500&x=%00", "q=%e2%82%ac%00"])
def test_nul_byte_in_any_spelling_of_the_query_is_rejected(rf, query):
    request = rf.get("/api/v1/tracks")
    request.META["QUERY_STRING"] = query
    response = RejectNulBytesMiddleware(lambda request: None).process_request(request)
    assert response is not None
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["", "query=a%2500b", "q=%e2%82%ac", "period=1-year"])
def test_a_query_without_a_nul_byte_goes_through(rf, query):
    request = rf.get("/api/v1/tracks")
    request.META["QUERY_STRING"] = query
    assert RejectNulBytesMiddleware(lambda request: None).process_request(request) is None


def test_nul_byte_in_form_field_is_rejected(api_client):
    response = api_client.post(
        "/api/v1/auth/login",
        "email=a%00b%40x.com&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["%FF%FE", "%C0%80", "caf%E9", "\xff"])
def test_form_data_that_is_not_utf8_is_rejected_not_stored_as_replacement_characters(
    user_client, name
):
    response = user_client.generic(
        "POST",
        "/api/v1/playlists",
        b"name=" + name.encode("latin-1"),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "UTF-8" in response.json()["message"]
    assert not Playlist.objects.exists()
    ok = user_client.post(
        "/api/v1/playlists",
        "name=Caf%C3%A9+%F0%9F%8E%B5",
        content_type="application/x-www-form-urlencoded",
    )
    assert ok.status_code == 201
    assert Playlist.objects.get().name == "Café 🎵"


@pytest.mark.parametrize("name", [b"\xff\xfe", b"\xc0\x80", b"caf\xe9"])
def test_multipart_text_that_is_not_utf8_is_rejected_not_stored_as_replacement_characters(
    user_client, name
):
    def multipart(value: bytes) -> bytes:
        return (
            b'--B0undary\r\nContent-Disposition: form-data; name="name"\r\n\r\n'
            + value
            + b"\r\n--B0undary--\r\n"
        )

    content_type = "multipart/form-data; boundary=B0undary"
    response = user_client.generic("POST", "/api/v1/playlists", multipart(name), content_type)
    assert response.status_code == 400
    assert "UTF-8" in response.json()["message"]
    assert not Playlist.objects.exists()
    ok = user_client.generic(
        "POST", "/api/v1/playlists", multipart("Café 🎵".encode()), content_type
    )
    assert ok.status_code == 201
    assert Playlist.objects.get().name == "Café 🎵"


def test_unknown_api_path_is_json_404(api_client):
    response = api_client.get("/api/v1/definitely-not-here")
    assert response.status_code == 404
    assert response.json() == {"message": "Not found."}


def test_non_numeric_id_is_404_not_500(api_client):
    assert api_client.get("/api/v1/tracks/abc").status_code == 404
    assert api_client.get("/api/v1/tracks/99999999999999999999999").status_code == 404


def test_list_returns_laravel_pagination_at_top_level(api_client, producer_artist):
    TrackFactory.create_batch(3, artists=[producer_artist])
    body = api_client.get("/api/v1/tracks?per_page=2&page=2").json()
    assert {
        k: body[k] for k in ("current_page", "per_page", "total", "last_page", "from", "to")
    } == {
        "current_page": 2,
        "per_page": 2,
        "total": 3,
        "last_page": 2,
        "from": 3,
        "to": 3,
    }
    assert len(body["data"]) == 1


def test_page_past_the_end_is_empty_with_null_bounds(api_client, producer_artist):
    TrackFactory(artists=[producer_artist])
    body = api_client.get("/api/v1/tracks?page=50").json()
    assert body["data"] == []
    assert body["from"] is None
    assert body["to"] is None
    assert body["total"] == 1
    assert body["last_page"] == 1


@pytest.mark.parametrize(("raw", "expected"), [("0", 1), ("-5", 1), ("1000", 100), ("7", 7)])
def test_per_page_is_clamped_to_1_through_100(api_client, raw, expected):
    assert api_client.get(f"/api/v1/tracks?per_page={raw}").json()["per_page"] == expected


def test_non_integer_paging_is_422(api_client):
    response = api_client.get("/api/v1/tracks?per_page=lots")
    assert response.status_code == 422
    assert "per_page" in response.json()["errors"]
    assert api_client.get("/api/v1/tracks?page=1.5").status_code == 422


def test_invalid_filter_value_is_422_not_500(api_client):
    response = api_client.get("/api/v1/tracks?key=H&bpm_min=fast")
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"key", "bpm_min"}


def test_every_response_carries_rate_limit_headers(api_client):
    response = api_client.get("/api/v1/genres")
    assert response["X-RateLimit-Limit"] == "300"
    assert response["X-RateLimit-Remaining"] == "299"
    assert int(response["X-RateLimit-Reset"]) > 0


@override_settings(
    THROTTLE_RATES={
        "anon": "3/min",
        "user": "300/min",
        "auth": "30/min",
        "login_failure": "5/15min",
        "write": "120/min",
        "upload": "30/min",
    }
)
def test_exceeding_the_anonymous_rate_gives_429_with_retry_after(api_client):
    for _ in range(3):
        assert api_client.get("/api/v1/genres").status_code == 200
    response = api_client.get("/api/v1/genres")
    assert response.status_code == 429
    body = response.json()
    assert body["message"] == "Too Many Attempts."
    assert 1 <= body["retry_after"] <= 60
    assert response["Retry-After"] == str(body["retry_after"])
    assert response["X-RateLimit-Remaining"] == "0"


@override_settings(
    THROTTLE_RATES={
        "anon": "300/min",
        "user": "300/min",
        "auth": "30/min",
        "login_failure": "5/15min",
        "write": "2/min",
        "upload": "30/min",
    }
)
def test_write_scope_counts_only_writes(user_client):
    for _ in range(5):
        assert user_client.get("/api/v1/users/me").status_code == 200
    for _ in range(2):
        assert user_client.put("/api/v1/users/me", {"name": "a"}, format="json").status_code == 200
    assert user_client.put("/api/v1/users/me", {"name": "b"}, format="json").status_code == 429
    # The tightest window is the one reported.
    assert user_client.get("/api/v1/users/me")["X-RateLimit-Limit"] == "300"


def test_throttle_rates_are_overridable_by_environment(monkeypatch):
    import importlib

    import beatpass.settings.base as base

    monkeypatch.setenv("THROTTLE_RATE_AUTH", "100/min")
    reloaded = importlib.reload(base)
    try:
        assert reloaded.THROTTLE_RATES["auth"] == "100/min"
    finally:
        monkeypatch.delenv("THROTTLE_RATE_AUTH")
        importlib.reload(base)


def test_openapi_schema_and_docs_are_served(api_client):
    schema = api_client.get("/api/v1/schema", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/v1/tracks", "/api/v1/tracks/{id}", "/api/v1/uploads", "/api/v1/auth/login"):
        assert path in paths
    docs = api_client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()


def test_private_fields_are_never_exposed(user_client, producer_artist):
    TrackFactory(artists=[producer_artist], file=None)
    item = user_client.get("/api/v1/tracks").json()["data"][0]
    flat = str(item)
    assert "uploads/" not in flat
    assert "file" not in item
    assert "created_by" not in item


def test_postgres_sessions_run_without_jit():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


@pytest.mark.parametrize("error", [DataError("value out of range"), OverflowError("too large")])
def test_database_range_errors_map_to_422(error):
    response = exception_handler(error, {})
    assert response.status_code == 422
    assert response.data == {"message": "A value in the request is out of range or malformed."}


def test_absurd_page_numbers_are_422_not_an_overflow(user_client):
    response = user_client.get("/api/v1/users/me/liked-artists?page=1067415833358435745792")
    assert response.status_code == 422
    assert "page" in response.json()["errors"]
    assert user_client.get("/api/v1/tracks?per_page=-29185&page=2").status_code == 200
