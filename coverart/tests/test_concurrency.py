"""Real concurrent transactions: covers applied at the same moment leave exactly one cover and
no orphan files; identical previews share one row."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from beatpass.testing import run_concurrently
from content.tests.factories import ArtistFactory, TrackFactory, UserFactory
from coverart import services
from coverart.models import CoverArt, CoverPreview
from coverart.services import cover_templates_seed

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_applies_leave_one_cover_and_no_orphan_files():
    cover_templates_seed()
    from coverart.models import CoverTemplate

    user = UserFactory()
    track = TrackFactory(artists=[ArtistFactory(managers=[user])])
    templates = list(CoverTemplate.objects.order_by("sort_order")[:4])

    def apply(i: int):
        return services.cover_apply_template(
            user=user, track=track, template=templates[i % len(templates)]
        )

    results = run_concurrently(apply, 8)

    assert not [r for r in results if isinstance(r, Exception)], results
    covers = list(CoverArt.objects.filter(track=track))
    assert len(covers) == 1
    track.refresh_from_db()
    assert track.image.endswith(f"{covers[0].storage_key}/1000.jpg")
    folders = {r.storage_key for r in results}
    for key in folders - {covers[0].storage_key}:  # the replaced covers' files are gone
        assert not default_storage.exists(f"{key}/1000.jpg")
    assert default_storage.exists(f"{covers[0].storage_key}/600.webp")


def test_identical_concurrent_previews_share_one_row():
    cover_templates_seed()
    from coverart.models import CoverTemplate

    template = CoverTemplate.objects.get(slug="minimal-type")

    results = run_concurrently(
        lambda i: services.preview_create(template=template, title="Same", seed="s"), 6
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert CoverPreview.objects.count() == 1
    assert len({r.path for r in results}) == 1
    assert default_storage.exists(results[0].path)
