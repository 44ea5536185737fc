"""The candidate lookup of the duplicate search (``selectors._candidates``): on PostgreSQL the
``fingerprint_candidates`` function over the postings (``FingerprintTerm``, kept by a trigger),
elsewhere ``fpmatch.rank_candidates``; both keep the rows sharing at least two terms with the
query, most shared first."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.fingerprints import selectors
from content.fingerprints.models import Fingerprint, FingerprintTerm
from content.tests.factories import TrackFactory

pytestmark = pytest.mark.django_db

QUERY = [2, 3, 4, 5, 7, 8, 11]


def stored(terms: list[int], status: str = Fingerprint.Status.COMPLETED) -> int:
    track = TrackFactory()
    Fingerprint.objects.create(
        track=track, status=status, items=[1, 2, 3], hash="h" * 64, terms=terms
    )
    return track.pk


def test_candidates_share_at_least_two_terms_with_the_query_most_first():
    pair = stored([4, 11, 101])  # 2 shared
    best = stored([2, 3, 5, 7, 100])  # 4 shared
    tie = stored([3, 5, 7, 11])  # 4 shared, a later id
    three = stored([2, 4, 8, 102])  # 3 shared
    stored([8, 103])  # a single chance term
    stored([200, 201])  # nothing in common

    rows = selectors._candidates(QUERY, exclude=[], limit=10)

    assert [row[0] for row in rows] == [best, tie, three, pair]
    assert list(rows[0][1]) == [1, 2, 3]
    assert [row[0] for row in selectors._candidates(QUERY, exclude=[], limit=2)] == [best, tie]


def test_excluded_tracks_and_unfinished_rows_are_not_candidates():
    mine = stored([2, 3])
    stored([4, 5], status=Fingerprint.Status.PENDING)
    other = stored([8, 11])

    rows = selectors._candidates(QUERY, exclude=[mine], limit=10)

    assert [row[0] for row in rows] == [other]


def test_on_postgresql_the_lookup_is_one_statement_that_leaves_the_session_settings_alone():
    # the function sets its planner options for its own run only (see migration 0022)
    stored([2, 3])
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan')")
        before = cursor.fetchone()[0]

    with CaptureQueriesContext(connection) as queries:
        assert len(selectors._candidates(QUERY, exclude=[], limit=10)) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan')")
        after = cursor.fetchone()[0]

    assert len(queries.captured_queries) == 1
    assert after == before


def test_fingerprints_come_back_whole_from_the_binary_array_format():
    items = [0, -1, 2**31 - 1, -(2**31), 123456789] * 300
    track = TrackFactory()
    Fingerprint.objects.create(
        track=track, status="completed", items=items, tuned_items=[], hash="h" * 64, terms=[2, 3]
    )
    other = TrackFactory()
    Fingerprint.objects.create(
        track=other, status="completed", items=[5], tuned_items=None, hash="h" * 64, terms=[4, 5]
    )

    rows = {row[0]: row for row in selectors._candidates(QUERY, exclude=[], limit=10)}

    assert rows[track.pk][1].tolist() == items
    assert rows[track.pk][2].tolist() == []
    assert rows[other.pk][1].tolist() == [5]
    assert rows[other.pk][2] is None


def test_int4_array_refuses_what_it_cannot_read():
    two_dimensional = np.array([2, 0, 23, 1, 1, 1, 1], ">i4").tobytes()

    with pytest.raises(ValueError, match="one-dimensional"):
        selectors.int4_array(two_dimensional)


def postings() -> set[tuple[int, int]]:
    return set(FingerprintTerm.objects.values_list("term", "fingerprint_id"))


def test_the_postings_follow_every_write_of_the_terms():
    track = TrackFactory()
    fingerprint = Fingerprint.objects.create(
        track=track, status="completed", items=[1], hash="h" * 64, terms=[5, 3, 5, 9]
    )
    assert postings() == {(3, fingerprint.pk), (5, fingerprint.pk), (9, fingerprint.pk)}

    fingerprint.terms = [9, 12]
    fingerprint.save()
    assert postings() == {(9, fingerprint.pk), (12, fingerprint.pk)}

    Fingerprint.objects.filter(pk=fingerprint.pk).update(status="failed", terms=[])
    assert postings() == set()

    Fingerprint.objects.filter(pk=fingerprint.pk).update(status="completed", terms=[4])
    other = Fingerprint.objects.create(
        track=TrackFactory(), status="completed", items=[1], hash="h" * 64, terms=[4, 7]
    )
    Fingerprint.objects.filter(pk=other.pk).update(error="unrelated column")
    assert postings() == {(4, fingerprint.pk), (4, other.pk), (7, other.pk)}

    track.delete()  # the fingerprint goes with its track
    assert postings() == {(4, other.pk), (7, other.pk)}


def fingerprint_rows_read() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) "
            "FROM pg_stat_xact_user_tables WHERE relname = 'content_fingerprint'"
        )
        return cursor.fetchone()[0]


def test_only_the_candidates_fingerprints_are_read():
    """The count of shared terms comes from the postings: fingerprints sharing a single term by
    chance (below the two a candidate needs) are never read, however many there are (the GIN
    design read and intersected the terms of each)."""
    for n in range(40):
        stored([2, 1000 + n])  # one chance term each
    best, pair = stored([2, 3, 5]), stored([7, 8])

    before = fingerprint_rows_read()
    rows = selectors._candidates(QUERY, exclude=[], limit=10)
    read = fingerprint_rows_read() - before

    assert [row[0] for row in rows] == [best, pair]
    assert read == 2
