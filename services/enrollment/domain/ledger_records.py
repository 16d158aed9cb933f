"""The typed records the payment ledger passes around: notices, entries, their targets."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Source:
    """Who delivered the notices and how."""

    partner_id: str
    channel: str
    actor: str


@dataclass(frozen=True)
class Notice:
    """One payment or reversal line, validated for form (not yet against the ledger)."""

    line_no: int
    txn: str
    amount: Decimal
    paid_at: datetime
    resident_id: str | None = None
    enrollment_ref: uuid.UUID | None = None
    unit_code: str = ""
    scheme_code: str = ""
    year: int = 0
    tier: str | None = None
    deposited_at: datetime | None = None
    original_txn: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger entry (a `payment` row, without the time the database records it), and
    where it came from: the delivery line, and for a reversal the original's number."""

    id: uuid.UUID
    partner_id: str
    partner_txn_id: str
    kind: str
    status: str
    reverses_id: uuid.UUID | None
    enrollment_id: uuid.UUID | None
    person_key: str | None
    resident_id_enc: str | None
    unit_code: str
    scheme_code: str
    year: int
    tier: str | None
    amount: Decimal
    paid_at: datetime
    deposited_at: datetime | None
    channel: str
    note: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    line_no: int | None = None
    original_txn: str | None = None

    def columns(self) -> dict[str, Any]:
        """The entry's values by column name (without `line_no` and `original_txn`)."""
        return {name: getattr(self, name) for name in ENTRY_COLUMNS}

    @classmethod
    def from_columns(cls, values: Mapping[str, Any]) -> LedgerEntry:
        """The entry of a row read from the ledger (other keys are ignored)."""
        return cls(**{name: values[name] for name in ENTRY_COLUMNS})


ENTRY_COLUMNS = tuple(
    f.name for f in fields(LedgerEntry) if f.name not in ("line_no", "original_txn")
)
"""The ledger's columns a `LedgerEntry` carries."""


@dataclass(frozen=True)
class EnrollmentTarget:
    """The enrollment a payment names, as far as the ledger needs it."""

    id: uuid.UUID
    state: str
    unit_code: str
    person_key: str
    scheme_code: str
    year: int
