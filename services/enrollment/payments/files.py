"""Bank reconciliation files: thousands of lines into the one ledger, chunk by chunk.

A file is one delivery. Its lines are read as CSV (UTF-8, with or without a BOM, or the
GB 18030 that Chinese banks' systems write), parsed without stopping at a bad line, and
posted in chunks, each in one transaction with its lines' outcomes: a crash loses at
most the chunks in flight, and importing the file again records only what is missing
(every line already in the ledger comes back as a duplicate). A file whose bytes were
imported before is named as such in the report; nothing about it is recorded twice.

Chunks may be posted side by side (`ChunkWorkers`, `import-payments --jobs N`). Lines
that depend on an earlier line of the file, a reversal (冲正) or a transaction number
seen before, are held back and posted after all the others: a reversal always finds its
original recorded, and a repeated number is a duplicate of its first line, whichever
chunk either is in.

A file's delivery shows how far its import has come: `queued` while other files take
the process's turns, `importing` with `lines` of `expected_lines` posted, then `done`.
When posting fails part-way (a worker process killed, the database gone), the import
raises `ImportStopped`, which names the delivery and how many lines were posted, and the
delivery is `stopped` with the reason (also when the service stops in the middle): the
chunks posted stay posted, and importing the same file again posts the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import uuid
from asyncio import FIRST_COMPLETED
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Protocol

import prometheus_client
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.db import UnitOfWork
from libs.common.errors import GridgovError, NotFound
from libs.common.logging import get_logger
from libs.common.pii import PiiVault
from services.enrollment import csvfile
from services.enrollment.domain.deliveries import DeliveryAction, DeliveryState, transition
from services.enrollment.payments import deliveries, ledger
from services.enrollment.payments.models import Delivery, DeliveryLine
from services.enrollment.payments.notices import CSV_COLUMNS, Notice, Outcome, parse_row
from services.enrollment.payments.schemas import DeliveryRead, LineRead

CHUNK_LINES = 2_000
IN_SERVICE_CHUNK_LINES = 500
"""Chunks of a file posted inside a service, beside its requests, are smaller: between two
statements a chunk's rules hold the event loop, about 210 ms at a stretch for 2,000 lines
and 55 ms for 500 (measured 2026-11-29), for 5–10% fewer lines a second."""
REQUIRED_COLUMNS = ("transaction_id", "amount", "paid_at")
log = get_logger(__name__)
FILE_IMPORTS_STALLED = prometheus_client.Counter(
    "file_imports_stalled", "Bank-file imports marked stopped after their process went silent"
)


@dataclass
class FileReport:
    """What became of a file: counts per outcome, the refused lines, an earlier import,
    and how far its import has come (as this process knows it)."""

    delivery_id: uuid.UUID
    partner_id: str
    lines: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    rejected: list[Outcome] = field(default_factory=list)
    same_file_as: uuid.UUID | None = None
    state: DeliveryState = DeliveryState.QUEUED


class ImportStopped(GridgovError):
    """Posting a file failed part-way; what was posted before stays posted."""

    status, slug, title = 503, "import-stopped", "Import stopped"

    def __init__(self, report: FileReport, cause: Exception) -> None:
        super().__init__(
            f"The import stopped after {report.lines:,} lines ({type(cause).__name__}: "
            f"{str(cause)[:200] or 'no detail'}). {deliveries.TO_FINISH}",
            delivery_id=str(report.delivery_id),
            lines_posted=report.lines,
        )
        self.report = report


Line = tuple[int, csvfile.Row]
"""A line of the file: its number (the header is line 1) and its cells."""


class ChunkPoster(Protocol):
    """Posts chunks of a file's lines somewhere else (worker processes), `jobs` at a time."""

    jobs: int

    async def post(
        self, partner_id: str, delivery_id: uuid.UUID, lines: list[Line]
    ) -> list[Outcome]: ...


async def import_file(
    sessions: async_sessionmaker[AsyncSession],
    partner_id: str,
    data: bytes,
    vault: PiiVault,
    *,
    name: str | None = None,
    chunk_lines: int = CHUNK_LINES,
    progress: Callable[[int], None] | None = None,
    workers: ChunkPoster | None = None,
) -> FileReport:
    """Post every line of a file for `partner_id`: `open_file`, then `post_file`."""
    report = await open_file(sessions, partner_id, data, name)
    return await post_file(
        sessions, report, data, vault, chunk_lines=chunk_lines, progress=progress, workers=workers
    )


async def open_file(
    sessions: async_sessionmaker[AsyncSession], partner_id: str, data: bytes, name: str | None
) -> FileReport:
    """Check a file's encoding and header (422, nothing written) and open its delivery,
    `importing` its count of lines."""
    lines = sum(1 for _ in csvfile.read(data, REQUIRED_COLUMNS, CSV_COLUMNS))
    digest = hashlib.sha256(data).hexdigest()
    async with sessions() as session, UnitOfWork(session) as uow:
        earlier = await session.scalar(
            select(Delivery.id)
            .where(Delivery.partner_id == partner_id, Delivery.digest == digest)
            .order_by(Delivery.received_at)
            .limit(1)
        )
        delivery_id = await deliveries.open_delivery(uow, partner_id, "file", name, digest, lines)
        await uow.commit()
    return FileReport(delivery_id, partner_id, same_file_as=earlier)


async def post_file(
    sessions: async_sessionmaker[AsyncSession],
    report: FileReport,
    data: bytes,
    vault: PiiVault,
    *,
    chunk_lines: int = CHUNK_LINES,
    progress: Callable[[int], None] | None = None,
    workers: ChunkPoster | None = None,
    turns: asyncio.Semaphore | None = None,
    heartbeat: timedelta = deliveries.HEARTBEAT,
) -> FileReport:
    """Post every line of an opened file, once `turns` (if any) lets it: the delivery is
    `queued` until then, `importing` while `progress` hears of each chunk's lines, and ends
    `done`, or `stopped` when posting fails (`ImportStopped`) or is cancelled. Every
    `heartbeat` meanwhile its `updated_at` moves, so that it is not taken for stalled.

    Without `workers`, chunks are posted one after the other in this process."""
    try:
        async with _alive(sessions, report, heartbeat), turns or contextlib.nullcontext():
            await _mark(sessions, report, DeliveryAction.START)
            await _post_lines(sessions, report, data, vault, chunk_lines, progress, workers)
    except asyncio.CancelledError:
        await _mark(sessions, report, DeliveryAction.STOP, INTERRUPTED)
        raise
    except Exception as exc:
        stopped = ImportStopped(report, exc)
        await _mark(sessions, report, DeliveryAction.STOP, stopped.detail)
        raise stopped from exc
    await _mark(sessions, report, DeliveryAction.FINISH)
    report.rejected.sort(key=lambda o: o.line_no)
    return report


async def _post_lines(
    sessions: async_sessionmaker[AsyncSession],
    report: FileReport,
    data: bytes,
    vault: PiiVault,
    chunk_lines: int,
    progress: Callable[[int], None] | None,
    workers: ChunkPoster | None,
) -> None:
    partner_id = report.partner_id
    rows = csvfile.read(data, REQUIRED_COLUMNS, CSV_COLUMNS)
    here = partial(post_chunk, sessions, vault, partner_id, report.delivery_id)
    held: list[Line] = []
    chunks = _chunks(_holding_back(rows, held), chunk_lines)
    if workers is None:
        await _post_all(chunks, here, 1, report, progress)
    else:
        there = partial(workers.post, partner_id, report.delivery_id)
        await _post_all(chunks, there, workers.jobs, report, progress)
    await _post_all(_chunks(iter(held), chunk_lines), here, 1, report, progress)


INTERRUPTED = (
    "The import was interrupted: the service stopped, or the command was stopped. "
    + deliveries.TO_FINISH
)


async def _mark(
    sessions: async_sessionmaker[AsyncSession],
    report: FileReport,
    action: DeliveryAction,
    reason: str | None = None,
) -> None:
    state = transition(report.state, action)
    if state is DeliveryState.STOPPED:
        log.warning("file import stopped", delivery_id=str(report.delivery_id), lines=report.lines)
    try:
        async with sessions() as session, UnitOfWork(session) as uow:
            await deliveries.mark(uow, report.delivery_id, state, reason)
            await uow.commit()
    except Exception as exc:  # the database that stopped the import may refuse this too
        if state is not DeliveryState.STOPPED:
            raise
        log.warning("could not mark the delivery stopped", error=repr(exc))
    report.state = state


@contextlib.asynccontextmanager
async def _alive(
    sessions: async_sessionmaker[AsyncSession], report: FileReport, every: timedelta
) -> AsyncIterator[None]:
    """Beat for the delivery while the block runs (`deliveries.beat`)."""

    async def beat_forever() -> None:
        while True:
            await asyncio.sleep(every.total_seconds())
            try:
                async with sessions() as session, UnitOfWork(session) as uow:
                    await deliveries.beat(uow, report.delivery_id)
                    await uow.commit()
            except Exception as exc:  # a missed beat is harmless; the next one may do
                log.warning("delivery heartbeat failed", error=repr(exc))

    beats = asyncio.create_task(beat_forever(), name=f"heartbeat {report.delivery_id}")
    try:
        yield
    finally:
        beats.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beats


async def stop_stalled_imports(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Mark `stopped` the imports that stopped beating (`deliveries.stop_stalled`): run
    every minute by each enrollment process."""
    async with sessions() as session, UnitOfWork(session) as uow:
        stalled = await deliveries.stop_stalled(uow)
        await uow.commit()
    FILE_IMPORTS_STALLED.inc(len(stalled))
    for delivery_id in stalled:
        log.warning("stalled file import marked stopped", delivery_id=str(delivery_id))


def _holding_back(rows: Iterator[csvfile.Row], held: list[Line]) -> Iterator[Line]:
    """The lines that depend on no other line; the rest are appended to `held`."""
    seen: set[str] = set()
    for line_no, row in enumerate(rows, start=2):  # line 1 is the header
        txn = csvfile.text(row, "transaction_id")
        depends = csvfile.text(row, "original_transaction_id") is not None or txn in seen
        if txn is not None:
            seen.add(txn)
        if depends:
            held.append((line_no, row))
        else:
            yield line_no, row


def _chunks(lines: Iterator[Line], size: int) -> Iterator[list[Line]]:
    while chunk := list(itertools.islice(lines, size)):
        yield chunk


async def _post_all(
    chunks: Iterator[list[Line]],
    post: Callable[[list[Line]], Coroutine[Any, Any, list[Outcome]]],
    jobs: int,
    report: FileReport,
    progress: Callable[[int], None] | None,
) -> None:
    """Post the chunks, at most `jobs` at a time, and count their outcomes."""
    running: set[asyncio.Task[list[Outcome]]] = set()
    try:
        for chunk in chunks:
            if len(running) == jobs:
                done, running = await asyncio.wait(running, return_when=FIRST_COMPLETED)
                _count(report, done, progress)
            running.add(asyncio.create_task(post(chunk)))
        while running:
            done, running = await asyncio.wait(running, return_when=FIRST_COMPLETED)
            _count(report, done, progress)
    finally:  # a failed chunk stops the import; the chunks already posted stay posted
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)


def _count(
    report: FileReport,
    done: set[asyncio.Task[list[Outcome]]],
    progress: Callable[[int], None] | None,
) -> None:
    for task in done:
        outcomes = task.result()
        report.lines += len(outcomes)
        report.counts.update(o.outcome for o in outcomes)
        report.rejected += [o for o in outcomes if o.outcome == "rejected"]
        if progress is not None:
            progress(len(outcomes))


async def post_chunk(
    sessions: async_sessionmaker[AsyncSession],
    vault: PiiVault,
    partner_id: str,
    delivery_id: uuid.UUID,
    lines: list[Line],
) -> list[Outcome]:
    """Parse and post some lines of a delivery in one transaction; their outcomes in order."""
    parsed = [parse_row(line_no, row) for line_no, row in lines]
    notices = [line for line in parsed if isinstance(line, Notice)]
    refused = [line for line in parsed if isinstance(line, Outcome)]
    source = ledger.Source(partner_id, "file", f"partner:{partner_id}")
    async with sessions() as session, UnitOfWork(session) as uow:
        posted = await ledger.post(uow, source, vault, notices, datetime.now(UTC))
        outcomes = sorted([*posted, *refused], key=lambda o: o.line_no)
        await deliveries.add_lines(uow, delivery_id, outcomes)
        await uow.commit()
    return outcomes


async def delivery_report(
    uow: UnitOfWork, delivery_id: uuid.UUID, partner_id: str | None, outcome: str | None
) -> DeliveryRead:
    """A delivery and its lines (only those of one outcome, if asked); a partner sees only
    its own deliveries."""
    delivery = await uow.session.get(Delivery, delivery_id)
    if delivery is None or (partner_id is not None and delivery.partner_id != partner_id):
        raise NotFound(f"No delivery {delivery_id}.")
    query = select(DeliveryLine).where(DeliveryLine.delivery_id == delivery_id)
    if outcome is not None:
        query = query.where(DeliveryLine.outcome == outcome)
    lines = await uow.session.scalars(query.order_by(DeliveryLine.line_no))
    report = DeliveryRead.model_validate(delivery)
    report.outcomes = [LineRead.model_validate(line) for line in lines]
    if delivery.digest is not None:
        report.same_file_as = await _earlier(uow.session, delivery)
    return report


async def _earlier(session: AsyncSession, delivery: Delivery) -> uuid.UUID | None:
    found = await session.scalar(
        select(Delivery.id)
        .where(
            Delivery.partner_id == delivery.partner_id,
            Delivery.digest == delivery.digest,
            Delivery.received_at < delivery.received_at,
        )
        .order_by(Delivery.received_at)
        .limit(1)
    )
    return found
