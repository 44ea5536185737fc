"""Export bodies: CSV and JSON streamed row by row, the PDF report built from the API's
own analytics dicts."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

import orjson

from content.analytics.selectors.stats import EXPORT_COLUMNS

EXPORT_FORMATS = (
    {
        "id": "csv",
        "name": "CSV",
        "description": "One row per day and track: plays, listeners, listen time, completed "
        "plays, likes, downloads, licenses. Opens in any spreadsheet.",
        "content_type": "text/csv",
    },
    {
        "id": "json",
        "name": "JSON",
        "description": "The period's summary, daily chart series and the same daily rows as "
        "the CSV, for developers and custom analysis.",
        "content_type": "application/json",
    },
    {
        "id": "pdf",
        "name": "PDF Report",
        "description": "A printable report: key metrics against the previous period, the plays "
        "chart and the top tracks.",
        "content_type": "application/pdf",
    },
)


class _Echo:
    """The file-like object ``csv.writer`` writes to: hands each line back instead of storing
    it (Django's documented pattern for streaming large CSV files)."""

    def write(self, value: str) -> str:
        return value


def _csv_safe(value):
    """Spreadsheets run cells starting with = + - @ as formulas: track names are user input."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_stream(rows: Iterable[tuple]) -> Iterator[bytes]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS).encode()
    for row in rows:
        yield writer.writerow([_csv_safe(v) for v in row]).encode()


def json_stream(*, head: dict, rows: Iterable[tuple]) -> Iterator[bytes]:
    """``{"success": true, "export": {...head, "rows": [...]}}`` written one row at a time."""
    opening = orjson.dumps({"success": True, "export": {**head, "rows": []}})
    # Everything up to the empty rows array, then the rows, then the closing brackets.
    prefix, suffix = opening[: -len(b"[]}}")], b"]}}"
    yield prefix + b"["
    first = True
    for row in rows:
        item = orjson.dumps(dict(zip(EXPORT_COLUMNS, row, strict=True)))
        yield item if first else b"," + item
        first = False
    yield suffix
