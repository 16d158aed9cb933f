"""Properties of every quote, for all persons, dates and tiers."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.enrollment.domain.facts import PersonFacts, Sex
from services.enrollment.domain.premiums import maximum_chargeable, quote_premium

from .policies import PENSION, VARIANT_A, VARIANT_B, at

TAGS = [
    "dibao", "tekun", "orphan", "one_daughter_family", "severe_disability", "entitled_care",
    "sanwu", "wubao", "disability_grade_1", "disability_grade_2", "disability_grade_3",
    "poverty_registered", "low_income_family", "land_requisitioned",
]  # fmt: skip

persons = st.builds(
    PersonFacts,
    birth_date=st.dates(date(1920, 1, 1), date(2025, 1, 1)),
    sex=st.sampled_from(Sex),
    tags=st.frozensets(st.sampled_from(TAGS), max_size=4),
    student=st.booleans(),
    local_hukou=st.booleans(),
    new_nonlocal_student=st.booleans(),
)
policies = st.sampled_from([VARIANT_A, VARIANT_B, PENSION])
days = st.integers(0, 500).map(lambda n: at(2025, 1, 1) + timedelta(days=n))


@given(policies, persons, days, st.sampled_from([None, "tier1", "tier2"]))
def test_individual_plus_subsidies_is_the_total(policy, facts, paid_at, tier):
    chosen = tier if tier in {t.code for t in policy.tiers} else None
    quote = quote_premium(policy, facts, paid_at, chosen)
    subsidies = sum((s.amount for s in quote.subsidies), Decimal(0))
    assert quote.individual.amount + subsidies == quote.total.amount
    assert quote.individual.amount >= 0
    assert all(s.amount >= 0 for s in quote.subsidies)
    cap = maximum_chargeable(policy)
    assert cap is None or quote.individual.amount <= cap


@given(persons, days)
def test_variant_a_total_premium_is_always_900(facts, paid_at):
    assert quote_premium(VARIANT_A, facts, paid_at).total.amount == Decimal("900.00")


@given(persons)
def test_highest_only_never_stacks(facts):
    quote = quote_premium(VARIANT_B, facts, at(2025, 10, 10))
    assert len({share.payer for share in quote.subsidies}) == len(quote.subsidies)
    tier = VARIANT_B.tier(quote.tier).amount
    assert sum((s.amount for s in quote.subsidies), Decimal(0)) <= tier
