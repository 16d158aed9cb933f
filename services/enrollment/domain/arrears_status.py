"""An enterprise's arrears record, from assessment to cleared, as one transition table.

The record stores `open` or `cleared`; a cleared record whose late fee a campaign deferred
(000:L52) still takes payments toward that fee, so it is a state of its own here.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from .arrears import ArrearsBalance
from .errors import StateConflict


class ArrearsState(StrEnum):
    """Where an arrears record stands."""

    OPEN = "open"
    CLEARED_FEE_DEFERRED = "cleared_fee_deferred"  # stored as cleared
    CLEARED = "cleared"


class ArrearsAction(StrEnum):
    """A back-payment, by what it leaves due."""

    PAY = "pay"  # something is still due now
    CLEAR = "clear"  # nothing is due, nor deferred
    CLEAR_FEE_DEFERRED = "clear_fee_deferred"  # nothing is due now; a late fee is deferred


S = ArrearsState
A = ArrearsAction

TRANSITIONS: dict[tuple[ArrearsState, ArrearsAction], ArrearsState] = {
    (S.OPEN, A.PAY): S.OPEN,
    (S.OPEN, A.CLEAR): S.CLEARED,
    (S.OPEN, A.CLEAR_FEE_DEFERRED): S.CLEARED_FEE_DEFERRED,
    # Once cleared a record stays so, even when the deferred fee falls due unpaid.
    (S.CLEARED_FEE_DEFERRED, A.PAY): S.CLEARED,
    (S.CLEARED_FEE_DEFERRED, A.CLEAR): S.CLEARED,
    (S.CLEARED_FEE_DEFERRED, A.CLEAR_FEE_DEFERRED): S.CLEARED_FEE_DEFERRED,
}

ALREADY_CLEARED = "These arrears are already cleared."
OPENING_STATE = S.OPEN


def state_of(status: str, fee_deferred: Decimal) -> ArrearsState:
    """The state of a record stored as `status` with `fee_deferred` of late fee deferred."""
    if status == S.OPEN:
        return S.OPEN
    return S.CLEARED_FEE_DEFERRED if fee_deferred else S.CLEARED


def stored_status(state: ArrearsState) -> str:
    """What the record stores for `state`: `open` or `cleared`."""
    return S.OPEN.value if state is S.OPEN else S.CLEARED.value


def require_payable(current: ArrearsState) -> None:
    """Refuse a payment to a record the table takes none in."""
    if not any(state is current for state, _ in TRANSITIONS):
        raise StateConflict(ALREADY_CLEARED)


def action_of(after: ArrearsBalance) -> ArrearsAction:
    """The action a payment was, by the balance it left."""
    if not after.cleared:
        return A.PAY
    return A.CLEAR_FEE_DEFERRED if after.fee_deferred else A.CLEAR


def transition(current: ArrearsState, action: ArrearsAction) -> ArrearsState:
    """The state after `action`; a pair missing from the table is a conflict."""
    new_state = TRANSITIONS.get((current, action))
    if new_state is None:
        raise StateConflict(ALREADY_CLEARED)
    return new_state
