"""Idempotency-Keys of a whole batch are looked up together, each within its caller's scope."""

from __future__ import annotations

from libs.common import idempotency
from libs.common.db import UnitOfWork
from libs.common.errors import Conflict
from libs.common.idempotency import IdempotentRequest


async def test_a_batch_replays_only_its_own_keys_in_their_own_scopes(runtimes):
    runtime = await runtimes("enrollment")
    bank_a = IdempotentRequest.of("partner:a", "k1", b"pay 1")
    bank_b = IdempotentRequest.of("partner:b", "k2", b"pay 2")
    async with runtime.sessions() as session, UnitOfWork(session) as uow:
        await idempotency.remember_many(uow, [(bank_a, 201, {"n": 1}), (bank_b, 201, {"n": 2})])
        await uow.commit()

    asked = [
        IdempotentRequest.of("partner:a", "k2", b"pay 3"),  # b's key, a's scope
        IdempotentRequest.of("partner:b", "k1", b"pay 4"),  # a's key, b's scope
        bank_a,
        IdempotentRequest.of("partner:b", "k2", b"something else"),
        IdempotentRequest.of("partner:c", "k3", b"new"),
    ]
    async with runtime.sessions() as session, UnitOfWork(session) as uow:
        found = await idempotency.replay_many(uow, asked)

    assert found[:3] == [None, None, {"n": 1}]
    assert isinstance(found[3], Conflict), "the same key with another body"
    assert found[4] is None
