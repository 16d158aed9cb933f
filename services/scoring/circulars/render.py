"""Rendering a circular as an .xlsx workbook and as a printable HTML page."""

from __future__ import annotations

import html
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from services.scoring.circulars.service import Circular
from services.scoring.snapshots.models import SnapshotEntry

RANK_HEADER = (
    "名次 rank",
    "单位代码 unit",
    "单位 name",
    "得分 score",
    "进度 progress",
    "升降 movement",
)


def _title(c: Circular) -> str:
    s = c.snapshot
    return f"{c.campaign.name} {s.period} 排名通报 ({s.period_start} – {s.period_end})"


def _row(e: SnapshotEntry) -> tuple[object, ...]:
    return (e.rank, e.unit_code, e.name, float(e.score), float(e.progress), e.movement)


def to_xlsx(c: Circular) -> bytes:
    """The circular as a workbook: one sheet per pool, then praised, criticised, triggers."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "通报"
    summary.append([_title(c)])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(["表扬 praised"] + [f"{e.name} ({e.unit_code})" for e in c.praised])
    summary.append(["批评 criticised"] + [f"{e.name} ({e.unit_code})" for e in c.criticised])
    for pool, entries in c.pools.items():
        sheet = book.create_sheet(c.pool_labels.get(pool, pool)[:31])
        sheet.append(list(RANK_HEADER))
        for entry in entries:
            sheet.append(list(_row(entry)))
    actions = book.create_sheet("触发 triggers")
    actions.append(["单位 unit", "池 pool", "触发 trigger", "措施 actions", "说明 text"])
    for t in c.triggers:
        kinds = ", ".join(str(a["kind"]) for a in t.actions)
        actions.append([t.unit_code, t.pool, t.kind, kinds, t.text])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_html(c: Circular) -> str:
    """The circular as a self-contained printable HTML page."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'>",
        f"<title>{e(_title(c))}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:4px 8px}@media print{h2{break-before:page}}"
        "</style></head><body>",
        f"<h1>{e(_title(c))}</h1>",
        f"<p>表扬 praised: {e('、'.join(x.name for x in c.praised)) or '—'}</p>",
        f"<p>批评 criticised: {e('、'.join(x.name for x in c.criticised)) or '—'}</p>",
    ]
    for pool, entries in c.pools.items():
        parts.append(f"<h2>{e(c.pool_labels.get(pool, pool))}</h2><table><tr>")
        parts += [f"<th>{e(h)}</th>" for h in RANK_HEADER]
        parts.append("</tr>")
        for entry in entries:
            cells = "".join(f"<td>{e('' if v is None else str(v))}</td>" for v in _row(entry))
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    parts.append("<h2>触发措施 triggered actions</h2><ul>")
    for t in c.triggers:
        kinds = ", ".join(str(a["kind"]) for a in t.actions)
        parts.append(f"<li>{e(t.unit_code)} ({e(t.pool)}): {e(t.text)} — {e(kinds)}</li>")
    parts.append("</ul></body></html>")
    return "".join(parts)
