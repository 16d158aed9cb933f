"""Progress per unit, roll-up of the admin tree, percentage shares and rounding."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.enrollment.domain.errors import InvalidAmount
from services.enrollment.domain.policy import Reporting
from services.enrollment.domain.progress import (
    UnitProgress,
    meets_target,
    roll_up,
    share_percent,
)

from .policies import PENSION, VARIANT_B

D = Decimal
assert VARIANT_B.target is not None and PENSION.target is not None
MEDICAL_TARGET, PENSION_TARGET = VARIANT_B.target, PENSION.target


def test_source_shares_truncate_by_default():
    assert share_percent(D(906), D(23262)) == D("3.8")
    assert share_percent(D(906), D(23262), "half_up") == D("3.9")
    assert share_percent(D(6310), D(23262)) == D("27.1")
    assert share_percent(D(422), D(23262)) == D("1.8")


def test_the_policy_sets_the_rounding_rule():
    unit = UnitProgress("320115103201", D(906), D(23262))
    assert unit.percent(VARIANT_B.reporting) == D("3.8")
    assert unit.percent(Reporting(share_rounding="half_up")) == D("3.9")
    assert UnitProgress("320115103201", D(5), D(0)).percent(VARIANT_B.reporting) is None


def test_shares_need_a_positive_whole():
    with pytest.raises(InvalidAmount):
        share_percent(D(1), D(0))


def test_target_uses_the_exact_ratio():
    assert UnitProgress("u", D(9800), D(10000)).reaches(MEDICAL_TARGET.enrollment_rate)
    assert not UnitProgress("u", D(9790), D(10000)).reaches(MEDICAL_TARGET.enrollment_rate)


def test_pension_target_needs_the_rate_and_the_per_capita_minimum():
    persons = UnitProgress("u", D(300), D(300))
    assert meets_target(PENSION_TARGET, persons, D(156000), 300)
    assert not meets_target(PENSION_TARGET, persons, D(144000), 300)
    assert not meets_target(PENSION_TARGET, UnitProgress("u", D(299), D(300)), D(160000), 299)


def test_a_money_task_divides_the_money_by_the_persons_completed():
    money = UnitProgress("u", D(156000), D(150000))  # the task counts yuan
    assert meets_target(PENSION_TARGET, money, D(156000), 300), "520 yuan a head"
    assert not meets_target(PENSION_TARGET, money, D(156000), 320), "487.5 yuan a head"
    assert not meets_target(PENSION_TARGET, money, D(156000), 0)
    short = UnitProgress("u", D(140000), D(150000))
    assert not meets_target(PENSION_TARGET, short, D(140000), 200), "the task is not done"


def test_roll_up_sums_villages_into_towns_and_the_district():
    done = {"320115103201": D(90), "320115103202": D(40), "320115104201": D(10)}
    tasks = {"320115103201": D(100), "320115103202": D(50), "320115104201": D(20)}
    tree = roll_up(done, tasks)
    assert tree["320115103000"] == UnitProgress("320115103000", D(130), D(150))
    assert tree["320115104000"].done == 10
    assert tree["320115000000"] == UnitProgress("320115000000", D(140), D(170))
    assert tree["320000000000"].task == 170


def test_a_task_set_for_a_town_wins_over_its_villages_sum():
    done = {"320115103201": D(90)}
    tasks = {"320115103201": D(100), "320115103000": D(400)}
    tree = roll_up(done, tasks)
    assert tree["320115103000"].task == 400
    assert tree["320115000000"].task == 400


amounts = st.integers(0, 10**9).map(Decimal)
wholes = st.integers(1, 10**9).map(Decimal)


@given(amounts, wholes, st.integers(0, 3))
def test_truncation_never_exceeds_the_exact_value(part, whole, places):
    exact = Fraction(part) * 100 / Fraction(whole)
    shown = Fraction(share_percent(part, whole, "truncate", places))
    assert shown <= exact < shown + Fraction(1, 10**places)


@given(amounts, wholes, st.integers(0, 3))
def test_half_up_is_within_half_a_unit(part, whole, places):
    exact = Fraction(part) * 100 / Fraction(whole)
    shown = Fraction(share_percent(part, whole, "half_up", places))
    assert abs(shown - exact) <= Fraction(1, 2 * 10**places)
