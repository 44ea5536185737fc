"""POST /cover-art/preview (cached by inputs, expiring, throttled) and
GET /cover-art/matching-templates (ranking, track-derived genres and mood, fallback)."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import override_settings

from content.catalog.models import Visibility
from content.tests.factories import GenreFactory, TrackFactory
from coverart.models import CoverPreview

pytestmark = pytest.mark.django_db

PREVIEW = "/api/v1/cover-art/preview"
MATCHING = "/api/v1/cover-art/matching-templates"


def stored(url: str) -> bool:
    return default_storage.exists(url.removeprefix(settings.MEDIA_URL))


def preview(client, template, **body):
    return client.post(
        PREVIEW, {"template_id": template.pk, "title": "Midnight Run", **body}, format="json"
    )


def test_preview_returns_a_url_to_the_rendered_cover(user_client, cover_templates):
    response = preview(user_client, cover_templates["trap-neon-night"], artist="Nova Vance")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "preview_url", "expires_at"}
    assert body["status"] == "success"
    assert stored(body["preview_url"])


def test_identical_previews_are_cached_and_different_inputs_are_not(user_client, cover_templates):
    template = cover_templates["trap-neon-night"]

    first = preview(user_client, template, artist="Nova", seed="1").json()["preview_url"]
    again = preview(user_client, template, artist="Nova", seed="1").json()["preview_url"]
    other_seed = preview(user_client, template, artist="Nova", seed="2").json()["preview_url"]
    palette = preview(user_client, template, artist="Nova", seed="1", palette="acid").json()

    assert first == again
    assert len({first, other_seed, palette["preview_url"]}) == 3
    assert CoverPreview.objects.count() == 3


def test_preview_validation(user_client, cover_templates):
    template = cover_templates["trap-neon-night"]
    cases = {
        "template_id": {"template_id": 999999, "title": "x"},
        "title": {"template_id": template.pk, "title": "x" * 201},
        "mood": {"template_id": template.pk, "title": "x", "mood": "sleepy"},
        "palette": {"template_id": template.pk, "title": "x", "palette": "sepia"},
        "genres": {"template_id": template.pk, "title": "x", "genres": ["g"] * 11},
    }
    for field, body in cases.items():
        response = user_client.post(PREVIEW, body, format="json")
        assert response.status_code == 422, field
        assert field in response.json()["errors"], (field, response.json())
    assert CoverPreview.objects.count() == 0


def test_inactive_templates_cannot_be_previewed(user_client, cover_templates):
    template = cover_templates["trap-smoke"]
    template.active = False
    template.save()

    response = preview(user_client, template)

    assert response.status_code == 422
    assert "template_id" in response.json()["errors"]


def test_preview_needs_a_signed_in_user(api_client, cover_templates):
    assert preview(api_client, cover_templates["trap-smoke"]).status_code == 401


@override_settings(THROTTLE_RATES={**settings.THROTTLE_RATES, "upload": "2/min"})
def test_previews_use_the_upload_rate_limit(user_client, cover_templates):
    template = cover_templates["minimal-type"]

    codes = [preview(user_client, template, seed=str(n)).status_code for n in range(3)]

    assert codes == [200, 200, 429]


def test_expired_previews_are_cleaned_up_with_their_files(
    user_client, cover_templates, fake_clock, django_capture_on_commit_callbacks
):
    template = cover_templates["minimal-type"]
    old = preview(user_client, template, seed="old").json()["preview_url"]
    fake_clock.advance(seconds=settings.COVERART_PREVIEW_TTL_SECONDS - 60)
    kept = preview(user_client, template, seed="kept").json()["preview_url"]
    fake_clock.advance(seconds=120)
    assert stored(old)

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("cleanup_cover_previews", stdout=out)

    assert out.getvalue().strip() == "deleted 1 expired preview(s)"
    assert list(CoverPreview.objects.values_list("path", flat=True)) == [
        kept.removeprefix(settings.MEDIA_URL)
    ]
    assert not stored(old)
    assert stored(kept)


def test_a_repeated_preview_stays_alive(user_client, cover_templates, fake_clock):
    template = cover_templates["minimal-type"]
    first = preview(user_client, template, seed="s").json()
    fake_clock.advance(seconds=settings.COVERART_PREVIEW_TTL_SECONDS - 10)
    second = preview(user_client, template, seed="s").json()

    assert second["preview_url"] == first["preview_url"]
    assert second["expires_at"] > first["expires_at"]


# --- matching -----------------------------------------------------------------------------------


def matching(client, **params):
    return client.get(MATCHING, params)


def test_matching_ranks_templates_by_genre_overlap_then_mood(user_client, cover_templates):
    response = matching(user_client, genres="trap,drill", mood="dark", limit=5)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "genres", "mood", "match", "templates"}
    assert body["genres"] == ["trap", "drill"]
    assert body["match"] == "genre"
    templates = body["templates"]
    assert len(templates) == 5
    overlaps = [len(t["matched_genres"]) for t in templates]
    assert overlaps == sorted(overlaps, reverse=True)
    assert overlaps[0] == 2
    both = [t for t in templates if len(t["matched_genres"]) == 2]
    dark_first = [("dark" in t["moods"]) for t in both]
    assert dark_first == sorted(dark_first, reverse=True)
    assert all(t["preview_url"] for t in templates)


def test_matching_is_stable_for_a_track_and_differs_between_tracks(
    user_client, producer_artist, cover_templates
):
    trap = GenreFactory(name="trap")
    tracks = [TrackFactory(artists=[producer_artist], genres=[trap]) for _ in range(4)]

    def order(track):
        return [t["slug"] for t in matching(user_client, track_id=track.pk).json()["templates"]]

    assert order(tracks[0]) == order(tracks[0])
    assert len({tuple(order(t)) for t in tracks}) > 1


def test_track_supplies_genres_and_mood(user_client, producer_artist, cover_templates):
    rnb = GenreFactory(name="r-n-b")
    track = TrackFactory(artists=[producer_artist], genres=[rnb], bpm=72, scale="minor")

    body = matching(user_client, track_id=track.pk).json()

    assert body["genres"] == ["r-n-b"]
    assert body["mood"] == "melancholic"
    assert all("r-n-b" in t["genres"] for t in body["templates"])


def test_unknown_genre_falls_back_to_related_genres(user_client, cover_templates):
    body = matching(user_client, genres="grime").json()

    assert body["match"] == "related"
    assert body["templates"]
    assert all(t["match"] == "related" for t in body["templates"])
    assert all({"hip-hop", "trap", "drill", "boom-bap", "lo-fi"} & set(t["genres"])
               for t in body["templates"])  # fmt: skip


def test_nothing_related_offers_every_template_by_mood(user_client, cover_templates):
    body = matching(user_client, genres="polka", mood="uplifting", limit=3).json()

    assert body["match"] == "any"
    assert "uplifting" in body["templates"][0]["moods"]


def test_matching_needs_genres(user_client, cover_templates):
    response = matching(user_client)

    assert response.status_code == 422
    assert "genres" in response.json()["errors"]


def test_hidden_track_is_404(other_client, producer_artist, cover_templates):
    private = TrackFactory(artists=[producer_artist], visibility=Visibility.PRIVATE)

    assert matching(other_client, track_id=private.pk).status_code == 404


def test_matching_limit_is_validated(user_client, cover_templates):
    assert matching(user_client, genres="trap", limit=500).status_code == 422
