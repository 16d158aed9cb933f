"""Eligibility per scheme, and the employee pension's retirement rule."""

from datetime import date

import pytest

from services.enrollment.domain.eligibility import decide_eligibility
from services.enrollment.domain.facts import PersonFacts, Sex
from services.enrollment.domain.retirement import decide_retirement

from .policies import EMPLOYEE, PENSION, VARIANT_A, VARIANT_B, person

ON = date(2025, 11, 1)


@pytest.mark.parametrize(
    ("age", "facts", "eligible", "code"),
    [
        (15, {}, False, "ineligible.age"),
        (16, {}, True, "eligible"),
        (59, {}, True, "eligible"),
        (60, {}, False, "ineligible.age"),
        (18, {"student": True}, False, "ineligible.student"),
        (40, {"in_employee_scheme": True}, False, "ineligible.employee_scheme"),
    ],
)
def test_resident_pension_scope(age, facts, eligible, code):
    decision = decide_eligibility(PENSION, person(age, **facts), ON)
    assert decision.eligible is eligible
    assert decision.reason.code == code


def test_age_is_counted_on_the_reference_date():
    born = PersonFacts(birth_date=date(1965, 11, 1), sex=Sex.MALE)
    assert decide_eligibility(PENSION, born, date(2025, 10, 31)).eligible
    assert not decide_eligibility(PENSION, born, date(2025, 11, 1)).eligible


def test_variant_a_needs_local_hukou_unless_student_or_residence_permit():
    assert decide_eligibility(VARIANT_A, person(30), ON).eligible
    outsider = decide_eligibility(VARIANT_A, person(30, local_hukou=False), ON)
    assert outsider.reason.code == "ineligible.residence"
    student = person(20, local_hukou=False, student=True)
    assert decide_eligibility(VARIANT_A, student, ON).eligible
    permit = person(30, local_hukou=False, residence_permit=True)
    assert decide_eligibility(VARIANT_A, permit, ON).eligible


def test_medical_excludes_the_employee_scheme():
    for policy in (VARIANT_A, VARIANT_B):
        decision = decide_eligibility(policy, person(30, in_employee_scheme=True), ON)
        assert decision.reason.code == "ineligible.employee_scheme"


def test_employee_pension_past_retirement_age_only_while_short_of_15_years():
    short = person(61, contribution_years=13)
    assert decide_eligibility(EMPLOYEE, short, ON).eligible
    done = person(61, contribution_years=20)
    assert decide_eligibility(EMPLOYEE, done, ON).reason.code == "ineligible.retired"


@pytest.mark.parametrize(
    ("age", "sex", "years", "may_retire", "short"),
    [
        (60, Sex.MALE, 13, False, 2),
        (55, Sex.FEMALE, 15, True, 0),
        (55, Sex.FEMALE, 9, False, 6),
        (59, Sex.MALE, 30, False, 0),
        (54, Sex.FEMALE, 20, False, 0),
    ],
)
def test_retirement(age, sex, years, may_retire, short):
    decision = decide_retirement(EMPLOYEE, person(age, sex=sex, contribution_years=years), ON)
    assert decision.may_retire is may_retire
    assert decision.years_short == short
    assert decision.may_keep_paying is (not may_retire)
