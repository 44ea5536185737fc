"""Laravel-shaped pagination.

``{"data", "current_page", "per_page", "total", "last_page", "from", "to"}`` at the top level
(plus ``"total_is_estimate": true`` when the total is an estimate); ``?cursor=`` switches to
keyset mode, ``{"data", "per_page", "next_cursor", "prev_cursor"}`` (Laravel's cursor paginator).

A page costs what the page costs, not what the catalogue costs: the total comes
from a caller-supplied exact counter when there is one (``total=``, e.g. the trigger-kept
``TrackCount`` rows), otherwise from a count capped at ``PAGINATION_COUNT_CAP`` rows, beyond
which it is the planner's estimate and ``total_is_estimate`` is true. Deep readers use the
cursor: ``WHERE (order key) < (last row's key)`` walks the ordering index from where the last
page ended, where ``page=N`` must skip ``(N - 1) * per_page`` rows.
"""

from __future__ import annotations

import base64
import datetime
import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

DEFAULT_PER_PAGE = 15
MAX_PER_PAGE = 100
MAX_PAGE_NUMBER = 1_000_000_000


def _int_param(request, names: Sequence[str], default: int, *, bounds: str) -> int:
    """``bounds`` is what the error message says valid values are, e.g. "from 1 to 100"."""
    for name in names:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            continue
        label = names[0].replace("_", " ")
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ValidationError(
                {names[0]: [f"The {label} field must be an integer {bounds}."]}
            ) from None
        if abs(value) > MAX_PAGE_NUMBER:
            # Clamping would be fine for per_page, but a page number this large is a client bug,
            # and echoing it back (or computing its OFFSET) overflows 64-bit integers.
            raise ValidationError(
                {names[0]: [f"The {label} field may not be greater than {MAX_PAGE_NUMBER}."]}
            )
        return value
    return default


class Page:
    """One page of a queryset: the slice plus the numbers the wire format needs."""

    def __init__(
        self,
        items: list,
        *,
        number: int,
        per_page: int,
        total: int,
        estimated: bool = False,
        next_cursor: str | None = None,
        cursor_mode: bool = False,
    ) -> None:
        self.items = items
        self.number = number
        self.per_page = per_page
        self.total = total
        self.estimated = estimated
        self.next_cursor = next_cursor
        self.cursor_mode = cursor_mode

    @property
    def last_page(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def envelope(self, data: list[Any]) -> dict[str, Any]:
        if self.cursor_mode:
            return {
                "data": data,
                "per_page": self.per_page,
                "next_cursor": self.next_cursor,
                "prev_cursor": None,
            }
        first = (self.number - 1) * self.per_page + 1
        return {
            "current_page": self.number,
            "data": data,
            "from": first if data else None,
            "last_page": self.last_page,
            "per_page": self.per_page,
            "to": first + len(data) - 1 if data else None,
            "total": self.total,
            # Only when true, so exact pages keep Laravel's shape key for key.
            **({"total_is_estimate": True} if self.estimated else {}),
        }


def _can_defer_join(queryset) -> bool:
    """Only where one row is one primary key, so "the page's keys" means "the page's rows"."""
    if not isinstance(queryset, QuerySet):
        return False
    query = queryset.query
    multivalued_join = any(
        getattr(join.join_field, "one_to_many", False)
        or getattr(join.join_field, "many_to_many", False)
        for join in query.alias_map.values()
        if hasattr(join, "join_field")
    )
    return (
        not multivalued_join
        and not query.is_sliced
        and not query.distinct
        and query.combinator is None
        and query.group_by is None
        and connections[queryset.db].features.allow_sliced_subqueries_with_in
    )


def page_slice(queryset, offset: int, limit: int) -> list:
    """Rows ``offset .. offset + limit`` of ``queryset``, in its order.

    For a plain QuerySet this is a "deferred join": a subquery picks the page's primary keys
    using only the filter and ordering columns, and the selected columns (including per-row
    subqueries such as ``is_liked``) are computed for those keys alone. A plain
    ``LIMIT/OFFSET`` makes PostgreSQL compute them for every skipped row too; on the 100k
    bench the page query drops from ~5 ms to ~1 ms (bench/README.md). Same rows, same order,
    still one query.
    """
    return list(page_query(queryset, offset, limit))


def page_query(queryset, offset: int, limit: int):
    """The query of ``page_slice`` (a sliced or deferred-join queryset), not yet run: for a
    caller that compiles it once (``beatpass.api.compiled``)."""
    if not _can_defer_join(queryset):
        return queryset[offset : offset + limit]
    keys = queryset.values("pk")[offset : offset + limit]
    return queryset.filter(pk__in=keys)


def count_capped(queryset, *, index_order: Sequence[str] = ()) -> tuple[int, bool]:
    """(total, is_estimate): exact up to ``PAGINATION_COUNT_CAP`` rows, the planner's estimate
    beyond (never below the cap), so an arbitrary filter never counts the whole catalogue.

    ``index_order``: the columns of an index that covers the filter (e.g. ``("bpm",)``); the
    capped rows are then read in its order, which makes the planner walk that index instead
    of scanning the table until ``cap + 1`` rows match (its choice for a LIMIT with a
    selective filter on a large table)."""
    if not isinstance(queryset, QuerySet):
        return len(queryset), False
    cap = settings.PAGINATION_COUNT_CAP
    counted = queryset.values("pk").order_by(*index_order)[: cap + 1].count()
    if counted <= cap:
        return counted, False
    estimate = cap + 1
    if connections[queryset.db].vendor == "postgresql":
        plan = json.loads(queryset.values("pk").order_by().explain(format="json"))
        estimate = max(estimate, int(plan[0]["Plan"]["Plan Rows"]))
    return estimate, True


def paginate(
    queryset,
    request,
    *,
    default_per_page: int = DEFAULT_PER_PAGE,
    total: Callable[[], int | tuple[int, bool]] | None = None,
    page_rows: Callable[[int, int], list] | None = None,
    cursor_rows: Callable[[list | None, int], list] | None = None,
    cursor_order: list[tuple[str, bool]] | None = None,
) -> Page:
    """``per_page`` is clamped to 1..100, ``page`` to >= 1; non-integers 422. ``total`` is an
    exact counter for this list, or ``(count, is_estimate)`` (else a capped count);
    ``?cursor=`` switches to keyset mode.
    ``page_rows(offset, limit)``: reads a page's rows in place of ``page_slice`` (the same
    rows; e.g. a page query compiled once); ``cursor_rows(after, limit)`` likewise for a
    cursor page: the rows after the cursor's key values (None: the first page), in
    ``cursor_order`` (default: the queryset's ordering).
    ``queryset`` may also be a function returning it, called only when something needs the
    queryset (a capped count, a page without ``page_rows``...): building a rich queryset
    costs more than a page read by ``page_rows``."""
    if callable(queryset) and not isinstance(queryset, QuerySet):
        queryset = _Deferred(queryset)
    per_page = _int_param(
        request,
        ("per_page", "perPage", "limit"),
        default_per_page,
        bounds=f"from 1 to {MAX_PER_PAGE} (larger values are clamped to {MAX_PER_PAGE})",
    )
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    if "cursor" in request.query_params:
        return cursor_page(
            queryset, request.query_params["cursor"], per_page, read=cursor_rows, order=cursor_order
        )
    number = max(_int_param(request, ("page",), 1, bounds="of at least 1"), 1)
    if total is not None:
        count = total()
        count, estimated = count if isinstance(count, tuple) else (count, False)
    else:
        count, estimated = count_capped(_built(queryset))
    offset = (number - 1) * per_page
    read = page_rows or (lambda offset, limit: page_slice(_built(queryset), offset, limit))
    items = read(offset, per_page) if estimated or offset < count else []
    return Page(items, number=number, per_page=per_page, total=count, estimated=estimated)


class _Deferred:
    """A queryset not built yet (``paginate``'s ``queryset`` given as a function)."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._built = None

    def get(self):
        if self._built is None:
            self._built = self._build()
        return self._built


def _built(queryset):
    return queryset.get() if isinstance(queryset, _Deferred) else queryset


# --- cursor (keyset) mode -------------------------------------------------------------------------
CURSOR_ERROR = "The cursor is invalid or does not belong to this list and order."


def _cursor_error() -> ValidationError:
    return ValidationError({"cursor": [CURSOR_ERROR]})


def _ordering(queryset) -> list[tuple[str, bool]]:
    """[(field, descending)] of a queryset's ORDER BY, if keyset paging can follow it: plain
    columns of the model, all in one direction, ending with the primary key (unique)."""
    fields = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    order = [(f.lstrip("-"), f.startswith("-")) for f in fields if isinstance(f, str)]
    if (
        len(order) != len(fields)
        or not order
        or order[-1][0] not in ("id", "pk")
        or len({desc for _, desc in order}) != 1
        or any("__" in name for name, _ in order)
    ):
        raise ValidationError({"cursor": ["This list cannot be read with a cursor."]})
    return order


def _encode(value):
    if isinstance(value, datetime.datetime):
        return {"dt": value.isoformat()}
    return value


def _decode(value):
    if isinstance(value, dict) and set(value) == {"dt"} and isinstance(value["dt"], str):
        return datetime.datetime.fromisoformat(value["dt"])
    if value is None or isinstance(value, (int, str)):
        return value
    raise _cursor_error()


def make_cursor(order: list[tuple[str, bool]], values: list) -> str:
    payload = {"o": [("-" if desc else "") + name for name, desc in order]}
    payload["v"] = [_encode(v) for v in values]
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_cursor(token: str, order: list[tuple[str, bool]]) -> list | None:
    if token == "":
        return None  # the first page
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        fields, values = payload["o"], payload["v"]
    except (ValueError, TypeError, KeyError):
        raise _cursor_error() from None
    expected = [("-" if desc else "") + name for name, desc in order]
    if fields != expected or not isinstance(values, list) or len(values) != len(order):
        raise _cursor_error()
    return [_decode(v) for v in values]


def after(order: list[tuple[str, bool]], values: list) -> Q:
    """Rows strictly after ``values`` in ``order``: (a, b, id) < (va, vb, vid) expanded, with
    the leading column's bound first so it becomes the index range."""
    condition = Q()
    for i in range(len(order) - 1, -1, -1):
        name, desc = order[i]
        strictly = Q(**{f"{name}__{'lt' if desc else 'gt'}": values[i]})
        equal_before = Q(**{order[j][0]: values[j] for j in range(i)})
        condition = (equal_before & strictly) | condition if i else strictly | condition
    name, desc = order[0]
    leading = Q(**{f"{name}__{'lte' if desc else 'gte'}": values[0]})
    return leading & condition


def cursor_page(
    queryset,
    token: str,
    per_page: int,
    *,
    read: Callable[[list | None, int], list] | None = None,
    order: list[tuple[str, bool]] | None = None,
) -> Page:
    """``read(after, limit)``: reads the rows after the key values ``after`` (None: from the
    start) in place of ``page_slice`` of the filtered queryset (the same rows), whose
    ordering is ``order`` (default: read from the queryset)."""
    if read is None or order is None:
        queryset = _built(queryset)
        order = _ordering(queryset)
    model_qs = queryset
    values = read_cursor(token, order)
    if any(v is None for v in values or []):
        raise _cursor_error()
    if read is not None:
        items = read(values, per_page)
    else:
        if values is not None:
            queryset = queryset.filter(after(order, values))
        items = page_slice(queryset, 0, per_page)
    next_cursor = None
    if len(items) == per_page:
        last = items[-1]
        names = [name if name != "pk" else "id" for name, _ in order]
        if isinstance(last, dict) and all(n in last for n in names):
            key = [last[n] for n in names]
        else:
            pk = last["id"] if isinstance(last, dict) else last.pk
            model_qs = _built(model_qs)
            key = list(model_qs.model._default_manager.filter(pk=pk).values_list(*names).get())
        next_cursor = make_cursor(order, key) if None not in key else None
    return Page(items, number=1, per_page=per_page, total=0, next_cursor=next_cursor,
                cursor_mode=True)  # fmt: skip


class LaravelPagination(BasePagination):
    """DRF adapter around :func:`paginate` for generic list views."""

    page: Page | None = None

    def paginate_queryset(self, queryset, request, view=None):
        self.page = paginate(queryset, request)
        return self.page.items

    def get_paginated_response(self, data):
        return Response(self.page.envelope(list(data)))

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["data", "current_page", "per_page", "total", "last_page", "from", "to"],
            "properties": {
                "data": schema,
                "current_page": {"type": "integer", "example": 1},
                "per_page": {"type": "integer", "example": 15},
                "total": {"type": "integer", "example": 150},
                "last_page": {"type": "integer", "example": 10},
                "from": {"type": "integer", "nullable": True, "example": 1},
                "to": {"type": "integer", "nullable": True, "example": 15},
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "required": False,
                "in": "query",
                "description": "Page number (default 1).",
                "schema": {"type": "integer"},
            },
            {
                "name": "per_page",
                "required": False,
                "in": "query",
                "description": "Items per page (1-100, default 15).",
                "schema": {"type": "integer"},
            },
        ]
