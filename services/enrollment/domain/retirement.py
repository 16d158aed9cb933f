"""Employee pension: retirement age, paying on until 15 years (000:L54), wage-base quotes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .dates import age_on, local_date, within_window
from .errors import PolicyError
from .facts import PersonFacts, Sex
from .policy import SchemePolicy
from .reasons import Reason


@dataclass(frozen=True)
class RetirementDecision:
    """Whether a person may retire, or may (and must) keep contributing."""

    retirement_age: int
    age_reached: bool
    years_short: int
    may_retire: bool
    may_keep_paying: bool
    reason: Reason


def decide_retirement(policy: SchemePolicy, person: PersonFacts, on: date) -> RetirementDecision:
    """Decide retirement on `on`: age reached and minimum years paid, else keep paying."""
    rules = policy.retirement
    if rules is None:
        raise PolicyError(f"{policy.scheme_code} has no retirement rules")
    retirement_age = rules.male_age if person.sex is Sex.MALE else rules.female_age
    reached = age_on(person.birth_date, on) >= retirement_age
    short = max(rules.minimum_years - person.contribution_years, 0)
    if not reached:
        reason = Reason("retirement.below_age", f"below the retirement age {retirement_age}")
    elif short:
        reason = Reason(
            "retirement.keep_paying",
            f"retirement age reached with {person.contribution_years} years: may keep paying "
            f"{short} more years until {rules.minimum_years} (000:L54)",
        )
    else:
        reason = Reason("retirement.may_retire", f"age {retirement_age} and years paid reached")
    return RetirementDecision(
        retirement_age=retirement_age,
        age_reached=reached,
        years_short=short,
        may_retire=reached and not short,
        may_keep_paying=not reached or bool(short),
        reason=reason,
    )


@dataclass(frozen=True)
class WageBaseQuote:
    """A quote of a wage-base scheme: the rule for the amount, never an invented amount."""

    scheme_code: str
    policy_version: int
    basis: Reason
    within_window: bool
    retirement: RetirementDecision | None


def quote_wage_base(policy: SchemePolicy, person: PersonFacts, paid_at: datetime) -> WageBaseQuote:
    """Quote a scheme whose contribution is the declared wage base × rate (employee pension).

    The policy sets no rate (the seeds give none, 000:L46 only audits the base), so the quote
    states how the amount is computed, the window, and the retirement outcome (000:L54).
    """
    if policy.contribution_basis != "wage_base":
        raise PolicyError(f"{policy.scheme_code} is quoted by its tiers")
    paid_on = local_date(paid_at)
    basis = Reason(
        "individual.wage_base",
        "the declared wage base × the contribution rate, computed by the tax office; "
        "no amount in the policy",
    )
    retirement = decide_retirement(policy, person, paid_on) if policy.retirement else None
    return WageBaseQuote(
        policy.scheme_code, policy.version, basis, within_window(policy, paid_on), retirement
    )
