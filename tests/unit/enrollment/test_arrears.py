"""Enterprise arrears, late fees deferred during the campaign, and base audits."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.enrollment.domain.arrears import (
    accrue_late_fee,
    assess_arrears,
    audit_contribution_base,
)
from services.enrollment.domain.errors import InvalidAmount, PolicyError

from .policies import EMPLOYEE, VARIANT_B

CODE = "91320115MA1XXXXX0X"
DUE_DATE = date(2025, 5, 31)


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
