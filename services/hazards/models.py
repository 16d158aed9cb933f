"""Hazard ledger tables (the ledger itself arrives with the hazards issue)."""

from sqlalchemy.orm import DeclarativeBase

from libs.common.sql import new_metadata


class Base(DeclarativeBase):
    """Declarative base of the hazards database."""

    metadata = new_metadata()
