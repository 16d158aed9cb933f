"""Group commit: many requests, few commits; each answered only after its commit."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, func, select, text

from libs.common.db import UnitOfWork
from libs.common.errors import Conflict
from libs.common.group_commit import GroupCommitter
from libs.common.platform_schema import sync_checkpoint


async def rows(runtime) -> int:
    async with runtime.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(sync_checkpoint)))


def insert_row(name: str, *, fail: bool = False):
    async def use_case(uow: UnitOfWork) -> str:
        await uow.session.execute(sync_checkpoint.insert().values(source=name, position=1))
        if fail:
            raise Conflict(f"{name} refused")
        await uow.commit()
        return name

    return use_case


def count_commits(runtime) -> list[int]:
    commits = [0]

    @event.listens_for(runtime.engine.sync_engine, "commit")
    def on_commit(_conn) -> None:
        commits[0] += 1

    return commits


async def test_concurrent_use_cases_share_commits_and_all_are_durable(runtimes):
    runtime = await runtimes("scoring")
    committer = GroupCommitter(runtime.sessions)
    commits = count_commits(runtime)
    try:
        names = await asyncio.gather(*(committer.run(insert_row(f"s{n}")) for n in range(300)))
    finally:
        await committer.stop()
    assert sorted(names) == sorted(f"s{n}" for n in range(300))
    assert await rows(runtime) == 300
    assert commits[0] < 100, f"{commits[0]} commits for 300 requests"


async def test_a_failing_use_case_gets_its_own_error_and_writes_nothing(runtimes):
    runtime = await runtimes("scoring")
    committer = GroupCommitter(runtime.sessions)
    try:
        results = await asyncio.gather(
            committer.run(insert_row("a")),
            committer.run(insert_row("b", fail=True)),
            committer.run(insert_row("c")),
            return_exceptions=True,
        )
    finally:
        await committer.stop()
    assert results[0] == "a" and results[2] == "c"
    assert isinstance(results[1], Conflict)
    async with runtime.engine.connect() as conn:
        names = (await conn.execute(select(sync_checkpoint.c.source))).scalars().all()
    assert sorted(names) == ["a", "c"]


async def test_a_use_case_that_does_not_commit_is_rolled_back(runtimes):
    runtime = await runtimes("scoring")
    committer = GroupCommitter(runtime.sessions)

    async def forgetful(uow: UnitOfWork) -> None:
        await uow.session.execute(sync_checkpoint.insert().values(source="x", position=1))

    try:
        await committer.run(forgetful)
    finally:
        await committer.stop()
    assert await rows(runtime) == 0


async def test_when_the_commit_fails_each_request_is_retried_alone(runtimes):
    runtime = await runtimes("scoring")
    committer = GroupCommitter(runtime.sessions)
    poisoned: list[int] = []

    async def poison_commit(uow: UnitOfWork) -> None:
        # a deferred constraint fails only at COMMIT, after every savepoint was released
        poisoned.append(1)
        await uow.session.execute(
            text("CREATE TEMP TABLE IF NOT EXISTS gc (v int UNIQUE DEFERRABLE INITIALLY DEFERRED)")
        )
        await uow.session.execute(text("INSERT INTO gc VALUES (1), (1)"))
        await uow.commit()

    try:
        results = await asyncio.gather(
            committer.run(insert_row("a")), committer.run(poison_commit), return_exceptions=True
        )
    finally:
        await committer.stop()
    assert results[0] == "a" and isinstance(results[1], Exception), results
    assert len(poisoned) == 2, "the poisonous use case ran in the batch, then alone"
    assert await rows(runtime) == 1, "only the good request is durable"


@pytest.mark.parametrize("n", [1, 5])
async def test_results_come_back_in_order_per_request(runtimes, n):
    runtime = await runtimes("scoring")
    committer = GroupCommitter(runtime.sessions)
    try:
        got = [await committer.run(insert_row(f"seq{i}")) for i in range(n)]
    finally:
        await committer.stop()
    assert got == [f"seq{i}" for i in range(n)]
