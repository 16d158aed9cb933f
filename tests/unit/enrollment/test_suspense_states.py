"""A payment in suspense: every (status, clerk's action) pair is checked against the spec."""

import itertools

import pytest

from services.enrollment.domain.errors import StateConflict
from services.enrollment.domain.suspense import (
    TRANSITIONS,
    PaymentStatus,
    SuspenseAction,
    resolve,
    status_of,
)

S = PaymentStatus
A = SuspenseAction

EXPECTED = {
    (S.SUSPENSE, A.MATCH): S.POSTED,
    (S.SUSPENSE, A.RETURN): S.RETURNED,
}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(S, A)))
def test_every_pair(status, action):
    if (status, action) in EXPECTED:
        assert resolve("p1", status, action) is EXPECTED[(status, action)]
        return
    with pytest.raises(StateConflict) as error:
        resolve("p1", status, action)
    if status is S.REVERSED_IN_SUSPENSE:
        assert error.value.detail == "Payment p1 was reversed by the partner."
    else:
        assert error.value.detail == f"Payment p1 is {status.value}, not in suspense."


def test_the_table_is_the_spec():
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(
    ("stored", "reversed_by_partner", "status"),
    [
        ("suspense", False, S.SUSPENSE),
        ("suspense", True, S.REVERSED_IN_SUSPENSE),
        ("posted", False, S.POSTED),
        ("posted", True, S.POSTED),
        ("returned", True, S.RETURNED),
    ],
)
def test_only_a_payment_in_suspense_is_held_back_by_its_reversal(
    stored, reversed_by_partner, status
):
    assert status_of(stored, reversed_by_partner) is status
