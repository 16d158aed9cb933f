"""A process's copy of the partner table, and how secrets are sealed in it."""

from __future__ import annotations

import math

import pytest
from cryptography.exceptions import InvalidTag

from services.enrollment.partners.directory import PartnerCache, Snapshot
from services.enrollment.partners.keys import SecretBox, new_secret


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def test_the_copy_is_read_again_after_its_ttl_and_when_an_overlap_ends():
    clock, reads = Clock(), []
    snapshots = [
        Snapshot({"bank": ("new", "old")}, good_until=1_002.0),
        Snapshot({"bank": ("new",)}, good_until=math.inf),
        Snapshot({}, good_until=math.inf),
    ]

    async def read(now: float) -> Snapshot:
        reads.append(now)
        return snapshots[len(reads) - 1]

    cache = PartnerCache(ttl=5.0, clock=clock)
    assert await cache.secrets(read) == {"bank": ("new", "old")}
    clock.now = 1_001.9
    assert await cache.secrets(read) == {"bank": ("new", "old")}
    assert reads == [1_000.0], "a fresh copy is answered from memory"
    clock.now = 1_002.0  # the rotation's overlap ends before the TTL does
    assert await cache.secrets(read) == {"bank": ("new",)}
    clock.now = 1_006.9
    assert await cache.secrets(read) == {"bank": ("new",)}
    clock.now = 1_007.0  # the TTL: a change elsewhere is seen by now
    assert await cache.secrets(read) == {}
    assert reads == [1_000.0, 1_002.0, 1_007.0]
    cache.forget()
    with pytest.raises(IndexError):  # forgetting reads again at once
        await cache.secrets(read)


def test_a_sealed_secret_opens_only_for_its_partner_with_the_key():
    secret = new_secret()
    box = SecretBox("key-a")
    sealed = box.seal(secret, "bank")
    assert secret not in sealed and box.seal(secret, "bank") != sealed
    assert box.open(sealed, "bank") == secret
    with pytest.raises(InvalidTag):
        box.open(sealed, "other-bank")
    with pytest.raises(InvalidTag):
        SecretBox("key-b").open(sealed, "bank")
    assert len(new_secret()) >= 40 and new_secret() != secret
