"""Async SQLAlchemy engine, sessions and the unit of work every use case runs in."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from libs.common import outbox
from libs.common.events.envelope import Event


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An asyncpg engine for one service database.

    Statements are planned for their actual values every time (`force_custom_plan`):
    asyncpg prepares every statement, and after five runs PostgreSQL may switch to a
    generic plan; for the bulk lookups of a fast-growing ledger ("these 2,000 transaction
    numbers") a generic plan built on stale statistics scanned the whole table per chunk.
    """
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    connect_args = kwargs.setdefault("connect_args", {})
    connect_args.setdefault("server_settings", {}).setdefault(
        "plan_cache_mode", "force_custom_plan"
    )
    return create_async_engine(url, **kwargs)


def session_factory(bind: Any, **kwargs: Any) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(bind, expire_on_commit=False, **kwargs)


async def create_database_if_missing(url: str) -> None:
    """Create the database named in `url` on its server unless it exists."""
    target = make_url(url)
    name = target.database
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            # Sibling processes (`serve --workers N`) start together: one creates, the others
            # wait here and then find it.
            await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": CREATE_LOCK_KEY})
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
            await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": CREATE_LOCK_KEY})
    finally:
        await admin.dispose()


CREATE_LOCK_KEY = 7_401_003


class UnitOfWork:
    """One use case's changes and the events they cause: kept together, or not at all.

    `commit()` means one thing wherever a use case runs: "this use case is done, keep its
    changes and its events". Who makes them durable depends on who opened the transaction.
    A request's unit of work (`UnitOfWork(session)`) owns it and commits it there and then;
    leaving the block without `commit()` rolls it back. A unit of work that takes part in a
    consumer's batch (`UnitOfWork.in_batch(session)`) flushes and records that it
    committed: the consumer commits the batch once every event of it is applied, and undoes
    the changes of a use case that did not commit (libs/common/applier.py).
    """

    def __init__(
        self, session: AsyncSession, *, request_id: str | None = None, owner: bool = True
    ) -> None:
        self.session = session
        self.request_id = request_id
        self.events: list[Event] = []
        self.owner = owner
        self.committed = False

    @classmethod
    def in_batch(cls, session: AsyncSession, *, request_id: str | None = None) -> UnitOfWork:
        """A unit of work inside a transaction someone else commits (a consumer batch)."""
        return cls(session, request_id=request_id, owner=False)

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.owner:
            await self.session.rollback()

    def emit(self, event: Event) -> None:
        """Record an event: it is written to the outbox in this same transaction."""
        outbox.add(self.session, event, request_id=self.request_id)
        self.events.append(event)

    async def emit_all(self, events: Sequence[Event]) -> None:
        """Record many events with one outbox insert, in this same transaction."""
        await outbox.add_all(self.session, events, request_id=self.request_id)
        self.events.extend(events)

    async def commit(self) -> None:
        """Keep this use case's changes and their outbox rows, together."""
        if self.owner:
            await self.session.commit()
        else:
            await self.session.flush()
        self.committed = True


# Callers not yet moved to libs.common.sql import these from here.
from libs.common.sql import among, bulk_insert, insert_new, table_of  # noqa: E402

__all__ = [
    "UnitOfWork",
    "among",
    "bulk_insert",
    "create_database_if_missing",
    "create_engine",
    "insert_new",
    "session_factory",
    "table_of",
]
