"""Bank reconciliation files: thousands of lines into the one ledger, chunk by chunk.

A file is one delivery. Its lines are read as CSV (UTF-8, with or without a BOM, or the
GB 18030 that Chinese banks' systems write), parsed without stopping at a bad line, and
posted in chunks, each in one transaction with its lines' outcomes: a crash loses at
most the chunk in flight, and importing the file again records only what is missing
(every line already in the ledger comes back as a duplicate). A file whose bytes were
imported before is named as such in the report; nothing about it is recorded twice.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.db import UnitOfWork
from libs.common.errors import NotFound
from libs.common.pii import PiiVault
from services.enrollment import csvfile
from services.enrollment.payments import deliveries, ledger
from services.enrollment.payments.models import Delivery, DeliveryLine
from services.enrollment.payments.notices import CSV_COLUMNS, Notice, Outcome, parse_row
from services.enrollment.payments.schemas import DeliveryRead, LineRead

CHUNK_LINES = 2_000
REQUIRED_COLUMNS = ("transaction_id", "amount", "paid_at")


@dataclass
class FileReport:
    """What became of a file: counts per outcome, the refused lines, an earlier import."""

    delivery_id: uuid.UUID
    lines: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    rejected: list[Outcome] = field(default_factory=list)
    same_file_as: uuid.UUID | None = None


async def import_file(
    sessions: async_sessionmaker[AsyncSession],
    partner_id: str,
    data: bytes,
    vault: PiiVault,
    *,
    name: str | None = None,
    chunk_lines: int = CHUNK_LINES,
    progress: Callable[[int], None] | None = None,
) -> FileReport:
    """Post every line of a file for `partner_id`; `progress` hears of each chunk's lines."""
    rows = csvfile.read(data, REQUIRED_COLUMNS, CSV_COLUMNS)
    digest = hashlib.sha256(data).hexdigest()
    report = await _open(sessions, partner_id, name, digest)
    chunk: list[Notice | Outcome] = []
    for line_no, row in enumerate(rows, start=2):  # line 1 is the header
        chunk.append(parse_row(line_no, row))
        if len(chunk) == chunk_lines:
            await _post_chunk(sessions, partner_id, vault, report, chunk, progress)
            chunk = []
    if chunk:
        await _post_chunk(sessions, partner_id, vault, report, chunk, progress)
    return report


async def _open(
    sessions: async_sessionmaker[AsyncSession], partner_id: str, name: str | None, digest: str
) -> FileReport:
    async with sessions() as session, UnitOfWork(session) as uow:
        earlier = await session.scalar(
            select(Delivery.id)
            .where(Delivery.partner_id == partner_id, Delivery.digest == digest)
            .order_by(Delivery.received_at)
            .limit(1)
        )
        delivery_id = await deliveries.open_delivery(uow, partner_id, "file", name, digest)
        await uow.commit()
    return FileReport(delivery_id, same_file_as=earlier)


async def _post_chunk(
    sessions: async_sessionmaker[AsyncSession],
    partner_id: str,
    vault: PiiVault,
    report: FileReport,
    chunk: list[Notice | Outcome],
    progress: Callable[[int], None] | None,
) -> None:
    notices = [line for line in chunk if isinstance(line, Notice)]
    refused = [line for line in chunk if isinstance(line, Outcome)]
    source = ledger.Source(partner_id, "file", f"partner:{partner_id}")
    async with sessions() as session, UnitOfWork(session) as uow:
        posted = await ledger.post(uow, source, vault, notices, datetime.now(UTC))
        outcomes = sorted([*posted, *refused], key=lambda o: o.line_no)
        await deliveries.add_lines(uow, report.delivery_id, outcomes)
        await uow.commit()
    report.lines += len(outcomes)
    report.counts.update(o.outcome for o in outcomes)
    report.rejected += [o for o in outcomes if o.outcome == "rejected"]
    if progress is not None:
        progress(len(outcomes))


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
