"""Operator commands: load the shipped templates again; the periodic cleanup is registered."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from coverart import presets
from coverart.models import CoverTemplate

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("load_cover_templates", *args, stdout=out)
    return out.getvalue()


def test_load_creates_missing_templates_and_update_restores_edits(cover_templates):
    CoverTemplate.objects.filter(slug="trap-smoke").delete()
    edited = CoverTemplate.objects.get(slug="minimal-type")
    edited.name = "Edited"
    edited.save()

    assert "created 1, updated 0" in run()
    assert CoverTemplate.objects.get(slug="minimal-type").name == "Edited"
    assert f"updated {len(presets.load())}" in run("--update")
    assert CoverTemplate.objects.get(slug="minimal-type").name == "Minimal"


def test_previews_option_renders_every_preview(cover_templates):
    run("--previews")

    assert not CoverTemplate.objects.filter(preview="").exists()


def test_preview_cleanup_is_a_periodic_task():
    from content.management.commands.setup_periodic_tasks import PERIODIC_TASKS

    assert any(task == "coverart.cleanup_previews" for task, _ in PERIODIC_TASKS.values())
