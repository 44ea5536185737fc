"""The models and their migrations agree: a model change committed without its migration would
pass every other test (the test database is built from the migrations) and then fail, or do
nothing, on a deployed database."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db  # makemigrations checks the applied history's consistency
def test_every_model_change_has_its_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:  # --check exits 1 when a migration is missing
        raise AssertionError(f"missing migrations:\n{out.getvalue()}") from exit_
