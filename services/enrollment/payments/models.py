"""The payment ledger and the deliveries (webhook calls, topic events, files) that fed it."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.enrollment.base import Base


class Payment(Base):
    """A ledger entry; its identity is partner + transaction number, unique.

    `kind` is `payment` or `reversal` (a compensating entry naming the original in
    `reverses_id`); `status` is `posted` (matched to an enrollment), `suspense` (waiting for
    a clerk) or `returned` (a clerk sent it back to the partner). Nothing is ever deleted.
    """

    __tablename__ = "payment"
    __table_args__ = (
        UniqueConstraint("partner_id", "partner_txn_id"),
        Index("ix_payment_enrollment_id", "enrollment_id"),
        Index("ix_payment_status_unit", "status", "unit_code"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    partner_id: Mapped[str] = mapped_column(String(64))
    partner_txn_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="payment")
    status: Mapped[str] = mapped_column(String(16), default="posted")
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    enrollment_id: Mapped[uuid.UUID | None]
    person_key: Mapped[str | None] = mapped_column(String(64), index=True)
    resident_id_enc: Mapped[str | None] = mapped_column(Text)
    unit_code: Mapped[str] = mapped_column(String(12), index=True)
    scheme_code: Mapped[str] = mapped_column(String(64))
    year: Mapped[int]
    tier: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    paid_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deposited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Delivery(Base):
    """One delivery from a partner: a webhook call, a topic event or a reconciliation file."""

    __tablename__ = "delivery"
    __table_args__ = (
        Index("ix_delivery_partner_received", "partner_id", "received_at"),
        # Unfinished file imports only (a handful among the webhook's millions of
        # deliveries): what the sweep for stalled imports reads every minute.
        Index(
            "ix_delivery_unfinished",
            "updated_at",
            postgresql_where=text("state IN ('queued', 'importing')"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    partner_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(Text)  # file name, idempotency key, event id
    digest: Mapped[str | None] = mapped_column(String(64), index=True)
    lines: Mapped[int] = mapped_column(Integer, default=0)
    recorded: Mapped[int] = mapped_column(Integer, default=0)
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
    reversed: Mapped[int] = mapped_column(Integer, default=0)
    deposited: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    suspense: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # A file's import: `queued`, `importing`, then `done`, or `stopped` (why in
    # `stopped_reason`); `updated_at` moves with each chunk and each heartbeat.
    state: Mapped[str] = mapped_column(String(16), server_default="done")
    expected_lines: Mapped[int | None] = mapped_column(Integer)
    stopped_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DeliveryLine(Base):
    """The outcome of one line of a delivery: recorded, duplicate, reversed, deposited,
    suspense or rejected."""

    __tablename__ = "delivery_line"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(index=True)
    line_no: Mapped[int]
    partner_txn_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    payment_id: Mapped[uuid.UUID | None]
