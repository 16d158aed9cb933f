"""Enterprise arrears: amount owed per period, late fees, and audit of the declared base."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .dates import window_dates
from .errors import InvalidAmount, PolicyError, RuleViolation
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


@dataclass(frozen=True)
class ArrearsBalance:
    """One arrears record's money: contributions due and paid, late fee accrued to `as_of`.

    The late fee accrued so far is split into what is deferred (during a campaign, until
    `deferred_until`), what was paid, and the rest, which is payable now.
    """

    due: Decimal
    paid: Decimal
    due_date: date
    as_of: date
    fee_accrued: Decimal = Decimal(0)
    fee_deferred: Decimal = Decimal(0)
    fee_paid: Decimal = Decimal(0)
    deferred_until: date | None = None

    @property
    def outstanding(self) -> Decimal:
        """Contributions still owed."""
        return max(self.due - self.paid, Decimal(0))

    @property
    def fee_payable(self) -> Decimal:
        """Late fee due now: accrued, less deferred, less paid."""
        return max(self.fee_accrued - self.fee_deferred - self.fee_paid, Decimal(0))

    @property
    def to_clear(self) -> Decimal:
        """What must still be paid for the arrears to be cleared."""
        return self.outstanding + self.fee_payable

    @property
    def cleared(self) -> bool:
        """Nothing is due now (a deferred late fee is not due until the campaign ends)."""
        return self.to_clear == 0


@dataclass(frozen=True)
class PaymentApplied:
    """A back-payment applied: contributions first, then the late fee."""

    balance: ArrearsBalance
    to_contributions: Decimal
    to_late_fee: Decimal
    late_fee: LateFee
    reason: Reason


def open_balance(
    policy: SchemePolicy, owed: Arrears, due_date: date, on: date
) -> tuple[ArrearsBalance, LateFee]:
    """The balance of arrears assessed on `on`, with the late fee accrued since `due_date`."""
    start = ArrearsBalance(due=owed.due, paid=owed.paid, due_date=due_date, as_of=due_date)
    return accrue_to(policy, start, on)


def accrue_to(
    policy: SchemePolicy, balance: ArrearsBalance, on: date
) -> tuple[ArrearsBalance, LateFee]:
    """Accrue the late fee on what is owed from `balance.as_of` to `on`.

    While the campaign runs on `on`, every unpaid late fee is deferred until it ends, as
    `accrue_late_fee` defers the whole fee (000:L52); past that day it is all payable.
    """
    if on < balance.as_of and balance.as_of > balance.due_date:
        raise RuleViolation(
            f"the late fee is already counted to {balance.as_of.isoformat()}; "
            f"{on.isoformat()} is earlier",
            code="date_before_last_accrual",
        )
    fee = accrue_late_fee(policy, balance.outstanding, balance.as_of, on)
    accrued = balance.fee_accrued + fee.payable_now + fee.deferred
    if fee.deferred_until is not None:  # the campaign runs on `on`
        deferred = accrued - balance.fee_paid
        until = fee.deferred_until if deferred else None
    elif balance.deferred_until is not None and on > balance.deferred_until:
        deferred, until = Decimal(0), None
    else:
        deferred, until = balance.fee_deferred, balance.deferred_until
    moved = replace(
        balance,
        as_of=max(balance.as_of, on),
        fee_accrued=accrued,
        fee_deferred=deferred,
        deferred_until=until,
    )
    return moved, fee


def apply_payment(
    policy: SchemePolicy, balance: ArrearsBalance, amount: Decimal, on: date
) -> PaymentApplied:
    """Apply a back-payment made on `on`: the late fee is brought to that day, then the
    money pays contributions, the late fee due now, a deferred fee; the rest is credit."""
    if amount <= 0:
        raise InvalidAmount(f"a back-payment must be positive, got {amount}")
    current, fee = accrue_to(policy, balance, on)
    to_contributions = min(amount, current.outstanding)
    to_fee = min(amount - to_contributions, current.fee_payable)
    # Money left over may settle a deferred fee early; only then is it credit.
    early = min(amount - to_contributions - to_fee, current.fee_deferred)
    excess = amount - to_contributions - to_fee - early
    after = replace(
        current,
        paid=current.paid + to_contributions + excess,
        fee_paid=current.fee_paid + to_fee + early,
        fee_deferred=current.fee_deferred - early,
        deferred_until=current.deferred_until if current.fee_deferred > early else None,
    )
    return PaymentApplied(after, to_contributions, to_fee + early, fee, _payment_reason(after))


def _payment_reason(balance: ArrearsBalance) -> Reason:
    if balance.cleared and balance.fee_deferred:
        return Reason(
            "arrears.cleared_late_fee_deferred",
            f"contributions paid; late fee {balance.fee_deferred} deferred, not waived, "
            f"until {balance.deferred_until} (000:L52)",
        )
    if balance.cleared:
        return Reason("arrears.cleared", "contributions and the late fee due are paid")
    if not balance.outstanding:
        return Reason(
            "arrears.late_fee_due", f"contributions paid; late fee {balance.fee_payable} due"
        )
    return Reason("arrears.partly_paid", f"{balance.outstanding} of contributions still owed")


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
