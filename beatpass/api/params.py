"""Parsing helpers for path and query parameters (ids lists, ``with=``)."""

from __future__ import annotations

from rest_framework.exceptions import NotFound, ValidationError

MAX_BULK_IDS = 100


def parse_pk(raw) -> int:
    """A path id: digits only (at most 18, so it fits a bigint); anything else is a 404."""
    raw = str(raw)
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:  # "²".isdigit() too
        raise NotFound()
    return int(raw)


def parse_id_list(raw: str, *, field: str = "ids", limit: int = MAX_BULK_IDS) -> list[int]:
    """``"1,2,3"`` → ``[1, 2, 3]`` (deduplicated, order kept); 422 on anything else.

    An empty item (``1,,2`` or a trailing comma) is an error too: a client that built the list
    from a blank value must hear about it rather than get a silent partial delete.
    """
    parts = [p.strip() for p in str(raw).split(",")]
    if not any(parts):
        raise ValidationError({field: ["At least one id is required."]})
    if not all(parts):
        raise ValidationError({field: ["The list contains an empty id."]})
    ids: list[int] = []
    for part in parts:
        if not (part.isascii() and part.isdigit()) or len(part) > 18:
            raise ValidationError({field: [f"'{part[:32]}' is not a valid id."]})
        value = int(part)
        if value not in ids:
            ids.append(value)
    if len(ids) > limit:
        raise ValidationError({field: [f"At most {limit} ids can be given at once."]})
    return ids


def parse_with(request, allowed: set[str]) -> set[str]:
    raw = request.query_params.get("with", "")
    wanted = {part.strip() for part in raw.split(",") if part.strip()}
    # camelCase aliases from the OpenAPI file (topTracks) map to our snake_case names.
    aliases = {"topTracks": "top_tracks"}
    return {aliases.get(w, w) for w in wanted} & allowed
