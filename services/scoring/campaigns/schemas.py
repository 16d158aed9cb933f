"""Request and response models of the campaign API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, model_validator

from libs.common.events.catalogue.common import Slug, UserId
from libs.common.identifiers import UnitCode


class CampaignUnitCreate(BaseModel):
    """A ranked unit: its category picks the pool; `task` is what it must achieve."""

    unit_code: UnitCode
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=32, description="e.g. village, branch_farm")
    task: Decimal = Field(ge=0, max_digits=14, decimal_places=2, description="任务数")
    cadre_ids: list[UserId] = Field(default_factory=list, description="Village cadres.")
    contact_cadre_ids: list[UserId] = Field(default_factory=list, description="Contact cadres.")


class CampaignCreate(BaseModel):
    """A campaign: scope, year, optional scheme filter, policy (a bundled file or inline)."""

    code: Slug
    name: str = Field(min_length=1, max_length=200)
    scope_unit: UnitCode = Field(description="The unit whose subtree is ranked.")
    year: int = Field(ge=2000, le=2100)
    scheme: Slug | None = Field(None, description="Only this scheme's events count.")
    policy_file: str | None = Field(
        None, description="A bundled policy, e.g. `campaign_resident_medical.v1`."
    )
    policy: dict[str, Any] | None = Field(None, description="An inline policy (same shape).")
    units: list[CampaignUnitCreate] = Field(min_length=1, max_length=20_000)

    @model_validator(mode="after")
    def _one_policy(self) -> CampaignCreate:
        if (self.policy_file is None) == (self.policy is None):
            raise ValueError("give exactly one of policy_file and policy")
        return self


class PoolRead(BaseModel):
    """A pool and how many units it ranks."""

    code: str
    label: str
    units: int


class CampaignRead(BaseModel):
    """A campaign as defined."""

    code: str
    name: str
    scope_unit: str
    year: int
    scheme: str | None
    metric: str
    formula: str
    policy_version: str
    cadences: list[str]
    pools: list[PoolRead]
    created_at: datetime
    policy: dict[str, Any]


class AwardRead(BaseModel):
    """A unit's date-bucket outcome (000:L170–L190)."""

    unit_code: str
    completed_on: str | None
    per_capita: Decimal
    per_cadre: Decimal
    cadre_awards: dict[str, Decimal]
    village_award: Decimal
    subsidy_deduction: Decimal
    honours_barred: bool
    barred_person_ids: list[str]
    explanation: list[dict[str, str]]


class PayoutRead(BaseModel):
    """A rank award or deduction (000:L123)."""

    unit_code: str
    pool: str
    kind: str
    amount: Decimal
    place: int | None
    text: str


class SettlementRead(BaseModel):
    """What the campaign's award rules give each unit as things stand."""

    campaign: str
    year: int
    date_bucket_awards: list[AwardRead]
    rank_awards: list[PayoutRead]


class LateFactsRead(BaseModel):
    """Facts of one unit dated in a stage that arrived after the stage ended (late-data
    policy): counted until the stage's cut-off, refused for scoring after it."""

    unit_code: str
    stage: str
    counted: int
    refused: int
    amount_refused: Decimal
    persons_refused: Decimal
