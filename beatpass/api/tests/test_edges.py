"""The API's edges: the site root, the index, unknown routes and errors Django answers itself."""

import pytest
from django.test import Client

from content.catalog import selectors as catalog_selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client() -> Client:
    # A browser-like client: Django's CSRF check runs as it would for a real cross-site POST.
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_to_an_unknown_api_path_get_the_json_404_not_the_csrf_page(csrf_client, method):
    response = getattr(csrf_client, method)(
        "/api/v1/definitely-not-here", data="{}", content_type="application/json"
    )

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": "Not found."}


def test_unknown_path_under_an_unknown_version_is_json_too(csrf_client):
    response = csrf_client.post("/api/v2/tracks")

    assert response.status_code == 404
    assert response.json() == {"message": "Not found."}


def test_site_root_redirects_to_the_api_docs(api_client):
    response = api_client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/api/v1/docs"


def test_api_root_is_an_index_with_absolute_links(api_client):
    response = api_client.get("/api/v1/")

    assert response.status_code == 200
    body = response.json()
    assert body["docs"] == "http://testserver/api/v1/docs"
    assert body["schema"] == "http://testserver/api/v1/schema"
    assert body["resources"]["tracks"] == "http://testserver/api/v1/tracks"
    # every advertised resource exists: a GET is answered (200, or 401/405), never 404 or 5xx
    for url in body["resources"].values():
        assert api_client.get(url).status_code in (200, 401, 405), url


def test_writes_to_the_api_root_are_a_json_405(csrf_client):
    response = csrf_client.post("/api/v1/")

    assert response.status_code == 405
    assert response.json() == {"message": "Method not allowed."}


def test_an_unexpected_error_under_api_answers_the_json_error_body(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(catalog_selectors, "track_counts", broken)  # the plain list reads it
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/tracks")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": "Server Error."}


def test_a_suspicious_request_under_api_is_a_json_400(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client(HTTP_HOST="evil.example", raise_request_exception=False)

    response = client.get("/api/v1/tracks")

    assert response.status_code == 400
    assert response.json() == {"message": "Bad Request."}


def test_errors_outside_the_api_keep_django_pages(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client(HTTP_HOST="evil.example", raise_request_exception=False)

    response = client.get("/admin/")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
