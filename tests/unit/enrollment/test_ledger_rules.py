"""The ledger's rules: which lines it refuses, and which payments wait in suspense."""

import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from services.enrollment.domain.ledger import (
    CLOSED_STATES,
    payment_refusal,
    reversal_refusal,
    suspense_reason,
)
from services.enrollment.domain.ledger_records import (
    ENTRY_COLUMNS,
    EnrollmentTarget,
    LedgerEntry,
    Notice,
)
from services.enrollment.domain.lifecycle import EnrollmentState
from services.enrollment.payments.models import Payment
from tests.unit.enrollment.policies import VARIANT_A, at

UNIT = "110101001001"
PAYMENT = Notice(
    2,
    "T1",
    Decimal("320.00"),
    at(2025, 11, 1),
    unit_code=UNIT,
    scheme_code="resident_medical",
    year=2025,
)
ORIGINAL = LedgerEntry(
    id=uuid.uuid4(),
    partner_id="bank",
    partner_txn_id="T1",
    kind="payment",
    status="posted",
    reverses_id=None,
    enrollment_id=uuid.uuid4(),
    person_key="k",
    resident_id_enc=None,
    unit_code=UNIT,
    scheme_code="resident_medical",
    year=2025,
    tier=None,
    amount=Decimal("320.00"),
    paid_at=at(2025, 11, 1),
    deposited_at=None,
    channel="file",
)
REVERSAL = Notice(3, "R1", Decimal("320.00"), at(2025, 11, 2), original_txn="T1")


def test_a_valid_payment_is_accepted():
    assert payment_refusal(PAYMENT, VARIANT_A, {UNIT}) is None


@pytest.mark.parametrize(
    ("notice", "policy", "units", "code"),
    [
        (PAYMENT, None, {UNIT}, "scheme_unknown"),
        (PAYMENT, VARIANT_A, set(), "unit_unknown"),
        (replace(PAYMENT, amount=Decimal("0.001")), VARIANT_A, {UNIT}, "amount_invalid"),
        (replace(PAYMENT, amount=Decimal("900.01")), VARIANT_A, {UNIT}, "amount_above_standard"),
        (
            replace(PAYMENT, deposited_at=at(2025, 10, 31)),
            VARIANT_A,
            {UNIT},
            "deposited_before_paid",
        ),
        (replace(PAYMENT, tier="gold"), VARIANT_A, {UNIT}, "tier_unknown"),
    ],
)
def test_a_payment_is_refused_with_its_reason(notice, policy, units, code):
    refusal = payment_refusal(notice, policy, units)
    assert refusal is not None
    assert refusal.code == code
    assert refusal.detail


def _target(state: str, year: int = 2025) -> EnrollmentTarget:
    return EnrollmentTarget(uuid.uuid4(), state, UNIT, "k", "resident_medical", year)


@pytest.mark.parametrize("state", list(EnrollmentState))
def test_a_payment_waits_in_suspense_only_for_a_closed_or_missing_enrollment(state):
    reason = suspense_reason("resident_medical", 2025, _target(state.value))
    closed = state in (EnrollmentState.DUPLICATE, EnrollmentState.TERMINATED)
    assert reason == ("enrollment_closed" if closed else None)
    assert (state.value in CLOSED_STATES) is closed


def test_a_payment_for_no_enrollment_or_another_year_waits_in_suspense():
    assert suspense_reason("resident_medical", 2025, None) == "no_enrollment"
    mismatch = suspense_reason("resident_medical", 2025, _target("registered", 2026))
    assert mismatch == "enrollment_mismatch"
    assert suspense_reason("resident_pension", 2025, _target("registered")) == (
        "enrollment_mismatch"
    )


def test_a_reversal_of_a_standing_payment_for_its_amount_is_accepted():
    assert reversal_refusal(REVERSAL, ORIGINAL, set()) is None


@pytest.mark.parametrize(
    ("original", "taken", "amount", "code"),
    [
        (None, set(), Decimal("320.00"), "original_unknown"),
        (replace(ORIGINAL, kind="reversal"), set(), Decimal("320.00"), "original_is_reversal"),
        (ORIGINAL, {ORIGINAL.id}, Decimal("320.00"), "already_reversed"),
        (ORIGINAL, set(), Decimal("100.00"), "reversal_amount_mismatch"),
    ],
)
def test_a_reversal_is_refused_with_its_reason(original, taken, amount, code):
    refusal = reversal_refusal(replace(REVERSAL, amount=amount), original, taken)
    assert refusal is not None
    assert refusal.code == code


def test_an_entry_carries_every_column_of_the_ledger_but_its_recording_time():
    table = [c.name for c in Payment.__table__.columns if c.name != "recorded_at"]
    assert sorted(ENTRY_COLUMNS) == sorted(table)
    assert LedgerEntry.from_columns(ORIGINAL.columns() | {"recorded_at": None}) == ORIGINAL
