"""Tables as .xlsx workbooks (openpyxl), for every report the API serves.

Columns are always named by the caller (field names, or the pydantic row model), so an
empty table still has its header row. Money stays `Decimal` up to the cell: openpyxl
writes it as a number (exact to Excel's 15 significant digits, far beyond Numeric(14,2))
and the cell shows two places ("0.00"), never a float's rounding or a text cell.

The file name and the sheet title are built from the request (a scheme code may be 医保):
the download is named the RFC 6266 way and the title made one Excel accepts
(`libs/common/downloads.py`); control characters, which openpyxl refuses in a cell, are
left out of text cells.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import Query
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from pydantic import BaseModel

from libs.common.downloads import download, sheet_title

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
SHANGHAI = ZoneInfo("Asia/Shanghai")

Format = Annotated[Literal["json", "xlsx"], Query(description="`xlsx` downloads a workbook")]
XLSX_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX: {}}}}
Columns = Sequence[str] | type[BaseModel]


def columns_of(columns: Columns) -> list[str]:
    """Column names: given as names, or the fields of a pydantic row model, in order."""
    if isinstance(columns, type) and issubclass(columns, BaseModel):
        return list(columns.model_fields)
    return [str(name) for name in columns]


def workbook(title: str, rows: Iterable[Mapping[str, Any]], columns: Columns) -> bytes:
    """One sheet: a header row of `columns` (even with no rows), then one row per mapping."""
    table = list(rows)
    # Names derived from the first row are a fallback for callers that pass none: with no
    # rows they give no header, which is why callers should pass the row model.
    names = columns_of(columns) or (list(table[0]) if table else [])
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title(title))
    sheet.append(names)
    for row in table:
        sheet.append([_cell(sheet, row.get(name)) for name in names])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(name: str, rows: Iterable[Mapping[str, Any]], columns: Columns) -> Response:
    """A download of the rows as `<name>.xlsx`, header row from `columns`."""
    return download(workbook(name, rows, columns), XLSX, f"{name}.xlsx")


def models_xlsx(name: str, model: type[BaseModel], rows: Sequence[BaseModel]) -> Response:
    """A download of pydantic rows, one column per field of `model`."""
    return xlsx_response(name, [row.model_dump() for row in rows], model)


def _cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) else 0
        # Money shows two places; a finer value (a rate) keeps its digits visible.
        return _formatted(sheet, value, MONEY_FORMAT if places <= 2 else "General")
    if isinstance(value, datetime):
        local = value.astimezone(SHANGHAI).replace(tzinfo=None) if value.tzinfo else value
        return _formatted(sheet, local, DATETIME_FORMAT)
    if isinstance(value, date):
        return _formatted(sheet, value, DATE_FORMAT)
    if isinstance(value, str):
        return _text(value)
    if value is None or isinstance(value, int | float | bool):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return _text(", ".join(str(item) for item in value))
    return _text(str(value))


def _text(value: str) -> str:
    """Text as a cell may hold it: without the control characters openpyxl refuses."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _formatted(sheet: Any, value: Any, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell
