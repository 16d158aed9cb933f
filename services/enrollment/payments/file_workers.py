"""Worker processes that post a bank file's chunks side by side.

Posting a chunk is Python work (parsing, the premium and settlement rules, events) while
PostgreSQL mostly waits: one process keeps one core busy. `ChunkWorkers` starts `jobs`
processes, each with its own event loop, connection and PII key, and posts a chunk in
whichever is free (`files.import_file(..., workers=...)`). Chunks touching the same
enrollment or unit wait on each other's row locks, taken in one order, so they never
deadlock.
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from libs.common.app import settle_garbage_collector
from libs.common.db import create_engine, session_factory
from libs.common.pii import PiiVault
from services.enrollment.payments import files
from services.enrollment.payments.notices import Outcome

CHUNKS_PER_WORKER = 4
"""A worker takes seconds to start (a fresh interpreter imports the service): a file of
fewer chunks than this per worker goes faster in the importing process alone."""


def workers_for(jobs: int, lines: int, chunk_lines: int) -> int:
    """How many worker processes a file of `lines` is worth, at most `jobs`; 0 for none."""
    worth = min(jobs, -(-lines // chunk_lines) // CHUNKS_PER_WORKER)
    return worth if worth > 1 else 0


@contextmanager
def side_by_side(
    db_url: str, pii_key: str, jobs: int, lines: int, chunk_lines: int
) -> Iterator[ChunkWorkers | None]:
    """The workers a file of `lines` is worth (at most `jobs`), or None to post it here."""
    count = workers_for(jobs, lines, chunk_lines)
    if not count:
        yield None
        return
    with ChunkWorkers(db_url, pii_key, count) as workers:
        yield workers


class ChunkWorkers:
    """`jobs` processes posting chunks of files to the database at `db_url`."""

    def __init__(self, db_url: str, pii_key: str, jobs: int) -> None:
        self.jobs = jobs
        self._pool = ProcessPoolExecutor(
            jobs,
            # A fresh interpreter: a forked one would share the parent's connections.
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(db_url, pii_key),
        )

    async def post(
        self, partner_id: str, delivery_id: uuid.UUID, lines: list[files.Line]
    ) -> list[Outcome]:
        """Post one chunk in a free worker; its outcomes in line order."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, _post, partner_id, delivery_id, lines)

    def close(self) -> None:
        """Stop the workers once their chunks are posted."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ChunkWorkers:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


@dataclass(frozen=True)
class _Worker:
    loop: asyncio.AbstractEventLoop
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    vault: PiiVault


_worker: _Worker | None = None
"""This worker process's loop, connection and key (set by `_start`)."""


def _start(db_url: str, pii_key: str) -> None:
    global _worker
    settle_garbage_collector()
    engine = create_engine(db_url, pool_size=1, max_overflow=0)
    _worker = _Worker(asyncio.new_event_loop(), engine, session_factory(engine), PiiVault(pii_key))
    atexit.register(_stop)


def _post(partner_id: str, delivery_id: uuid.UUID, lines: list[files.Line]) -> list[Outcome]:
    assert _worker is not None, "not a worker process"
    chunk = files.post_chunk(_worker.sessions, _worker.vault, partner_id, delivery_id, lines)
    return _worker.loop.run_until_complete(chunk)


def _stop() -> None:
    if _worker is not None:
        _worker.loop.run_until_complete(_worker.engine.dispose())
        _worker.loop.close()
