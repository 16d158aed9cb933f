from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.scoring.domain.errors import InvalidProgress, UnknownStage
from services.scoring.domain.explanation import total_effect
from services.scoring.domain.stages import (
    BonusMode,
    StageFormula,
    score_stage,
    score_stages,
    stage_on,
)
from services.scoring.policy import load_campaign_policy

_STAGES = load_campaign_policy().stages
assert _STAGES is not None
FORMULA: StageFormula = _STAGES
STAGE1, STAGE2 = FORMULA.stages


def pct(value: str) -> Decimal:
    return Decimal(value) / 100


@pytest.mark.parametrize(
    ("stage", "actual", "expected"),
    [
        (STAGE1, "75", "80.0"),  # T1
        (STAGE1, "70", "75.0"),  # T2, DOMAIN §4.2
        (STAGE1, "60", "65.0"),  # T3
        (STAGE1, "78.5", "83.5"),  # T4, DOMAIN §4.2
        (STAGE1, "75.1", "80.1"),  # T5
        (STAGE2, "90", "20.0"),  # T6
        (STAGE2, "85", "15.0"),  # T7
        (STAGE2, "93.2", "23.2"),  # T8
        (STAGE2, "65", "-5.0"),  # T9: no floor by default
        (STAGE1, "80", "85"),  # T12: the bonus is applied once
    ],
)
def test_stage_scores(stage, actual, expected):
    assert score_stage(stage, pct(actual)) == Decimal(expected)


def test_two_stages_add_up():  # T10, DOMAIN §4.2
    scores = score_stages(FORMULA, {"stage1": pct("72"), "stage2": pct("91")})
    assert scores.by_stage == {"stage1": Decimal(77), "stage2": Decimal(21)}
    assert scores.total == Decimal("98.0")


def test_no_ceiling_by_default():  # T11
    assert score_stages(FORMULA, {"stage1": pct("80"), "stage2": pct("100")}).total == 115


def test_cumulative_bonus_mode_adds_the_l119_term_a_second_time():
    assert score_stage(STAGE1, pct("80"), BonusMode.CUMULATIVE) == Decimal(90)
    assert score_stage(STAGE1, pct("70"), BonusMode.CUMULATIVE) == Decimal(75)
    cumulative = FORMULA.model_copy(update={"bonus_mode": BonusMode.CUMULATIVE})
    assert score_stages(cumulative, {"stage1": pct("72"), "stage2": pct("91")}).total == 99


def test_a_stage_floor_applies_when_the_policy_sets_one():  # T9 with a floor
    floored = STAGE2.model_copy(update={"floor": Decimal(0)})
    assert score_stage(floored, pct("65")) == 0
    assert score_stage(floored, pct("93.2")) == Decimal("23.2")


def test_a_total_ceiling_applies_when_the_policy_sets_one():
    capped = FORMULA.model_copy(update={"total_ceiling": Decimal(100)})
    scores = score_stages(capped, {"stage1": pct("80"), "stage2": pct("100")})
    assert scores.total == 100
    assert scores.explanation[-1].rule_code == "ST-CEILING"


def test_a_live_ranking_scores_only_the_stages_reached():
    scores = score_stages(FORMULA, {"stage1": pct("70")})
    assert scores.total == 75
    assert set(scores.by_stage) == {"stage1"}


def test_progress_for_an_unknown_stage_is_refused():
    with pytest.raises(UnknownStage):
        score_stages(FORMULA, {"stage3": pct("50")})


def test_negative_progress_is_refused():
    with pytest.raises(InvalidProgress):
        score_stage(STAGE1, Decimal("-0.01"))


def test_stage_dates_in_a_campaign_year():
    assert stage_on(FORMULA, 2024, STAGE1.dates_in(2024)[1]) is STAGE1
    assert stage_on(FORMULA, 2024, STAGE2.dates_in(2024)[0]) is STAGE2
    assert STAGE2.dates_in(2024)[1].isoformat() == "2024-12-31"


def test_a_stage_may_cross_into_the_next_year():
    winter = STAGE1.model_copy(update={"starts": STAGE2.ends, "ends": STAGE1.ends})
    assert [d.isoformat() for d in winter.dates_in(2024)] == ["2024-12-31", "2025-03-31"]


def test_stage_codes_must_be_unique():
    with pytest.raises(ValueError, match="repeat"):
        StageFormula(stages=(STAGE1, STAGE1))


progress = st.decimals(min_value=0, max_value=2, places=4)


@given(progress, progress)
def test_each_percentage_point_moves_the_score_by_one_point(a, b):
    assert score_stage(STAGE1, a) - score_stage(STAGE1, b) == (a - b) * 100


@given(progress, progress)
def test_the_explanation_adds_up_to_the_total(a, b):
    scores = score_stages(FORMULA, {"stage1": a, "stage2": b})
    assert total_effect(scores.explanation) == scores.total == sum(scores.by_stage.values())
