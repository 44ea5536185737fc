"""The moderation admin through Django's test client: listing, review page, guarded actions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from backstage.admin import render_json_with_links
from backstage.models import BackstageRequest
from backstage.tests.conftest import make_request
from beatpass.accounts.models import Notification
from content.catalog.models import Artist
from content.tests.factories import ArtistFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:backstage_backstagerequest_changelist")
Status = BackstageRequest.Status


def change_url(item):
    return reverse("admin:backstage_backstagerequest_change", args=[item.pk])


@pytest.fixture
def handler_browser(client, handler):
    client.force_login(handler)
    return client


@pytest.fixture
def viewer_browser(client):
    """Staff who may look at requests but not decide them."""
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_backstagerequest"))
    client.force_login(viewer)
    return client


def run_action(client, action, items, *, follow=False, **extra):
    data = {"action": action, "_selected_action": [i.pk for i in items], **extra}
    return client.post(CHANGELIST, data, follow=follow)


def listed_ids(response):
    return [row.pk for row in response.context["cl"].result_list]


def test_changelist_puts_pending_first_then_newest(handler_browser):
    owner = UserFactory(email="owner@example.com")
    old_pending = make_request(owner, status=Status.PENDING)
    denied = make_request(UserFactory(), status=Status.DENIED)
    approved = make_request(UserFactory(), status=Status.APPROVED)
    new_pending = make_request(UserFactory(), status=Status.PENDING)

    response = handler_browser.get(CHANGELIST)

    assert response.status_code == 200
    assert listed_ids(response) == [new_pending.pk, old_pending.pk, approved.pk, denied.pk]
    html = response.content.decode()
    for column in ("user email", "Type", "Artist name", "Status", "Created at", "Handled at"):
        assert column.lower() in html.lower()
    assert "owner@example.com" in html


def test_changelist_filters_by_status_and_type_and_searches(handler_browser):
    pending = make_request(UserFactory(email="findme@example.com"), artist_name="Blue Wave")
    claim = make_request(
        UserFactory(), status=Status.DENIED, type="claim-artist", artist_name="Red Sun"
    )

    assert listed_ids(handler_browser.get(CHANGELIST, {"status__exact": "pending"})) == [pending.pk]
    assert listed_ids(handler_browser.get(CHANGELIST, {"type__exact": "claim-artist"})) == [
        claim.pk
    ]
    assert listed_ids(handler_browser.get(CHANGELIST, {"q": "findme@"})) == [pending.pk]
    assert listed_ids(handler_browser.get(CHANGELIST, {"q": "red sun"})) == [claim.pk]


def test_changelist_query_count_does_not_grow_with_rows(
    handler_browser, django_assert_max_num_queries
):
    for _ in range(10):
        make_request(
            UserFactory(), status=Status.DENIED, type="claim-artist", artist=ArtistFactory()
        )

    with django_assert_max_num_queries(12):
        response = handler_browser.get(CHANGELIST)

    assert len(listed_ids(response)) == 10


def test_action_asks_for_notes_on_a_confirmation_page_first(handler_browser, user):
    item = make_request(user)

    response = run_action(handler_browser, "approve_requests", [item])

    assert response.status_code == 200
    assert "admin/backstage/backstagerequest/decision_confirmation.html" in [
        t.name for t in response.templates
    ]
    html = response.content.decode()
    assert 'name="notes"' in html
    assert "Yes, approve" in html
    assert BackstageRequest.objects.get(pk=item.pk).status == Status.PENDING


def test_confirmed_approve_action_calls_the_service(handler_browser, handler, user):
    item = make_request(user, artist_name="Admin Made")

    response = run_action(
        handler_browser, "approve_requests", [item], post="yes", notes="Great beats"
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.notes, item.handled_by) == (Status.APPROVED, "Great beats", handler)
    assert list(Artist.objects.get(name="Admin Made").managers.all()) == [user]
    assert item.events.last().notes == "Great beats"
    assert Notification.objects.filter(user=user, kind="backstage.approved").exists()


def test_confirmed_deny_and_revoke_actions(handler_browser, user, other_user):
    to_deny = make_request(user)
    to_revoke = make_request(other_user)
    run_action(handler_browser, "approve_requests", [to_revoke], post="yes", notes="")

    run_action(handler_browser, "deny_requests", [to_deny], post="yes", notes="Too quiet")
    run_action(handler_browser, "revoke_requests", [to_revoke], post="yes", notes="Abuse")

    to_deny.refresh_from_db()
    to_revoke.refresh_from_db()
    assert (to_deny.status, to_deny.notes) == (Status.DENIED, "Too quiet")
    assert (to_revoke.status, to_revoke.notes) == (Status.REVOKED, "Abuse")
    assert not Artist.objects.get().managers.exists()


def test_action_reports_invalid_transitions_and_applies_the_valid_ones(handler_browser, user):
    approved = make_request(user, status=Status.APPROVED)
    pending = make_request(UserFactory())

    response = run_action(
        handler_browser, "deny_requests", [approved, pending], post="yes", notes="", follow=True
    )

    text = " ".join(str(m) for m in response.context["messages"])
    assert f"Denied 1 request(s): #{pending.pk}." in text
    assert f"#{approved.pk}: Only pending requests can be denied." in text
    assert BackstageRequest.objects.get(pk=approved.pk).status == Status.APPROVED
    assert BackstageRequest.objects.get(pk=pending.pk).status == Status.DENIED


def test_staff_without_the_handle_permission_see_no_actions_and_cannot_run_them(
    viewer_browser, user
):
    item = make_request(user)

    page = viewer_browser.get(CHANGELIST)
    assert page.status_code == 200
    html = page.content.decode()
    for action in ("approve_requests", "deny_requests", "revoke_requests"):
        assert action not in html

    for action in ("approve_requests", "deny_requests"):
        run_action(viewer_browser, action, [item], post="yes", notes="sneaky")

    item.refresh_from_db()
    assert item.status == Status.PENDING
    assert item.events.count() == 1


def test_staff_without_any_backstage_permission_cannot_open_it(client, staff_user):
    client.force_login(staff_user)

    assert client.get(CHANGELIST).status_code == 403


def test_change_page_shows_data_with_links_and_the_read_only_audit_trail(handler_browser, user):
    item = make_request(
        user,
        data={
            "beats_url": "https://soundcloud.com/ada/beats?x=1&y=2",
            "bio": "<script>alert(1)</script>",
            "evil": "javascript:alert(1)",
        },
    )
    run_action(handler_browser, "deny_requests", [item], post="yes", notes="Audit me")

    response = handler_browser.get(change_url(item))

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<a href="https://soundcloud.com/ada/beats?x=1&amp;y=2" target="_blank" '
        'rel="noopener noreferrer">' in html
    )
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert "Audit trail" in html
    assert "Audit me" in html
    inline = response.context["inline_admin_formsets"][0]
    assert not inline.has_add_permission
    assert not inline.has_delete_permission
    assert not inline.has_change_permission


def test_workflow_fields_cannot_be_edited_from_the_change_page(handler_browser, user):
    item = make_request(user, artist_name="Typo Nmae")

    handler_browser.post(
        change_url(item),
        {
            "artist_name": "Typo Name",
            "status": "approved",
            "notes": "forged",
            "granted_manager": "on",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )

    item.refresh_from_db()
    assert item.artist_name == "Typo Name"  # the one field staff may fix while pending
    assert (item.status, item.notes, item.granted_manager) == (Status.PENDING, "", False)


def test_producer_name_is_read_only_once_decided(handler_browser, user):
    item = make_request(user, status=Status.DENIED, artist_name="Final")

    response = handler_browser.get(change_url(item))

    assert 'name="artist_name"' not in response.content.decode()


def test_requests_cannot_be_added_or_deleted_in_the_admin(handler_browser, user):
    item = make_request(user)

    assert handler_browser.get(reverse("admin:backstage_backstagerequest_add")).status_code == 403
    assert (
        handler_browser.get(
            reverse("admin:backstage_backstagerequest_delete", args=[item.pk])
        ).status_code
        == 403
    )


def test_render_json_with_links_only_links_http_urls():
    html = render_json_with_links({"a": "see https://x.test/p and ftp://nope", "b": [1, None]})

    assert '<a href="https://x.test/p"' in html
    assert "ftp://nope" in html
    assert 'href="ftp' not in html
    assert "&quot;b&quot;: [\n    1,\n    null\n  ]" in html  # indented, escaped


@pytest.mark.parametrize(
    ("status", "buttons"),
    [
        (Status.PENDING, ["approve_requests", "deny_requests"]),
        (Status.APPROVED, ["revoke_requests"]),
        (Status.REVOKED, ["approve_requests"]),
        (Status.DENIED, []),
    ],
)
def test_change_page_offers_the_decisions_the_status_allows(handler_browser, user, status, buttons):
    item = make_request(user, status=status)

    html = handler_browser.get(change_url(item)).content.decode()

    shown = [
        a
        for a in ("approve_requests", "deny_requests", "revoke_requests")
        if f'id="decide-{a}"' in html
    ]
    assert shown == buttons


def test_change_page_decision_button_leads_to_the_confirmation(handler_browser, user):
    item = make_request(user)

    response = run_action(handler_browser, "deny_requests", [item])  # what the button posts

    assert "Yes, deny" in response.content.decode()


def test_change_page_has_no_decision_buttons_without_the_permission(viewer_browser, user):
    item = make_request(user)

    html = viewer_browser.get(change_url(item)).content.decode()

    assert "decide-" not in html


def test_change_page_shows_who_already_manages_a_claimed_artist(handler_browser, user):
    owner = UserFactory(email="current-owner@example.com")
    artist = ArtistFactory(name="Contested", managers=[owner])
    item = make_request(user, type="claim-artist", artist=artist, artist_name="Contested")

    html = handler_browser.get(change_url(item)).content.decode()

    assert "current-owner@example.com" in html
    assert reverse("admin:content_artist_change", args=[artist.pk]) in html
