from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.scoring.domain.credit import CreditGrade, ensure_score_in_range, grade_for
from services.scoring.domain.errors import ScoreOutOfRange

scores = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("1000", CreditGrade.EXCELLENT),
        ("650", CreditGrade.EXCELLENT),
        ("649.99", CreditGrade.GOOD),
        ("649.5", CreditGrade.GOOD),
        ("550", CreditGrade.GOOD),
        ("549.99", CreditGrade.FAIR),
        ("450", CreditGrade.FAIR),
        ("449.99", CreditGrade.POOR),
        ("350", CreditGrade.POOR),
        ("349.99", CreditGrade.BAD),
        ("349.9", CreditGrade.BAD),
        ("0", CreditGrade.BAD),
    ],
)
def test_grade_boundaries_are_inclusive_at_the_lower_end(score, grade):
    assert grade_for(Decimal(score)) is grade


def test_grades_carry_their_chinese_names():
    assert [g.label_zh for g in CreditGrade] == ["优秀", "良好", "一般", "较差", "差"]


@pytest.mark.parametrize("score", ["-1", "-0.01", "1000.01", "1000.1", "1001", "NaN", "Infinity"])
def test_scores_outside_0_to_1000_are_rejected(score):
    with pytest.raises(ScoreOutOfRange):
        grade_for(Decimal(score))


def test_a_float_score_is_rejected():
    with pytest.raises(ScoreOutOfRange):
        ensure_score_in_range(650.0)  # type: ignore[arg-type]


def test_an_integer_score_is_accepted():
    assert grade_for(650) is CreditGrade.EXCELLENT  # type: ignore[arg-type]


_ORDER = list(CreditGrade)


@given(scores, scores)
def test_grade_is_monotonic_in_score(low, high):
    low, high = min(low, high), max(low, high)
    assert _ORDER.index(grade_for(high)) <= _ORDER.index(grade_for(low))
