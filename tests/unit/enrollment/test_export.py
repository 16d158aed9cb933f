"""The .xlsx export: exact money with two places, and a header row even with no rows."""

import io
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook
from pydantic import BaseModel

from services.enrollment.export import models_xlsx, workbook


class Row(BaseModel):
    """A row of a report."""

    unit_code: str
    amount: Decimal
    rate: Decimal
    day: date
    at: datetime
    tags: list[str]
    id: uuid.UUID


ROW = Row(
    unit_code="320115101001",
    amount=Decimal("320.00"),
    rate=Decimal("1.005"),
    day=date(2026, 11, 3),
    at=datetime(2026, 11, 3, 1, 30, tzinfo=UTC),
    tags=["dibao", "orphan"],
    id=uuid.UUID(int=1),
)


def sheet(data: bytes | memoryview):
    return load_workbook(io.BytesIO(bytes(data))).active


def test_money_is_a_number_shown_with_two_places():
    cells = next(sheet(workbook("t", [ROW.model_dump()], Row)).iter_rows(min_row=2))
    amount, rate = cells[1], cells[2]
    assert amount.data_type == "n" and Decimal(str(amount.value)) == Decimal("320.00")
    assert amount.number_format == "0.00"
    assert rate.data_type == "n" and Decimal(str(rate.value)) == Decimal("1.005")


def test_large_amounts_keep_every_fen():
    data = workbook("t", [{"amount": Decimal("987654321098.76")}], ["amount"])
    value = sheet(data)["A2"].value
    assert Decimal(repr(value)) == Decimal("987654321098.76")


def test_dates_times_lists_and_ids_are_readable():
    cells = [c.value for c in next(sheet(workbook("t", [ROW.model_dump()], Row)).iter_rows(2))]
    assert cells[3] == datetime(2026, 11, 3)  # a date cell
    assert cells[4] == datetime(2026, 11, 3, 9, 30)  # Asia/Shanghai wall time
    assert cells[5] == "dibao, orphan" and cells[6] == str(uuid.UUID(int=1))


def test_an_empty_table_keeps_its_header_row():
    rows = list(sheet(models_xlsx("empty", Row, []).body).iter_rows(values_only=True))
    assert rows == [tuple(Row.model_fields)]
    named = list(sheet(workbook("t", [], ["a", "b"])).iter_rows(values_only=True))
    assert named == [("a", "b")]


def test_the_download_is_named_and_typed():
    response = models_xlsx("persons-320115101001", Row, [ROW])
    assert response.headers["content-type"].endswith("spreadsheetml.sheet")
    assert response.headers["content-disposition"] == (
        'attachment; filename="persons-320115101001.xlsx"; '
        "filename*=UTF-8''persons-320115101001.xlsx"
    )
