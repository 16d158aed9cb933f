import hashlib
import math
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from libs.common.events.catalogue.scoring import Grade
from libs.common.identifiers import credit_code_check_char
from services.grid.domain.errors import InvalidInput, InvalidPolicy, PoolCannotStaff
from services.grid.domain.spot_checks import (
    Candidate,
    Inspector,
    draw,
    entity_rank,
    parse_spot_check_policy,
)
from services.grid.policy import load_spot_check_policy

POLICY = load_spot_check_policy()


def code(n: int) -> str:
    first17 = f"91320115MA{n:07d}"
    return first17 + credit_code_check_char(first17)


def entities_of(grades: list[Grade | None]) -> list[Candidate]:
    return [Candidate(code(i), grade) for i, grade in enumerate(grades)]


def test_default_ratios_are_the_domain_defaults():
    assert POLICY.ratio_by_grade == {
        Grade.EXCELLENT: Decimal("0.05"),
        Grade.GOOD: Decimal("0.05"),
        Grade.FAIR: Decimal("0.10"),
        Grade.POOR: Decimal("0.20"),
        Grade.BAD: Decimal("0.20"),
    }
    assert POLICY.inspectors_per_check == 2


def test_the_draw_can_be_redone_by_hand_from_the_seed():
    entities = entities_of([Grade.BAD] * 10)
    pool = [Inspector(f"u{i}") for i in range(5)]
    result = draw("2026-Q1", "seed-1", entities, pool, POLICY)
    by_hand = sorted(
        (e.credit_code for e in entities),
        key=lambda c: hashlib.sha256(f"seed-1|2026-Q1|{c}".encode()).hexdigest(),
    )[:2]
    assert [c.credit_code for c in result.checks] == sorted(by_hand)
    for check in result.checks:

        def rank(u: str, c: str = check.credit_code) -> str:
            return hashlib.sha256(f"seed-1|2026-Q1|{c}|{u}".encode()).hexdigest()

        expected = sorted((i.inspector_id for i in pool), key=rank)[:2]
        assert check.inspectors == tuple(expected)


def test_a_grade_change_from_fair_to_bad_raises_the_ratio():
    fair = draw(
        "2026-Q1", "s", entities_of([Grade.FAIR] * 20), [Inspector("a"), Inspector("b")], POLICY
    )
    bad = draw(
        "2026-Q1", "s", entities_of([Grade.BAD] * 20), [Inspector("a"), Inspector("b")], POLICY
    )
    assert (len(fair.checks), len(bad.checks)) == (2, 4)


def test_an_ungraded_entity_is_sampled_at_the_normal_ratio():
    result = draw(
        "2026-Q1", "s", entities_of([None] * 10), [Inspector("a"), Inspector("b")], POLICY
    )
    assert result.population[Grade.FAIR] == 10
    assert [c.grade for c in result.checks] == [Grade.FAIR]


def test_the_pool_that_cannot_staff_a_check_is_refused_naming_the_entity():
    entity = code(1)
    pool = [
        Inspector("a"),
        Inspector("b", frozenset({entity})),
        Inspector("c", frozenset({entity})),
    ]
    with pytest.raises(PoolCannotStaff, match=entity):
        draw("2026-Q1", "s", [Candidate(entity, Grade.BAD)], pool, POLICY)


@pytest.mark.parametrize(
    ("seed", "period", "entities", "pool"),
    [
        ("", "2026-Q1", [], []),
        ("a|b", "2026-Q1", [], []),
        ("s", "", [], []),
        ("s", "2026-Q1", [Candidate(code(1), None), Candidate(code(1), Grade.BAD)], []),
        ("s", "2026-Q1", [], [Inspector("a"), Inspector("a")]),
    ],
)
def test_bad_inputs_are_refused(seed, period, entities, pool):
    with pytest.raises(InvalidInput):
        draw(period, seed, entities, pool, POLICY)


@pytest.mark.parametrize(
    "text",
    [
        'version = "t"\n[ratio_by_grade]\nexcellent = 0.05',
        'version = "t"\ninspectors_per_check = 1\n[ratio_by_grade]\nexcellent = 0.05\ngood = 0.05\n'
        "fair = 0.1\npoor = 0.2\nbad = 0.2",
        'version = "t"\n[ratio_by_grade]\nexcellent = 1.5\ngood = 0.05\nfair = 0.1\npoor = 0.2\n'
        "bad = 0.2",
    ],
)
def test_bad_policies_are_refused(text):
    with pytest.raises(InvalidPolicy):
        parse_spot_check_policy(text)


@st.composite
def draw_inputs(draw_):
    n = draw_(st.integers(min_value=0, max_value=60))
    grades = draw_(st.lists(st.none() | st.sampled_from(Grade), min_size=n, max_size=n))
    entities = entities_of(grades)
    codes = [e.credit_code for e in entities]
    pool_size = draw_(st.integers(min_value=2, max_value=8))  # 2 often cannot staff
    pool = []
    for i in range(pool_size):
        conflicts = draw_(st.sets(st.sampled_from(codes), max_size=3)) if codes else set()
        pool.append(Inspector(f"inspector-{i}", frozenset(conflicts)))
    seed = draw_(st.text(alphabet="abcdef0123456789", min_size=1, max_size=16))
    return seed, entities, pool


@given(draw_inputs(), st.randoms(use_true_random=False))
def test_draw_is_reproducible_order_independent_and_follows_every_rule(inputs, rnd):
    seed, entities, pool = inputs
    try:
        first = draw("2026-Q2", seed, entities, pool, POLICY)
    except PoolCannotStaff:
        free = [sum(1 for i in pool if e.credit_code not in i.conflicts) for e in entities]
        assert min(free) < POLICY.inspectors_per_check
        event("refused")
        return
    event("drawn" if first.checks else "empty")
    shuffled_entities, shuffled_pool = list(entities), list(pool)
    rnd.shuffle(shuffled_entities)
    rnd.shuffle(shuffled_pool)
    assert draw("2026-Q2", seed, shuffled_entities, shuffled_pool, POLICY) == first

    grade_of = {e.credit_code: e.grade or POLICY.ungraded_as for e in entities}
    population = Counter(grade_of.values())
    drawn = Counter(check.grade for check in first.checks)
    for grade in Grade:
        assert drawn[grade] == math.ceil(population[grade] * POLICY.ratio_by_grade[grade])
    conflicts = {i.inspector_id: i.conflicts for i in pool}
    for check in first.checks:
        assert check.grade is grade_of[check.credit_code]
        assert len(set(check.inspectors)) == len(check.inspectors) >= 2
        assert all(check.credit_code not in conflicts[i] for i in check.inspectors)
    # the drawn ones are the lowest-ranked of their grade
    for grade in Grade:
        members = sorted(
            (c for c, g in grade_of.items() if g is grade),
            key=lambda c: entity_rank(seed, "2026-Q2", c),
        )
        assert {c.credit_code for c in first.checks if c.grade is grade} == set(
            members[: drawn[grade]]
        )
