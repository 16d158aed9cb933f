"""Rendering a circular as an .xlsx workbook, a printable A4 HTML page and a PDF.

The printed document speaks the office's language (Chinese headings, percentages, 文号); the
English codes stay in the API's JSON.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from libs.common.downloads import sheet_title
from services.scoring.circulars.service import Circular
from services.scoring.domain.circular import action_label, movement_text, percent, trigger_label
from services.scoring.snapshots.models import SnapshotEntry
from services.scoring.triggers.schemas import TriggerRead

RANK_HEADER = ("名次", "单位代码", "单位名称", "得分", "完成进度", "较上期升降")
TRIGGER_HEADER = ("单位代码", "单位名称", "排名类别", "触发情形", "处理措施")
PRAISED = "通报表扬"
CRITICISED = "通报批评"
RANKS = "排名情况"
TRIGGERS = "触发措施"
NONE = "无"
FONT = "STSong-Light"


def _period(c: Circular) -> str:
    s = c.snapshot
    return f"统计期间:{s.period_start:%Y年%m月%d日}至{s.period_end:%Y年%m月%d日}({s.period})"


def _names(entries: list[SnapshotEntry]) -> str:
    return "、".join(e.name for e in entries) or NONE


def _row(c: Circular, e: SnapshotEntry) -> tuple[object, ...]:
    return (e.rank, e.unit_code, e.name, float(e.score), percent(e.progress, c.policy), e.movement)


def _printed_row(c: Circular, e: SnapshotEntry) -> tuple[str, ...]:
    score = f"{e.score.normalize():f}"
    return (
        str(e.rank),
        e.unit_code,
        e.name,
        score,
        percent(e.progress, c.policy),
        movement_text(e.movement),
    )


def _trigger_row(c: Circular, t: TriggerRead) -> tuple[str, ...]:
    names = {e.unit_code: e.name for entries in c.pools.values() for e in entries}
    actions = "、".join(action_label(str(a["kind"])) for a in t.actions)
    pool = c.pool_labels.get(t.pool, t.pool)
    return (t.unit_code, names.get(t.unit_code, ""), pool, trigger_label(t.kind), actions)


def to_xlsx(c: Circular) -> bytes:
    """The circular as a workbook: the document's head, praised and criticised, one sheet per
    pool, then the triggered actions."""
    h = c.heading
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "通报"
    for line in (h.office, h.number, h.title, _period(c), f"印发日期:{h.issued_on}"):
        summary.append([line])
    summary["A1"].font = Font(bold=True, size=16, color="C00000")
    summary["A3"].font = Font(bold=True, size=14)
    summary.append([PRAISED, *[f"{e.name}({e.unit_code})" for e in c.praised]])
    summary.append([CRITICISED, *[f"{e.name}({e.unit_code})" for e in c.criticised]])
    for pool, entries in c.pools.items():
        sheet = book.create_sheet(sheet_title(c.pool_labels.get(pool, pool), pool[:31]))
        sheet.append(list(RANK_HEADER))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        for entry in entries:
            sheet.append(list(_row(c, entry)))
        sheet.print_title_rows = "1:1"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    actions = book.create_sheet(TRIGGERS)
    actions.append(list(TRIGGER_HEADER))
    for t in c.triggers:
        actions.append(list(_trigger_row(c, t)))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_CSS = (
    "@page{size:A4;margin:25mm 20mm 20mm 20mm}"
    "body{font-family:'SimSun','Songti SC','Noto Serif CJK SC',serif;font-size:12pt;"
    "line-height:1.6;margin:0 auto;max-width:170mm}"
    ".office{color:#c00000;font-size:24pt;font-weight:bold;text-align:center;margin:0;"
    "letter-spacing:2pt}"
    ".number{text-align:center;margin:4mm 0 0}"
    ".rule{border:0;border-top:2px solid #c00000;margin:2mm 0 6mm}"
    "h1{font-size:16pt;text-align:center;margin:0 0 4mm}"
    "h2{font-size:13pt;margin:6mm 0 2mm;break-after:avoid}"
    ".date{text-align:right}"
    "table{border-collapse:collapse;width:100%}"
    "thead{display:table-header-group}"
    "tr{break-inside:avoid;page-break-inside:avoid}"
    "td,th{border:1px solid #555;padding:1mm 2mm;text-align:center}"
    "th{background:#eee}"
)


def to_html(c: Circular) -> str:
    """The circular as a self-contained HTML page that prints on A4."""
    e = html.escape
    h = c.heading
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{e(h.number)} {e(h.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<p class='office'>{e(h.office)}</p>",
        f"<p class='number'>{e(h.number)}</p><hr class='rule'>",
        f"<h1>{e(h.title)}</h1>",
        f"<p>{e(_period(c))}</p>",
        f"<h2>一、{PRAISED}</h2><p class='praised'>{e(_names(c.praised))}</p>",
        f"<h2>二、{CRITICISED}</h2><p class='criticised'>{e(_names(c.criticised))}</p>",
        f"<h2>三、{RANKS}</h2>",
    ]
    for pool, entries in c.pools.items():
        parts.append(f"<h3>{e(c.pool_labels.get(pool, pool))}</h3><table><thead><tr>")
        parts += [f"<th>{e(col)}</th>" for col in RANK_HEADER]
        parts.append("</tr></thead><tbody>")
        for entry in entries:
            cells = "".join(f"<td>{e(v)}</td>" for v in _printed_row(c, entry))
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</tbody></table>")
    parts.append(f"<h2>四、{TRIGGERS}</h2>")
    if c.triggers:
        parts.append("<table><thead><tr>")
        parts += [f"<th>{e(col)}</th>" for col in TRIGGER_HEADER]
        parts.append("</tr></thead><tbody>")
        for t in c.triggers:
            cells = "".join(f"<td>{e(v)}</td>" for v in _trigger_row(c, t))
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</tbody></table>")
    else:
        parts.append(f"<p>{NONE}</p>")
    parts.append(f"<p class='date'>{e(h.office)}<br>{e(h.issued_on)}</p></body></html>")
    return "".join(parts)


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def to_pdf(c: Circular) -> bytes:
    """The circular as an A4 PDF (the built-in STSong CID font: no font files needed)."""
    font = _font()
    h = c.heading
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=17, wordWrap="CJK")
    office = ParagraphStyle(
        "office", parent=body, fontSize=22, leading=30, alignment=1, textColor=colors.red
    )
    centred = ParagraphStyle("centred", parent=body, alignment=1)
    title = ParagraphStyle("title", parent=body, fontSize=15, leading=22, alignment=1)
    section = ParagraphStyle("section", parent=body, fontSize=12, leading=20, spaceBefore=6)
    right = ParagraphStyle("right", parent=body, alignment=2)
    story: list[Flowable] = [
        Paragraph(escape(h.office), office),
        Paragraph(escape(h.number), centred),
        Spacer(1, 4 * mm),
        Paragraph(escape(h.title), title),
        Spacer(1, 2 * mm),
        Paragraph(escape(_period(c)), body),
        Paragraph(f"一、{PRAISED}", section),
        Paragraph(escape(_names(c.praised)), body),
        Paragraph(f"二、{CRITICISED}", section),
        Paragraph(escape(_names(c.criticised)), body),
        Paragraph(f"三、{RANKS}", section),
    ]
    for pool, entries in c.pools.items():
        story.append(Paragraph(escape(c.pool_labels.get(pool, pool)), body))
        rows = [list(RANK_HEADER), *[list(_printed_row(c, e)) for e in entries]]
        story.append(_table(rows, font))
    story.append(Paragraph(f"四、{TRIGGERS}", section))
    if c.triggers:
        cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=12)
        cells: list[list[object]] = [list(TRIGGER_HEADER)]
        cells += [[Paragraph(escape(v), cell) for v in _trigger_row(c, t)] for t in c.triggers]
        story.append(_table(cells, font))
    else:
        story.append(Paragraph(NONE, body))
    story += [Spacer(1, 8 * mm), Paragraph(escape(h.office), right)]
    story.append(Paragraph(escape(h.issued_on), right))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
        title=f"{h.number} {h.title}",
        author=h.office,
    )
    document.build(story)
    return buffer.getvalue()


def _table(rows: Sequence[Sequence[object]], font: str) -> Table:
    table = Table(rows, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table
