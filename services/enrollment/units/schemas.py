"""Request and response models of units."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from libs.common.identifiers import UnitCode


class UnitPut(BaseModel):
    """A unit registered locally (stop-gap until grid owns the unit tree)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    pool: str = Field("village", min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    active: bool = True


class UnitRead(BaseModel):
    """A unit as enrollment knows it."""

    model_config = ConfigDict(from_attributes=True)

    code: UnitCode
    name: str
    level: str
    parent_code: str | None
    pool: str
    active: bool
    source: str
    updated_at: datetime | None = None
