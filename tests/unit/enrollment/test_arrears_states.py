"""An arrears record: every (state, action) pair is checked against the spec."""

import itertools
from datetime import date
from decimal import Decimal

import pytest

from services.enrollment.domain.arrears import ArrearsBalance
from services.enrollment.domain.arrears_status import (
    ALREADY_CLEARED,
    TRANSITIONS,
    ArrearsAction,
    ArrearsState,
    action_of,
    require_payable,
    state_of,
    stored_status,
    transition,
)
from services.enrollment.domain.errors import StateConflict

S = ArrearsState
A = ArrearsAction

EXPECTED = {
    (S.OPEN, A.PAY): S.OPEN,
    (S.OPEN, A.CLEAR): S.CLEARED,
    (S.OPEN, A.CLEAR_FEE_DEFERRED): S.CLEARED_FEE_DEFERRED,
    (S.CLEARED_FEE_DEFERRED, A.PAY): S.CLEARED,
    (S.CLEARED_FEE_DEFERRED, A.CLEAR): S.CLEARED,
    (S.CLEARED_FEE_DEFERRED, A.CLEAR_FEE_DEFERRED): S.CLEARED_FEE_DEFERRED,
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(S, A)))
def test_every_pair(state, action):
    if (state, action) in EXPECTED:
        assert transition(state, action) is EXPECTED[(state, action)]
    else:
        with pytest.raises(StateConflict) as error:
            transition(state, action)
        assert error.value.detail == ALREADY_CLEARED


def test_the_table_is_the_spec():
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize("state", list(S))
def test_only_cleared_arrears_without_a_deferred_fee_refuse_a_payment(state):
    if state is S.CLEARED:
        with pytest.raises(StateConflict, match=ALREADY_CLEARED):
            require_payable(state)
    else:
        require_payable(state)


@pytest.mark.parametrize(
    ("status", "deferred", "state"),
    [
        ("open", Decimal(0), S.OPEN),
        ("open", Decimal("5.00"), S.OPEN),
        ("cleared", Decimal(0), S.CLEARED),
        ("cleared", Decimal("5.00"), S.CLEARED_FEE_DEFERRED),
    ],
)
def test_the_state_of_a_stored_record(status, deferred, state):
    assert state_of(status, deferred) is state
    assert stored_status(state) == status


def _balance(paid: str, fee_deferred: str = "0") -> ArrearsBalance:
    return ArrearsBalance(
        due=Decimal("100"),
        paid=Decimal(paid),
        due_date=date(2025, 1, 15),
        as_of=date(2025, 1, 15),
        fee_deferred=Decimal(fee_deferred),
    )


def test_a_payment_is_named_by_what_it_leaves_due():
    assert action_of(_balance("40")) is A.PAY
    assert action_of(_balance("100")) is A.CLEAR
    assert action_of(_balance("100", fee_deferred="3.00")) is A.CLEAR_FEE_DEFERRED
