"""Field types shared by the event catalogue's modules."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
"""A configured code: scheme, tier, campaign, pool, policy version, partner id."""

UserId = Annotated[str, Field(min_length=1, max_length=64)]
"""The id of a user (the `sub` of their token)."""

ExternalRef = Annotated[str, Field(min_length=1, max_length=64)]
"""An identifier assigned by an outside system, e.g. a partner's transaction number."""

Note = Annotated[str, Field(max_length=2000)]

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
"""An amount in yuan, never a float."""

PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]

Year = Annotated[int, Field(ge=2000, le=2100)]

Count = Annotated[int, Field(ge=0)]

PersonKey = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
"""Keyed hash (HMAC-SHA256, hex) of a resident ID number; never the number itself."""


class Sector(StrEnum):
    """Industry sector of an entity or hazard."""

    GAS = "gas"
    CONSTRUCTION = "construction"
    HAZARDOUS_CHEMICALS = "hazardous_chemicals"
    TRANSPORT = "transport"
    FIRE = "fire"
    MINING = "mining"
    SPECIAL_EQUIPMENT = "special_equipment"
    INDUSTRY_TRADE = "industry_trade"
    OTHER = "other"


class Severity(StrEnum):
    """Severity of a hazard (重大隐患 = major)."""

    GENERAL = "general"
    MAJOR = "major"


class Part(BaseModel):
    """Base of a value nested inside an event: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")
