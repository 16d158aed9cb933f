"""Payments: acceptance, partial, overpayment, late, cut-off, reversal (冲正)."""

from datetime import date
from decimal import Decimal

import pytest

from services.enrollment.domain.errors import (
    AmountAboveStandard,
    InvalidAmount,
    InvalidReversal,
)
from services.enrollment.domain.payments import (
    Payment,
    SettlementStatus,
    accept_amount,
    net_payments,
    reversal_of,
    settle,
)

from .policies import EMPLOYEE, PENSION, VARIANT_A, VARIANT_B, at, person

NOV_1 = at(2025, 11, 1)
ADULT = person(30)


def pay(amount: str, paid=NOV_1, deposited=at(2025, 11, 2), ref: str = "P1") -> Payment:
    return Payment(ref, Decimal(amount), paid, deposited)


def test_amount_above_the_standard_is_rejected_with_a_reason_code():
    accept_amount(VARIANT_A, Decimal("900.00"))
    with pytest.raises(AmountAboveStandard) as error:
        accept_amount(VARIANT_A, Decimal("900.01"))
    assert error.value.code == "amount_above_standard"
    with pytest.raises(AmountAboveStandard):
        accept_amount(VARIANT_B, Decimal("381"))


def test_in_the_window_no_one_pays_more_than_the_highest_tier():
    accept_amount(VARIANT_A, Decimal("320.00"), NOV_1)
    with pytest.raises(AmountAboveStandard) as error:
        accept_amount(VARIANT_A, Decimal("320.01"), NOV_1)  # not 580 more, not 900
    assert "paid on 2025-11-01" in error.value.detail
    late = at(2026, 1, 5)  # after Dec 31: the full premium, subsidy included
    accept_amount(VARIANT_A, Decimal("900.00"), late)
    with pytest.raises(AmountAboveStandard):
        accept_amount(VARIANT_A, Decimal("900.01"), late)
    # Variant B has no full-premium rule: tier 2 caps every day.
    with pytest.raises(AmountAboveStandard):
        accept_amount(VARIANT_B, Decimal("381"), late)


def test_uncapped_schemes_accept_any_positive_amount():
    accept_amount(PENSION, Decimal("5000"))
    accept_amount(EMPLOYEE, Decimal("123456.78"))


@pytest.mark.parametrize("amount", ["0", "-1", "0.001"])
def test_amount_must_be_positive_whole_fen(amount):
    with pytest.raises(InvalidAmount):
        accept_amount(VARIANT_B, Decimal(amount))


def test_full_payment_deposited_in_time_completes_and_counts():
    result = settle(VARIANT_A, ADULT, [pay("320")], NOV_1)
    assert result.status is SettlementStatus.COMPLETE
    assert result.counts_toward_target and not result.late
    assert result.due == Decimal("320.00") and result.overpayment == 0


def test_payment_below_the_minimum_is_accepted_but_partial():
    result = settle(VARIANT_A, ADULT, [pay("200")], NOV_1)
    assert result.status is SettlementStatus.PARTIAL
    assert result.shortfall == Decimal("120.00")
    assert not result.counts_toward_target
    assert result.reasons[0].code == "payment.partial"


def test_two_partial_payments_complete_together():
    payments = [pay("200"), pay("120", ref="P2")]
    assert settle(VARIANT_A, ADULT, payments, NOV_1).status is SettlementStatus.COMPLETE


def test_overpayment_completes_and_records_the_excess_for_refund():
    result = settle(VARIANT_A, ADULT, [pay("350")], NOV_1)
    assert result.status is SettlementStatus.COMPLETE
    assert result.overpayment == Decimal("30.00")
    assert "payment.overpaid" in {reason.code for reason in result.reasons}


def test_pension_money_above_500_is_contribution_not_overpayment():
    result = settle(PENSION, person(40), [pay("600", paid=at(2025, 3, 1))], at(2025, 3, 1))
    assert result.status is SettlementStatus.COMPLETE and result.overpayment == 0
    assert result.paid == Decimal("600")
    below = settle(PENSION, person(40), [pay("400", paid=at(2025, 3, 1))], at(2025, 3, 1))
    assert below.status is SettlementStatus.PARTIAL


def test_only_money_deposited_before_the_unified_cutoff_counts():
    last_second = pay("320", deposited=at(2025, 12, 31, 23, 59))
    assert settle(VARIANT_A, ADULT, [last_second], NOV_1).counts_toward_target
    after = settle(VARIANT_A, ADULT, [pay("320", deposited=at(2026, 1, 1, 0, 0))], NOV_1)
    assert after.status is SettlementStatus.COMPLETE and not after.counts_toward_target
    undeposited = settle(VARIANT_A, ADULT, [pay("320", deposited=None)], NOV_1)
    assert not undeposited.counts_toward_target


def test_late_payment_variant_a_owes_the_full_premium():
    jan = at(2026, 1, 10)
    short = settle(VARIANT_A, ADULT, [pay("320", paid=jan, deposited=jan)], jan)
    assert short.late and short.due == Decimal("900.00")
    assert short.status is SettlementStatus.PARTIAL
    full = settle(VARIANT_A, ADULT, [pay("900", paid=jan, deposited=jan)], jan)
    assert full.status is SettlementStatus.COMPLETE
    assert full.quote.benefits_start == date(2026, 2, 9)
    assert "payment.late_full_premium" in {reason.code for reason in full.reasons}


def test_late_payment_variant_b_owes_the_normal_tier():
    jan = at(2026, 1, 10)
    result = settle(VARIANT_B, ADULT, [pay("280", paid=jan, deposited=jan)], jan)
    assert result.late and result.status is SettlementStatus.COMPLETE
    assert result.due == Decimal("280.00") and not result.counts_toward_target


def test_fully_subsidized_person_owes_nothing_and_self_payment_is_refunded():
    dibao = person(30, tags=frozenset({"dibao"}))
    assert settle(VARIANT_A, dibao, [], NOV_1).counts_toward_target
    self_paid = settle(VARIANT_A, dibao, [pay("320")], NOV_1)
    assert self_paid.overpayment == Decimal("320")


def test_reversal_nets_out_the_original():
    original = pay("320")
    reversal = reversal_of(original, "R1", at(2025, 11, 3))
    assert net_payments([original, reversal]) == ()
    result = settle(VARIANT_A, ADULT, [original, reversal], NOV_1)
    assert result.status is SettlementStatus.UNPAID and result.paid == 0


def test_reversal_keeps_the_other_payments():
    first, second = pay("200"), pay("120", ref="P2")
    standing = net_payments([first, second, reversal_of(second, "R2", NOV_1)])
    assert standing == (first,)


def test_invalid_reversals_are_refused():
    original = pay("320")
    reversal = reversal_of(original, "R1", NOV_1)
    with pytest.raises(InvalidReversal):
        reversal_of(reversal, "R2", NOV_1)
    with pytest.raises(InvalidReversal):
        net_payments([reversal])
    with pytest.raises(InvalidReversal):
        net_payments([original, reversal, reversal_of(original, "R3", NOV_1)])
    wrong = Payment("R4", Decimal("100"), NOV_1, reverses="P1")
    with pytest.raises(InvalidReversal):
        net_payments([original, wrong])
    with pytest.raises(InvalidReversal) as error:
        net_payments([original, original])
    assert error.value.code == "payment_duplicate"
