"""Deposits confirmed after their payment, at the ledger: within one delivery, racing
another delivery, and counted once per person."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from libs.common.db import UnitOfWork
from libs.common.pii import PiiVault
from services.enrollment.payments import ledger
from services.enrollment.payments.notices import Notice
from tests.conftest import PARTNER, PII_KEY
from tests.support.enrollment import (
    PAID_AT,
    SCHEME,
    VILLAGE,
    YEAR,
    enroll,
    prepare_region,
    resident_id,
)
from tests.support.enrollment_api import enrollment, events

DEPOSITED = "gridgov.enrollment.payment.deposited.v1"
RECEIVED_AT = PAID_AT + timedelta(days=2)
"""When the notices reach the ledger: after their deposit (no money is dated in its future)."""
SOURCE = ledger.Source(PARTNER, "file", f"partner:{PARTNER}")
VAULT = PiiVault(PII_KEY)


@pytest.fixture
async def client(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    return client


def notice(line: int, txn: str, amount: str = "320.00", deposited: bool = True) -> Notice:
    return Notice(
        line_no=line,
        txn=txn,
        amount=Decimal(amount),
        paid_at=PAID_AT,
        resident_id=resident_id(1),
        unit_code=VILLAGE,
        scheme_code=SCHEME,
        year=YEAR,
        deposited_at=PAID_AT + timedelta(days=1) if deposited else None,
    )


async def post(client: Any, *notices: Notice, hold: asyncio.Event | None = None) -> list[str]:
    """Post notices in one transaction (committed once `hold` is set, if given)."""
    async with client.runtime.sessions() as session, UnitOfWork(session) as uow:
        outcomes = await ledger.post(uow, SOURCE, VAULT, list(notices), RECEIVED_AT)
        if hold is not None:
            await hold.wait()
        await uow.commit()
    return [o.outcome for o in outcomes]


async def test_a_later_line_of_the_same_delivery_brings_the_deposit(client):
    made = await enroll(client, 1)
    outcomes = await post(client, notice(2, "T1", deposited=False), notice(3, "T1"))
    assert outcomes == ["recorded", "deposited"]
    after = await enrollment(client, made["id"])
    assert (after["state"], after["counted"]) == ("paid", True)
    [event] = await events(client, DEPOSITED)
    assert event["completes_person"] is False, "the payment recorded in the batch counted them"
    [paid] = await events(client, "gridgov.enrollment.payment.recorded.v1")
    assert paid["completes_person"] is True


async def test_a_deposit_racing_the_payments_first_delivery_is_kept(client):
    made = await enroll(client, 1)
    hold = asyncio.Event()
    first = asyncio.create_task(post(client, notice(2, "T1", deposited=False), hold=hold))
    await asyncio.sleep(0.3)  # the first delivery has inserted, not committed
    second = asyncio.create_task(post(client, notice(2, "T1")))
    await asyncio.sleep(0.3)  # the second waits on the first's row
    assert not second.done()
    hold.set()
    assert await first == ["recorded"] and await second == ["deposited"]
    assert (await enrollment(client, made["id"]))["state"] == "paid"


async def test_two_deposits_completing_one_person_count_them_once(client):
    made = await enroll(client, 1)
    halves = [notice(2, "H1", "160.00", False), notice(3, "H2", "160.00", False)]
    assert await post(client, *halves) == ["recorded", "recorded"]
    assert (await enrollment(client, made["id"]))["state"] == "registered"
    assert await post(client, notice(2, "H1", "160.00"), notice(3, "H2", "160.00")) == [
        "deposited",
        "deposited",
    ]
    assert (await enrollment(client, made["id"]))["state"] == "paid"
    completes = [e["completes_person"] for e in await events(client, DEPOSITED)]
    assert sorted(completes) == [False, True]
