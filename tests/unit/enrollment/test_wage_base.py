"""The employee pension has no tiers: its quote states the rules, never an invented amount."""

from datetime import date

import pytest

from services.enrollment.domain.errors import PolicyError, RuleViolation
from services.enrollment.domain.facts import Sex
from services.enrollment.domain.policy import SchemePolicy
from services.enrollment.domain.premiums import quote_premium
from services.enrollment.domain.retirement import quote_wage_base

from .policies import EMPLOYEE, PENSION, at, person

ON = date(2025, 7, 1)


def test_the_shipped_employee_pension_is_wage_based_without_tiers():
    assert EMPLOYEE.contribution_basis == "wage_base" and EMPLOYEE.tiers == ()
    assert PENSION.contribution_basis == "tiers"


@pytest.mark.parametrize(
    ("age", "sex", "years", "code", "keep_paying"),
    [
        (40, Sex.MALE, 0, "retirement.below_age", True),
        (61, Sex.MALE, 10, "retirement.keep_paying", True),
        (61, Sex.MALE, 15, "retirement.may_retire", False),
        (56, Sex.FEMALE, 14, "retirement.keep_paying", True),
    ],
)
def test_a_wage_base_quote_gives_the_retirement_outcome(age, sex, years, code, keep_paying):
    facts = person(age, on=ON, sex=sex, contribution_years=years)
    quote = quote_wage_base(EMPLOYEE, facts, at(2025, 7, 1))
    assert quote.basis.code == "individual.wage_base"
    assert quote.within_window is True
    assert quote.retirement is not None
    assert quote.retirement.reason.code == code
    assert quote.retirement.may_keep_paying is keep_paying


def test_a_wage_base_quote_outside_the_campaign():
    assert not quote_wage_base(EMPLOYEE, person(40, on=ON), at(2025, 11, 1)).within_window


def test_a_tiered_quote_of_the_employee_pension_is_refused_with_its_reason():
    with pytest.raises(RuleViolation) as refused:
        quote_premium(EMPLOYEE, person(40, on=ON), at(2025, 7, 1))
    assert refused.value.code == "amount_by_wage_base"
    with pytest.raises(PolicyError):
        quote_wage_base(PENSION, person(40, on=ON), at(2025, 7, 1))


def test_tiers_and_the_basis_must_agree():
    base = PENSION.model_dump(mode="json")
    with pytest.raises(ValueError, match="tiered policy needs tiers"):
        SchemePolicy.model_validate(base | {"tiers": [], "default_tier": None})
    with pytest.raises(ValueError, match="wage-base policy has none"):
        SchemePolicy.model_validate(base | {"contribution_basis": "wage_base"})
