"""The Bearer user lookup keeps simplejwt's checks while fetching the row with prebuilt SQL."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from content.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"


def client_with(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_valid_token_authenticates_its_user():
    user = UserFactory(name="Listener")
    response = client_with(AccessToken.for_user(user)).get(ME)
    assert response.status_code == 200
    assert response.json()["user"]["email"] == user.email


def test_token_of_a_deleted_user_is_rejected_with_401():
    user = UserFactory()
    token = AccessToken.for_user(user)
    user.delete()
    response = client_with(token).get(ME)
    assert response.status_code == 401


def test_token_of_an_inactive_user_is_rejected_with_401():
    user = UserFactory()
    token = AccessToken.for_user(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client_with(token).get(ME).status_code == 401


def test_token_issued_before_a_password_change_is_rejected_with_401():
    user = UserFactory()
    token = AccessToken.for_user(user)
    user.set_password("a-brand-new-password-42")
    user.save(update_fields=["password"])
    assert client_with(token).get(ME).status_code == 401


def test_token_with_a_non_numeric_user_id_is_rejected_with_401():
    user = UserFactory()
    token = AccessToken.for_user(user)
    token["user_id"] = "not-a-number"
    assert client_with(token).get(ME).status_code == 401
