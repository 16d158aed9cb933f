"""Group commit: the use cases of concurrent requests share one transaction and one commit.

A commit costs a round trip and a WAL flush; at hundreds of requests a second that, not
the work, is the limit. Requests hand their use case to the committer, which runs a batch
of them one after another in one transaction, each in its own savepoint (the same
`SavepointUnitOfWork` a consumer batch uses), commits once, and only then answers each
request: nobody is told "recorded" before their row is durable. A use case that fails
rolls back its own savepoint and gets its own error; the others are unaffected.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.db import SavepointUnitOfWork, UnitOfWork
from libs.common.logging import current_request_id

T = TypeVar("T")
UseCase = Callable[[UnitOfWork], Awaitable[Any]]


@dataclass
class _Job:
    use_case: UseCase
    request_id: str | None
    future: asyncio.Future[Any] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class GroupCommitter:
    """Runs submitted use cases in shared transactions; start with `start()`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, max_batch: int = 256) -> None:
        self.sessions = sessions
        self.max_batch = max_batch
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def run(self, use_case: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Run a use case in the next shared transaction; return once it is committed."""
        if self._task is None:
            self.start()
        job = _Job(use_case, current_request_id())
        self._queue.put_nowait(job)
        result: T = await job.future
        return result

    def start(self) -> None:
        """Start the batching loop (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="group-commit")

    async def stop(self) -> None:
        """Finish what is queued, then stop."""
        if self._task is None:
            return
        await self._queue.join()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._run_batch(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _run_batch(self, batch: list[_Job]) -> None:
        outcomes: list[tuple[_Job, bool, Any]] = []
        try:
            async with self.sessions() as session, session.begin():
                for job in batch:
                    outcomes.append(await self._run_one(session, job))
        except Exception as exc:  # the commit itself failed: nothing of the batch is durable
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(exc)
            return
        for job, ok, value in outcomes:
            if job.future.done():
                continue
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(value)

    async def _run_one(self, session: AsyncSession, job: _Job) -> tuple[_Job, bool, Any]:
        uow = SavepointUnitOfWork(session, await session.begin_nested(), request_id=job.request_id)
        try:
            value = await job.use_case(uow)
            await uow.finish()
            return job, True, value
        except Exception as exc:
            await uow.rollback()
            return job, False, exc
