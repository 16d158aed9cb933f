from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.scoring.domain.business_calendar import SHANGHAI
from services.scoring.domain.credit import CreditGrade
from services.scoring.domain.credit_rules import CreditDimension, CreditItemKind, CreditRules
from services.scoring.domain.errors import InvalidCreditInput, InvalidPolicy, NaiveDatetime
from services.scoring.domain.explanation import total_effect
from services.scoring.domain.policy_base import validate_policy
from services.scoring.domain.provisional_score import CreditItem, compute_provisional_score
from services.scoring.policy import load_credit_rules

RULES = load_credit_rules()
AS_OF = datetime(2025, 3, 15, 12, tzinfo=SHANGHAI)


def basic(value: str = "70") -> dict[CreditDimension, Decimal]:
    return {dimension: Decimal(value) for dimension in CreditDimension}


def item(kind: CreditItemKind, days_ago: int = 10, ref: str = "evt-1") -> CreditItem:
    return CreditItem(kind, AS_OF - timedelta(days=days_ago), ref)


def test_basic_information_alone_gives_the_weighted_base():
    result = compute_provisional_score(basic("70"), [], RULES, AS_OF)
    assert result.score == Decimal("700")
    assert result.grade is CreditGrade.EXCELLENT
    assert result.policy_version == "credit_rules.v1"
    assert [line.rule_code for line in result.explanation] == [
        f"CR-BASE-{d}" for d in CreditDimension
    ]


def test_each_dimension_contributes_its_weighted_share():
    values = {
        d: Decimal(v) for d, v in zip(CreditDimension, ["100", "50", "0", "80", "60"], strict=True)
    }
    result = compute_provisional_score(values, [], RULES, AS_OF)
    # 1000 × (0.15×1 + 0.20×0.5 + 0.10×0 + 0.20×0.8 + 0.35×0.6)
    assert result.score == Decimal("620")
    assert result.grade is CreditGrade.GOOD


def test_a_major_hazard_moves_the_score_and_says_why():
    result = compute_provisional_score(basic(), [item(CreditItemKind.MAJOR_HAZARD)], RULES, AS_OF)
    assert result.score == Decimal("650")
    assert result.grade is CreditGrade.EXCELLENT
    line = result.explanation[-1]
    assert (line.input, line.effect, line.rule_code) == (
        "major_hazard:evt-1",
        Decimal("-50"),
        "CR-ITEM-major_hazard",
    )


def test_closing_a_hazard_on_time_lifts_the_score():
    before = compute_provisional_score(basic(), [item(CreditItemKind.OVERDUE_HAZARD)], RULES, AS_OF)
    items = [item(CreditItemKind.OVERDUE_HAZARD), item(CreditItemKind.HAZARD_CLOSED_ON_TIME, 3)]
    after = compute_provisional_score(basic(), items, RULES, AS_OF)
    assert after.score - before.score == Decimal("5")


def test_a_cap_limits_the_total_effect_of_one_kind():
    items = [item(CreditItemKind.MAJOR_HAZARD, days, f"e{days}") for days in (40, 30, 20, 10)]
    result = compute_provisional_score(basic(), items, RULES, AS_OF)
    assert result.score == Decimal("550")
    effects = [line.effect for line in result.explanation if "major_hazard" in line.input]
    assert effects == [Decimal(-50), Decimal(-50), Decimal(-50), Decimal(0)]
    assert result.explanation[-1].rule_code == "CR-CAP-major_hazard"


def test_a_cap_can_be_reached_part_way_through_an_item():
    rules = _rules_with(major_hazard={"points": -50, "cap": 120, "text": "major"})
    items = [item(CreditItemKind.MAJOR_HAZARD, days, f"e{days}") for days in (30, 20, 10)]
    result = compute_provisional_score(basic(), items, rules, AS_OF)
    assert [line.effect for line in result.explanation[-3:]] == [-50, -50, -20]


def test_items_stop_counting_after_their_validity_window():
    occurred = datetime(2024, 3, 15, 8, tzinfo=SHANGHAI)
    hazard = CreditItem(CreditItemKind.MAJOR_HAZARD, occurred, "old")
    still = compute_provisional_score(
        basic(), [hazard], RULES, datetime(2025, 3, 14, 23, tzinfo=SHANGHAI)
    )
    gone = compute_provisional_score(
        basic(), [hazard], RULES, datetime(2025, 3, 15, 0, tzinfo=SHANGHAI)
    )
    assert still.score == Decimal("650")
    assert gone.score == Decimal("700")
    assert gone.explanation[-1].rule_code == "CR-EXPIRED-major_hazard"


def test_an_item_kind_may_have_its_own_validity_window():
    blacklisted = item(CreditItemKind.BLACKLIST_ENTRY, days_ago=400)
    result = compute_provisional_score(basic(), [blacklisted], RULES, AS_OF)
    assert result.score == Decimal("500")


def test_items_after_the_as_of_moment_are_not_yet_known():
    future = CreditItem(CreditItemKind.MAJOR_HAZARD, AS_OF + timedelta(hours=1), "later")
    assert compute_provisional_score(basic(), [future], RULES, AS_OF).score == Decimal("700")


def test_the_score_is_clamped_to_0_and_explained():
    items = [item(CreditItemKind.BLACKLIST_ENTRY), item(CreditItemKind.MAJOR_HAZARD)]
    result = compute_provisional_score(basic("10"), items, RULES, AS_OF)
    assert result.score == Decimal("0")
    assert result.grade is CreditGrade.BAD
    assert result.explanation[-1].rule_code == "CR-CLAMP"
    assert total_effect(result.explanation) == result.score


def test_the_score_is_clamped_to_1000():
    items = [item(CreditItemKind.INSPECTION_PASSED)]
    result = compute_provisional_score(basic("100"), items, RULES, AS_OF)
    assert result.score == Decimal("1000")
    assert result.explanation[-1].effect == Decimal("-5")


def test_incomplete_basic_information_is_refused():
    partial = basic()
    del partial[CreditDimension.INNOVATION]
    with pytest.raises(InvalidCreditInput):
        compute_provisional_score(partial, [], RULES, AS_OF)


def test_a_dimension_score_above_100_is_refused():
    with pytest.raises(InvalidCreditInput):
        compute_provisional_score(basic("100.5"), [], RULES, AS_OF)


def test_naive_datetimes_are_refused():
    with pytest.raises(NaiveDatetime):
        compute_provisional_score(basic(), [], RULES, datetime(2025, 3, 15))


def test_weights_that_do_not_sum_to_one_are_refused():
    data = RULES.model_dump(mode="python")
    data["basic"]["weights"]["identity"] = Decimal("0.2")
    with pytest.raises(InvalidPolicy):
        validate_policy(CreditRules, data)


def _rules_with(**items: dict) -> CreditRules:
    data = RULES.model_dump(mode="python")
    data["items"].update(items)
    return validate_policy(CreditRules, data)


dimension_scores = st.decimals(min_value=0, max_value=100, places=1)
kinds = st.sampled_from(list(CreditItemKind))


@settings(max_examples=60)
@given(
    st.lists(dimension_scores, min_size=5, max_size=5),
    st.lists(st.tuples(kinds, st.integers(0, 800)), max_size=12),
)
def test_the_explanation_always_adds_up_to_the_score(values, raw_items):
    info = dict(zip(CreditDimension, values, strict=True))
    items = [
        CreditItem(k, AS_OF - timedelta(days=d), f"e{i}") for i, (k, d) in enumerate(raw_items)
    ]
    result = compute_provisional_score(info, items, RULES, AS_OF)
    assert total_effect(result.explanation) == result.score
    assert Decimal(0) <= result.score <= Decimal(1000)
