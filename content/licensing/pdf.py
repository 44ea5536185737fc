"""The license certificate as a one-page A4 PDF (reportlab), with a QR code (segno) pointing at
the public verification page. Pure: takes the certificate data, returns bytes; nothing remote.

Fonts: DejaVu Sans where the system has it (wide Unicode coverage for track and user names),
else the Bitstream Vera fonts bundled with reportlab. Hex values are set in Courier.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    KeepInFrame,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

INK = colors.HexColor("#14151a")
MUTED = colors.HexColor("#5b6070")
ACCENT = colors.HexColor("#6d28d9")
RULE = colors.HexColor("#d9dbe3")
REVOKED = colors.HexColor("#b91c1c")
VALID = colors.HexColor("#15803d")

DEJAVU = "/usr/share/fonts/truetype/dejavu/"
_FONT_CANDIDATES = (
    (DEJAVU + "DejaVuSans.ttf", DEJAVU + "DejaVuSans-Bold.ttf"),
    (None, None),  # reportlab's bundled Vera
)
_fonts: tuple[str, str] | None = None
# The frame is 178 mm wide less reportlab's 6 pt padding on each side.
WIDTH = 174 * mm


def _register_fonts() -> tuple[str, str]:
    global _fonts
    if _fonts is not None:
        return _fonts
    import reportlab

    bundled = Path(reportlab.__file__).parent / "fonts"
    for regular, bold in _FONT_CANDIDATES:
        regular_path = Path(regular) if regular else bundled / "Vera.ttf"
        bold_path = Path(bold) if bold else bundled / "VeraBd.ttf"
        if regular_path.exists() and bold_path.exists():
            pdfmetrics.registerFont(TTFont("CertSans", str(regular_path)))
            pdfmetrics.registerFont(TTFont("CertSans-Bold", str(bold_path)))
            _fonts = ("CertSans", "CertSans-Bold")
            return _fonts
    _fonts = ("Helvetica", "Helvetica-Bold")  # pragma: no cover - reportlab always ships Vera
    return _fonts


@dataclass(frozen=True)
class CertificateDocument:
    """Everything printed on the certificate."""

    snapshot: dict[str, Any]
    uuid: str
    status: str
    signature: str
    signing_key_id: str
    certificate_hash: str
    verification_count: int
    verification_url: str
    revoked_at: str | None = None
    revoked_reason: str | None = None


class QRCode(Flowable):
    """A QR code drawn as vector squares (crisp at any zoom, scannable from print)."""

    def __init__(self, data: str, size: float) -> None:
        super().__init__()
        self.qr = segno.make(data, error="m")
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        rows = [list(row) for row in self.qr.matrix_iter(scale=1, border=4)]
        module = self.size / len(rows)
        canvas = self.canv
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        for y, row in enumerate(rows):
            x = 0
            while x < len(row):
                if row[x]:
                    start = x
                    while x < len(row) and row[x]:
                        x += 1
                    # One rectangle per run of dark modules: smaller files, no hairline gaps.
                    canvas.rect(
                        start * module,
                        self.size - (y + 1) * module,
                        (x - start) * module,
                        module,
                        stroke=0,
                        fill=1,
                    )
                else:
                    x += 1


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _register_fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=8.2, leading=10.2, textColor=INK)
    return {
        "base": base,
        "brand": ParagraphStyle("brand", parent=base, fontName=bold, fontSize=11, textColor=ACCENT),
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=19, leading=23),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=9.5, textColor=MUTED),
        "section": ParagraphStyle(
            "section", parent=base, fontName=bold, fontSize=9, textColor=ACCENT, spaceBefore=5
        ),
        "label": ParagraphStyle("label", parent=base, textColor=MUTED, fontSize=7.6),
        "value": ParagraphStyle("value", parent=base, fontName=bold, alignment=TA_LEFT),
        "hex": ParagraphStyle("hex", parent=base, fontName="Courier", fontSize=7.4, leading=9),
        "small": ParagraphStyle("small", parent=base, fontSize=7.2, leading=9, textColor=MUTED),
        "attribution": ParagraphStyle(
            "attribution", parent=base, fontName=bold, fontSize=12, leading=15
        ),
    }


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return escape(str(value))


def _when(iso: str | None) -> str:
    """``2026-12-01T06:30:00.123456Z`` → ``2026-12-01 06:30 UTC`` (the snapshot keeps ISO)."""
    if not iso:
        return "—"
    return escape(f"{iso[:10]} {iso[11:16]} UTC") if len(iso) >= 16 else escape(iso)


def _duration(ms: int | None) -> str:
    if not ms:
        return "—"
    seconds = round(ms / 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


def _grid(rows: list[tuple[str, Any]], st, *, hex_rows: frozenset[str] = frozenset()) -> Table:
    """Label/value pairs in two columns of pairs."""
    cells = []
    for label, value in rows:
        style = st["hex"] if label in hex_rows else st["value"]
        cells.append([Paragraph(escape(label), st["label"]), Paragraph(value, style)])
    half = (len(cells) + 1) // 2
    left, right = cells[:half], cells[half:]
    data = []
    for i in range(half):
        row = list(left[i]) + (list(right[i]) if i < len(right) else ["", ""])
        data.append(row)
    table = Table(data, colWidths=[27 * mm, 58 * mm, 27 * mm, 62 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _wide(rows: list[tuple[str, str]], st) -> Table:
    """Label/value rows across the full width (long hex values stay on one line)."""
    data = [
        [Paragraph(escape(label), st["label"]), Paragraph(value, st["hex"])]
        for label, value in rows
    ]
    table = Table(data, colWidths=[34 * mm, 140 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _rule() -> Table:
    line = Table([[""]], colWidths=[WIDTH], rowHeights=[2])
    line.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.6, RULE)]))
    return line


def render_certificate_pdf(doc: CertificateDocument) -> bytes:
    st = _styles()
    snapshot = doc.snapshot
    track = snapshot.get("track", {})
    fingerprint = snapshot.get("fingerprint", {})
    licensee = snapshot.get("licensee", {})
    terms = snapshot.get("terms", {})
    revoked = doc.status == "revoked"

    story: list[Flowable] = []
    status_color = (REVOKED if revoked else VALID).hexval()
    status_label = _text(doc.status.upper())
    header = Table(
        [
            [
                Paragraph("BEATPASS", st["brand"]),
                Paragraph(
                    f'<font color="{status_color}"><b>{status_label}</b></font>',
                    ParagraphStyle("status", parent=st["base"], alignment=2, fontSize=10),
                ),
            ],
            [Paragraph("License Certificate", st["title"]), ""],
            [Paragraph(_text(terms.get("title")), st["subtitle"]), ""],
        ],
        colWidths=[136 * mm, 38 * mm],
    )
    header.setStyle(
        TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    story += [header, Spacer(1, 2 * mm), _rule()]

    artists = ", ".join(a.get("name", "") for a in track.get("artists", []))
    story.append(Paragraph("Track information", st["section"]))
    story.append(
        _grid(
            [
                ("Track name", _text(track.get("name"))),
                ("Artists", _text(artists)),
                ("Track ID", _text(track.get("id"))),
                ("Duration", _duration(track.get("duration_ms"))),
                ("Genre", _text(track.get("genre"))),
                ("Release date", _text(track.get("release_date"))),
            ],
            st,
        )
    )
    story.append(Paragraph("Audio fingerprint (BeatPassID)", st["section"]))
    story.append(
        _grid(
            [
                (
                    "Status",
                    "COMPLETED &amp; VERIFIED"
                    if fingerprint.get("status") == "completed"
                    else _text(fingerprint.get("status")),
                ),
                ("Fingerprinted on", _when(fingerprint.get("fingerprinted_at"))),
                (
                    "Analyzed duration",
                    f"{(fingerprint.get('analysed_duration_ms') or 0) / 1000:.1f} s",
                ),
                ("Algorithm", _text(fingerprint.get("algorithm"))),
            ],
            st,
        )
    )
    story.append(_wide([("Fingerprint hash", _text(fingerprint.get("hash")))], st))
    story.append(Paragraph("License holder", st["section"]))
    story.append(
        _grid(
            [
                ("Licensed to", _text(licensee.get("display_name"))),
                ("Account email", _text(licensee.get("email_masked"))),
                ("User ID", _text(licensee.get("user_id"))),
                ("License date", _when(snapshot.get("issued_at"))),
            ],
            st,
        )
    )
    story.append(Paragraph("License terms", st["section"]))
    story.append(
        _grid(
            [
                ("Type", _text(terms.get("title"))),
                ("Territory", _text(terms.get("territory"))),
                ("Duration", _text(terms.get("duration"))),
                ("Projects", _text(terms.get("projects"))),
                ("Attribution", _text(terms.get("attribution"))),
                ("Content ID", _text(terms.get("content_id"))),
                ("Performances", _text(terms.get("live_performances"))),
                ("Governing law", _text(terms.get("governing_law"))),
            ],
            st,
        )
    )
    split = terms.get("publishing_split")
    if isinstance(split, dict):
        story.append(
            Paragraph(
                f"Publishing split: producer {_text(split.get('producer_percent'))} %, "
                f"licensee {_text(split.get('licensee_percent'))} %",
                st["base"],
            )
        )
    can = "".join(f"• {_text(item)}<br/>" for item in terms.get("permissions", []))
    cannot = "".join(f"• {_text(item)}<br/>" for item in terms.get("restrictions", []))
    lists = Table(
        [
            [Paragraph("<b>You can</b>", st["base"]), Paragraph("<b>You cannot</b>", st["base"])],
            [Paragraph(can, st["small"]), Paragraph(cannot, st["small"])],
        ],
        colWidths=[87 * mm, 87 * mm],
    )
    lists.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    story.append(lists)

    attribution = Table(
        [
            [Paragraph("Credit the producer wherever your song is shared:", st["small"])],
            [Paragraph(_text(snapshot.get("attribution")), st["attribution"])],
        ],
        colWidths=[WIDTH],
    )
    attribution.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, ACCENT),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f5f3ff")),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    story += [Spacer(1, 3 * mm), attribution]

    story.append(Paragraph("Certificate security", st["section"]))
    security = [
        ("Certificate ID", _text(doc.uuid)),
        ("Signature (HMAC-SHA256)", _text(doc.signature)),
        ("Signing key", _text(doc.signing_key_id)),
        ("Certificate hash", _text(doc.certificate_hash)),
        ("Verifications", _text(doc.verification_count)),
    ]
    if revoked:
        security += [("Revoked at", _text(doc.revoked_at)), ("Reason", _text(doc.revoked_reason))]
    story.append(_wide(security, st))

    verify_text = [
        Paragraph("Verification", st["section"]),
        Paragraph("This license can be verified at:", st["base"]),
        Paragraph(
            f'<font name="Courier" size="7.6">{_text(doc.verification_url)}</font>', st["base"]
        ),
        Spacer(1, 1.5 * mm),
        Paragraph(
            "The verification link checks the license in the BeatPass database. If the license "
            "is not found or has been revoked, it is marked as invalid. The signature and hash "
            "above prove that this certificate has not been altered.",
            st["small"],
        ),
    ]
    verify = Table(
        [[verify_text, QRCode(doc.verification_url, 31 * mm)]], colWidths=[139 * mm, 35 * mm]
    )
    verify.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ]
        )
    )
    story += [verify]

    buffer = io.BytesIO()
    margin = 16 * mm
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=14 * mm,
        bottomMargin=12 * mm,
        title=f"BeatPass License Certificate {doc.uuid}",
        author="BeatPass",
        subject=_text(track.get("name")),
    )
    # One page whatever the content: shrink to fit rather than spill onto a second page.
    frame_height = A4[1] - 26 * mm
    template.build([KeepInFrame(A4[0] - 2 * margin, frame_height, story, mode="shrink")])
    return buffer.getvalue()
