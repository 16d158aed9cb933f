"""A payment's status in the suspense queue (挂账), as one transition table.

A payment that matched no enrollment waits in `suspense` until a clerk matches it to one
(it is then `posted`) or returns it to the partner (`returned`). A partner's reversal of
a payment in suspense leaves its stored status alone but ends its wait all the same.
"""

from __future__ import annotations

from enum import StrEnum

from .errors import StateConflict


class PaymentStatus(StrEnum):
    """Where a ledger entry stands."""

    POSTED = "posted"
    SUSPENSE = "suspense"
    RETURNED = "returned"
    REVERSED_IN_SUSPENSE = "reversed_in_suspense"  # not stored: in suspense, then reversed


class SuspenseAction(StrEnum):
    """What a clerk does with a payment in suspense."""

    MATCH = "match"
    RETURN = "return"


S = PaymentStatus
A = SuspenseAction

TRANSITIONS: dict[tuple[PaymentStatus, SuspenseAction], PaymentStatus] = {
    (S.SUSPENSE, A.MATCH): S.POSTED,
    (S.SUSPENSE, A.RETURN): S.RETURNED,
}


def status_of(stored: str, reversed_by_partner: bool) -> PaymentStatus:
    """The status of an entry stored as `stored`, reversed or not by its partner."""
    if stored == S.SUSPENSE and reversed_by_partner:
        return S.REVERSED_IN_SUSPENSE
    return PaymentStatus(stored)


def resolve(payment_id: object, current: PaymentStatus, action: SuspenseAction) -> PaymentStatus:
    """The status after a clerk's `action`; a pair missing from the table is a conflict."""
    after = TRANSITIONS.get((current, action))
    if after is not None:
        return after
    if current is S.REVERSED_IN_SUSPENSE:
        raise StateConflict(f"Payment {payment_id} was reversed by the partner.")
    raise StateConflict(f"Payment {payment_id} is {current.value}, not in suspense.")
