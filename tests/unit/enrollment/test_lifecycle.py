"""The enrollment lifecycle: every (state, action) pair is checked against the spec."""

import itertools

import pytest

from services.enrollment.domain.errors import ForbiddenTransition
from services.enrollment.domain.lifecycle import (
    TRANSITIONS,
    EnrollmentAction,
    EnrollmentState,
    allowed_actions,
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
