"""The declarative base every scoring table derives from (Alembic reads `models.Base`)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from libs.common.sql import new_metadata


class Base(DeclarativeBase):
    """Declarative base of the scoring database."""

    metadata = new_metadata()
