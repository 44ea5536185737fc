"""Property-based fuzzing of the whole API against its own OpenAPI document (schemathesis).

Every operation gets a few generated requests, in-process through Django's WSGI handler, as an
anonymous caller and as a producer who owns a small catalog. Each answer must not be a 5xx and
must match the schema documented for its status code. ``make fuzz`` runs the same test with
many more examples per operation (``FUZZ_EXAMPLES``).

Each request runs in a savepoint that is rolled back, so a generated DELETE or logout cannot
starve the operations fuzzed after it; the throttle counters are cleared for the same reason.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from beatpass.accounts.models import Notification
from content.catalog.models import TrackLike, Visibility
from content.lyrics.models import Lyric
from content.playlists.tests.factories import PlaylistFactory
from content.tests.factories import (
    AlbumFactory,
    ArtistFactory,
    GenreFactory,
    TagFactory,
    TrackFactory,
    UserFactory,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
SEED = int(os.environ.get("FUZZ_SEED") or 20261201)  # make fuzz FUZZ_SEED=n: other inputs
CHECKS = [not_a_server_error, response_schema_conformance]

pytestmark = [pytest.mark.django_db]


_LOADED: dict = {}


@pytest.fixture
def in_process_schema():
    """The API's schema, loaded once from ``/api/v1/schema`` through the in-process WSGI app;
    the test's connection (and its transaction) is kept across requests, as Django's test
    client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    if "schema" not in _LOADED:
        _LOADED["schema"] = schemathesis.openapi.from_wsgi("/api/v1/schema", get_wsgi_application())
    yield _LOADED["schema"]
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _catalog() -> dict:
    """A small demo-like catalog: a producer with an artist, an album, public and private
    tracks with genre and tag, likes, a playlist, lyrics, a notification (Spotify answers
    from a loopback stub and the credit roles are seeded, as in the demo)."""
    producer = UserFactory(name="Producer")
    artist = ArtistFactory(name="Producer Artist", managers=[producer])
    guest = ArtistFactory(name="Guest Artist")
    genre, tag = GenreFactory(name="hip-hop"), TagFactory(name="dark")
    album = AlbumFactory(artists=[artist])
    tracks = [
        TrackFactory(artists=[artist, guest], genres=[genre], tags=[tag], album=album)
        for _ in range(3)
    ]
    private = TrackFactory(artists=[artist], visibility=Visibility.PRIVATE)
    TrackLike.objects.create(user=producer, track=tracks[0])
    playlist = PlaylistFactory(owner=producer, tracks=tracks)
    Lyric.objects.create(track=tracks[0], text="[00:01.00] hey", created_by=producer)
    notification = Notification.objects.create(user=producer, kind="demo", title="Hello")
    ids = [t.pk for t in [*tracks, private]] + [
        artist.pk,
        guest.pk,
        album.pk,
        playlist.pk,
        notification.pk,
        producer.pk,
    ]
    return {"producer": producer, "ids": ids, "names": [genre.name, tag.name]}


def _with_known_values(case, data, catalog) -> None:
    """Half the time, point path parameters at rows that exist, so requests get past 404."""
    for name, value in (case.path_parameters or {}).items():
        if not data.draw(st.booleans(), label=f"known {name}"):
            continue
        known = catalog["names"] if isinstance(value, str) and not value.isdigit() else None
        choices = known or [str(i) if isinstance(value, str) else i for i in catalog["ids"]]
        case.path_parameters[name] = data.draw(st.sampled_from(choices), label=name)


@pytest.mark.parametrize("identity", ["anonymous", "producer"])
def test_fuzz_every_operation_no_5xx_and_responses_match_the_schema(
    identity, in_process_schema, spotify_stub, credit_roles
):
    catalog = _catalog()
    headers = {}
    if identity == "producer":
        token = RefreshToken.for_user(catalog["producer"]).access_token
        headers = {"Authorization": f"Bearer {token}"}
    schema = in_process_schema

    requests, statuses, server_errors, failures = Counter(), Counter(), [], []

    for result in schema.get_all_operations():
        operation = result.ok()

        @seed(SEED)
        @settings(
            max_examples=EXAMPLES,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: failures are collected
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), data=st.data())
        def fuzz(case, data):
            _with_known_values(case, data, catalog)
            cache.clear()
            with transaction.atomic():
                response = case.call(headers=headers)
                requests[case.operation.label] += 1
                statuses[f"{response.status_code // 100}xx"] += 1
                if response.status_code >= 500:
                    server_errors.append(f"{case.method} {case.formatted_path}")
                documented = case.operation.definition.raw["responses"]
                if response.status_code < 300 and str(response.status_code) not in documented:
                    # response_schema_conformance skips undocumented codes: a success the
                    # document does not list (a DELETE documented as 204 answering 200) is a lie.
                    failures.append(
                        f"{case.operation.label}: undocumented success {response.status_code}"
                    )
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except BaseExceptionGroup as failure:  # schemathesis' FailureGroup
                    failures.append(f"{case.operation.label}: {str(failure)[:600]}")
                transaction.set_rollback(True)

        fuzz()

    total = sum(requests.values())
    print(  # noqa: T201 - the figures `make fuzz` reports
        f"\nfuzz[{identity}]: {total} requests over {len(requests)} operations, "
        f"{len(server_errors)} 5xx, {len(failures)} schema violations, "
        f"answers by class {dict(sorted(statuses.items()))}"
    )
    assert len(requests) >= 140, "the fuzz run must reach every operation"
    problems = sorted(set(server_errors)) + sorted(set(failures))
    assert not problems, "\n\n".join(problems)
