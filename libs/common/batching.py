"""Batch commit: the requests of one kind that arrive together are handled together.

At hundreds of requests a second the cost is not the work but the round trips: a commit
and its WAL flush, and a handful of queries per request. A `Batcher` queues what
concurrent requests submit; while one batch runs, the next gathers. Its handler gets the
whole batch in one unit of work, answers each item (a value, or the exception that item
deserves) with one query per step instead of one per request, and the batcher commits
once. Nobody is answered before their data is durable. When the handler fails as a whole,
each item is handled again on its own, so one poisonous item fails only itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.db import UnitOfWork
from libs.common.logging import current_request_id, get_logger

log = get_logger(__name__)
Item = TypeVar("Item")
Result = TypeVar("Result")
BatchHandler = Callable[[UnitOfWork, Sequence[Item]], Awaitable[Sequence[Result | BaseException]]]


@dataclass
class _Job(Generic[Item]):
    item: Item
    request_id: str | None
    future: asyncio.Future[Any] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Batcher(Generic[Item, Result]):
    """Runs `handler` over batches of submitted items, one transaction per batch."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        handler: BatchHandler[Item, Result],
        *,
        max_batch: int = 256,
    ) -> None:
        self.sessions = sessions
        self.handler = handler
        self.max_batch = max_batch
        self._queue: asyncio.Queue[_Job[Item]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """Handle `item` in the next batch; return its result once the batch is committed."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="batcher")
        job: _Job[Item] = _Job(item, current_request_id())
        self._queue.put_nowait(job)
        result: Result = await job.future
        return result

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
                await self._run(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _run(self, batch: list[_Job[Item]]) -> None:
        try:
            results = await self._transaction(batch)
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0], exc)
                return
            log.warning("batch failed, handling its items one by one", error=repr(exc))
            for job in batch:
                await self._run([job])
            return
        for job, result in zip(batch, results, strict=True):
            _settle(job, result)

    async def _transaction(self, batch: list[_Job[Item]]) -> Sequence[Result | BaseException]:
        request_id = batch[0].request_id if len(batch) == 1 else None
        async with self.sessions() as session, UnitOfWork(session, request_id=request_id) as uow:
            results = await self.handler(uow, [job.item for job in batch])
            await uow.commit()
        return results


def _settle(job: _Job[Any], result: Any) -> None:
    if job.future.done():
        return
    if isinstance(result, BaseException):
        job.future.set_exception(result)
    else:
        job.future.set_result(result)
