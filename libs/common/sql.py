"""SQL helpers every service uses: the naming convention of constraints, typed tables,
array lookups and bulk writes (COPY from a few hundred rows on). No sessions of their own:
each helper runs in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, MetaData, Table, any_, bindparam, insert, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

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
