"""The enrollment lifecycle: every (state, action) pair is checked against the spec."""

import itertools

import pytest

from services.enrollment.domain.errors import ForbiddenTransition
from services.enrollment.domain.lifecycle import (
    MOVE_REASONS,
    TRANSITIONS,
    EnrollmentAction,
    EnrollmentState,
    allowed_actions,
    moves_after_settlement,
    transition,
)

S = EnrollmentState
A = EnrollmentAction

# DOMAIN §1, restated independently of the implementation's table.
EXPECTED = {
    (S.PROSPECT, A.REGISTER): S.REGISTERED,
    (S.REGISTERED, A.COMPLETE_PAYMENT): S.PAID,
    (S.REGISTERED, A.CLOSE_WINDOW): S.UNPAID,
    (S.REGISTERED, A.FLAG_DUPLICATE): S.DUPLICATE,
    (S.PAID, A.REVERSE_PAYMENT): S.REGISTERED,
    (S.PAID, A.FLAG_DUPLICATE): S.DUPLICATE,
    (S.UNPAID, A.COMPLETE_PAYMENT): S.PAID,
    (S.UNPAID, A.INTERRUPT): S.INTERRUPTED,
    (S.UNPAID, A.FLAG_DUPLICATE): S.DUPLICATE,
    (S.INTERRUPTED, A.RESUME): S.RESUMED,
    (S.INTERRUPTED, A.SEAL): S.SEALED,
    (S.INTERRUPTED, A.FLAG_DUPLICATE): S.DUPLICATE,
    (S.SEALED, A.RESUME): S.RESUMED,
    (S.SEALED, A.FLAG_DUPLICATE): S.DUPLICATE,
    (S.RESUMED, A.COMPLETE_PAYMENT): S.PAID,
    (S.RESUMED, A.CLOSE_WINDOW): S.UNPAID,
    (S.RESUMED, A.FLAG_DUPLICATE): S.DUPLICATE,
    (S.DUPLICATE, A.TERMINATE): S.TERMINATED,
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(S, A)))
def test_every_pair(state, action):
    if (state, action) in EXPECTED:
        assert transition(state, action) is EXPECTED[(state, action)]
    else:
        with pytest.raises(ForbiddenTransition) as error:
            transition(state, action)
        assert error.value.code == "transition_forbidden"


def test_the_table_is_the_spec():
    assert TRANSITIONS == EXPECTED


def test_terminated_is_final_and_every_other_state_has_a_way_out():
    assert allowed_actions(S.TERMINATED) == frozenset()
    assert all(allowed_actions(state) for state in S if state is not S.TERMINATED)


def test_a_pension_year_interrupted_then_resumed_then_paid():
    state = S.PROSPECT
    path = [A.REGISTER, A.CLOSE_WINDOW, A.INTERRUPT, A.SEAL, A.RESUME, A.COMPLETE_PAYMENT]
    for action in path:
        state = transition(state, action)
    assert state is S.PAID


@pytest.mark.parametrize(
    ("state", "complete", "window_closed", "moves"),
    [
        (S.REGISTERED, True, False, (A.COMPLETE_PAYMENT,)),
        (S.UNPAID, True, True, (A.COMPLETE_PAYMENT,)),  # back-payment after the window
        (S.RESUMED, True, False, (A.COMPLETE_PAYMENT,)),
        (S.INTERRUPTED, True, False, (A.RESUME, A.COMPLETE_PAYMENT)),  # paying resumes (接续)
        (S.SEALED, True, True, (A.RESUME, A.COMPLETE_PAYMENT)),
        (S.PAID, True, False, ()),  # an overpayment changes no state
        (S.DUPLICATE, True, False, ()),  # insured elsewhere: money does not revive it
        (S.PAID, False, False, (A.REVERSE_PAYMENT,)),
        (S.PAID, False, True, (A.REVERSE_PAYMENT, A.CLOSE_WINDOW)),  # reversed late: arrears
        (S.REGISTERED, False, True, ()),  # a partial payment moves nothing
    ],
)
def test_the_moves_a_new_balance_makes(state, complete, window_closed, moves):
    assert moves_after_settlement(state, complete, window_closed) == moves
    for action in moves:  # every move is one the table allows, in this order
        state = transition(state, action)


def test_every_settlement_move_has_a_reason():
    assert set(MOVE_REASONS) == {A.RESUME, A.COMPLETE_PAYMENT, A.REVERSE_PAYMENT, A.CLOSE_WINDOW}
