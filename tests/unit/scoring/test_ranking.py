from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.scoring.domain.cadence import SnapshotCadence
from services.scoring.domain.errors import DuplicateUnit
from services.scoring.domain.ranking import (
    ScoredUnit,
    bottom_members,
    competition_ranks,
    in_bottom,
    rank_units,
    take_snapshot,
)


def units(pool: str, **scores: str) -> list[ScoredUnit]:
    return [ScoredUnit(unit, pool, Decimal(score)) for unit, score in scores.items()]


def ranks(entries) -> dict[str, int]:
    return {e.unit_id: e.rank for e in entries}


def test_t13_villages_and_branch_farms_are_ranked_in_separate_pools():
    ranked = rank_units(
        units("villages", V1="98", V2="101", V3="85") + units("farms", F1="90", F2="95")
    )
    assert [(e.pool, e.unit_id, e.rank) for e in ranked] == [
        ("farms", "F2", 1),
        ("farms", "F1", 2),
        ("villages", "V2", 1),
        ("villages", "V1", 2),
        ("villages", "V3", 3),
    ]


def test_ties_share_a_rank():
    ranked = rank_units(units("p", A="90", B="80", C="80.0", D="70"))
    assert ranks(ranked) == {"A": 1, "B": 2, "C": 2, "D": 4}
    assert competition_ranks([Decimal(1), Decimal(3), Decimal(3)]) == [3, 1, 1]


def test_movement_since_the_previous_snapshot_and_new_entries():
    previous = take_snapshot(
        "2024-W01", date(2024, 1, 5), SnapshotCadence.WEEKLY_FRIDAY, units("p", A="9", B="8")
    )
    ranked = rank_units(units("p", A="5", B="8", C="7"), previous)
    by_unit = {e.unit_id: (e.movement, e.is_new) for e in ranked}
    assert by_unit == {"B": (1, False), "C": (None, True), "A": (-2, False)}


def test_a_unit_cannot_be_ranked_twice():
    with pytest.raises(DuplicateUnit):
        rank_units(units("p", A="1") + units("q", A="2"))


def test_bottom_n_takes_in_every_unit_tied_across_the_boundary():
    ranked = rank_units(units("p", A="9", B="8", C="7", D="5", E="5", F="4"))
    assert {u for _, u in bottom_members(ranked, 2)} == {"D", "E", "F"}
    assert {u for _, u in bottom_members(ranked, 1)} == {"F"}


def test_a_pool_no_larger_than_n_has_no_bottom_n():
    assert bottom_members(rank_units(units("farms", F1="1", F2="2", F3="3")), 3) == frozenset()


def test_units_tied_with_the_best_are_never_behind():
    ranked = rank_units(units("p", **{f"V{i}": "0" for i in range(8)}))
    assert bottom_members(ranked, 5) == frozenset()


scores = st.decimals(min_value=-50, max_value=150, places=1)
pools = st.lists(scores, min_size=1, max_size=15)


@given(pools)
def test_ranks_are_consistent_with_scores(values):
    ranked = rank_units(ScoredUnit(f"u{i}", "p", v) for i, v in enumerate(values))
    for entry in ranked:
        assert entry.rank == 1 + sum(v > entry.score for v in values)
        assert entry.rank_from_bottom == 1 + sum(v < entry.score for v in values)
    for a in ranked:
        for b in ranked:
            assert (a.score > b.score) == (a.rank < b.rank)


@given(pools, st.integers(min_value=1, max_value=6))
def test_bottom_membership_is_tie_consistent_and_closed_downwards(values, n):
    ranked = rank_units(ScoredUnit(f"u{i}", "p", v) for i, v in enumerate(values))
    for a in ranked:
        for b in ranked:
            if a.score == b.score:
                assert in_bottom(a, n) == in_bottom(b, n)
            if in_bottom(a, n) and b.score < a.score:
                assert in_bottom(b, n)
    below_top = sum(v < max(values) for v in values)
    if len(values) > n:
        assert len(bottom_members(ranked, n)) >= min(n, below_top)
