"""Enterprise arrears, late fees deferred during the campaign, payments, and base audits."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.enrollment.domain.arrears import (
    ArrearsBalance,
    accrue_late_fee,
    accrue_to,
    apply_payment,
    assess_arrears,
    audit_contribution_base,
    open_balance,
)
from services.enrollment.domain.errors import InvalidAmount, PolicyError, RuleViolation

from .policies import EMPLOYEE, VARIANT_B

CODE = "91320115MA1XXXXX0X"
DUE_DATE = date(2025, 5, 31)
ZERO = Decimal(0)


def test_arrears_per_enterprise_and_period():
    owed = assess_arrears(CODE, "2025-05", Decimal("10000"), Decimal("6000"))
    assert owed.outstanding == Decimal("4000") and owed.credit == 0
    over = assess_arrears(CODE, "2025-05", Decimal("100"), Decimal("150"))
    assert over.outstanding == 0 and over.credit == Decimal("50")
    with pytest.raises(InvalidAmount):
        assess_arrears(CODE, "2025-05", Decimal("-1"), Decimal("0"))


def test_late_fee_before_the_campaign_is_payable():
    fee = accrue_late_fee(EMPLOYEE, Decimal("10000"), DUE_DATE, date(2025, 6, 10))
    assert fee.days == 10 and fee.accrued == Decimal("50.00")
    assert fee.payable_now == Decimal("50.00") and fee.deferred == 0


def test_late_fee_is_deferred_not_waived_while_the_campaign_runs():
    fee = accrue_late_fee(EMPLOYEE, Decimal("10000"), DUE_DATE, date(2025, 7, 1))
    assert fee.accrued == Decimal("155.00")
    assert fee.payable_now == 0 and fee.waived == 0
    assert fee.deferred == Decimal("155.00")
    assert fee.deferred_until == date(2025, 9, 30)


def test_after_the_campaign_the_whole_late_fee_is_payable():
    fee = accrue_late_fee(EMPLOYEE, Decimal("10000"), DUE_DATE, date(2025, 10, 1))
    assert fee.days == 123 and fee.payable_now == Decimal("615.00")


def test_hardship_back_payment_waives_the_late_fee():
    fee = accrue_late_fee(EMPLOYEE, Decimal("10000"), DUE_DATE, date(2025, 6, 10), hardship=True)
    assert fee.waived == Decimal("50.00") and fee.payable_now == 0


@given(
    st.integers(0, 10**8).map(Decimal),
    st.dates(date(2025, 1, 1), date(2026, 12, 31)),
    st.booleans(),
)
def test_late_fee_parts_add_up(outstanding, on, hardship):
    fee = accrue_late_fee(EMPLOYEE, outstanding, DUE_DATE, on, hardship)
    assert fee.payable_now + fee.deferred + fee.waived == fee.accrued
    assert fee.accrued >= 0


def test_declared_base_below_the_minimum_is_flagged():
    low = audit_contribution_base(EMPLOYEE, Decimal("3500"))
    assert low.flagged and low.shortfall == Decimal("500.00")
    assert low.reason.code == "base.below_minimum"
    assert not audit_contribution_base(EMPLOYEE, Decimal("4000")).flagged


def test_schemes_without_enterprise_rules_refuse():
    with pytest.raises(PolicyError):
        audit_contribution_base(VARIANT_B, Decimal("1"))


def balance_assessed_on(on: date, due: str = "10000") -> ArrearsBalance:
    balance, _ = open_balance(
        EMPLOYEE, assess_arrears(CODE, "2025-05", Decimal(due), ZERO), DUE_DATE, on
    )
    return balance


def test_paying_after_the_campaign_leaves_the_late_fee_due():
    applied = apply_payment(
        EMPLOYEE, balance_assessed_on(date(2025, 6, 10)), Decimal("10000"), date(2025, 10, 10)
    )
    after = applied.balance
    assert after.outstanding == 0 and after.fee_payable == Decimal("660.00")
    assert not after.cleared and applied.reason.code == "arrears.late_fee_due"
    done = apply_payment(EMPLOYEE, after, Decimal("660.00"), date(2025, 10, 10))
    assert done.balance.cleared and done.to_late_fee == Decimal("660.00")
    assert done.reason.code == "arrears.cleared"


def test_paying_during_the_campaign_defers_every_unpaid_late_fee():
    applied = apply_payment(
        EMPLOYEE, balance_assessed_on(date(2025, 6, 10)), Decimal("10000"), date(2025, 7, 15)
    )
    after = applied.balance
    assert after.cleared and after.fee_deferred == Decimal("225.00")
    assert after.deferred_until == date(2025, 9, 30)
    assert applied.reason.code == "arrears.cleared_late_fee_deferred"


def test_a_deferred_late_fee_falls_due_after_the_campaign():
    during = balance_assessed_on(date(2025, 7, 1))
    assert during.fee_deferred == Decimal("155.00") and during.fee_payable == 0
    later, _ = accrue_to(EMPLOYEE, during, date(2025, 10, 2))
    assert later.fee_deferred == 0 and later.deferred_until is None
    assert later.fee_payable == Decimal("155.00") + Decimal("10000") * Decimal("0.0005") * 93


def test_money_goes_to_contributions_then_the_fee_then_credit():
    start = balance_assessed_on(date(2025, 6, 10))  # 50.00 payable
    applied = apply_payment(EMPLOYEE, start, Decimal("10100"), date(2025, 6, 10))
    assert applied.to_contributions == Decimal("10000") and applied.to_late_fee == Decimal("50.00")
    assert applied.balance.paid == Decimal("10050.00") and applied.balance.cleared


def test_a_payment_before_the_fee_was_last_counted_is_refused():
    with pytest.raises(RuleViolation):
        apply_payment(
            EMPLOYEE, balance_assessed_on(date(2025, 6, 10)), Decimal("1"), date(2025, 6, 9)
        )
    with pytest.raises(InvalidAmount):
        apply_payment(EMPLOYEE, balance_assessed_on(date(2025, 6, 10)), ZERO, date(2025, 6, 10))


@given(
    st.lists(
        st.tuples(st.integers(1, 500_000).map(lambda n: Decimal(n) / 100), st.integers(0, 40)),
        min_size=1,
        max_size=6,
    )
)
def test_every_yuan_paid_is_accounted_for(payments):
    balance, day, total = balance_assessed_on(date(2025, 6, 1), due="5000"), date(2025, 6, 1), ZERO
    for amount, gap in payments:
        day = day + timedelta(days=gap)
        balance = apply_payment(EMPLOYEE, balance, amount, day).balance
        total += amount
        assert balance.fee_deferred + balance.fee_paid <= balance.fee_accrued
        assert balance.fee_payable >= 0 and balance.fee_deferred >= 0
    assert balance.paid + balance.fee_paid == total
