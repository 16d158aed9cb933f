"""Payments against an enrollment: acceptance, reversal (冲正) and settlement.

Settlement judges the person's own share (the quote's individual amount); government
subsidies reach the fund by fiscal transfer against the departments' lists (000:L304).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from .dates import counting_cutoff, local_date, window_dates
from .errors import AmountAboveStandard, InvalidAmount, InvalidReversal, RuleViolation
from .facts import PersonFacts
from .policy import SchemePolicy
from .premiums import PremiumQuote, maximum_chargeable, quote_premium
from .reasons import Reason
from .subsidies import FEN


@dataclass(frozen=True)
class Payment:
    """One ledger entry; a reversal names the original in `reverses` and repeats its amount."""

    reference: str
    amount: Decimal
    paid_at: datetime
    deposited_at: datetime | None = None
    reverses: str | None = None


class SettlementStatus(StrEnum):
    """How far the person's payments go toward what they owe."""

    UNPAID = "unpaid"
    PARTIAL = "partial"
    COMPLETE = "complete"


@dataclass(frozen=True)
class Settlement:
    """The outcome of an enrollment's payments for its scheme-year."""

    status: SettlementStatus
    due: Decimal
    paid: Decimal
    deposited_in_time: Decimal
    shortfall: Decimal
    overpayment: Decimal  # paid beyond the amount due, to be refunded
    counts_toward_target: bool
    late: bool
    quote: PremiumQuote
    reasons: tuple[Reason, ...]


def accept_amount(policy: SchemePolicy, amount: Decimal, paid_at: datetime | None = None) -> None:
    """Refuse an amount that is not positive whole fen or exceeds the standard payable at
    `paid_at` (000:L330; `maximum_chargeable`)."""
    if amount <= 0 or amount != amount.quantize(FEN):
        raise InvalidAmount(f"{amount} is not a positive amount in whole fen")
    cap = maximum_chargeable(policy, paid_at)
    if cap is not None and amount > cap:
        when = f" paid on {local_date(paid_at)}" if paid_at is not None else ""
        raise AmountAboveStandard(
            f"{amount} exceeds the highest premium {cap} of {policy.scheme_code}{when} (000:L330)"
        )


def accept_dates(paid_at: datetime, deposited_at: datetime | None) -> None:
    """Refuse money deposited in the fund account before it was paid."""
    if deposited_at is not None and deposited_at < paid_at:
        raise RuleViolation(
            f"deposited_at {deposited_at.isoformat()} is before paid_at {paid_at.isoformat()}",
            code="deposited_before_paid",
        )


def reversal_of(original: Payment, reference: str, at: datetime) -> Payment:
    """The compensating entry that nets out `original`; nothing is ever deleted."""
    if original.reverses is not None:
        raise InvalidReversal(f"{original.reference} is itself a reversal")
    return Payment(reference, original.amount, at, deposited_at=at, reverses=original.reference)


def net_payments(payments: Iterable[Payment]) -> tuple[Payment, ...]:
    """The payments still standing once every reversal has netted out its original."""
    entries = list(payments)
    references = [p.reference for p in entries]
    if len(set(references)) != len(references):
        raise InvalidReversal("a payment reference appears twice", code="payment_duplicate")
    originals = {p.reference: p for p in entries if p.reverses is None}
    reversed_refs: set[str] = set()
    for entry in (p for p in entries if p.reverses is not None):
        original = originals.get(entry.reverses or "")
        if original is None:
            raise InvalidReversal(f"{entry.reference} reverses an unknown payment")
        if entry.reverses in reversed_refs:
            raise InvalidReversal(f"{entry.reverses} is reversed twice")
        if entry.amount != original.amount:
            raise InvalidReversal(f"{entry.reference} does not match {original.amount}")
        reversed_refs.add(original.reference)
    return tuple(p for p in originals.values() if p.reference not in reversed_refs)


def settle(
    policy: SchemePolicy,
    person: PersonFacts,
    payments: Iterable[Payment],
    as_of: datetime,
    tier: str | None = None,
) -> Settlement:
    """Settle an enrollment: due, paid, partial/complete, overpayment, lateness, counting."""
    standing = net_payments(payments)
    decisive_at = max((p.paid_at for p in standing), default=as_of)
    quote = quote_premium(policy, person, decisive_at, tier)
    due, paid = quote.individual.amount, _total(standing)
    cutoff = counting_cutoff(policy) if policy.window is not None else None
    in_time = _total(p for p in standing if _deposited_before(p, cutoff))
    status = _status(paid, due)
    late = policy.window is not None and local_date(decisive_at) > window_dates(policy)[1]
    counts = status is SettlementStatus.COMPLETE and in_time >= due
    refund = paid > due and policy.above_due == "refund"
    return Settlement(
        status=status,
        due=due,
        paid=paid,
        deposited_in_time=in_time,
        shortfall=max(due - paid, Decimal(0)),
        overpayment=paid - due if refund else Decimal(0),
        counts_toward_target=counts,
        late=late,
        quote=quote,
        reasons=_explain(policy, status, paid, due, late, counts, cutoff),
    )


def _explain(
    policy: SchemePolicy,
    status: SettlementStatus,
    paid: Decimal,
    due: Decimal,
    late: bool,
    counts: bool,
    cutoff: datetime | None,
) -> tuple[Reason, ...]:
    reasons = [_status_reason(status, paid, due)]
    if paid > due:
        reasons.append(_above_due_reason(paid - due, policy.above_due == "refund"))
    if late:
        reasons.append(_late_reason(policy))
    reasons.append(_counting_reason(counts, due, cutoff))
    return tuple(reasons)


def _total(payments: Iterable[Payment]) -> Decimal:
    return sum((payment.amount for payment in payments), Decimal(0))


def _deposited_before(payment: Payment, cutoff: datetime | None) -> bool:
    if payment.deposited_at is None:
        return False
    local_date(payment.deposited_at)  # refuses a naive deposit time
    return cutoff is None or payment.deposited_at < cutoff


def _status(paid: Decimal, due: Decimal) -> SettlementStatus:
    if paid >= due:
        return SettlementStatus.COMPLETE
    return SettlementStatus.PARTIAL if paid > 0 else SettlementStatus.UNPAID


def _status_reason(status: SettlementStatus, paid: Decimal, due: Decimal) -> Reason:
    if status is SettlementStatus.COMPLETE:
        return Reason("payment.complete", f"paid {paid} of {due} due")
    if status is SettlementStatus.PARTIAL:
        text = f"paid {paid} of {due}: accepted, but the person is not complete"
        return Reason("payment.partial", text)
    return Reason("payment.none", f"nothing paid of {due} due")


def _above_due_reason(extra: Decimal, refund: bool) -> Reason:
    if refund:
        return Reason("payment.overpaid", f"{extra} overpaid: recorded for refund")
    return Reason("payment.above_due_kept", f"{extra} above the amount due kept as contribution")


def _late_reason(policy: SchemePolicy) -> Reason:
    if policy.outside_window.rule == "full_premium":
        return Reason("payment.late_full_premium", "paid after the window: full premium due")
    return Reason("payment.late", "paid after the window: register at the village, then pay")


def _counting_reason(counts: bool, due: Decimal, cutoff: datetime | None) -> Reason:
    limit = f"before {cutoff.isoformat()}" if cutoff is not None else "at all"
    if not counts:
        return Reason("target.not_counted", f"{due} not complete and deposited {limit}")
    if due == 0:
        return Reason("target.fully_subsidized", "nothing due from the person")
    return Reason("target.counted", f"complete and deposited {limit} (000:L421)")
