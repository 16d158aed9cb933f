"""Every shipped campaign is completable by its own scheme's premiums, to each award it names.

Each campaign policy names its enrollment scheme (`scheme_policy`); the scheme's real premiums
come from its shipped TOML through enrollment's loader. Villages are walked payment by payment
through the live metric (as deposits arrive), then settled with the pure award rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.demo import SCHEME_POLICY
from services.enrollment.demo import PERSONS_PER_VILLAGE, demo_payments
from services.enrollment.domain.policy import SchemePolicy
from services.enrollment.policy import load_default_policies
from services.scoring.demo import campaign as demo_campaign
from services.scoring.domain.awards import VillageCompletion, settle_date_bucket_awards
from services.scoring.domain.business_calendar import local_date
from services.scoring.domain.campaign_policy import CampaignPolicy, parse_campaign_policy
from services.scoring.domain.live_metric import (
    MetricChange,
    UnitMetric,
    apply_metric_change,
    per_capita,
    score_unit,
)
from services.scoring.domain.metrics import MetricKind
from services.scoring.domain.rank_awards import PayoutKind, RankAwardEntry, settle_rank_awards
from services.scoring.policy import campaign_policy_files, load_campaign_policy

PERSONS = 10
CADRES = ("c1", "c2", "c3")
FILES = campaign_policy_files()


def scheme_of(policy: CampaignPolicy) -> SchemePolicy:
    """The newest shipped scheme policy the campaign names."""
    assert policy.scheme_policy, f"{policy.version} names no scheme"
    code, region = policy.scheme_policy.split("/")
    found = [
        p for p in load_default_policies().values() if (p.scheme_code, p.region) == (code, region)
    ]
    assert found, f"{policy.version}: no shipped scheme {policy.scheme_policy}"
    return max(found, key=lambda p: (p.year, p.version))


def full_premiums(scheme: SchemePolicy) -> list[Decimal]:
    """What a villager paying in full pays, tier by tier."""
    return sorted({tier.amount for tier in scheme.tiers})


def most_a_villager_contributes(scheme: SchemePolicy) -> Decimal | None:
    """The most one villager's deposit counts for (None: no cap, money above is kept)."""
    if scheme.above_due == "contribution":
        return None
    return max(full_premiums(scheme))


def walk(
    policy: CampaignPolicy, year: int, payments: Iterable[tuple[datetime, Decimal]], task: int
) -> UnitMetric:
    """A village's live metric after its deposits, one person completed per deposit."""
    unit = UnitMetric(task=Decimal(task))
    for when, amount in payments:
        change = MetricChange(
            policy.metric,
            "320115101001",
            when,
            delta=Decimal(1),
            amount_delta=amount,
            persons_delta=Decimal(1),
        )
        unit = apply_metric_change(unit, change, policy, year)
    return unit


def pays(amount: Decimal, last_on: date, persons: int = PERSONS) -> list[tuple[datetime, Decimal]]:
    """`persons` deposits of `amount`, one a day, the last at noon Shanghai time of `last_on`."""
    last = datetime(last_on.year, last_on.month, last_on.day, 4, tzinfo=UTC)
    return [(last - timedelta(days=persons - 1 - n), amount) for n in range(persons)]


def settle(policy: CampaignPolicy, year: int, unit: UnitMetric) -> Any:
    assert policy.date_bucket_awards is not None
    village = VillageCompletion(
        unit_id="320115101001",
        completed_on=local_date(unit.completed_at) if unit.completed_at else None,
        per_capita=per_capita(unit),
        cadre_ids=CADRES,
        contact_cadre_ids=("k1",),
        subsidy_persons=PERSONS,
    )
    return settle_date_bucket_awards(village, policy.date_bucket_awards, year)


def test_the_shipped_campaigns_are_found():
    assert "campaign_resident_medical.v1.toml" in FILES
    assert "campaign_resident_pension.v1.toml" in FILES


@pytest.mark.parametrize("name", FILES)
def test_a_village_paying_its_schemes_premium_in_full_completes(name):
    policy = load_campaign_policy(name)
    scheme = scheme_of(policy)
    assert policy.metric is MetricKind.DEPOSITED_ENROLLMENTS
    for premium in full_premiums(scheme):
        unit = walk(policy, scheme.year, pays(premium, date(scheme.year, 3, 20)), PERSONS)
        assert unit.completed_at is not None, f"{name}: paying {premium} in full never completes"
        assert local_date(unit.completed_at) == date(scheme.year, 3, 20)


@pytest.mark.parametrize("name", FILES)
def test_every_date_bucket_is_reached_by_completing_on_its_last_day(name):
    policy = load_campaign_policy(name)
    scheme = scheme_of(policy)
    awards = policy.date_bucket_awards
    assert awards is not None
    premium = full_premiums(scheme)[0]
    for bucket in awards.buckets:
        day = bucket.by.in_year(scheme.year)
        outcome = settle(
            policy, scheme.year, walk(policy, scheme.year, pays(premium, day), PERSONS)
        )
        assert outcome.per_cadre == bucket.per_cadre, bucket
        assert outcome.cadre_awards == tuple((c, bucket.per_cadre) for c in CADRES)
        assert (
            outcome.subsidy_deduction
            == awards.subsidy_per_person * PERSONS * bucket.subsidy_deduction
        )
        assert not outcome.honours_barred


@pytest.mark.parametrize("name", FILES)
def test_the_per_capita_award_is_reachable_with_the_schemes_money(name):
    policy = load_campaign_policy(name)
    scheme = scheme_of(policy)
    awards = policy.date_bucket_awards
    assert awards is not None
    if not awards.excess_award:
        pytest.skip(f"{name} names no per-capita award")
    cap = most_a_villager_contributes(scheme)
    amount = max(awards.excess_per_capita, full_premiums(scheme)[0])
    assert cap is None or amount <= cap, f"{name}: {amount} per capita cannot be deposited"
    unit = walk(policy, scheme.year, pays(amount, date(scheme.year, 6, 1)), PERSONS)
    assert settle(policy, scheme.year, unit).village_award == awards.excess_award


@pytest.mark.parametrize("name", FILES)
def test_a_village_one_person_short_is_not_complete_and_is_barred(name):
    policy = load_campaign_policy(name)
    scheme = scheme_of(policy)
    awards = policy.date_bucket_awards
    assert awards is not None
    premium = full_premiums(scheme)[-1]
    short = pays(premium, date(scheme.year, 12, 31), PERSONS - 1)
    outcome = settle(policy, scheme.year, walk(policy, scheme.year, short, PERSONS))
    assert outcome.honours_barred
    assert (
        outcome.subsidy_deduction
        == PERSONS * awards.subsidy_per_person * awards.not_completed_deduction
    )


@pytest.mark.parametrize("name", FILES)
def test_every_rank_award_and_deduction_is_paid_with_the_schemes_premium(name):
    policy = load_campaign_policy(name)
    scheme = scheme_of(policy)
    ranks = policy.rank_awards
    assert ranks is not None
    premium = full_premiums(scheme)[0]
    award_day = ranks.award_cutoff.in_year(scheme.year)
    entries = []
    for pool, amounts in ranks.pools.items():
        for n in range(len(amounts.awards)):  # complete on the cut-off and the days before
            unit = walk(policy, scheme.year, pays(premium, award_day - timedelta(days=n)), PERSONS)
            score, _ = score_unit(unit, policy)
            entries.append(RankAwardEntry(f"{pool}-done-{n}", pool, score, unit.completed_at))
        for n in range(len(amounts.deductions)):  # 1, 2, 3 … persons short all year
            paid = pays(premium, date(scheme.year, 12, 31), PERSONS - 1 - n)
            unit = walk(policy, scheme.year, paid, PERSONS)
            score, _ = score_unit(unit, policy)
            entries.append(RankAwardEntry(f"{pool}-late-{n}", pool, score, unit.completed_at))
    payouts = settle_rank_awards(entries, ranks, scheme.year)
    for pool, amounts in ranks.pools.items():
        money: dict[PayoutKind, list[tuple[int | None, Decimal]]] = {}
        for p in payouts:
            if p.pool == pool:
                money.setdefault(p.kind, []).append((p.place, p.amount))
        assert sorted(money[PayoutKind.AWARD]) == list(enumerate(amounts.awards, start=1))
        assert sorted(money[PayoutKind.DEDUCTION]) == list(enumerate(amounts.deductions, start=1))


def test_the_demo_campaign_completes_for_villages_that_pay_in_full():
    year = 2027
    policy = parse_campaign_policy(demo_campaign(year)["policy"])
    scheme = scheme_of(policy)
    assert policy.scheme_policy == SCHEME_POLICY
    demo_amounts = {Decimal(str(p["amount"])) for p in demo_payments(year)}
    assert demo_amounts == set(full_premiums(scheme)), "the demo bank pays the real premium"
    premium = demo_amounts.pop()
    paid = pays(premium, date(year - 1, 11, 20), PERSONS_PER_VILLAGE)
    unit = walk(policy, year, paid, PERSONS_PER_VILLAGE)
    assert unit.completed_at is not None
    assert score_unit(unit, policy)[0] == 100
    short = walk(policy, year, paid[:-1], PERSONS_PER_VILLAGE)
    assert short.completed_at is None
