"""A delivery's import: every (state, action) pair is checked against the spec."""

import itertools

import pytest

from services.enrollment.domain.deliveries import (
    TRANSITIONS,
    DeliveryAction,
    DeliveryState,
    opening_state,
    states_allowing,
    transition,
)
from services.enrollment.domain.errors import ForbiddenTransition
from services.enrollment.payments import deliveries

S = DeliveryState
A = DeliveryAction

EXPECTED = {
    (S.QUEUED, A.START): S.IMPORTING,
    (S.QUEUED, A.STOP): S.STOPPED,
    (S.QUEUED, A.STALL): S.STOPPED,
    (S.QUEUED, A.BEAT): S.QUEUED,
    (S.IMPORTING, A.FINISH): S.DONE,
    (S.IMPORTING, A.STOP): S.STOPPED,
    (S.IMPORTING, A.STALL): S.STOPPED,
    (S.IMPORTING, A.BEAT): S.IMPORTING,
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


def test_done_and_stopped_are_final():
    assert not [pair for pair in TRANSITIONS if pair[0] in (S.DONE, S.STOPPED)]


def test_a_file_waits_for_its_turn_and_a_one_shot_delivery_is_done_at_once():
    assert opening_state(is_file=True) is S.QUEUED
    assert opening_state(is_file=False) is S.DONE


def test_the_queries_read_unfinished_and_stallable_imports_from_the_table():
    assert states_allowing(A.BEAT) == (S.QUEUED, S.IMPORTING)
    assert deliveries.UNFINISHED == ("queued", "importing")
    assert deliveries.STALLABLE == ("queued", "importing")
