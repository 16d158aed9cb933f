"""What a re-settlement judges of an enrollment's ledger entries beyond `settle`: whether
the person is complete, and whether a reversal lands after the window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from .dates import local_date, window_dates
from .payments import Payment, Settlement, SettlementStatus
from .policy import SchemePolicy


def standing(entries: Sequence[Payment]) -> list[Payment]:
    """The payments neither reversed nor reversals themselves."""
    reversed_refs = {e.reverses for e in entries if e.reverses}
    return [e for e in entries if e.reverses is None and e.reference not in reversed_refs]


def is_complete(result: Settlement, entries: Sequence[Payment]) -> bool:
    """Complete: the settlement says so and the money standing that is deposited covers
    what is due (only money deposited completes a person)."""
    deposited = sum((e.amount for e in standing(entries) if e.deposited_at), Decimal(0))
    return result.status is SettlementStatus.COMPLETE and deposited >= result.due


def window_closed(policy: SchemePolicy, entries: Sequence[Payment], now: datetime) -> bool:
    """Whether the latest reversal (or, without one, `now`) falls after the payment window:
    a reversal's own date decides, not the clock."""
    reversed_at = max((e.paid_at for e in entries if e.reverses), default=now)
    return policy.window is not None and local_date(reversed_at) > window_dates(policy)[1]
