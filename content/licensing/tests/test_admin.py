"""The license admin: searchable, read-only, revoke action with notes through the service."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from content.licensing.models import License
from content.licensing.services import IssuanceContext, license_issue

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/content/license/"


@pytest.fixture
def license(subscriber, track):
    issued, _ = license_issue(
        user=subscriber, track=track, license_type="non_exclusive", context=IssuanceContext()
    )
    return issued


@pytest.mark.parametrize("term", ["{uuid}", "janedoe@example", "Night"])
def test_search_by_uuid_email_and_track(admin_client, license, term):
    response = admin_client.get(CHANGELIST, {"q": term.format(uuid=license.uuid)})
    assert response.status_code == 200
    assert str(license.uuid) in response.content.decode()


def test_detail_is_read_only_and_shows_authenticity(admin_client, license):
    response = admin_client.get(f"{CHANGELIST}{license.pk}/change/")
    html = response.content.decode()
    assert "✓ signature and hash match" in html
    assert "Night Drive" in html
    assert 'name="snapshot"' not in html
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403


def test_revoke_action_asks_for_notes_then_revokes(admin_client, license):
    data = {"action": "revoke_licenses", ACTION_CHECKBOX_NAME: [license.pk]}
    confirmation = admin_client.post(CHANGELIST, data)
    assert confirmation.status_code == 200
    assert "revoke-form" in confirmation.content.decode()

    empty = admin_client.post(CHANGELIST, {**data, "post": "yes", "notes": ""})
    assert empty.status_code == 200  # the form again: notes are required
    license.refresh_from_db()
    assert license.status == "active"

    done = admin_client.post(CHANGELIST, {**data, "post": "yes", "notes": "Fraudulent card"})
    assert done.status_code == 302
    license.refresh_from_db()
    assert (license.status, license.revoked_reason) == ("revoked", "Fraudulent card")


def test_staff_without_the_permission_has_no_revoke_action(client, license):
    from django.contrib.auth.models import Permission

    from content.tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_license"))
    client.force_login(staff)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert "revoke_licenses" not in response.content.decode()
    assert License.objects.get().status == "active"
