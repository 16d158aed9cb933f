"""Request and response models of partners: the secret appears only in the answer that
creates it (registration, rotation), never in a read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

PartnerId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
PartnerKind = Literal["tax", "bank"]


class PartnerCreate(BaseModel):
    """A partner system to register."""

    model_config = ConfigDict(extra="forbid")

    partner_id: PartnerId = Field(description="The id it sends as X-Partner-Id")
    name: str = Field(min_length=1, max_length=200)
    kind: PartnerKind


class PartnerRead(BaseModel):
    """A partner, without its secrets."""

    model_config = ConfigDict(from_attributes=True)

    partner_id: str
    name: str
    kind: str
    enabled: bool
    previous_until: datetime | None = Field(
        description="Until when the secret before the last rotation still verifies"
    )
    created_at: datetime
    updated_at: datetime


class PartnerSecretIssued(BaseModel):
    """A partner and its new secret: shown this once, never again."""

    partner: PartnerRead
    secret: str = Field(description="The signing secret; store it now, it is not shown again")


class PartnerChangeRead(BaseModel):
    """One audited change to a partner."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    partner_id: str
    action: str
    actor: str
    at: datetime
    detail: str
