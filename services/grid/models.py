"""Grid tables (units, cells, members and inspections arrive with the grid issue)."""

from sqlalchemy.orm import DeclarativeBase

from libs.common.sql import new_metadata


class Base(DeclarativeBase):
    """Declarative base of the grid database."""

    metadata = new_metadata()
