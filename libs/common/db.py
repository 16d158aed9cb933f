"""Async SQLAlchemy engine, sessions and the unit of work every use case runs in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, cast

from sqlalchemy import ColumnElement, MetaData, Table, any_, bindparam, insert, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    AsyncSessionTransaction,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import InstrumentedAttribute

from libs.common.events.envelope import Event

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """A MetaData with the naming convention Alembic migrations rely on."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Any]) -> Table:
    """The Core table of a mapped class (typed as a `Table`, for insert/update statements)."""
    return cast(Table, model.__table__)


def among(
    column: ColumnElement[Any] | InstrumentedAttribute[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """`column = ANY(:values)`, the values bound as one array.

    An `IN` list renders a placeholder per value on every execution, and each list length
    is a statement asyncpg prepares anew; one array keeps a single statement for a lookup of
    one value or of a 2,000-line chunk."""
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))


async def copy_rows(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write rows with PostgreSQL COPY in the session's transaction (bulk, no RETURNING).

    Several times faster than a multi-row INSERT for thousands of rows. Columns are those
    of the first row; a JSON column takes its value as serialised JSON text.
    """
    if not rows:
        return
    columns = list(rows[0])
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    await raw.copy_records_to_table(
        table.name,
        records=[tuple(row[c] for c in columns) for row in rows],
        columns=columns,
        schema_name=table.schema,
    )


COPY_FROM = 200
"""From this many rows on, `bulk_insert` writes with COPY."""


async def bulk_insert(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert rows (no RETURNING, no conflict handling): one INSERT, or COPY when many."""
    if len(rows) >= COPY_FROM:
        await copy_rows(session, table, rows)
    elif rows:
        await session.execute(insert(table), list(rows))


async def insert_new(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]], returning: str = "id"
) -> set[Any]:
    """Insert rows, skipping those that break a unique constraint; `returning` of the rows
    inserted. From `COPY_FROM` rows on, the rows travel as one array per column in a single
    statement (a multi-row INSERT binds every value of every row on its own)."""
    if not rows:
        return set()
    if len(rows) < COPY_FROM:
        few = pg_insert(table).on_conflict_do_nothing().returning(table.c[returning])
        return set((await session.execute(few, list(rows))).scalars())
    columns = list(rows[0])
    dialect = postgresql.dialect()
    arrays = ", ".join(
        f"CAST(:{name} AS {table.c[name].type.compile(dialect=dialect)}[])" for name in columns
    )
    names = ", ".join(f'"{name}"' for name in columns)
    stmt = text(
        f'INSERT INTO "{table.name}" ({names}) SELECT * FROM unnest({arrays}) '
        f'ON CONFLICT DO NOTHING RETURNING "{returning}"'
    )
    values = {name: [row[name] for row in rows] for name in columns}
    return set((await session.execute(stmt, values)).scalars())


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
    """One business transaction: load, change, emit events to the outbox, commit once.

    Leaving the block without `commit()` rolls everything back. A consumer applying a
    batch of events gives each use case a `SavepointUnitOfWork` instead, so the same use
    case code commits into the batch's single transaction.
    """

    def __init__(self, session: AsyncSession, *, request_id: str | None = None) -> None:
        self.session = session
        self.request_id = request_id
        self.events: list[Event] = []

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    def emit(self, event: Event) -> None:
        """Record an event: it is written to the outbox in this same transaction."""
        from libs.common import outbox

        outbox.add(self.session, event, request_id=self.request_id)
        self.events.append(event)

    async def emit_all(self, events: Sequence[Event]) -> None:
        """Record many events with one outbox insert, in this same transaction."""
        from libs.common import outbox

        await outbox.add_all(self.session, events, request_id=self.request_id)
        self.events.extend(events)

    async def commit(self) -> None:
        """Make the changes and their outbox rows durable together."""
        await self.session.commit()

    async def rollback(self) -> None:
        """Discard whatever has not been committed."""
        await self.session.rollback()


class SavepointUnitOfWork(UnitOfWork):
    """A unit of work nested in an enclosing transaction (a consumer batch).

    `commit()` only records that the use case wants its changes kept: the consumer releases
    the savepoint once the whole handler has returned, so a handler that fails after its
    use case committed is still undone.
    """

    def __init__(self, session: AsyncSession, savepoint: AsyncSessionTransaction, **kw: Any):
        super().__init__(session, **kw)
        self._savepoint = savepoint
        self.committed = False

    async def commit(self) -> None:
        """Flush and mark the changes to be kept when the handler returns."""
        await self.session.flush()
        self.committed = True

    async def rollback(self) -> None:
        """Roll back to the savepoint, leaving the enclosing transaction usable."""
        self.committed = False
        if self._savepoint.is_active:
            await self._savepoint.rollback()

    async def finish(self) -> None:
        """Keep the changes if the use case committed, discard them otherwise."""
        if not self._savepoint.is_active:
            return
        if self.committed:
            await self._savepoint.commit()
        else:
            await self._savepoint.rollback()
