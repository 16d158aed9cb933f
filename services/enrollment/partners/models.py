"""The partner table (secrets sealed, never hashed: HMAC needs them) and its audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Identity, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.enrollment.base import Base


class Partner(Base):
    """A partner system allowed to send payments, with its current (and previous) secret."""

    __tablename__ = "partner"

    partner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean)
    secret_sealed: Mapped[str] = mapped_column(Text)
    """The current secret, AES-GCM sealed with a key derived from GRIDGOV_PII_KEY."""
    previous_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The secret before the last rotation, verifying until `previous_until`."""
    previous_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PartnerChange(Base):
    """One audited change to a partner: who, when, what (never a secret)."""

    __tablename__ = "partner_change"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detail: Mapped[str] = mapped_column(Text)
