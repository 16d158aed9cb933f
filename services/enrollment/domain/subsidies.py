"""Subsidy categories (资助/代缴): who qualifies, how much each payer covers, 就高.

Several categories never stack: only the one worth most to the person applies
(000:L292 "按最高资助待遇…不重复享受", L461 "按就高原则,只享受一种").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .facts import PersonFacts
from .policy import Criterion, SchemePolicy, SubsidyCategory, Tier

FEN = Decimal("0.01")


@dataclass(frozen=True)
class PayerAmount:
    """What one payer contributes to the person's premium."""

    payer: str
    amount: Decimal


@dataclass(frozen=True)
class SubsidyAward:
    """The subsidy one category grants at the person's tier."""

    category: SubsidyCategory
    shares: tuple[PayerAmount, ...]

    @property
    def total(self) -> Decimal:
        """The sum of all payers' shares."""
        return sum((share.amount for share in self.shares), Decimal(0))


@dataclass(frozen=True)
class SubsidyChoice:
    """The award that applies (or none) and the categories passed over under 就高."""

    award: SubsidyAward | None
    passed_over: tuple[SubsidyCategory, ...]


def meets(criterion: Criterion, person: PersonFacts, age: int) -> bool:
    """Whether the person meets every condition of one criterion."""
    if criterion.tags and not criterion.tags & person.tags:
        return False
    if criterion.age is not None and not criterion.age.contains(age):
        return False
    wanted = criterion.minor_or_student
    return wanted is None or wanted == person.is_minor_or_student(age)


def qualifying_categories(
    policy: SchemePolicy, person: PersonFacts, age: int
) -> tuple[SubsidyCategory, ...]:
    """Every category the person qualifies for, in policy order."""
    if policy.subsidy_requires_local_hukou and not person.local_hukou:
        return ()
    return tuple(
        category
        for category in policy.subsidies
        if any(meets(criterion, person, age) for criterion in category.criteria)
    )


def grant(policy: SchemePolicy, category: SubsidyCategory, tier: Tier) -> SubsidyAward:
    """The award of `category` at the chosen `tier`, never more than the tier's amount."""
    covered = policy.tier(category.covers_tier).amount
    if tier.amount > covered and category.above_covered_tier == "forfeit":
        return SubsidyAward(category, ())
    remaining = min(covered, tier.amount)
    shares: list[PayerAmount] = []
    for share in category.shares:
        wanted = share.amount if share.amount is not None else _fraction_of(covered, share.fraction)
        amount = min(wanted, remaining)
        remaining -= amount
        shares.append(PayerAmount(share.payer, amount))
    return SubsidyAward(category, tuple(shares))


def choose_highest(
    policy: SchemePolicy, person: PersonFacts, age: int, tier: Tier
) -> SubsidyChoice:
    """Apply 就高: the qualifying award worth most; ties go to the first in the policy."""
    awards = [grant(policy, c, tier) for c in qualifying_categories(policy, person, age)]
    if not awards:
        return SubsidyChoice(None, ())
    best = max(awards, key=lambda award: award.total)  # max keeps the first of equals
    passed = tuple(award.category for award in awards if award is not best)
    return SubsidyChoice(best, passed)


def _fraction_of(amount: Decimal, fraction: Decimal | None) -> Decimal:
    assert fraction is not None  # guaranteed by PayerShare's validator
    return (amount * fraction).quantize(FEN, rounding=ROUND_HALF_UP)
