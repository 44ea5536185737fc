"""``beatpass.api.compiled.CompiledQuery``: replaying a queryset compiled once with stand-ins
must answer exactly what the ORM answers for the real values, and refuse (loudly) a queryset
in which a stand-in does not reach the parameters unchanged."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat

from beatpass.accounts.models import Notification, User
from beatpass.api.compiled import CompiledQuery, StandInError

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def people():
    ana = User.objects.create(email="ana@example.com", name="Ana")
    bob = User.objects.create(email="bob@example.com", name="Bob", is_staff=True)
    cy = User.objects.create(email="cy@example.com", name="Cy")
    for i, (user, read) in enumerate([(ana, True), (ana, False), (bob, False), (ana, False)]):
        note = Notification.objects.create(
            user=user, kind=f"k.{i}", title=f"t{i}", data={"n": i, "tags": ["a", i]}
        )
        Notification.objects.filter(pk=note.pk).update(
            created_at=T0 + timedelta(days=i),
            read_at=T0 + timedelta(days=i, hours=1) if read else None,
        )
    return ana, bob, cy


def unread(shape, *, user_id, since):
    """Notifications of a user since an instant, with an Exists, a Count, a JSON key, an
    expression and datetimes, as values()."""
    newer = Notification.objects.filter(
        user=OuterRef("user"), created_at__gt=OuterRef("created_at")
    )
    queryset = (
        Notification.objects.filter(user_id=user_id, created_at__gte=since)
        .annotate(
            has_newer=Exists(newer),
            label=Concat(F("kind"), Value(":"), F("title")),
            n=F("data__n"),
        )
        .order_by("created_at", "id")
    )
    if shape == "unread":
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.values("id", "data", "created_at", "read_at", "has_newer", "label", "n")


def people_by(shape, *, name, user_id):
    queryset = (
        User.objects.filter(Q(name=name) | Q(pk=user_id))
        .annotate(notes=Count("notifications"))
        .order_by("pk")
    )
    if shape == "flat":
        return queryset.values_list("email", flat=True)
    return queryset.values_list("pk", "date_joined", "notes")


@pytest.mark.parametrize("prepared", [False, True])
def test_replay_equals_the_orm_for_values_exists_json_and_datetimes(people, prepared):
    ana, bob, cy = people
    query = CompiledQuery(unread, prepared=prepared, user_id=int, since=datetime)
    for shape in ("all", "unread"):
        for user in (ana, bob, cy):
            for since in (T0 - timedelta(days=1), T0 + timedelta(days=2), T0 + timedelta(days=9)):
                expected = list(unread(shape, user_id=user.pk, since=since))
                got = query.rows(shape, user_id=user.pk, since=since)
                assert got == expected
    got = query.rows("all", user_id=ana.pk, since=T0 - timedelta(days=1))
    assert [row["data"] for row in got] == [
        {"n": 0, "tags": ["a", 0]},
        {"n": 1, "tags": ["a", 1]},
        {"n": 3, "tags": ["a", 3]},
    ]  # converters applied: JSON decoded, not text
    assert [row["has_newer"] for row in got] == [True, True, False]
    assert got[0]["created_at"] == T0


@pytest.mark.parametrize("prepared", [False, True])
def test_replay_equals_the_orm_for_values_list_and_flat(people, prepared):
    ana, bob, cy = people
    query = CompiledQuery(people_by, prepared=prepared, name=str, user_id=int)
    for shape in ("flat", "tuples"):
        for name, user in (("Ana", bob), ("Cy", cy), ("nobody", ana), ("Bob", bob)):
            expected = list(people_by(shape, name=name, user_id=user.pk))
            assert query.rows(shape, name=name, user_id=user.pk) == expected
    assert query.rows("flat", name="Cy", user_id=bob.pk) == ["bob@example.com", "cy@example.com"]
    assert query.first("tuples", name="nobody", user_id=ana.pk)[2] == 3


def test_it_compiles_once_per_shape_and_runs_one_query(people, django_assert_num_queries):
    ana, _, _ = people
    built = []

    def build(shape, *, user_id):
        built.append(user_id)
        return Notification.objects.filter(user_id=user_id).values("id")

    query = CompiledQuery(build, user_id=int)
    for _ in range(3):
        with django_assert_num_queries(1):
            assert len(query.rows("s", user_id=ana.pk)) == 3
    query.rows("other", user_id=ana.pk)
    assert len(built) == 2
    assert all(user_id < 0 for user_id in built)  # built with stand-ins only


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_prepared_query_is_prepared_once_and_survives_a_rollback(
    people, django_assert_num_queries
):
    from django.db import transaction

    ana, bob, _ = people
    query = CompiledQuery(unread, prepared=True, user_id=int, since=datetime)
    since = T0 - timedelta(days=1)
    expected = list(unread("all", user_id=ana.pk, since=since))
    for _ in range(7):  # past the five custom plans: the generic one answers alike
        with django_assert_num_queries(1):
            assert query.rows("all", user_id=ana.pk, since=since) == expected
    assert sum("notification" in s for s in _prepared_statements()) == 1

    def read_then_fail():
        with transaction.atomic():
            assert len(query.rows("all", user_id=bob.pk, since=since)) == 1
            raise RuntimeError  # rolls the savepoint back

    with pytest.raises(RuntimeError):
        read_then_fail()
    with django_assert_num_queries(1) as captured:
        assert query.rows("all", user_id=ana.pk, since=since) == expected
    assert '"accounts_notification"' in captured.captured_queries[0]["sql"]


def test_prepared_statements_can_be_turned_off(people, settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    ana, _, _ = people
    query = CompiledQuery(unread, prepared=True, user_id=int, since=datetime)
    assert len(query.rows("all", user_id=ana.pk, since=T0)) == 3
    assert not any("notification" in s for s in _prepared_statements())


def test_threads_share_one_compiled_statement(people):
    # Other threads have their own connections (outside this test's transaction): they see
    # no rows, but they must all wait for the one compile rather than compile again.
    built = []

    def build(shape, *, user_id):
        built.append(user_id)
        time.sleep(0.05)  # a slow compile, so that the threads meet on it
        return Notification.objects.filter(user_id=user_id).values_list("kind", flat=True)

    query = CompiledQuery(build, user_id=int)
    barrier = threading.Barrier(6)

    def run(_):
        barrier.wait()
        try:
            return query.rows("s", user_id=people[1].pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(run, range(6)))  # re-raises a thread's error
    assert answers == [[]] * 6
    assert len(built) == 1
    assert query.rows("s", user_id=people[1].pk) == ["k.2"]  # this thread, same statement
    assert len(built) == 1


def test_a_stand_in_inlined_into_the_sql_raises(people):
    def inlined(shape, *, user_id):
        # the value formatted into the SQL text as well as passed as a parameter
        where = [f"id <> {user_id}"]
        return User.objects.filter(pk__gt=user_id).extra(where=where).values("pk")  # noqa: S610

    with pytest.raises(StandInError, match="inlined into the SQL"):
        CompiledQuery(inlined, user_id=int).rows("s", user_id=people[0].pk)


def test_a_stand_in_folded_or_transformed_raises(people):
    def folded(shape, *, user_id):  # the value only picks the shape: it is lost
        return User.objects.filter(is_staff=user_id > 0).values("pk")

    def transformed(shape, *, user_id):  # str() of the value: a different parameter
        return User.objects.filter(name=str(user_id), pk=user_id).values("pk")

    with pytest.raises(StandInError, match="not among the parameters"):
        CompiledQuery(folded, user_id=int).rows("s", user_id=1)
    with pytest.raises(StandInError, match="transformed"):
        CompiledQuery(transformed, user_id=int).rows("s", user_id=1)


def test_values_of_the_wrong_type_are_refused(people):
    query = CompiledQuery(unread, user_id=int, since=datetime)
    for bad in (
        {"user_id": None, "since": T0},
        {"user_id": True, "since": T0},
        {"user_id": "1", "since": T0},
        {"user_id": 1, "since": T0.date()},
        {"user": 1},
    ):
        with pytest.raises(TypeError):
            query.rows("all", **bad)


def test_other_databases_take_the_orm_path(people, monkeypatch):
    ana, _, _ = people
    monkeypatch.setattr(connection, "vendor", "sqlite")
    built = []

    def build(shape, *, user_id):
        built.append(user_id)
        return (
            Notification.objects.filter(user_id=user_id)
            .order_by("id")
            .values_list("title", flat=True)
        )

    query = CompiledQuery(build, user_id=int)
    assert query.rows("s", user_id=ana.pk) == ["t0", "t1", "t3"]
    assert built == [ana.pk]  # the real value: built by the ORM, nothing compiled


def long_unread(shape, *, user_id, since):
    """``unread`` with a statement text past psycopg's 4 KB conversion cache (a long comment,
    and a literal percent sign that must reach PostgreSQL as one)."""
    return (
        Notification.objects.filter(user_id=user_id, created_at__gte=since)
        .annotate(pad=RawSQL("'100%%' /* " + "x" * 5000 + " */", ()))  # noqa: S611 - constant
        .order_by("created_at", "id")
        .values("id", "kind", "pad")
    )


def test_a_long_prepared_statement_is_converted_once_per_text(people, monkeypatch):
    from psycopg import _queries

    ana, bob, _ = people
    converted = []
    original = _queries._query2pg_nocache

    def counting(query, encoding):
        if b"xxxxx" in query:
            converted.append(query)
        return original(query, encoding)

    monkeypatch.setattr(_queries, "_query2pg_nocache", counting)
    query = CompiledQuery(long_unread, prepared=True, user_id=int, since=datetime)
    for user in (ana, bob, ana, bob, ana, bob, ana):
        since = T0 - timedelta(days=1)
        expected = list(long_unread("all", user_id=user.pk, since=since))
        rows = query.rows("all", user_id=user.pk, since=since)
        assert rows == expected
        assert rows
        assert all(row["pad"] == "100%" for row in rows)
    assert len(converted) == 1  # seven replays, one conversion (the ORM binds client-side)


def test_a_prepared_query_writes_its_constants_into_the_text_and_keeps_its_values_apart(people):
    # given: a query whose shape has constant strings (a kind, a name with a quote and a %)
    ana, _, _ = people
    Notification.objects.create(user=ana, kind="it's 100%", data={})

    def build(shape, *, user_id):
        return Notification.objects.filter(
            user_id=user_id, kind__in=[shape, "it's 100%"]
        ).values_list("kind", flat=True)

    query = CompiledQuery(build, prepared=True, user_id=int)

    # when
    rows = query.rows("welcome", user_id=ana.pk)

    # then: the ORM's answer; the constants are literals, the user id still a parameter
    assert sorted(rows) == sorted(build("welcome", user_id=ana.pk))
    assert "it's 100%" in rows
    (statement,) = [s for s in _prepared_statements() if "accounts_notification" in s]
    assert "'welcome'" in statement
    assert "'it''s 100%'" in statement
    assert '"user_id" = $1' in statement


def test_inline_constants_renumbers_the_values_it_keeps():
    from beatpass.api.compiled import inline_constants

    sql, params, slots = inline_constants(
        "a = %s AND b = %s AND c = %s AND d LIKE '%%x' AND e = %s",
        ["public", 7, "it's", "kept"],
        [(1, "id"), (3, "name")],
    )
    assert sql == "a = 'public' AND b = %s AND c = 'it''s' AND d LIKE '%%x' AND e = %s"
    assert (params, slots) == ([7, "kept"], [(0, "id"), (1, "name")])
