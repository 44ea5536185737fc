"""Registration, login, token refresh/rotation, logout and the /users/me profile."""

import pytest
from django.test import override_settings

from beatpass.accounts.models import User
from conftest import bearer_client
from content.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def login(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/login", {"email": email, "password": password}, format="json")


def test_register_returns_user_and_token_pair(api_client):
    response = api_client.post(
        "/api/v1/auth/register",
        {"email": "New@Example.com", "password": "a-strong-passphrase", "name": "Newbie"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "success"
    assert body["user"]["email"] == "new@example.com"
    assert body["user"]["display_name"] == "Newbie"
    assert body["access"]
    assert body["refresh"]
    assert "password" not in body["user"]
    me = api_client.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.json()["user"]["email"] == "new@example.com"


def test_register_rejects_weak_password_and_taken_email(api_client, user):
    weak = api_client.post(
        "/api/v1/auth/register", {"email": "x@example.com", "password": "12345678"}, format="json"
    )
    assert weak.status_code == 422
    assert "password" in weak.json()["errors"]
    taken = api_client.post(
        "/api/v1/auth/register",
        {"email": user.email.upper(), "password": "a-strong-passphrase"},
        format="json",
    )
    assert taken.status_code == 422
    assert taken.json()["errors"]["email"] == ["The email has already been taken."]
    assert User.objects.count() == 1


def test_register_ignores_privilege_fields(api_client):
    response = api_client.post(
        "/api/v1/auth/register",
        {
            "email": "sneaky@example.com",
            "password": "a-strong-passphrase",
            "is_staff": True,
            "is_superuser": True,
        },
        format="json",
    )
    assert response.status_code == 201
    created = User.objects.get(email="sneaky@example.com")
    assert not created.is_staff
    assert not created.is_superuser


def test_login_with_valid_credentials(api_client, user):
    response = login(api_client, user.email.upper())
    assert response.status_code == 200
    assert response.json()["user"]["id"] == user.pk


def test_login_with_wrong_password_is_401_with_message(api_client, user):
    response = login(api_client, user.email, "wrong-password")
    assert response.status_code == 401
    assert response.json() == {"message": "These credentials do not match our records."}


def test_disabled_account_gets_403(api_client):
    disabled = UserFactory(is_active=False)
    response = login(api_client, disabled.email)
    assert response.status_code == 403
    assert response.json()["message"] == "Your account has been disabled."


def login_from(client, email, ip, password=PASSWORD):
    return client.post(
        "/api/v1/auth/login",
        {"email": email, "password": password},
        format="json",
        REMOTE_ADDR=ip,
    )


def test_failed_logins_lock_the_account_for_that_ip_only(api_client, user):
    for _ in range(5):
        assert login_from(api_client, user.email, "203.0.113.9", "nope").status_code == 401
    locked = login_from(api_client, user.email, "203.0.113.9")
    assert locked.status_code == 429
    assert locked.json()["message"] == "Too Many Attempts."
    # The headers describe the 5-per-15-minutes window that blocked, not the request throttle.
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert locked["X-RateLimit-Limit"] == "5"
    assert locked["X-RateLimit-Remaining"] == "0"
    assert int(locked["X-RateLimit-Reset"]) > 0
    # The owner, logging in from elsewhere, is not locked out by the attacker.
    assert login_from(api_client, user.email, "198.51.100.1").status_code == 200
    # Another account is not affected from the attacker's address either.
    assert login_from(api_client, UserFactory().email, "203.0.113.9").status_code == 200


@override_settings(
    THROTTLE_RATES={
        "anon": "300/min",
        "user": "300/min",
        "auth": "300/min",
        "login_failure": "5/15min",
        "login_failure_account": "12/15min",
        "write": "120/min",
        "upload": "30/min",
    }
)
def test_failures_spread_over_many_ips_lock_the_account_everywhere(api_client, user):
    for i in range(12):
        assert login_from(api_client, user.email, f"10.0.{i}.1", "nope").status_code == 401
    locked = login_from(api_client, user.email, "198.51.100.1")
    assert locked.status_code == 429
    assert locked["X-RateLimit-Limit"] == "12"
    assert int(locked["Retry-After"]) > 0
    assert login_from(api_client, UserFactory().email, "198.51.100.1").status_code == 200


def test_successful_login_resets_failure_count(api_client, user):
    for _ in range(4):
        login(api_client, user.email, "nope")
    assert login(api_client, user.email).status_code == 200
    for _ in range(4):
        assert login(api_client, user.email, "nope").status_code == 401
    assert login(api_client, user.email).status_code == 200


@override_settings(
    THROTTLE_RATES={
        "anon": "300/min",
        "user": "300/min",
        "auth": "3/min",
        "login_failure": "50/15min",
        "write": "120/min",
        "upload": "30/min",
    }
)
def test_auth_endpoints_are_throttled_per_ip(api_client, user):
    for _ in range(3):
        login(api_client, user.email)
    assert login(api_client, user.email).status_code == 429
    other_ip = api_client.post(
        "/api/v1/auth/login",
        {"email": user.email, "password": PASSWORD},
        format="json",
        REMOTE_ADDR="192.0.2.7",
    )
    assert other_ip.status_code == 200


def test_refresh_rotates_and_blacklists_the_old_token(api_client, user):
    tokens = login(api_client, user.email).json()
    first = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )
    assert first.status_code == 200
    assert first.json()["refresh"] != tokens["refresh"]
    replay = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )
    assert replay.status_code == 401
    assert replay.json() == {"message": "Unauthenticated."}


def test_refresh_with_garbage_is_401(api_client):
    response = api_client.post("/api/v1/auth/token/refresh", {"refresh": "junk"}, format="json")
    assert response.status_code == 401


def test_refresh_for_deactivated_user_is_401(api_client, user):
    tokens = login(api_client, user.email).json()
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )
    assert response.status_code == 401


def test_inactive_user_access_token_is_rejected(api_client, user):
    client = bearer_client(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/api/v1/users/me").status_code == 401


def test_logout_blacklists_refresh_token(api_client, user):
    tokens = login(api_client, user.email).json()
    client = bearer_client(user)
    assert (
        client.post(
            "/api/v1/auth/logout", {"refresh": tokens["refresh"]}, format="json"
        ).status_code
        == 200
    )
    response = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )
    assert response.status_code == 401


def test_logout_cannot_blacklist_someone_elses_token(api_client, user, other_user):
    tokens = login(api_client, other_user.email).json()
    response = bearer_client(user).post(
        "/api/v1/auth/logout", {"refresh": tokens["refresh"]}, format="json"
    )
    assert response.status_code == 422
    again = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )
    assert again.status_code == 200


def test_password_change_revokes_old_tokens(api_client, user):
    tokens = login(api_client, user.email).json()
    old_access = f"Bearer {tokens['access']}"
    change = api_client.put(
        "/api/v1/users/me",
        {"password": "another-strong-pass", "current_password": PASSWORD},
        format="json",
        HTTP_AUTHORIZATION=old_access,
    )
    assert change.status_code == 200
    assert api_client.get("/api/v1/users/me", HTTP_AUTHORIZATION=old_access).status_code == 401
    refresh = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )
    assert refresh.status_code == 401
    assert login(api_client, user.email, "another-strong-pass").status_code == 200


def test_password_change_needs_current_password(user_client, user):
    response = user_client.put(
        "/api/v1/users/me", {"password": "another-strong-pass"}, format="json"
    )
    assert response.status_code == 422
    assert "current_password" in response.json()["errors"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_profile_update_ignores_staff_flag(user_client, user):
    response = user_client.put(
        "/api/v1/users/me", {"name": "Renamed", "is_staff": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["user"]["name"] == "Renamed"
    user.refresh_from_db()
    assert user.name == "Renamed"
    assert not user.is_staff


def test_access_token_lifetime_is_at_most_15_minutes(settings):
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds() <= 15 * 60
