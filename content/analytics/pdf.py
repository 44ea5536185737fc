"""The PDF analytics report (help: exporting data → PDF reports), drawn with reportlab.

Pure rendering: takes the analytics dicts the API already returns and gives PDF bytes. No
Django imports.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from content.analytics.periods import total_time_text

ACCENT = colors.HexColor("#6D28D9")
GRID = colors.HexColor("#D4D4D8")


def _number(value) -> str:
    return "—" if value is None else f"{value:,}"


def _change(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:+.1f}%"


def _hours(ms: int) -> str:
    return total_time_text(ms)


def _table(rows: Sequence[Sequence[str]], widths: Sequence[float], *, align_right_from: int = 1):
    table = Table([list(r) for r in rows], colWidths=list(widths), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("ALIGN", (align_right_from, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F4F4F5")]),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _plays_chart(labels: Sequence[str], plays: Sequence[int], width: float) -> Drawing:
    height = 60 * mm
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 30, 25
    chart.width, chart.height = width - 40, height - 40
    chart.data = [list(plays) or [0]]
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    chart.valueAxis.valueMin = 0
    top = max(max(plays, default=0), 1)
    chart.valueAxis.valueStep = max(1, -(-top // 5))
    chart.valueAxis.valueMax = chart.valueAxis.valueStep * -(-top // chart.valueAxis.valueStep)
    chart.valueAxis.labels.fontSize = 7
    step = max(1, len(labels) // 8)
    chart.categoryAxis.categoryNames = [
        label[5:] if i % step == 0 else "" for i, label in enumerate(labels)
    ]
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 0
    chart.barSpacing = 0
    chart.groupSpacing = 0.5 if len(plays) > 60 else 2
    drawing.add(chart)
    drawing.add(String(30, height - 10, "Plays per day", fontSize=9, fillColor=colors.black))
    return drawing


def render_report(
    *, title: str, subtitle: str, analytics: dict, chart: dict, generated: str
) -> bytes:
    """``analytics`` is a producer-analytics body, ``chart`` the chart body of the same
    range. Returns the PDF document."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="BeatPass",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    styles = getSampleStyleSheet()
    story = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(escape(subtitle), styles["Normal"]),
        Paragraph(f"Generated {escape(generated)}", styles["Italic"]),
        Spacer(1, 6 * mm),
        Paragraph("Key metrics", styles["Heading2"]),
    ]
    engagement, growth = analytics["engagement"], analytics["growth"]
    rows = [
        ("Metric", "This period", "Previous period", "Change", "All time"),
        (
            "Plays",
            _number(analytics["plays"]["period"]),
            _number(analytics["plays"]["previous_period"]),
            _change(growth["plays_change"]),
            _number(analytics["plays"]["total"]),
        ),
        (
            "Listeners (daily unique)",
            _number(analytics["listeners"]["unique"]),
            _number(analytics["listeners"]["previous_period"]),
            _change(growth["listeners_change"]),
            _number(analytics["listeners"]["total"]),
        ),
        ("Likes", _number(engagement["likes_period"]),
         _number(engagement["likes_previous_period"]), _change(growth["likes_change"]),
         _number(engagement["likes"])),
        ("Downloads", _number(engagement["downloads_period"]),
         _number(engagement["downloads_previous_period"]), _change(growth["downloads_change"]),
         _number(engagement["downloads"])),
        ("Licenses", _number(engagement["licenses_period"]),
         _number(engagement["licenses_previous_period"]), _change(growth["licenses_change"]),
         _number(engagement["licenses"])),
        ("Completed plays", _number(engagement["completed_plays_period"]),
         _number(engagement["completed_plays_previous_period"]), "",
         _number(engagement["completed_plays"])),
        ("Listen time", _hours(engagement["listen_time_ms_period"]),
         _hours(engagement["listen_time_ms_previous_period"]), "",
         _hours(engagement["listen_time_ms"])),
    ]  # fmt: skip
    width = doc.width
    story.append(
        _table(rows, [width * 0.32, width * 0.17, width * 0.19, width * 0.14, width * 0.18])
    )
    story += [Spacer(1, 6 * mm), _plays_chart(chart["labels"], chart["series"]["plays"], width)]
    summary = chart["summary"]
    peak = summary["peak_day"]
    facts = [f"Peak day: {peak['date']} ({peak['plays']:,} plays)"] if peak else []
    facts += [
        f"Daily average: {summary['daily_average']:,} plays",
        f"Trend (second half vs first half): {_change(summary['trend'])}",
    ]
    story.append(Paragraph(" · ".join(facts), styles["Normal"]))
    top = analytics.get("top_tracks")
    if top:
        story += [Spacer(1, 6 * mm), Paragraph("Top tracks", styles["Heading2"])]
        rows = [("#", "Track", "Plays", "Listeners", "All-time plays")]
        rows += [
            (str(i), t["name"][:60], _number(t["plays"]), _number(t["listeners"]),
             _number(t["total_plays"]))
            for i, t in enumerate(top, start=1)
        ]  # fmt: skip
        story.append(
            _table(rows, [width * 0.07, width * 0.5, width * 0.13, width * 0.13, width * 0.17],
                   align_right_from=2)
        )  # fmt: skip
    doc.build(story)
    return buffer.getvalue()
