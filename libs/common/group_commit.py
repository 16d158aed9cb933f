"""Group commit: the use cases of concurrent requests share one transaction and one commit.

A commit costs a round trip and a WAL flush; at hundreds of requests a second that, not
the work, is the limit. Requests hand their use case to the committer, a `Batcher` whose
handler runs each use case of a batch in its own savepoint (the same `SavepointUnitOfWork`
a consumer batch uses); the batch commits once, and only then is each request answered:
nobody is told "recorded" before their row is durable. A use case that fails rolls back
its own savepoint and gets its own error; the others are unaffected.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.batching import Batcher
from libs.common.db import SavepointUnitOfWork, UnitOfWork
from libs.common.logging import current_request_id

T = TypeVar("T")
UseCase = Callable[[UnitOfWork], Awaitable[Any]]


class GroupCommitter:
    """Runs submitted use cases in shared transactions."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, max_batch: int = 256) -> None:
        self._batcher: Batcher[tuple[UseCase, str | None], Any] = Batcher(
            sessions, _run_each, max_batch=max_batch
        )

    async def run(self, use_case: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Run a use case in the next shared transaction; return once it is committed."""
        result: T = await self._batcher.submit((use_case, current_request_id()))
        return result

    async def stop(self) -> None:
        """Finish what is queued, then stop."""
        await self._batcher.stop()


async def _run_each(
    uow: UnitOfWork, jobs: Sequence[tuple[UseCase, str | None]]
) -> list[Any | BaseException]:
    results: list[Any | BaseException] = []
    for use_case, request_id in jobs:
        savepoint = await uow.session.begin_nested()
        nested = SavepointUnitOfWork(uow.session, savepoint, request_id=request_id)
        try:
            value = await use_case(nested)
            await nested.finish()
            results.append(value)
        except Exception as exc:
            await nested.rollback()
            results.append(exc)
    return results
