"""Property: the same payment facts in any order, batching, with duplicates and late
arrivals, give one campaign state, and a rebuild from the event log gives it too.

Histories are drawn by hypothesis: a few villages, payments deposited on days either side
of the stage 1 / stage 2 boundary (31 March), some recorded before their deposit is
confirmed, some never deposited, some reversed, some delivered after stage 1's cut-off
(10 April). Each history is applied three ways through the real applier and database;
the captured state (every campaign unit's facts, figures, stage readings, completion
time, score, rank, tallies) and the settlement (date-bucket and rank awards and
deductions) must be identical, and `rebuild --check` must find no difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libs.common.events.catalogue.enrollment import PaymentDeposited
from libs.common.events.envelope import Envelope
from services.scoring import rebuild
from tests.conftest import truncate_all
from tests.integration.scoring.helpers import (
    ADMIN,
    VILLAGES,
    delivery,
    medical_campaign,
    payment,
    reversal,
    units,
)
from tests.integration.scoring.test_rebuild import money_campaign

HERE = VILLAGES[:3]
DAYS = [datetime(2027, m, d, 2, tzinfo=UTC) for m, d in ((3, 27), (3, 31), (4, 1), (4, 3), (6, 5))]
"""Deposit days either side of the stage boundary (10:00 Shanghai time)."""


@dataclass(frozen=True)
class Payment:
    village: int
    amount: str
    deposited: int
    deposit: str
    reversed_on: int | None
    delay_days: int


payments = st.builds(
    Payment,
    village=st.integers(0, len(HERE) - 1),
    amount=st.sampled_from(["320.00", "600.00"]),
    deposited=st.integers(0, len(DAYS) - 1),
    deposit=st.sampled_from(["at_once", "confirmed_later", "never"]),
    reversed_on=st.none() | st.integers(0, len(DAYS) - 1),
    delay_days=st.sampled_from([0, 0, 2, 12]),  # 12: past stage 1's cut-off for March
)


def envelopes(history: list[Payment]) -> list[Envelope]:
    """The events enrollment emits for the history, each stamped with its arrival."""
    out: list[Envelope] = []
    for p in history:
        when = DAYS[p.deposited]
        arrival = when + timedelta(days=p.delay_days)
        paid = payment(HERE[p.village], p.amount, when)
        recorded = paid.model_copy(update={"deposited_at": None, "completes_person": False})
        if p.deposit == "at_once":
            out.append(stamped(paid, arrival))
        else:
            out.append(stamped(recorded, arrival))
        if p.deposit == "confirmed_later":
            fields = recorded.model_dump(exclude={"tier", "deposited_at", "completes_person"})
            confirmed = PaymentDeposited(**fields, deposited_at=when, completes_person=True)
            out.append(stamped(confirmed, arrival))
        if p.reversed_on is not None:
            reversed_at = max(when, DAYS[p.reversed_on]) + timedelta(hours=1)
            undone = reversal(paid, reversed_at).model_copy(
                update={
                    "deposit_reversed": p.deposit != "never",
                    "reopens_person": p.deposit != "never",
                }
            )
            out.append(stamped(undone, reversed_at + timedelta(hours=1)))
    return out


def stamped(event: Any, arrival: datetime) -> Envelope:
    return Envelope.wrap(event).model_copy(update={"time": arrival})


async def state_after(client: Any, batches: list[list[Envelope]]) -> tuple[Any, Any]:
    runtime = client.runtime
    await truncate_all(runtime)
    medical = medical_campaign(units=units(HERE, task=3, cadre_ids=["c1"]))
    money = money_campaign() | {"units": units(HERE, task=1000)}
    for body in (medical, money):
        assert (await client.post("/v1/campaigns", json=body, headers=ADMIN)).status_code == 201
    for batch in batches:
        outcomes = await runtime.applier().apply([delivery(e) for e in batch])
        assert set(outcomes) <= {"applied", "duplicate"}, outcomes
    async with runtime.sessions() as session:
        captured = await rebuild.capture(session)
    settled = (await client.get("/v1/campaigns/rm-2027/settlement", headers=ADMIN)).json()
    return captured, settled


_clients: dict[int, Any] = {}


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=st.lists(payments, min_size=1, max_size=8),
    order=st.randoms(use_true_random=False),
)
async def test_any_order_batching_and_duplicates_give_one_state_equal_to_a_rebuild(
    client_for, history, order
):
    # One service for every example: the fixture is not re-run between examples.
    client = _clients.get(id(client_for)) or await client_for("scoring")
    _clients[id(client_for)] = client
    events = envelopes(history)
    shuffled = list(events)
    order.shuffle(shuffled)
    chunks: list[list[Envelope]] = []
    while shuffled:
        size = order.randint(1, 3)
        chunk, shuffled = shuffled[:size], shuffled[size:]
        chunks.append(chunk + chunk[:1])  # a duplicate in the same batch
    chunks += [events[::3]]  # and redelivered later
    one_batch = [events]
    one_by_one_backwards = [[e] for e in reversed(events + events[:2])]
    first = await state_after(client, one_batch)
    assert await state_after(client, one_by_one_backwards) == first
    assert await state_after(client, chunks) == first
    count, differences = await rebuild.rebuild(client.runtime.sessions, check=True)
    assert count == len(events) and differences == []
