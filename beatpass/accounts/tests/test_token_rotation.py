"""Refresh-token rotation is atomic, and a password change hands out fresh tokens."""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from beatpass.testing import run_concurrently
from content.tests.factories import UserFactory

PASSWORD = "correct-horse-battery"
REFRESH = "/api/v1/auth/token/refresh"


def login(client, email, password=PASSWORD):
    response = client.post(
        "/api/v1/auth/login", {"email": email, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_refreshes_with_one_token_rotate_it_exactly_once(settings):
    # given one refresh token and a throttle wide enough for the burst
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth": "1000/min"}
    user = UserFactory()
    refresh = login(APIClient(), user.email)["refresh"]
    sessions_before = OutstandingToken.objects.filter(user=user).count()

    # when 20 clients present it at the same moment (each thread its own DB connection)
    def attempt(_):
        response = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
        return response.status_code, response.json()

    results = run_concurrently(attempt, 20)

    # then exactly one rotation happened: one new session, every other request is a 401
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [401] * 19, results
    assert all(body == {"message": "Unauthenticated."} for status, body in results if status == 401)
    assert OutstandingToken.objects.filter(user=user).count() == sessions_before + 1
    winner = next(body for status, body in results if status == 200)
    again = APIClient().post(REFRESH, {"refresh": winner["refresh"]}, format="json")
    assert again.status_code == 200


@pytest.mark.django_db
def test_password_change_returns_a_fresh_working_token_pair(api_client, user):
    tokens = login(api_client, user.email)

    response = api_client.put(
        "/api/v1/users/me",
        {"password": "another-strong-pass", "current_password": PASSWORD},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {tokens['access']}",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["access"]
    assert body["refresh"]
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert fresh.get("/api/v1/users/me").status_code == 200
    assert APIClient().post(REFRESH, {"refresh": body["refresh"]}, format="json").status_code == 200
    # the tokens from before the change are revoked
    assert (
        APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401
    )


@pytest.mark.django_db
def test_profile_update_without_a_password_returns_no_tokens(user_client):
    response = user_client.put("/api/v1/users/me", {"name": "Renamed"}, format="json")

    assert response.status_code == 200
    assert "access" not in response.json()
    assert "refresh" not in response.json()


@pytest.mark.django_db
def test_password_change_without_current_password_says_it_is_required(user_client, user):
    response = user_client.put(
        "/api/v1/users/me", {"password": "another-strong-pass"}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["errors"]["current_password"] == [
        "The current password field is required."
    ]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_password_change_with_a_wrong_current_password_says_it_is_incorrect(user_client):
    response = user_client.put(
        "/api/v1/users/me",
        {"password": "another-strong-pass", "current_password": "nope-nope-nope"},
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["errors"]["current_password"] == ["The current password is incorrect."]
