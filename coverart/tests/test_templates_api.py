"""GET /cover-art/templates (paginated, filters, previews), GET /cover-art/templates/{id},
staff writes with spec validation (422 with paths)."""

from __future__ import annotations

import copy

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coverart.models import CoverTemplate

pytestmark = pytest.mark.django_db

URL = "/api/v1/cover-art/templates"
ITEM_KEYS = {"id", "name", "slug", "description", "genres", "moods", "preview_url", "model_type"}


def storage_name(url: str) -> str:
    from django.conf import settings

    return url.removeprefix(settings.MEDIA_URL)


def test_templates_need_a_signed_in_user(api_client, cover_templates):
    response = api_client.get(URL)

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


def test_list_is_a_laravel_page_of_templates_with_previews(user_client, cover_templates):
    response = user_client.get(URL, {"per_page": 5})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "current_page", "per_page", "total", "last_page", "from", "to"}
    assert body["total"] == CoverTemplate.objects.filter(active=True).count() >= 24
    assert body["per_page"] == 5
    assert len(body["data"]) == 5
    first = body["data"][0]
    assert set(first) == ITEM_KEYS
    assert first["model_type"] == "cover_template"
    assert first["preview_url"].endswith(".jpg")
    assert default_storage.exists(storage_name(first["preview_url"]))


def test_genre_and_mood_filters(user_client, cover_templates):
    trap = user_client.get(URL, {"genre": "Trap", "per_page": 100}).json()["data"]
    dark_drill = user_client.get(URL, {"genre": "drill", "mood": "dark", "per_page": 100}).json()
    rnb = user_client.get(URL, {"genre": "R&B", "per_page": 100}).json()["data"]

    assert trap
    assert all("trap" in t["genres"] for t in trap)
    assert dark_drill["total"] >= 2
    assert all("drill" in t["genres"] and "dark" in t["moods"] for t in dark_drill["data"])
    assert rnb
    assert all("r-n-b" in t["genres"] for t in rnb)


def test_unknown_mood_is_422(user_client, cover_templates):
    response = user_client.get(URL, {"mood": "sleepy"})

    assert response.status_code == 422
    assert "mood" in response.json()["errors"]


def test_inactive_templates_are_hidden_except_from_staff(
    user_client, staff_client, cover_templates
):
    hidden = cover_templates["trap-smoke"]
    hidden.active = False
    hidden.save()

    slugs = [t["slug"] for t in user_client.get(URL, {"per_page": 100}).json()["data"]]
    assert "trap-smoke" not in slugs
    assert user_client.get(f"{URL}/{hidden.pk}").status_code == 404
    assert staff_client.get(f"{URL}/{hidden.pk}").status_code == 200


def test_list_queries_do_not_grow_with_the_page(user_client, cover_templates):
    user_client.get(URL, {"per_page": 100})  # previews rendered once

    def count(per_page: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert user_client.get(URL, {"per_page": per_page}).status_code == 200
        return len(queries)

    assert count(1) == count(30)


def test_detail_has_palettes_and_spec(user_client, cover_templates):
    template = cover_templates["trap-neon-night"]

    response = user_client.get(f"{URL}/{template.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    item = body["template"]
    assert set(item) == ITEM_KEYS | {
        "palettes", "active", "sort_order", "spec_version", "spec", "created_at", "updated_at",
    }  # fmt: skip
    assert item["palettes"] == ["magenta", "cyan", "acid", "ember"]
    assert item["spec"] == template.spec
    assert item["spec_version"] == 1


def test_preview_is_rendered_once_and_redone_when_the_spec_changes(user_client, cover_templates):
    template = cover_templates["minimal-type"]
    first = user_client.get(f"{URL}/{template.pk}").json()["template"]["preview_url"]
    again = user_client.get(f"{URL}/{template.pk}").json()["template"]["preview_url"]

    template.spec["palettes"][0]["colors"]["bg"] = "#222222"
    template.save()
    changed = user_client.get(f"{URL}/{template.pk}").json()["template"]["preview_url"]

    assert first == again
    assert changed != first
    assert default_storage.exists(storage_name(changed))


@pytest.mark.parametrize("raw", ["abc", "0", "99999999", "1.5"])
def test_unknown_template_ids_are_404(user_client, cover_templates, raw):
    assert user_client.get(f"{URL}/{raw}").status_code == 404


# --- staff writes -------------------------------------------------------------------------------


def new_template_body(**changes):
    spec = {
        "version": 1,
        "palettes": [{"name": "one", "colors": {"bg": "#000000", "ink": "#ffffff"}}],
        "layers": [
            {"type": "background", "fill": {"kind": "solid", "color": "bg"}},
            {"type": "text", "content": "title", "font": "inter-bold", "box": [0.1, 0.1, 0.9, 0.9]},
        ],
    }
    body = {"name": "Plain", "genres": ["trap"], "moods": ["dark"], "spec": spec}
    body.update(changes)
    return body


def test_staff_create_a_template(staff_client, cover_templates):
    response = staff_client.post(URL, new_template_body(), format="json")

    assert response.status_code == 201
    item = response.json()["template"]
    assert item["slug"] == "plain"
    assert item["preview_url"]


def test_a_bad_spec_is_422_with_the_path_of_each_problem(staff_client, cover_templates):
    body = new_template_body()
    body["spec"]["layers"][1]["box"] = [0.9, 0.1, 0.1, 0.9]
    body["spec"]["layers"][0]["fill"]["color"] = "gold"

    response = staff_client.post(URL, body, format="json")

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "spec.layers.1.box" in errors
    assert "spec.layers.0.fill.color" in errors
    assert not CoverTemplate.objects.filter(name="Plain").exists()


def test_an_update_with_a_bad_spec_changes_nothing(staff_client, cover_templates):
    template = cover_templates["minimal-type"]
    before = copy.deepcopy(template.spec)
    broken = copy.deepcopy(before)
    broken["layers"][0]["type"] = "laser"

    response = staff_client.patch(f"{URL}/{template.pk}", {"spec": broken}, format="json")

    assert response.status_code == 422
    assert "spec.layers.0.type" in response.json()["errors"]
    template.refresh_from_db()
    assert template.spec == before


def test_staff_rename_a_template(staff_client, cover_templates):
    template = cover_templates["minimal-type"]

    response = staff_client.patch(f"{URL}/{template.pk}", {"name": "Bare"}, format="json")

    assert response.status_code == 200
    assert response.json()["template"]["name"] == "Bare"


def test_only_staff_write_templates(user_client, cover_templates):
    template = cover_templates["minimal-type"]

    assert user_client.post(URL, new_template_body(), format="json").status_code == 403
    assert (
        user_client.patch(f"{URL}/{template.pk}", {"name": "x"}, format="json").status_code == 403
    )


def test_duplicate_slug_is_422(staff_client, cover_templates):
    response = staff_client.post(URL, new_template_body(slug="minimal-type"), format="json")

    assert response.status_code == 422
    assert "slug" in response.json()["errors"]


def test_a_bad_spec_never_reaches_the_database_whatever_the_path(cover_templates):
    from django.core.exceptions import ValidationError

    template = cover_templates["minimal-type"]
    template.spec = {"version": 1}

    with pytest.raises(ValidationError) as caught:
        template.save()
    assert "spec" in caught.value.message_dict
