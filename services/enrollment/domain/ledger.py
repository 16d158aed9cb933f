"""What the ledger refuses, and why a payment waits in suspense instead of being posted."""

from __future__ import annotations

import uuid
from collections.abc import Set
from datetime import datetime, timedelta
from typing import NamedTuple

from .errors import EnrollmentError
from .ledger_records import EnrollmentTarget, LedgerEntry, Notice
from .lifecycle import EnrollmentState
from .payments import accept_amount, accept_dates
from .policy import SchemePolicy

CLOSED_STATES = frozenset({EnrollmentState.DUPLICATE.value, EnrollmentState.TERMINATED.value})
"""An enrollment in these states takes no more payments."""


FUTURE_TOLERANCE = timedelta(minutes=15)
"""How far ahead of the service's clock a partner may date a payment, its deposit or a
reversal: the skew between two systems' clocks, not money still to come."""


class Refusal(NamedTuple):
    """Why a line is `rejected`: a reason code and a human detail."""

    code: str
    detail: str


def future_refusal(n: Notice, now: datetime) -> Refusal | None:
    """Why a line dated later than `now` (beyond the clocks' tolerance) is refused: money is
    counted by when it was paid and deposited, so a date to come would count it early."""
    latest = now + FUTURE_TOLERANCE
    paid_field = "reversed_at" if n.original_txn else "paid_at"
    for field, when in ((paid_field, n.paid_at), ("deposited_at", n.deposited_at)):
        if when is not None and when > latest:
            return Refusal(
                f"{field}_in_future",
                f"{field} {when.isoformat()} is more than {FUTURE_TOLERANCE} after the time "
                f"it was received ({now.isoformat()})",
            )
    return None


def payment_refusal(
    n: Notice, policy: SchemePolicy | None, known_units: Set[str]
) -> Refusal | None:
    """Why a payment notice cannot enter the ledger (`policy` is its scheme-year's), if it
    cannot."""
    if policy is None:
        return Refusal("scheme_unknown", f"scheme {n.scheme_code!r} is not offered for {n.year}")
    if n.unit_code not in known_units:
        return Refusal("unit_unknown", f"unit {n.unit_code} is not known")
    try:
        accept_amount(policy, n.amount, n.paid_at)
        accept_dates(n.paid_at, n.deposited_at)
        if n.tier is not None:
            policy.tier(n.tier)
    except EnrollmentError as exc:
        return Refusal(exc.code, exc.detail)
    return None


def suspense_reason(scheme_code: str, year: int, enrollment: EnrollmentTarget | None) -> str | None:
    """Why a payment for `scheme_code` and `year` cannot be posted to `enrollment` (it then
    waits in suspense), or None when it can."""
    if enrollment is None:
        return "no_enrollment"
    if enrollment.state in CLOSED_STATES:
        return "enrollment_closed"
    if (enrollment.scheme_code, enrollment.year) != (scheme_code, year):
        return "enrollment_mismatch"
    return None


def reversal_refusal(
    n: Notice, original: LedgerEntry | None, taken: Set[uuid.UUID]
) -> Refusal | None:
    """Why a reversal notice cannot reverse `original` (the partner's entry it names;
    `taken`: the entries already reversed), if it cannot."""
    if original is None:
        return Refusal("original_unknown", f"no payment {n.original_txn!r} from this partner")
    if original.kind != "payment":
        return Refusal("original_is_reversal", f"{n.original_txn} is itself a reversal")
    if original.id in taken:
        return Refusal("already_reversed", f"{n.original_txn} is already reversed")
    if n.amount != original.amount:
        return Refusal(
            "reversal_amount_mismatch", f"{n.amount} differs from the original {original.amount}"
        )
    return None
