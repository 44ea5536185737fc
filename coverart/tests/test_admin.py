"""The template admin: thumbnails, live preview, inline spec errors, actions via services."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from coverart.models import CoverTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(db):
    from content.tests.factories import UserFactory

    user = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def change_url(template) -> str:
    return reverse("admin:coverart_covertemplate_change", args=[template.pk])


def form_data(template, **changes) -> dict:
    data = {
        "name": template.name,
        "slug": template.slug,
        "description": template.description,
        "genres": json.dumps(template.genres),
        "moods": json.dumps(template.moods),
        "spec": json.dumps(template.spec),
        "active": "on" if template.active else "",
        "sort_order": template.sort_order,
    }
    data.update(changes)
    return data


def test_changelist_shows_thumbnails(admin_client_, cover_templates):
    from coverart.services import template_previews_ensure

    template_previews_ensure(templates=CoverTemplate.objects.all())

    response = admin_client_.get(reverse("admin:coverart_covertemplate_changelist"))

    assert response.status_code == 200
    assert response.content.count(b"<img src=") >= 24


def test_change_page_has_the_json_editor_and_live_preview(admin_client_, cover_templates):
    response = admin_client_.get(change_url(cover_templates["trap-smoke"]))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="coverart-spec"' in page
    assert "Live preview" in page
    assert reverse("admin:coverart_covertemplate_live_preview") in page


def test_live_preview_renders_the_unsaved_spec(admin_client_, cover_templates):
    spec = cover_templates["trap-smoke"].spec

    response = admin_client_.post(
        reverse("admin:coverart_covertemplate_live_preview"),
        {"spec": json.dumps(spec), "title": "Draft", "artist": "Me", "palette": "1"},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response.content[:3] == b"\xff\xd8\xff"


def test_live_preview_reports_problems_by_path(admin_client_, cover_templates):
    spec = cover_templates["trap-smoke"].spec
    spec["layers"][0]["type"] = "laser"
    url = reverse("admin:coverart_covertemplate_live_preview")

    bad = admin_client_.post(url, {"spec": json.dumps(spec)})
    not_json = admin_client_.post(url, {"spec": "{oops"})

    assert bad.status_code == 422
    assert "spec.layers.0.type" in bad.json()["errors"]
    assert not_json.status_code == 422
    assert "Not valid JSON" in not_json.json()["errors"]["spec"][0]


def test_saving_a_bad_spec_shows_the_error_inline_and_saves_nothing(admin_client_, cover_templates):
    template = cover_templates["trap-smoke"]
    spec = json.loads(json.dumps(template.spec))
    spec["layers"][1]["fill"]["radius"] = 9

    response = admin_client_.post(change_url(template), form_data(template, spec=json.dumps(spec)))

    assert response.status_code == 200  # the form again, with errors
    assert "layers.1.fill.radius" in response.content.decode()
    template.refresh_from_db()
    assert template.spec["layers"][1]["fill"]["radius"] != 9


def test_saving_a_good_change_renders_a_new_preview(admin_client_, cover_templates):
    template = cover_templates["trap-smoke"]
    spec = json.loads(json.dumps(template.spec))
    spec["palettes"][0]["colors"]["accent"] = "#00ff00"

    response = admin_client_.post(change_url(template), form_data(template, spec=json.dumps(spec)))

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.spec["palettes"][0]["colors"]["accent"] == "#00ff00"
    assert template.preview


def test_duplicate_and_deactivate_actions(admin_client_, cover_templates):
    url = reverse("admin:coverart_covertemplate_changelist")
    smoke = cover_templates["trap-smoke"]

    admin_client_.post(url, {"action": "duplicate", "_selected_action": [smoke.pk]})
    admin_client_.post(url, {"action": "deactivate", "_selected_action": [smoke.pk]})

    copy = CoverTemplate.objects.get(slug="trap-smoke-copy")
    assert copy.active is False
    assert copy.spec == smoke.spec
    smoke.refresh_from_db()
    assert smoke.active is False
    admin_client_.post(url, {"action": "activate", "_selected_action": [smoke.pk, copy.pk]})
    assert CoverTemplate.objects.filter(pk__in=[smoke.pk, copy.pk], active=True).count() == 2


def test_cover_art_and_preview_admin_pages_load(admin_client_, cover_templates):
    for name in ("coverart_coverart_changelist", "coverart_coverpreview_changelist"):
        assert admin_client_.get(reverse(f"admin:{name}")).status_code == 200
