"""Tables as .xlsx workbooks (openpyxl), for every report the API serves."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from fastapi.responses import Response
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(title: str, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> bytes:
    """One sheet: a header row of `columns`, then one row per dict."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_cell(row.get(column)) for column in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(name: str, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> Response:
    """A download of the rows as `<name>.xlsx`."""
    return Response(
        workbook(name, rows, columns),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value == value.quantize(Decimal("0.01")) else str(value)
    if value is None or isinstance(value, int | float | str | bool):
        return value
    return str(value)
