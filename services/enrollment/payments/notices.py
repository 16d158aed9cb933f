"""Payment notices as every channel delivers them, and their per-line outcomes.

A notice is one line: a payment, or a reversal (冲正) naming the original transaction. The
reconciliation file's rows are parsed here without pydantic (tens of thousands of rows);
a row that cannot be parsed becomes a `rejected` outcome with a reason code, never an error
that stops the file.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, get_args

from libs.common import identifiers
from services.enrollment.domain.dates import SHANGHAI
from services.enrollment.domain.ledger_records import Notice

OutcomeKind = Literal["recorded", "duplicate", "reversed", "deposited", "suspense", "rejected"]
"""`deposited`: a payment recorded earlier without its deposit date, delivered again with it."""
OUTCOMES: tuple[OutcomeKind, ...] = get_args(OutcomeKind)
CSV_COLUMNS = (
    "transaction_id",
    "resident_id",
    "unit_code",
    "scheme_code",
    "year",
    "amount",
    "paid_at",
    "deposited_at",
    "tier",
    "original_transaction_id",
    "reason",
)
_AMOUNT = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Outcome:
    """What became of one line (`OutcomeKind`)."""

    line_no: int
    txn: str | None
    outcome: OutcomeKind
    reason_code: str | None = None
    detail: str | None = None
    payment_id: uuid.UUID | None = None


class BadLine(ValueError):
    """A line that cannot be a notice; `code` is the reason code reported for it."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def parse_row(line_no: int, row: dict[str, str | None]) -> Notice | Outcome:
    """A CSV row as a notice, or its `rejected` outcome."""
    txn = (row.get("transaction_id") or "").strip() or None
    try:
        return _notice(line_no, txn, row)
    except BadLine as bad:
        return Outcome(line_no, txn, "rejected", bad.code, bad.detail)


def _notice(line_no: int, txn: str | None, row: dict[str, str | None]) -> Notice:
    def text(name: str) -> str | None:
        value = (row.get(name) or "").strip()
        return value or None

    if txn is None or len(txn) > 64:
        raise BadLine("transaction_id_invalid", "transaction_id is missing or longer than 64")
    amount, paid_at = parse_amount(text("amount")), parse_instant(text("paid_at"), "paid_at")
    original = text("original_transaction_id")
    if original is not None:
        return Notice(line_no, txn, amount, paid_at, original_txn=original, note=text("reason"))
    return Notice(
        line_no,
        txn,
        amount,
        paid_at,
        resident_id=parse_resident_id(text("resident_id")),
        unit_code=parse_unit(text("unit_code")),
        scheme_code=parse_slug(text("scheme_code"), "scheme_code"),
        year=parse_year(text("year")),
        tier=text("tier"),
        deposited_at=parse_optional_instant(text("deposited_at"), "deposited_at"),
    )


def parse_amount(value: str | None) -> Decimal:
    """Decimal yuan with at most two places, above zero."""
    if value is None or not _AMOUNT.match(value) or Decimal(value) <= 0:
        raise BadLine("amount_invalid", f"amount {value!r} is not a positive yuan amount")
    return Decimal(value).quantize(Decimal("0.01"))


def parse_optional_instant(value: str | None, name: str) -> datetime | None:
    """An optional ISO 8601 time."""
    return None if value is None else parse_instant(value, name)


def parse_instant(value: str | None, name: str) -> datetime:
    """An ISO 8601 time; without an offset it is read as Asia/Shanghai time."""
    if value is None:
        raise BadLine(f"{name}_missing", f"{name} is required")
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise BadLine(f"{name}_invalid", f"{name} {value!r} is not an ISO 8601 time") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=SHANGHAI)


def parse_resident_id(value: str | None) -> str:
    """A valid resident ID number (check digit and birth date)."""
    if value is None:
        raise BadLine("resident_id_missing", "resident_id is required")
    try:
        return identifiers.validate_resident_id(value)
    except identifiers.InvalidIdentifier as exc:
        raise BadLine("resident_id_invalid", str(exc)) from None


def parse_unit(value: str | None) -> str:
    """A well-formed 12-digit unit code."""
    try:
        return identifiers.validate_unit_code(value or "")
    except identifiers.InvalidIdentifier as exc:
        raise BadLine("unit_code_invalid", str(exc)) from None


def parse_slug(value: str | None, name: str) -> str:
    """A scheme or tier code."""
    if value is None or not _SLUG.match(value):
        raise BadLine(f"{name}_invalid", f"{name} {value!r} is not a code")
    return value


def parse_year(value: str | None) -> int:
    """A scheme year 2000–2100."""
    if value is None or not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise BadLine("year_invalid", f"year {value!r} is not 2000–2100")
    return int(value)
