"""Effects deferred to the end of a transaction: event log, tallies, metrics, set-based.

A consumer batch applies hundreds of events in one transaction. Each event's handler only
records here its log row, tally delta and metric change; just before the transaction commits
they are written together: one statement for the log, one for the tallies and a fixed few
for the metrics and ranks, instead of several statements per event.

Each entry remembers the (nested) transactions open when it was recorded; rolling back any
of them (a failed handler attempt, a dead letter) drops it, as the database drops the rows
that savepoint wrote. An event already in the log (applied before, its inbox row purged)
moves no tally and no metric again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from libs.common.events.envelope import Envelope
from services.scoring.derivation import TallyDelta
from services.scoring.domain.live_metric import MetricChange
from services.scoring.rankings import metrics

KEY = "scoring.pending"

_LOG = text(
    """
    INSERT INTO event_log (event_id, type, subject, time, envelope)
    SELECT v.event_id, v.type, v.subject, v.time, CAST(v.envelope AS jsonb)
      FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS text[]), CAST(:subjects AS text[]),
                  CAST(:times AS timestamptz[]), CAST(:envelopes AS text[]))
           WITH ORDINALITY AS v(event_id, type, subject, time, envelope, n)
     ORDER BY v.n
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
    """
)
_TALLY = text(
    """
    INSERT INTO unit_payment_tally AS t (unit_code, scheme_code, year, payments, amount)
    SELECT * FROM unnest(CAST(:units AS text[]), CAST(:schemes AS text[]),
                         CAST(:years AS int[]), CAST(:payments AS int[]),
                         CAST(:amounts AS numeric[]))
    ON CONFLICT (unit_code, scheme_code, year)
    DO UPDATE SET payments = t.payments + excluded.payments, amount = t.amount + excluded.amount
    """
)


@dataclass
class _Entry:
    opened: tuple[SessionTransaction, ...]
    envelope: Envelope
    tally: TallyDelta | None
    change: MetricChange | None


@dataclass
class Pending:
    """The entries of one transaction, in the order the events were applied."""

    entries: list[_Entry] = field(default_factory=list)


def defer(
    session: AsyncSession,
    envelope: Envelope,
    tally: TallyDelta | None,
    change: MetricChange | None,
) -> None:
    """Log the event, and apply its tally delta and metric change, when the transaction commits."""
    sync = session.sync_session
    pending: Pending | None = sync.info.get(KEY)
    if pending is None:
        pending = sync.info[KEY] = Pending()
    if not event.contains(sync, "before_commit", _before_commit):
        event.listen(sync, "before_commit", _before_commit)
        event.listen(sync, "after_soft_rollback", _after_soft_rollback)
        event.listen(sync, "after_transaction_end", _after_transaction_end)
    pending.entries.append(_Entry(_open_transactions(sync), envelope, tally, change))


def _open_transactions(session: Session) -> tuple[SessionTransaction, ...]:
    opened = []
    current = session.get_nested_transaction() or session.get_transaction()
    while current is not None:
        opened.append(current)
        current = current.parent
    return tuple(opened)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint is released: wait for the real commit
        return
    pending: Pending | None = session.info.pop(KEY, None)
    if pending is None or not pending.entries:
        return
    new = write_log(session, [e.envelope for e in pending.entries])
    applied = [e for e in pending.entries if str(uuid.UUID(e.envelope.id)) in new]
    apply_tallies(session, [e.tally for e in applied if e.tally is not None])
    metrics.apply_changes(session, [e.change for e in applied if e.change is not None])


def _after_soft_rollback(session: Session, rolled_back: SessionTransaction) -> None:
    pending: Pending | None = session.info.get(KEY)
    if pending is not None:
        pending.entries = [e for e in pending.entries if rolled_back not in e.opened]


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(KEY, None)


def write_log(session: Session, envelopes: list[Envelope]) -> set[str]:
    """Append envelopes to the event log in order; return the ids not logged before."""
    inserted = session.scalars(
        _LOG,
        {
            "ids": [uuid.UUID(e.id) for e in envelopes],
            "types": [e.type for e in envelopes],
            "subjects": [e.subject for e in envelopes],
            "times": [e.time for e in envelopes],
            "envelopes": [e.model_dump_json(exclude_none=True) for e in envelopes],
        },
    )
    return {str(i) for i in inserted}


TallySums = dict[tuple[str, str, int], list[Decimal]]


def sum_tallies(deltas: list[TallyDelta], sums: TallySums | None = None) -> TallySums:
    """Payment deltas summed per unit, scheme and year (added to `sums`, if given)."""
    summed = sums if sums is not None else {}
    for d in deltas:
        total = summed.setdefault((d.unit_code, d.scheme, d.year), [Decimal(0), Decimal(0)])
        total[0] += d.payments
        total[1] += d.amount
    return summed


def apply_tallies(session: Session, deltas: list[TallyDelta]) -> None:
    """Add payment deltas to their units' tallies, in one statement."""
    write_tallies(session, sum_tallies(deltas))


def write_tallies(session: Session, summed: TallySums) -> None:
    """Add summed payments to their units' tallies, in one statement."""
    if not summed:
        return
    keys = sorted(summed)
    session.execute(
        _TALLY,
        {
            "units": [k[0] for k in keys],
            "schemes": [k[1] for k in keys],
            "years": [k[2] for k in keys],
            "payments": [int(summed[k][0]) for k in keys],
            "amounts": [summed[k][1] for k in keys],
        },
    )
