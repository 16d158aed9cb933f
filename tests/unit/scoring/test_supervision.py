from datetime import datetime
from decimal import Decimal

import pytest

from services.scoring.domain.business_calendar import SHANGHAI
from services.scoring.domain.cadence import InspectionCadence
from services.scoring.domain.credit import CreditGrade
from services.scoring.domain.credit_rules import CreditDimension
from services.scoring.domain.errors import InvalidProgress
from services.scoring.domain.provisional_score import compute_provisional_score
from services.scoring.domain.supervision import (
    GradeSource,
    OfficialGrade,
    cadence_override,
    choose_supervision_grade,
    effective_cadence,
    sample_size,
    sampling_ratio,
)
from services.scoring.policy import load_credit_rules

RULES = load_credit_rules()
POLICY = RULES.supervision
AS_OF = datetime(2025, 6, 1, tzinfo=SHANGHAI)
PROVISIONAL = compute_provisional_score({d: Decimal(50) for d in CreditDimension}, [], RULES, AS_OF)


def posted(year: int, grade: CreditGrade, month: int = 2) -> OfficialGrade:
    return OfficialGrade(year, grade, datetime(year, month, 1, tzinfo=SHANGHAI))


def test_without_an_official_grade_supervision_uses_the_provisional_one():
    chosen = choose_supervision_grade(2025, [], PROVISIONAL)
    assert (chosen.grade, chosen.source) == (CreditGrade.FAIR, GradeSource.PROVISIONAL)
    assert chosen.policy_version == "credit_rules.v1"


def test_an_official_grade_posted_for_the_year_wins():
    chosen = choose_supervision_grade(2025, [posted(2025, CreditGrade.GOOD)], PROVISIONAL)
    assert (chosen.grade, chosen.source) == (CreditGrade.GOOD, GradeSource.OFFICIAL)


def test_an_official_grade_of_another_year_does_not_count():
    chosen = choose_supervision_grade(2025, [posted(2024, CreditGrade.GOOD)], PROVISIONAL)
    assert chosen.source is GradeSource.PROVISIONAL


def test_the_latest_official_posting_of_the_year_wins():
    postings = [posted(2025, CreditGrade.POOR, 5), posted(2025, CreditGrade.GOOD, 2)]
    assert choose_supervision_grade(2025, postings, PROVISIONAL).grade is CreditGrade.POOR


@pytest.mark.parametrize(
    ("grade", "ratio"),
    [
        (CreditGrade.EXCELLENT, "0.05"),
        (CreditGrade.GOOD, "0.05"),
        (CreditGrade.FAIR, "0.10"),
        (CreditGrade.POOR, "0.20"),
        (CreditGrade.BAD, "0.20"),
    ],
)
def test_default_sampling_ratios_per_quarter(grade, ratio):
    assert sampling_ratio(grade, POLICY) == Decimal(ratio)


def test_poor_and_bad_get_the_monthly_key_unit_cadence():
    assert cadence_override(CreditGrade.POOR, POLICY) is InspectionCadence.MONTHLY
    assert cadence_override(CreditGrade.BAD, POLICY) is InspectionCadence.MONTHLY
    assert cadence_override(CreditGrade.FAIR, POLICY) is None
    assert cadence_override(CreditGrade.EXCELLENT, POLICY) is None


def test_credit_raises_a_quarterly_cadence_to_monthly():
    assert effective_cadence(InspectionCadence.QUARTERLY, CreditGrade.BAD, POLICY) is (
        InspectionCadence.MONTHLY
    )


def test_credit_never_lowers_a_mandatory_cadence():
    assert effective_cadence(InspectionCadence.WEEKLY, CreditGrade.POOR, POLICY) is (
        InspectionCadence.WEEKLY
    )
    assert effective_cadence(InspectionCadence.MONTHLY, CreditGrade.EXCELLENT, POLICY) is (
        InspectionCadence.MONTHLY
    )


def test_sample_size_rounds_up():
    assert sample_size(41, Decimal("0.05")) == 3
    assert sample_size(40, Decimal("0.05")) == 2
    assert sample_size(0, Decimal("0.2")) == 0
    with pytest.raises(InvalidProgress):
        sample_size(10, Decimal("1.5"))
