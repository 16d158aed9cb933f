from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.scoring.domain.business_calendar import SHANGHAI
from services.scoring.domain.errors import UnknownPool
from services.scoring.domain.rank_awards import (
    PayoutKind,
    RankAwardEntry,
    RankAwardMode,
    RankAwardPolicy,
    settle_rank_awards,
)
from services.scoring.policy import load_campaign_policy

_RANK_AWARDS = load_campaign_policy().rank_awards
assert _RANK_AWARDS is not None
POLICY: RankAwardPolicy = _RANK_AWARDS
YEAR = 2024


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(YEAR, month, day, hour, tzinfo=SHANGHAI)


def entry(unit: str, completed: datetime | None, score: str = "80", pool: str = "villages"):
    return RankAwardEntry(unit, pool, Decimal(score), completed)


def paid(payouts, kind: PayoutKind) -> dict[str, Decimal]:
    return {p.unit_id: p.amount for p in payouts if p.kind is kind}


def test_t14_the_first_three_villages_to_complete_by_mar_30_are_awarded():
    entries = [
        entry("V1", at(3, 29)),
        entry("V9", at(3, 25)),
        entry("V7", at(3, 2)),
        entry("V3", at(3, 10)),
        entry("V5", at(3, 31)),  # after the cut-off: no commendation
    ]
    payouts = settle_rank_awards(entries, POLICY, YEAR)
    assert paid(payouts, PayoutKind.AWARD) == {"V7": 2000, "V3": 1500, "V9": 1000}
    assert set(paid(payouts, PayoutKind.COMMENDATION)) == {"V7", "V3", "V9", "V1"}


def test_t15_branch_farms_get_their_own_amounts():
    entries = [
        entry(f, at(3, d), pool="branch_farms") for f, d in [("F2", 1), ("F1", 2), ("F4", 3)]
    ]
    payouts = settle_rank_awards(entries, POLICY, YEAR)
    assert paid(payouts, PayoutKind.AWARD) == {"F2": 1000, "F1": 800, "F4": 600}


def test_t16_the_three_furthest_behind_lose_most_at_the_bottom():
    entries = [
        entry("V5", None, "40"),
        entry("V8", None, "55"),
        entry("V2", None, "60"),
        entry("V4", None, "70"),
        entry("V6", at(12, 30), "90"),  # completed on the cut-off day
    ]
    payouts = settle_rank_awards(entries, POLICY, YEAR)
    assert paid(payouts, PayoutKind.DEDUCTION) == {"V5": 2000, "V8": 1500, "V2": 1000}
    assert set(paid(payouts, PayoutKind.CRITICISM)) == {"V5", "V8", "V2", "V4"}


def test_t17_branch_farm_deductions():
    entries = [
        entry(f, None, s, "branch_farms") for f, s in [("F1", "30"), ("F2", "20"), ("F3", "10")]
    ]
    payouts = settle_rank_awards(entries, POLICY, YEAR)
    assert paid(payouts, PayoutKind.DEDUCTION) == {"F3": 1000, "F2": 800, "F1": 600}


def test_the_deduction_cut_off_is_the_shanghai_calendar_day():
    late = datetime(YEAR, 12, 30, 16, 30, tzinfo=ZoneInfo("UTC"))  # 31 Dec 00:30 in Shanghai
    payouts = settle_rank_awards([entry("V1", late)], POLICY, YEAR)
    assert paid(payouts, PayoutKind.CRITICISM) == {"V1": 0}


def test_by_score_mode_awards_the_top_three_scores_among_on_time_completers():
    by_score = POLICY.model_copy(update={"mode": RankAwardMode.BY_SCORE})
    entries = [
        entry("V1", at(3, 1), "81"),
        entry("V2", at(3, 2), "95"),
        entry("V3", at(3, 3), "90"),
        entry("V4", at(3, 4), "99"),
        entry("V5", None, "100"),
    ]
    payouts = settle_rank_awards(entries, by_score, YEAR)
    assert paid(payouts, PayoutKind.AWARD) == {"V4": 2000, "V2": 1500, "V3": 1000}


def test_ties_share_a_place_and_its_amount():
    by_score = POLICY.model_copy(update={"mode": RankAwardMode.BY_SCORE})
    entries = [
        entry(v, at(3, 1), s) for v, s in [("A", "90"), ("B", "85"), ("C", "85"), ("D", "80")]
    ]
    payouts = settle_rank_awards(entries, by_score, YEAR)
    assert paid(payouts, PayoutKind.AWARD) == {"A": 2000, "B": 1500, "C": 1500}


def test_a_unit_in_an_unknown_pool_is_refused():
    with pytest.raises(UnknownPool):
        settle_rank_awards([entry("X", None, pool="towns")], POLICY, YEAR)
