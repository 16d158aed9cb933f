"""The webhook's use case: payments and reversals that arrive together are posted together.

Concurrent webhook calls are gathered by a `Batcher` (libs/common/batching.py): one
Idempotency-Key lookup, one ledger post per partner, one read of the entries, one write
each for the delivery records and the keys, one commit. Each call still gets its own
answer: its entry with the outcome of its delivery (201 recorded or reversed, 202 held in
suspense, 200 a repeat), or the problem that refused it, with nothing written for it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from libs.common import idempotency
from libs.common.db import UnitOfWork
from libs.common.errors import Conflict, RuleViolation
from libs.common.idempotency import IdempotentRequest
from libs.common.pii import PiiVault
from services.enrollment.payments import deliveries, ledger, reads
from services.enrollment.payments.notices import Notice, Outcome
from services.enrollment.payments.schemas import PaymentRead

STATUS = {"recorded": 201, "reversed": 201, "suspense": 202, "duplicate": 200, "deposited": 200}
FIELDS = {
    "scheme_unknown": "scheme_code",
    "unit_unknown": "unit_code",
    "amount_above_standard": "amount",
    "amount_invalid": "amount",
    "tier_unknown": "tier",
    "original_unknown": "original_transaction_id",
    "original_is_reversal": "original_transaction_id",
    "already_reversed": "original_transaction_id",
    "reversal_amount_mismatch": "amount",
    "deposited_before_paid": "deposited_at",
    "paid_at_in_future": "paid_at",
    "deposited_at_in_future": "deposited_at",
    "reversed_at_in_future": "reversed_at",
}
"""The request field each refusal's reason code points at."""


@dataclass(frozen=True)
class Call:
    """One webhook call: who sent which notice under which Idempotency-Key."""

    partner_id: str
    notice: Notice
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class Answer:
    """What one call is told: its ledger entry and the HTTP status of the outcome."""

    payment: PaymentRead
    status: int


@dataclass(frozen=True)
class Poster:
    """Posts the batches of webhook calls of one service process, with its PII vault."""

    vault: PiiVault
    clock: Callable[[], Awaitable[datetime]]
    """The time the service acts at (`libs.common.deps.clock_of`: the one request clock)."""

    async def post_batch(self, uow: UnitOfWork, calls: Sequence[Call]) -> list[Answer | Exception]:
        """The webhook batcher's handler: post a batch of calls in one unit of work; one
        answer (or refusal) per call, in order. The batcher commits."""
        return await post_calls(uow, calls, self.vault, await self.clock())


async def post_calls(
    uow: UnitOfWork, calls: Sequence[Call], vault: PiiVault, now: datetime
) -> list[Answer | Exception]:
    """Post a batch of calls received at `now`; one answer (or refusal) per call, in order.
    No commit."""
    answers: dict[int, Answer | Exception] = _replays(
        calls, await idempotency.replay_many(uow, [c.idempotency for c in calls if c.idempotency])
    )
    fresh = [i for i in range(len(calls)) if i not in answers]
    outcomes = await _post(uow, calls, fresh, vault, now)
    entries = await reads.read_many(uow, {o.payment_id for o in outcomes.values() if o.payment_id})
    done: list[int] = []
    for i, outcome in outcomes.items():
        if outcome.outcome == "rejected":
            answers[i] = _refusal(outcome)
            continue
        assert outcome.payment_id is not None
        entry = entries[outcome.payment_id].model_copy(update={"outcome": outcome.outcome})
        answers[i] = Answer(entry, STATUS[outcome.outcome])
        done.append(i)
    await _keep_records(uow, calls, outcomes, answers, done)
    return [answers[i] for i in range(len(calls))]


def _replays(
    calls: Sequence[Call], found: Sequence[dict[str, object] | Conflict | None]
) -> dict[int, Answer | Exception]:
    keyed = [i for i, c in enumerate(calls) if c.idempotency is not None]
    answers: dict[int, Answer | Exception] = {}
    for i, first in zip(keyed, found, strict=True):
        if isinstance(first, Conflict):
            answers[i] = first
        elif first is not None:
            repeat = PaymentRead.model_validate(first | {"outcome": "duplicate"})
            answers[i] = Answer(repeat, STATUS["duplicate"])
    return answers


async def _post(
    uow: UnitOfWork, calls: Sequence[Call], fresh: list[int], vault: PiiVault, now: datetime
) -> dict[int, Outcome]:
    by_partner: defaultdict[str, list[int]] = defaultdict(list)
    for i in fresh:
        by_partner[calls[i].partner_id].append(i)
    outcomes = {}
    for partner_id, indexes in sorted(by_partner.items()):
        source = ledger.Source(partner_id, "rest", f"partner:{partner_id}")
        notices = [replace(calls[i].notice, line_no=i) for i in indexes]
        for outcome in await ledger.post(uow, source, vault, notices, now):
            outcomes[outcome.line_no] = outcome
    return outcomes


def _refusal(outcome: Outcome) -> RuleViolation:
    code = outcome.reason_code or "rejected"
    return RuleViolation(outcome.detail or code, field=FIELDS.get(code), code=code)


async def _keep_records(
    uow: UnitOfWork,
    calls: Sequence[Call],
    outcomes: dict[int, Outcome],
    answers: dict[int, Answer | Exception],
    done: list[int],
) -> None:
    """Every answered call's delivery record and Idempotency-Key, in two statements each."""
    await deliveries.record_many(
        uow,
        [
            (
                calls[i].partner_id,
                "rest",
                key.key if (key := calls[i].idempotency) else None,
                [replace(outcomes[i], line_no=1)],
            )
            for i in done
        ],
    )
    remembered = []
    for i in done:
        answer, key = answers[i], calls[i].idempotency
        if key is not None and isinstance(answer, Answer):
            remembered.append((key, answer.status, answer.payment.model_dump(mode="json")))
    await idempotency.remember_many(uow, remembered)
