"""Exports: formats, CSV and JSON streamed and parsed back, the PDF report read back."""

from __future__ import annotations

import csv
import io
import json

import pytest
from pypdf import PdfReader

from content.analytics.tests.test_analytics_api import day, rollups  # noqa: F401 - fixture
from content.catalog.models import Track

EXPORT = "/api/v1/producer-intelligence/insights/export"


def test_the_three_formats_are_listed(producer_client):
    body = producer_client.get(f"{EXPORT}/formats").json()

    assert body["success"] is True
    assert [(f["id"], f["content_type"]) for f in body["formats"]] == [
        ("csv", "text/csv"),
        ("json", "application/json"),
        ("pdf", "application/pdf"),
    ]


def test_the_csv_export_streams_one_row_per_day_and_track(rollups, producer_client):  # noqa: F811
    response = producer_client.post(f"{EXPORT}/csv", {"period": "7-days"}, format="json")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == (
        f'attachment; filename="beatpass-artist-{rollups["artist"].pk}-7-days.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["date"], int(r["track_id"]), int(r["plays"])) for r in rows] == [
        (day(3).isoformat(), rollups["first"].pk, 3),
        (day(0).isoformat(), rollups["first"].pk, 5),
        (day(0).isoformat(), rollups["second"].pk, 2),
        (day(0).isoformat(), rollups["featured"].pk, 7),
    ]
    assert rows[1] == {
        "date": day(0).isoformat(),
        "track_id": str(rollups["first"].pk),
        "track_name": rollups["first"].name,
        "plays": "5",
        "listeners": "4",
        "listen_time_ms": "500000",
        "completed_plays": "2",
        "likes": "1",
        "downloads": "2",
        "licenses": "0",
    }


def test_csv_cells_cannot_become_spreadsheet_formulas(rollups, producer_client):  # noqa: F811
    Track.objects.filter(pk=rollups["first"].pk).update(name='=HYPERLINK("http://x","y")')

    response = producer_client.post(
        f"{EXPORT}/csv", {"type": "track", "id": rollups["first"].pk}, format="json"
    )

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {r["track_name"] for r in rows} == {'\'=HYPERLINK("http://x","y")'}


def test_the_json_export_has_the_summary_the_chart_and_the_rows(rollups, producer_client):  # noqa: F811
    response = producer_client.post(
        f"{EXPORT}/json",
        {"type": "albums", "id": rollups["album"].pk, "period": "7-days"},
        format="json",
    )

    assert response.status_code == 200
    assert response.streaming
    body = json.loads(b"".join(response.streaming_content))
    export = body["export"]
    assert body["success"] is True
    assert (export["scope"], export["album"]["id"], export["period"]) == (
        "album",
        rollups["album"].pk,
        "7-days",
    )
    assert export["summary"]["plays"] == {"total": 24, "period": 10, "previous_period": 4}
    assert export["chart"]["series"]["plays"] == [0, 0, 0, 3, 0, 0, 7]
    assert [(r["track_id"], r["plays"]) for r in export["rows"]] == [
        (rollups["first"].pk, 3),
        (rollups["first"].pk, 5),
        (rollups["second"].pk, 2),
    ]


def test_an_empty_export_is_still_valid_json(catalog, clock_at_now, producer_client):
    response = producer_client.post(
        f"{EXPORT}/json", {"type": "track", "id": catalog["single"].pk}, format="json"
    )

    assert json.loads(b"".join(response.streaming_content))["export"]["rows"] == []


def test_the_pdf_report_reads_back(rollups, producer_client):  # noqa: F811
    response = producer_client.post(
        f"{EXPORT}/pdf", {"type": "artist", "id": rollups["artist"].pk, "period": "7-days"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert f"BeatPass analytics: {rollups['artist'].name}" in text
    assert "Key metrics" in text
    assert "Top tracks" in text
    assert rollups["featured"].name in text
    cells = text.split()
    # The plays row: this period, previous period, change, all time.
    start = cells.index("Plays")
    assert cells[start : start + 5] == ["Plays", "17", "4", "+325.0%", "31"], cells
    assert reader.metadata.title == f"BeatPass analytics: {rollups['artist'].name}"


def test_names_with_markup_do_not_break_the_pdf(rollups, producer_client):  # noqa: F811
    Track.objects.filter(pk=rollups["first"].pk).update(name="<b>Bold & </i>")

    response = producer_client.post(
        f"{EXPORT}/pdf", {"type": "track", "id": rollups["first"].pk}, format="json"
    )

    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "<b>Bold & </i>" in text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"type": "track"}, 422),
        ({"type": "playlist", "id": 1}, 422),
        ({"period": "2-weeks"}, 422),
        ({"type": "track", "id": 999999}, 404),
    ],
)
def test_bad_export_requests(catalog, producer_client, body, status):
    assert producer_client.post(f"{EXPORT}/csv", body, format="json").status_code == status


def test_others_cannot_export_an_artist(catalog, user_client, api_client):
    body = {"type": "artist", "id": catalog["artist"].pk}

    assert user_client.post(f"{EXPORT}/pdf", body, format="json").status_code == 403
    assert api_client.post(f"{EXPORT}/csv", body, format="json").status_code == 401
    # Without an artist profile there is no default artist to export.
    assert user_client.post(f"{EXPORT}/csv", {}, format="json").status_code == 403
