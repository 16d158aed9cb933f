"""Tables every service database has: outbox, inbox, dead letters, re-sync checkpoints,
idempotency keys. Each service's first Alembic migration creates them with `create()`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    Sequence,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import registry

from libs.common.sql import new_metadata

metadata = new_metadata()
mapper_registry = registry(metadata=metadata)

NOTIFY_CHANNEL = "gridgov_outbox"
position_seq = Sequence("outbox_position_seq", metadata=metadata)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("topic", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("envelope", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True)),
    # Replay position: assigned by the single relay leader in publish order, after the
    # writing transaction committed, so "replay after N" can never skip a row.
    Column("position", BigInteger, unique=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Index("ix_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
)


class OutboxMessage:
    """An outbox row as an ORM object, so `session.add` queues it without I/O."""

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)


mapper_registry.map_imperatively(OutboxMessage, outbox)

inbox = Table(
    "inbox",
    metadata,
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("type", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

dead_letter = Table(
    "dead_letter",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", Text, unique=True),
    Column("type", Text),
    Column("topic", Text, nullable=False),
    Column("partition", Integer),
    Column("offset", BigInteger),
    Column("key", Text),
    Column("value", LargeBinary, nullable=False),
    Column("error", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("replayed_at", DateTime(timezone=True)),
)

sync_checkpoint = Table(
    "sync_checkpoint",
    metadata,
    Column("source", Text, primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

idempotency_key = Table(
    "idempotency_key",
    metadata,
    Column("scope", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("request_hash", Text, nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

NOTIFY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION gridgov_outbox_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('{NOTIFY_CHANNEL}', '');
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
NOTIFY_TRIGGER = """
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
FOR EACH STATEMENT EXECUTE FUNCTION gridgov_outbox_notify()
"""


def create(op: Any) -> None:
    """Create the platform tables (call from a service's first migration)."""
    bind = op.get_bind()
    metadata.create_all(bind)
    op.execute(NOTIFY_FUNCTION)
    op.execute(NOTIFY_TRIGGER)


def drop(op: Any) -> None:
    """Drop the platform tables (downgrade of a service's first migration)."""
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    op.execute("DROP FUNCTION IF EXISTS gridgov_outbox_notify()")
    metadata.drop_all(op.get_bind())
