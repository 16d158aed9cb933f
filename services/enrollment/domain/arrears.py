"""Enterprise arrears: amount owed per period, late fees, and audit of the declared base."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .dates import window_dates
from .errors import InvalidAmount, PolicyError
from .policy import EnterpriseRules, SchemePolicy
from .reasons import Reason
from .subsidies import FEN


@dataclass(frozen=True)
class Arrears:
    """What an enterprise owes for one period (欠费), or holds as credit."""

    enterprise: str
    period: str
    due: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        """Amount due less amount paid, never below zero."""
        return max(self.due - self.paid, Decimal(0))

    @property
    def credit(self) -> Decimal:
        """Amount paid beyond what was due."""
        return max(self.paid - self.due, Decimal(0))


@dataclass(frozen=True)
class LateFee:
    """A late fee (滞纳金): accrued = payable now + deferred + waived."""

    days: int
    accrued: Decimal
    payable_now: Decimal
    deferred: Decimal
    waived: Decimal
    deferred_until: date | None
    reason: Reason


@dataclass(frozen=True)
class BaseAudit:
    """The outcome of auditing a declared contribution base (缴费基数, 000:L46)."""

    flagged: bool
    declared: Decimal
    minimum: Decimal
    shortfall: Decimal
    reason: Reason


def assess_arrears(enterprise: str, period: str, due: Decimal, paid: Decimal) -> Arrears:
    """Assess an enterprise's arrears for one period from what was due and paid."""
    if due < 0 or paid < 0:
        raise InvalidAmount(f"due {due} and paid {paid} cannot be negative")
    return Arrears(enterprise, period, due, paid)


def accrue_late_fee(
    policy: SchemePolicy, outstanding: Decimal, due_date: date, on: date, hardship: bool = False
) -> LateFee:
    """Late fee on `outstanding` from the day after `due_date` to `on`, deferred while the
    campaign runs (000:L52) and waived for hardship individuals (003:L51)."""
    rules = _rules(policy)
    days = max((on - due_date).days, 0)
    accrued = (outstanding * rules.late_fee_daily_rate * days).quantize(FEN, ROUND_HALF_UP)
    zero = Decimal(0)
    if hardship:
        reason = Reason("late_fee.waived", "hardship back-payment: late fee waived (003:L51)")
        return LateFee(days, accrued, zero, zero, accrued, None, reason)
    campaign = window_dates(policy) if policy.window is not None else None
    if rules.defer_late_fees_during_campaign and campaign and campaign[0] <= on <= campaign[1]:
        text = f"deferred, not waived, until the campaign ends {campaign[1].isoformat()} (000:L52)"
        return LateFee(
            days, accrued, zero, accrued, zero, campaign[1], Reason("late_fee.deferred", text)
        )
    text = f"{days} days × {rules.late_fee_daily_rate} on {outstanding}"
    return LateFee(days, accrued, accrued, zero, zero, None, Reason("late_fee.payable", text))


def audit_contribution_base(policy: SchemePolicy, declared: Decimal) -> BaseAudit:
    """Flag a declared contribution base below the policy's minimum base."""
    minimum = _rules(policy).minimum_contribution_base
    if declared < 0:
        raise InvalidAmount(f"declared base {declared} cannot be negative")
    if declared >= minimum:
        return BaseAudit(False, declared, minimum, Decimal(0), Reason("base.ok", "base accepted"))
    reason = Reason(
        "base.below_minimum",
        f"declared {declared} < minimum {minimum}: audit, back-payment, audit fee (000:L46)",
    )
    return BaseAudit(True, declared, minimum, minimum - declared, reason)


def _rules(policy: SchemePolicy) -> EnterpriseRules:
    if policy.enterprise is None:
        raise PolicyError(f"{policy.scheme_code} has no enterprise arrears rules")
    return policy.enterprise
