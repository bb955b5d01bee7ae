"""PDF documents with real, embedded Chinese fonts (notices, certificates, statements).

The font is WenQuanYi Micro Hei (TrueType outlines, so ReportLab can embed a subset),
installed from PyPI by the `paperang-p2-fonts-cjk` package; `MINZHENG_PDF_FONT` may point
at another TrueType/TTC file. Text in the PDFs is real text: it can be searched, copied and
extracted (the tests extract it with pypdf).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .district import bureau_name

FONT = "MinzhengCJK"


def _font_path() -> Path:
    configured = os.environ.get("MINZHENG_PDF_FONT")
    if configured:
        return Path(configured)
    import paperang_p2_fonts_cjk

    return Path(next(iter(paperang_p2_fonts_cjk.__path__))) / "fonts" / "wqy-microhei.ttc"


@cache
def font() -> str:
    """Register the Chinese font once and return its name."""
    path = _font_path()
    pdfmetrics.registerFont(
        TTFont(FONT, str(path), subfontIndex=0)
        if path.suffix == ".ttc"
        else TTFont(FONT, str(path))
    )
    return FONT


@cache
def styles() -> dict[str, ParagraphStyle]:
    name = font()
    body = ParagraphStyle("body", fontName=name, fontSize=11.5, leading=19, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "title", parent=body, fontSize=20, leading=30, alignment=TA_CENTER, spaceAfter=8
        ),
        "subtitle": ParagraphStyle(
            "subtitle",
            parent=body,
            fontSize=12,
            alignment=TA_CENTER,
            textColor=colors.HexColor("#444444"),
        ),
        "heading": ParagraphStyle(
            "heading", parent=body, fontSize=13.5, leading=22, spaceBefore=8, spaceAfter=4
        ),
        "body": body,
        "small": ParagraphStyle(
            "small", parent=body, fontSize=9, leading=14, textColor=colors.HexColor("#444444")
        ),
        "right": ParagraphStyle("right", parent=body, alignment=2),
    }


def para(text: str, style: str = "body") -> Paragraph:
    from xml.sax.saxutils import escape

    return Paragraph(escape(text).replace("\n", "<br/>"), styles()[style])


def table(
    rows: list[list[str]], col_widths: list[float] | None = None, header: bool = True
) -> Table:
    """A ruled table; every cell is wrapped as a paragraph so long Chinese text wraps."""
    cells = [[para(str(c), "small") for c in row] for row in rows]
    t = Table(cells, colWidths=col_widths, repeatRows=1 if header else 0)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    t.setStyle(TableStyle(commands))
    return t


def qr_image(data: str, size_mm: float = 30) -> Image:
    import segno

    buf = io.BytesIO()
    segno.make(data, error="m").save(buf, kind="png", scale=8, border=2)
    buf.seek(0)
    return Image(buf, width=size_mm * mm, height=size_mm * mm)


def build(*, title: str, flowables: Iterable[Flowable], author: str = "") -> bytes:
    """Lay out A4 pages with the given content and return the PDF bytes. The author (the
    footer of every page) is the bureau unless the caller names another issuer."""
    author = author or bureau_name()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        title=title,
        author=author,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    )
    font()

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(FONT, 8.5)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"{author} · 第 {document.page} 页")
        canvas.restoreState()

    doc.build([*flowables], onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


__all__ = ["Spacer", "build", "font", "para", "qr_image", "styles", "table"]
