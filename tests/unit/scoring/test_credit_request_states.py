"""A credit request: every (status, action) pair is checked against the spec."""

import itertools

import pytest

from services.scoring.domain.credit_requests import (
    TRANSITIONS,
    NotADecision,
    RequestAction,
    RequestAlreadyDecided,
    RequestStatus,
    allowed_actions,
    decision_outcome,
    transition,
)

S = RequestStatus
A = RequestAction

EXPECTED = {
    (S.PENDING, A.ACCEPT): S.ACCEPTED,
    (S.PENDING, A.REJECT): S.REJECTED,
}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(S, A)))
def test_every_pair(status, action):
    if (status, action) in EXPECTED:
        assert transition("r1", status, action) is EXPECTED[(status, action)]
    else:
        with pytest.raises(RequestAlreadyDecided) as error:
            transition("r1", status, action)
        assert error.value.detail == f"Request r1 was already {status.value}."


def test_the_table_is_the_spec():
    assert TRANSITIONS == EXPECTED


def test_a_decided_request_is_final():
    assert allowed_actions(S.ACCEPTED) == allowed_actions(S.REJECTED) == frozenset()


@pytest.mark.parametrize(("current", "decision"), list(itertools.product(S, S)))
def test_every_decision_asked_of_every_status(current, decision):
    if current is not S.PENDING:
        with pytest.raises(RequestAlreadyDecided):  # before the decision is judged
            decision_outcome("r1", current, decision)
    elif decision is S.PENDING:
        with pytest.raises(NotADecision, match=r"A decision is accepted or rejected\."):
            decision_outcome("r1", current, decision)
    else:
        assert decision_outcome("r1", current, decision) is decision
