"""Scheme-years: a scheme offered for a year, with the policy document that governs it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.enrollment.base import Base


class SchemeYear(Base):
    """A scheme (e.g. `resident-medical-a`) a region offers for one year, and its policy.

    Schemes are configuration per region and year (DOMAIN §1): `region_code` is the
    district (区/县) that offers it; its villages' persons enroll and pay under it.
    """

    __tablename__ = "scheme_year"

    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    scheme_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    template: Mapped[str] = mapped_column(String(128))  # shipped policy it started from
    policy: Mapped[dict[str, Any]] = mapped_column(JSONB)
    task_kind: Mapped[str] = mapped_column(String(16), default="persons")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
