"""Admin pages for playlists, invitations and lyrics; the expiry sweep and its beat entry."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from content.lyrics.models import Lyric
from content.playlists.models import InvitationStatus, PlaylistInvitation
from content.playlists.tasks import expire_playlist_invitations
from content.playlists.tests.factories import PlaylistFactory, pending_invitation
from content.tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_lists_and_edits_playlists_with_inline_tracks(admin_browser):
    playlist = PlaylistFactory(tracks=[TrackFactory(name="Inline Beat")], editors=[UserFactory()])

    changelist = admin_browser.get(reverse("admin:content_playlist_changelist"))
    change = admin_browser.get(reverse("admin:content_playlist_change", args=[playlist.pk]))

    assert changelist.status_code == 200
    assert playlist.name in changelist.content.decode()
    assert change.status_code == 200
    html = change.content.decode()
    assert "vForeignKeyRawIdAdminField" in html  # raw id inputs, no giant selects
    assert "Inline Beat" in html


def test_admin_lists_invitations_and_lyrics(admin_browser):
    playlist = PlaylistFactory(collaborative=True)
    invitation = pending_invitation(playlist, UserFactory())
    lyric = Lyric.objects.create(track=TrackFactory(), text="words")

    assert (
        admin_browser.get(reverse("admin:content_playlistinvitation_changelist")).status_code == 200
    )
    assert (
        admin_browser.get(
            reverse("admin:content_playlistinvitation_change", args=[invitation.pk])
        ).status_code
        == 200
    )
    assert admin_browser.get(reverse("admin:content_lyric_changelist")).status_code == 200
    assert (
        admin_browser.get(reverse("admin:content_lyric_change", args=[lyric.pk])).status_code == 200
    )


def test_admin_action_expires_overdue_invitations(admin_browser, fake_clock):
    playlist = PlaylistFactory(collaborative=True)
    invitation = pending_invitation(playlist, UserFactory())
    fake_clock.advance(days=8)

    response = admin_browser.post(
        reverse("admin:content_playlistinvitation_changelist"),
        {"action": "expire_overdue", "_selected_action": [invitation.pk]},
    )

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXPIRED


def test_sweep_task_expires_only_overdue_pending_invitations(fake_clock):
    playlist = PlaylistFactory(collaborative=True)
    old = pending_invitation(playlist, UserFactory())
    fake_clock.advance(days=3)
    fresh = pending_invitation(playlist, UserFactory())
    fake_clock.advance(days=4)

    assert expire_playlist_invitations.delay().get() == 1
    assert expire_playlist_invitations.delay().get() == 0  # idempotent

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == InvitationStatus.EXPIRED
    assert old.expired_at == old.expires_at
    assert fresh.status == InvitationStatus.PENDING
    assert PlaylistInvitation.objects.filter(status=InvitationStatus.PENDING).count() == 1


def test_setup_periodic_tasks_is_idempotent():
    call_command("setup_periodic_tasks", stdout=None)
    call_command("setup_periodic_tasks", stdout=None)

    task = PeriodicTask.objects.get(name="expire-playlist-invitations")
    assert task.task == "content.expire_playlist_invitations"
    assert task.enabled
    assert task.crontab.minute == "17"
    assert PeriodicTask.objects.filter(task="content.expire_playlist_invitations").count() == 1
