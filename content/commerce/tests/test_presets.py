"""Exclusive license presets: CRUD, one default per producer, in-use deletes, usage counts,
copy-on-apply, the producer's default for new tracks."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from conftest import bearer_client
from content.commerce.models import ExclusiveLicensePreset
from content.tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/exclusive-license-presets"


def create(client, name="Standard Exclusive", **extra):
    body = {"name": name, "config": {"publishing_producer_percent": 20}, **extra}
    return client.post(URL, body, format="json")


def test_create_list_and_usage_count(producer_client, producer_artist):
    response = create(producer_client, description="For most beats")
    assert response.status_code == 201, response.json()
    preset = response.json()["preset"]
    assert preset["config"]["publishing_licensee_percent"] == 80
    assert preset["config"]["territory"] == "Worldwide"
    assert preset["usage_count"] == 0
    for _ in range(2):
        track = TrackFactory(artists=[producer_artist])
        producer_client.put(
            f"/api/v1/tracks/{track.pk}", {"exclusive_preset_id": preset["id"]}, format="json"
        )
    listed = producer_client.get(URL).json()["presets"]
    assert [(p["id"], p["usage_count"]) for p in listed] == [(preset["id"], 2)]
    assert listed[0]["summary"] == "Publishing: 20% / 80%  •  Royalty: 3%  •  Used by 2 tracks"


def test_presets_are_private_to_their_owner(producer_client, user_client):
    preset_id = create(producer_client).json()["preset"]["id"]
    assert user_client.get(f"{URL}/{preset_id}").status_code == 404
    assert user_client.delete(f"{URL}/{preset_id}").status_code == 404
    assert user_client.get(URL).json()["presets"] == []


def test_one_default_per_producer(producer_client, producer):
    first = create(producer_client, name="A", is_default=True).json()["preset"]
    second = create(producer_client, name="B").json()["preset"]
    response = producer_client.post(f"{URL}/{second['id']}/set-default")
    assert response.status_code == 200
    assert response.json()["preset"]["is_default"] is True
    defaults = ExclusiveLicensePreset.objects.filter(owner=producer, is_default=True)
    assert list(defaults.values_list("pk", flat=True)) == [second["id"]]
    assert producer_client.get(f"{URL}/{first['id']}").json()["preset"]["is_default"] is False
    with pytest.raises(IntegrityError):
        ExclusiveLicensePreset.objects.filter(pk=first["id"]).update(is_default=True)


def test_a_preset_in_use_cannot_be_deleted(producer_client, producer_artist):
    preset_id = create(producer_client).json()["preset"]["id"]
    track = TrackFactory(artists=[producer_artist])
    producer_client.put(
        f"/api/v1/tracks/{track.pk}", {"exclusive_preset_id": preset_id}, format="json"
    )
    response = producer_client.delete(f"{URL}/{preset_id}")
    assert response.status_code == 409
    assert response.json()["error_code"] == "preset_in_use"
    assert response.json()["usage_count"] == 1
    producer_client.put(f"/api/v1/tracks/{track.pk}", {"exclusive_preset_id": None}, format="json")
    assert producer_client.delete(f"{URL}/{preset_id}").status_code == 204
    assert not ExclusiveLicensePreset.objects.exists()


def test_editing_a_preset_does_not_change_tracks_using_it(producer_client, producer_artist):
    preset_id = create(producer_client).json()["preset"]["id"]
    track = TrackFactory(artists=[producer_artist])
    producer_client.put(
        f"/api/v1/tracks/{track.pk}", {"exclusive_preset_id": preset_id}, format="json"
    )
    response = producer_client.put(
        f"{URL}/{preset_id}", {"config": {"publishing_producer_percent": 40}}, format="json"
    )
    assert response.json()["preset"]["config"]["publishing_producer_percent"] == 40
    track.refresh_from_db()
    assert track.exclusive_terms["publishing_producer_percent"] == 20


def test_someone_elses_preset_cannot_be_applied(producer_client, producer_artist):
    other = bearer_client(UserFactory())
    preset_id = create(other).json()["preset"]["id"]
    track = TrackFactory(artists=[producer_artist])
    response = producer_client.put(
        f"/api/v1/tracks/{track.pk}", {"exclusive_preset_id": preset_id}, format="json"
    )
    assert response.status_code == 422
    assert "exclusive_preset_id" in response.json()["errors"]


def test_invalid_config_and_duplicate_names_are_422(producer_client):
    bad = producer_client.post(
        URL,
        {"name": "X", "config": {"publishing_producer_percent": 150}},
        format="json",
    )
    assert bad.status_code == 422
    create(producer_client, name="Same")
    assert create(producer_client, name="Same").status_code == 422


def test_default_config_lists_the_platform_defaults(user_client):
    body = user_client.get(f"{URL}/default-config").json()
    assert body["config"]["publishing_producer_percent"] == 20
    assert body["config"]["files_to_deliver"] == ["wav", "wav_tagged", "mp3_320", "stems"]
    assert "Worldwide" in body["options"]["territories"]


def test_artist_default_applies_to_new_tracks(producer_client, producer):
    assert producer_client.get("/api/v1/artist/exclusive-license-default").json()["preset"] is None
    response = producer_client.post(
        "/api/v1/artist/exclusive-license-default",
        {"config": {"territory": "Canada", "producer_royalty_percent": 5}},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["config"]["territory"] == "Canada"
    assert response.json()["preset"]["is_default"] is True
    from content.catalog.services import track_create
    from content.tests.audio_helpers import stored_entry, tone_wav

    track = track_create(
        user=producer,
        data={
            "name": "New",
            "file_id": stored_entry(producer, tone_wav(1.0)).pk,
            "bpm": 90,
            "key": "C",
            "scale": "major",
            "genres": ["trap"],
            "artists": [producer.managed_artists.get().pk],
        },
    )
    assert track.exclusive_terms["territory"] == "Canada"
    assert track.exclusive_preset.name == "My default"


def test_preset_list_query_count_does_not_grow_with_presets(producer_client, producer_artist):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = create(producer_client, name="P0").json()["preset"]["id"]
    TrackFactory(artists=[producer_artist], exclusive_preset_id=first)
    with CaptureQueriesContext(connection) as one:
        assert len(producer_client.get(URL).json()["presets"]) == 1
    for n in range(1, 6):
        preset_id = create(producer_client, name=f"P{n}").json()["preset"]["id"]
        TrackFactory(artists=[producer_artist], exclusive_preset_id=preset_id)
    with CaptureQueriesContext(connection) as many:
        presets = producer_client.get(URL).json()["presets"]
    assert len(presets) == 6
    assert {p["usage_count"] for p in presets} == {1}
    assert len(many) == len(one)
