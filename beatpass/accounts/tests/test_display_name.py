"""Public names never come from email addresses."""

import pytest

from beatpass.accounts.models import User, display_name_for

pytestmark = pytest.mark.django_db


def register(client, email: str) -> dict:
    response = client.post(
        "/api/v1/auth/register",
        {"email": email, "password": "a-long-enough-pass-phrase"},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_user_registered_without_a_name_is_shown_with_a_neutral_default(api_client):
    body = register(api_client, "jane.doe.private@example.com")

    user = User.objects.get(email="jane.doe.private@example.com")
    assert body["user"]["display_name"] == f"user-{user.pk}"
    assert user.display_name == f"user-{user.pk}"


def test_a_chosen_name_is_shown_as_is():
    assert display_name_for("DJ Nova", 7) == "DJ Nova"
