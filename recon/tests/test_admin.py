"""Admin pages render and the rescan action goes through the service."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from recon.models import Match, ReferenceRecording, ReferenceSource, TrackScan

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin_user = get_user_model().objects.create_superuser(email="root@example.com", password="x")
    client.force_login(admin_user)
    return client


def test_admin_pages_render_with_search_and_filters(admin_client, recon_track):
    recording = ReferenceRecording.objects.create(
        title="Song",
        source=ReferenceSource.DEEZER,
        external_id="1",
        deezer_url="https://www.deezer.com/track/1",
    )
    match = Match.objects.create(
        track=recon_track, recording=recording, confidence=97, votes=120, offset=4.0
    )
    TrackScan.objects.create(track=recon_track, status="complete")
    for path in (
        "/admin/recon/referencerecording/?q=song&source__exact=deezer",
        "/admin/recon/trackscan/?status__exact=complete",
        "/admin/recon/match/",
        f"/admin/recon/match/{match.pk}/change/",
        f"/admin/recon/referencerecording/{recording.pk}/change/",
    ):
        response = admin_client.get(path)
        assert response.status_code == 200, path
    page = admin_client.get(f"/admin/recon/match/{match.pk}/change/").content.decode()
    assert "https://www.deezer.com/track/1" in page
    assert "<audio" in page


def test_rescan_action_requests_a_scan(
    admin_client, recon_track, django_capture_on_commit_callbacks
):
    scan = TrackScan.objects.create(track=recon_track)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/recon/trackscan/",
            {"action": "rescan", "_selected_action": [scan.pk]},
            follow=True,
        )
    assert "1 scan(s) queued" in response.content.decode()
    scan.refresh_from_db()
    assert scan.status == "no_results"
    assert scan.attempts == 1
