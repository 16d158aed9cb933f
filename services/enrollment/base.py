"""Declarative base of the enrollment database (every concept's models derive from it)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from libs.common.sql import new_metadata


class Base(DeclarativeBase):
    """Declarative base of the enrollment database."""

    metadata = new_metadata()
