"""Sessions, request.user and messages run for the site (the admin), not for the API."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

pytestmark = pytest.mark.django_db


def _echo(request):
    """A plain Django view (no csrf decorator): what the middleware alone protects."""
    has_session = hasattr(request, "session")
    return HttpResponse(f"{request.method} session={has_session} user={hasattr(request, 'user')}")


urlpatterns = [path("site/echo", _echo), path("api/echo", _echo)]


@override_settings(ROOT_URLCONF=__name__)
def test_site_paths_get_sessions_and_users_and_api_paths_do_not():
    client = Client(enforce_csrf_checks=True)
    assert client.post("/site/echo").status_code == 403  # CSRF still checked
    assert client.get("/site/echo").content == b"GET session=True user=True"
    assert client.get("/api/echo").content == b"GET session=False user=False"


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(
        email="staff-mw@example.com",
        password="pw-Sufficiently-Long-1",
        is_staff=True,
        is_superuser=True,
    )


def test_admin_login_still_enforces_csrf_and_keeps_a_session(staff):
    client = Client(enforce_csrf_checks=True)
    form = {"username": staff.email, "password": "pw-Sufficiently-Long-1", "next": "/admin/"}
    refused = client.post("/admin/login/", form)
    assert refused.status_code == 403  # no CSRF token: the wrapped CsrfViewMiddleware said no

    page = client.get("/admin/login/")
    assert page.status_code == 200
    token = client.cookies["csrftoken"].value
    logged_in = client.post("/admin/login/", {**form, "csrfmiddlewaretoken": token})
    assert logged_in.status_code == 302
    assert "sessionid" in client.cookies
    assert client.get("/admin/").status_code == 200  # the session and request.user work


def test_admin_messages_still_flash(staff):
    client = Client()
    client.force_login(staff)
    # A bulk action with nothing selected answers with a flash message on the changelist.
    response = client.post(
        "/admin/accounts/user/", {"action": "delete_selected", "index": 0}, follow=True
    )
    assert response.status_code == 200
    assert any("must be selected" in str(m) for m in response.context["messages"])


def test_api_requests_get_no_session_cookie_or_csrf_check(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)  # a session cookie is present, and ignored by /api/
    response = client.post(
        "/api/v1/auth/login",
        {"email": staff.email, "password": "nope"},
        content_type="application/json",
    )
    assert response.status_code in (401, 422)  # answered by the API, not a CSRF 403
    assert "sessionid" not in response.cookies
    assert "csrftoken" not in response.cookies
    me = client.get("/api/v1/users/me")
    assert me.status_code == 401  # the session never authenticates the API
    assert me.json() == {"message": "Unauthenticated."}
