"""The circular as an office issues it: one list per unit, percentages, 文号, Chinese words."""

from decimal import Decimal

import pytest

from services.scoring.domain.circular import (
    ACTION_LABELS,
    TRIGGER_LABELS,
    CircularPolicy,
    OverlapRule,
    document_number,
    movement_text,
    percent,
    praised_and_criticised,
)
from services.scoring.domain.errors import InvalidPolicy
from services.scoring.domain.policy_base import validate_policy
from services.scoring.domain.ranking import RankedUnit
from services.scoring.domain.triggers import ActionKind, TriggerKind
from services.scoring.policy import load_campaign_policy


def pool(size: int) -> list[RankedUnit]:
    """Units scoring size, size-1, … 1: ranks 1..size, no ties."""
    return [
        RankedUnit(f"v{r}", "villages", Decimal(size - r), r, size - r + 1, size, 0, False)
        for r in range(1, size + 1)
    ]


def ids(units: list[RankedUnit]) -> list[str]:
    return [u.unit_id for u in units]


def test_in_a_pool_of_six_praise_wins_and_criticism_is_for_the_others_only():
    praised, criticised = praised_and_criticised(pool(6), CircularPolicy(), bottom_n=5)
    assert ids(praised) == ["v1", "v2", "v3"]
    assert ids(criticised) == ["v4", "v5", "v6"]


def test_criticism_can_be_set_to_win_instead():
    policy = CircularPolicy(overlap=OverlapRule.CRITICISM_WINS)
    praised, criticised = praised_and_criticised(pool(6), policy, bottom_n=5)
    assert ids(praised) == ["v1"]
    assert ids(criticised) == ["v2", "v3", "v4", "v5", "v6"]


@pytest.mark.parametrize("size", range(1, 12))
@pytest.mark.parametrize("overlap", list(OverlapRule))
def test_no_pool_size_puts_a_unit_on_both_lists(size, overlap):
    praised, criticised = praised_and_criticised(pool(size), CircularPolicy(overlap=overlap), 5)
    assert not set(ids(praised)) & set(ids(criticised))


def test_large_pools_are_unchanged_by_the_rule():
    praised, criticised = praised_and_criticised(pool(10), CircularPolicy(), bottom_n=5)
    assert ids(praised) == ["v1", "v2", "v3"]
    assert ids(criticised) == ["v6", "v7", "v8", "v9", "v10"]


def test_the_shipped_campaign_lets_praise_win_by_default():
    assert load_campaign_policy().circular.overlap is OverlapRule.PRAISE_WINS


def test_percentages_follow_domain_rounding_truncated_to_one_place():
    assert percent(Decimal(906) / Decimal(23262)) == "3.8%"
    assert percent(Decimal("0.785")) == "78.5%"
    assert percent(Decimal("0.999999")) == "99.9%"
    assert percent(Decimal(1)) == "100.0%"
    assert percent(Decimal(0)) == "0.0%"
    half_up = CircularPolicy(share_rounding="half_up", share_places=2)
    assert percent(Decimal(906) / Decimal(23262), half_up) == "3.89%"


def test_the_document_number_reads_as_a_wenhao():
    assert document_number(CircularPolicy(), 2026, 12) == "考核办通〔2026〕12号"
    assert document_number(CircularPolicy(document_prefix="秣政办"), 2027, 1) == "秣政办〔2027〕1号"
    with pytest.raises(ValueError):
        document_number(CircularPolicy(), 2026, 0)


def test_movement_is_printed_with_arrows():
    assert [movement_text(m) for m in (2, -1, 0, None)] == ["↑2", "↓1", "—", "新"]


def test_every_trigger_and_action_code_has_its_chinese_words():
    assert set(TRIGGER_LABELS) == set(TriggerKind)
    assert set(ACTION_LABELS) == set(ActionKind)
    assert ACTION_LABELS[ActionKind.ADMONITION_TALK] == "约谈"


def test_an_unknown_overlap_rule_is_an_invalid_policy():
    with pytest.raises(InvalidPolicy):
        validate_policy(CircularPolicy, {"overlap": "both"})
