"""Every line of every delivery keeps its outcome (recorded, duplicate, reversed, …)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, tuple_, update

from libs.common.db import UnitOfWork, bulk_insert, table_of
from services.enrollment.domain.deliveries import (
    DeliveryAction,
    DeliveryState,
    opening_state,
    states_allowing,
)
from services.enrollment.payments.models import Delivery, DeliveryLine
from services.enrollment.payments.notices import OUTCOMES, Outcome
from services.enrollment.payments.schemas import DeliveryRead

D = table_of(Delivery)
UNFINISHED = tuple(state.value for state in states_allowing(DeliveryAction.BEAT))
"""The states of an import still under way, which beats."""
STALLABLE = tuple(state.value for state in states_allowing(DeliveryAction.STALL))
"""The states of an import the sweep may find stalled."""
HEARTBEAT = timedelta(seconds=30)
"""How often a running import says it is alive, moving its delivery's `updated_at`, even
while it waits `queued` for its turn."""
STALLED_AFTER = timedelta(minutes=5)
"""An unfinished import whose delivery has not moved for this long is `stopped`: whatever
process posted it is gone (killed outright, its machine lost) and cannot say so itself."""
TO_FINISH = (
    "The lines posted stay posted; import the same file again to post the rest: lines "
    "already recorded come back as duplicates."
)
"""What every stopped import tells its user, whatever stopped it."""
STALLED = (
    "The import made no progress for {minutes} minutes: the process posting it stopped "
    "without saying so (killed, or its machine lost). " + TO_FINISH
)


async def open_delivery(
    uow: UnitOfWork,
    partner_id: str,
    channel: str,
    source: str | None,
    digest: str | None = None,
    expected_lines: int | None = None,
) -> uuid.UUID:
    """Create the delivery record (its counts grow as its lines are posted); a file's
    (`expected_lines` given) is `queued` until `mark` moves it on."""
    delivery_id = uuid.uuid4()
    zeros = dict.fromkeys(("lines", *OUTCOMES), 0)
    await uow.session.execute(
        insert(D).values(
            id=delivery_id,
            partner_id=partner_id,
            channel=channel,
            source=source,
            digest=digest,
            expected_lines=expected_lines,
            state=opening_state(expected_lines is not None).value,
            **zeros,
        )
    )
    return delivery_id


async def mark(
    uow: UnitOfWork,
    delivery_id: uuid.UUID,
    state: DeliveryState,
    reason: str | None = None,
) -> None:
    """Move a file's import on to `state` (its step checked against
    `domain.deliveries.transition` by the caller, who knows where it stands), and say why
    when `stopped`."""
    await uow.session.execute(
        update(D)
        .where(D.c.id == delivery_id)
        .values(state=state.value, stopped_reason=reason, updated_at=func.clock_timestamp())
    )


async def beat(uow: UnitOfWork, delivery_id: uuid.UUID) -> None:
    """An unfinished import is still alive: its delivery's `updated_at` moves."""
    await uow.session.execute(
        update(D)
        .where(D.c.id == delivery_id, D.c.state.in_(UNFINISHED))
        .values(updated_at=func.clock_timestamp())
    )


async def stop_stalled(
    uow: UnitOfWork, stalled_after: timedelta = STALLED_AFTER
) -> list[uuid.UUID]:
    """Mark `stopped` every unfinished import that has not moved for `stalled_after`; the
    deliveries so marked. The database's clock judges, so replicas' clocks need not agree."""
    reason = STALLED.format(minutes=f"{stalled_after.total_seconds() / 60:g}")
    stopped = await uow.session.execute(
        update(D)
        .where(
            D.c.state.in_(STALLABLE),
            D.c.updated_at < func.clock_timestamp() - stalled_after,
        )
        .values(
            state=DeliveryState.STOPPED.value,
            stopped_reason=reason,
            updated_at=func.clock_timestamp(),
        )
        .returning(D.c.id)
    )
    return list(stopped.scalars())


async def unfinished(uow: UnitOfWork) -> dict[str, int]:
    """How many file imports are `queued` and `importing`."""
    rows = await uow.session.execute(
        select(D.c.state, func.count()).where(D.c.state.in_(UNFINISHED)).group_by(D.c.state)
    )
    return {state: 0 for state in UNFINISHED} | {state: n for state, n in rows}


async def add_lines(uow: UnitOfWork, delivery_id: uuid.UUID, outcomes: Sequence[Outcome]) -> None:
    """Store the outcomes of some lines and add them to the delivery's counts."""
    if not outcomes:
        return
    await bulk_insert(
        uow.session, table_of(DeliveryLine), [_line(delivery_id, o) for o in outcomes]
    )
    counts = Counter(o.outcome for o in outcomes)
    await uow.session.execute(
        update(D)
        .where(D.c.id == delivery_id)
        .values(
            lines=D.c.lines + len(outcomes),
            updated_at=func.clock_timestamp(),
            **{kind: D.c[kind] + n for kind, n in counts.items()},
        )
    )


async def record(
    uow: UnitOfWork, partner_id: str, channel: str, source: str | None, outcomes: Sequence[Outcome]
) -> uuid.UUID:
    """A one-shot delivery (webhook call, topic event) with its lines."""
    delivery_id = await open_delivery(uow, partner_id, channel, source)
    await add_lines(uow, delivery_id, outcomes)
    return delivery_id


async def record_many(
    uow: UnitOfWork, deliveries: Sequence[tuple[str, str, str | None, Sequence[Outcome]]]
) -> None:
    """One-shot deliveries (partner, channel, source, outcomes) with two statements."""
    if not deliveries:
        return
    heads: list[dict[str, object]] = []
    lines: list[dict[str, object]] = []
    for partner_id, channel, source, outcomes in deliveries:
        delivery_id = uuid.uuid4()
        counts = Counter(o.outcome for o in outcomes)
        heads.append(
            {
                "id": delivery_id,
                "partner_id": partner_id,
                "channel": channel,
                "source": source,
                "digest": None,
                "lines": len(outcomes),
                **{kind: counts.get(kind, 0) for kind in OUTCOMES},
            }
        )
        lines += [_line(delivery_id, o) for o in outcomes]
    await uow.session.execute(insert(D), heads)
    await bulk_insert(uow.session, table_of(DeliveryLine), lines)


def _line(delivery_id: uuid.UUID, o: Outcome) -> dict[str, object]:
    return {
        "delivery_id": delivery_id,
        "line_no": o.line_no,
        "partner_txn_id": o.txn,
        "outcome": o.outcome,
        "reason_code": o.reason_code,
        "detail": o.detail,
        "payment_id": o.payment_id,
    }


async def partner_deliveries(
    uow: UnitOfWork,
    partner_id: str,
    channel: str | None,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[DeliveryRead]:
    """A partner's own deliveries, newest first, without their lines; `before` the
    (received_at, id) of the last one of the previous page (a webhook batch's deliveries
    share one time, so the id breaks the tie)."""
    query = select(Delivery).where(Delivery.partner_id == partner_id)
    if channel is not None:
        query = query.where(Delivery.channel == channel)
    if before is not None:
        query = query.where(tuple_(Delivery.received_at, Delivery.id) < tuple_(*before))
    order = (Delivery.received_at.desc(), Delivery.id.desc())
    found = await uow.session.scalars(query.order_by(*order).limit(limit))
    return [DeliveryRead.model_validate(d) for d in found]
