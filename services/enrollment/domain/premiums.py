"""Premium quotes: what the person pays, what each payer covers, and why.

Every amount in a quote carries the rule that decided it, so a clerk can explain a figure
and an auditor can trace it to the policy version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from .dates import age_on, age_reference_day, local_date, window_dates, within_window
from .errors import RuleViolation
from .facts import PersonFacts
from .policy import SchemePolicy, Tier
from .reasons import Reason
from .subsidies import PayerAmount, SubsidyChoice, choose_highest


@dataclass(frozen=True)
class Decided:
    """An amount and the rule that decided it."""

    amount: Decimal
    reason: Reason


@dataclass(frozen=True)
class PremiumQuote:
    """The premium of one person for one scheme-year, as of a payment date."""

    scheme_code: str
    policy_version: int
    tier: str
    tier_reason: Reason
    individual: Decided
    subsidies: tuple[PayerAmount, ...]
    subsidy_reason: Reason
    total: Decided
    within_window: bool
    benefits_start: date | None
    benefits_reason: Reason
    category: str | None = None

    def subsidy_by_payer(self) -> dict[str, Decimal]:
        """Subsidy amounts keyed by payer (city, town, county, fiscal), zero shares omitted."""
        return {share.payer: share.amount for share in self.subsidies if share.amount}


def quote_premium(
    policy: SchemePolicy, person: PersonFacts, paid_at: datetime, tier: str | None = None
) -> PremiumQuote:
    """Quote the premium of `person` paying at `paid_at`, optionally on a chosen tier."""
    paid_on = local_date(paid_at)
    age = age_on(person.birth_date, age_reference_day(policy, paid_on))
    chosen, tier_reason = resolve_tier(policy, person, age, tier)
    if person.new_nonlocal_student and policy.new_nonlocal_student is not None:
        return _new_student_quote(policy, paid_on, tier_reason)
    in_window = within_window(policy, paid_on)
    if not in_window and policy.outside_window.rule == "full_premium":
        return _full_premium_quote(policy, chosen, tier_reason, paid_on)
    choice = choose_highest(policy, person, age, chosen)
    return _standard_quote(policy, chosen, tier_reason, choice, in_window)


def resolve_tier(
    policy: SchemePolicy, person: PersonFacts, age: int, requested: str | None
) -> tuple[Tier, Reason]:
    """The tier the person pays on: forced for some groups, else chosen, else the default."""
    if policy.contribution_basis == "wage_base":
        raise RuleViolation(
            f"{policy.scheme_code} has no tiers: the contribution is the declared wage base "
            "× the rate, computed by the tax office",
            code="amount_by_wage_base",
        )
    if person.new_nonlocal_student and policy.new_nonlocal_student is not None:
        code = policy.new_nonlocal_student.tier
        return policy.tier(code), Reason("tier.new_nonlocal_student", f"new student: {code}")
    forced = policy.forced_tier
    if forced and (age < forced.under_age or (forced.students and person.student)):
        text = f"under {forced.under_age} or a student: must pay on {forced.tier} (000:L429)"
        return policy.tier(forced.tier), Reason("tier.forced", text)
    if requested is not None:
        return policy.tier(requested), Reason("tier.chosen", f"chose {requested}")
    covered = _covered_tier(policy, person, age)
    if covered is not None:
        return policy.tier(covered), Reason(
            "tier.subsidized", f"the tier {covered} the subsidy covers"
        )
    code = policy.default_tier or policy.tiers[0].code
    return policy.tier(code), Reason("tier.default", f"default tier {code}")


def _covered_tier(policy: SchemePolicy, person: PersonFacts, age: int) -> str | None:
    # Without a choice, a subsidized person is enrolled on the tier their best subsidy covers
    # (variant B group 1: "按第二档全额代缴", L433).
    highest = max(policy.tiers, key=lambda tier: tier.amount)
    award = choose_highest(policy, person, age, highest).award
    return award.category.covers_tier if award is not None and award.total else None


def maximum_chargeable(policy: SchemePolicy, paid_at: datetime | None = None) -> Decimal | None:
    """The most one person can be charged for the scheme-year, paying at `paid_at` if
    known; None when uncapped. The outside-window full premium (variant A's 900) is the
    cap only outside the window: inside it no one pays more than the highest tier."""
    if policy.charge_cap == "none":
        return None
    amounts = [tier.amount for tier in policy.tiers]
    if policy.new_nonlocal_student is not None:
        amounts.append(policy.new_nonlocal_student.premium)
    if not amounts:
        return None
    outside = paid_at is None or not within_window(policy, local_date(paid_at))
    full_premium = outside and policy.outside_window.rule == "full_premium"
    return max(amounts) + (policy.fiscal_subsidy if full_premium else Decimal(0))


def _standard_quote(
    policy: SchemePolicy, tier: Tier, tier_reason: Reason, choice: SubsidyChoice, in_window: bool
) -> PremiumQuote:
    award = choice.award
    subsidies = award.shares if award is not None else ()
    individual = tier.amount - (award.total if award is not None else Decimal(0))
    fiscal = _fiscal_share(policy)
    return PremiumQuote(
        scheme_code=policy.scheme_code,
        policy_version=policy.version,
        tier=tier.code,
        tier_reason=tier_reason,
        individual=Decided(individual, _individual_reason(tier, choice)),
        subsidies=subsidies + fiscal,
        subsidy_reason=_subsidy_reason(choice),
        total=Decided(tier.amount + policy.fiscal_subsidy, _total_reason(policy, tier)),
        within_window=in_window,
        benefits_start=None,
        benefits_reason=Reason("benefits.scheme_year", "benefits for the scheme-year"),
        category=award.category.code if award is not None else None,
    )


def _full_premium_quote(
    policy: SchemePolicy, tier: Tier, tier_reason: Reason, paid_on: date
) -> PremiumQuote:
    full = tier.amount + policy.fiscal_subsidy
    start, end = window_dates(policy)
    wait = policy.outside_window.benefit_waiting_days
    outside = Reason(
        "window.outside_full_premium",
        f"paid outside the window {start.isoformat()}–{end.isoformat()}: the full premium "
        f"{tier.amount} + {policy.fiscal_subsidy} incl. the government subsidy, no 资助 (000:L294)",
    )
    return PremiumQuote(
        scheme_code=policy.scheme_code,
        policy_version=policy.version,
        tier=tier.code,
        tier_reason=tier_reason,
        individual=Decided(full, outside),
        subsidies=(),
        subsidy_reason=outside,
        total=Decided(full, outside),
        within_window=False,
        benefits_start=paid_on + timedelta(days=wait),
        benefits_reason=Reason("benefits.waiting_period", f"benefits {wait} days after payment"),
    )


def _new_student_quote(policy: SchemePolicy, paid_on: date, tier_reason: Reason) -> PremiumQuote:
    rule = policy.new_nonlocal_student
    assert rule is not None  # checked by the caller
    reason = Reason(
        "individual.new_nonlocal_student",
        f"newly enrolled out-of-city student: first-year premium {rule.premium} (000:L465)",
    )
    return PremiumQuote(
        scheme_code=policy.scheme_code,
        policy_version=policy.version,
        tier=rule.tier,
        tier_reason=tier_reason,
        individual=Decided(rule.premium, reason),
        subsidies=_fiscal_share(policy),
        subsidy_reason=Reason("subsidy.none", "no individual subsidy for new out-of-city students"),
        total=Decided(rule.premium + policy.fiscal_subsidy, reason),
        within_window=within_window(policy, paid_on),
        benefits_start=None,
        benefits_reason=Reason("benefits.scheme_year", "benefits for the entry year"),
    )


def _fiscal_share(policy: SchemePolicy) -> tuple[PayerAmount, ...]:
    return (PayerAmount("fiscal", policy.fiscal_subsidy),) if policy.fiscal_subsidy else ()


def _individual_reason(tier: Tier, choice: SubsidyChoice) -> Reason:
    if choice.award is None:
        return Reason("individual.standard", f"the standard of {tier.code}: {tier.amount}")
    name = choice.award.category.name
    total = choice.award.total
    if total >= tier.amount:
        return Reason("individual.fully_subsidized", f"{name}: the government pays all of it")
    return Reason("individual.remainder", f"{tier.code} {tier.amount} less {name} subsidy {total}")


def _subsidy_reason(choice: SubsidyChoice) -> Reason:
    if choice.award is None:
        return Reason("subsidy.none", "no subsidy category applies")
    category = choice.award.category
    if not choice.passed_over:
        return Reason(f"subsidy.{category.code}", f"{category.name} {category.source}".strip())
    others = ", ".join(c.name for c in choice.passed_over)
    return Reason(
        "subsidy.highest_only",
        f"{category.name} is the highest; not stacked with {others} (就高)",
    )


def _total_reason(policy: SchemePolicy, tier: Tier) -> Reason:
    if not policy.fiscal_subsidy:
        return Reason("total.tier", f"the standard of {tier.code}")
    return Reason("total.with_fiscal", f"{tier.amount} individual + {policy.fiscal_subsidy} fiscal")
