"""Query parameters of the search endpoints: validation only (422 with the field's message)."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework.exceptions import ValidationError

from content.search.backends.base import DEFAULT_TYPES, TYPES
from content.search.parsing import MAX_QUERY_LENGTH
from content.search.stations import MAX_SEED

DEFAULT_LIMIT, MAX_LIMIT = 3, 50
DEFAULT_PER_PAGE = 15
MAX_SUGGESTIONS = 10
DEFAULT_SIMILAR, MAX_SIMILAR = 20, 50
_PLURALS = {f"{t}s": t for t in TYPES}
_TRUE = {"1", "true", "yes", "on"}


def _integer(params, names: tuple[str, ...], default: int, *, low: int, high: int) -> int:
    """The first of ``names`` given, clamped to ``low..high``; 422 unless an integer."""
    for name in names:
        raw = params.get(name)
        if raw is None or raw == "":
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ValidationError({names[0]: [f"The {names[0]} field must be an integer."]})
        return min(max(value, low), high)
    return default


def _query(params, *, required: bool) -> str:
    raw = params.get("query", "")
    if len(raw) > MAX_QUERY_LENGTH:
        raise ValidationError(
            {"query": [f"The query may not be greater than {MAX_QUERY_LENGTH} characters."]}
        )
    query = " ".join(raw.split())
    if required and not query:
        raise ValidationError({"query": ["The query field is required."]})
    return query


@dataclass(frozen=True)
class SearchInput:
    query: str
    types: tuple[str, ...]
    limit: int
    page: int | None  # the single-type, paginated mode
    per_page: int

    @classmethod
    def from_params(cls, params) -> SearchInput:
        query = _query(params, required=True)
        types: list[str] = []
        for part in params.get("types", "").split(","):
            name = part.strip().lower()
            if not name:
                continue
            name = _PLURALS.get(name, name)
            if name not in TYPES:
                raise ValidationError(
                    {"types": [f"'{part.strip()[:40]}' is not a type: {', '.join(TYPES)}."]}
                )
            if name not in types:
                types.append(name)
        paginated = any(params.get(n) for n in ("page", "per_page", "perPage"))
        if paginated and len(types) != 1:
            raise ValidationError(
                {"types": ["Paginated results need exactly one type (types=track&page=2)."]}
            )
        return cls(
            query=query,
            types=tuple(types) or DEFAULT_TYPES,
            limit=_integer(params, ("limit",), DEFAULT_LIMIT, low=1, high=MAX_LIMIT),
            page=_integer(params, ("page",), 1, low=1, high=10_000) if paginated else None,
            per_page=_integer(
                params, ("per_page", "perPage"), DEFAULT_PER_PAGE, low=1, high=MAX_LIMIT
            ),
        )


@dataclass(frozen=True)
class SuggestionInput:
    query: str
    limit: int
    list_all: bool
    exclude_self: bool

    @classmethod
    def from_params(cls, params) -> SuggestionInput:
        return cls(
            query=_query(params, required=False),
            limit=_integer(
                params,
                ("perPage", "per_page", "limit"),
                MAX_SUGGESTIONS,
                low=1,
                high=MAX_SUGGESTIONS,
            ),
            list_all=params.get("listAll", "").lower() in _TRUE,
            exclude_self=params.get("excludeSelf", "").lower() in _TRUE,
        )


def similar_limit(params) -> int:
    return _integer(params, ("limit",), DEFAULT_SIMILAR, low=1, high=MAX_SIMILAR)


def radio_seed(params) -> int | None:
    raw = params.get("seed")
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_SEED:
        raise ValidationError({"seed": [f"The seed must be an integer from 0 to {MAX_SEED}."]})
    return int(raw)
