"""Request and response models of schemes and premium quotes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from libs.common.identifiers import ResidentId, ensure_born
from services.enrollment.domain.identity_tags import IdentityTag

Code = str


class SchemeYearPut(BaseModel):
    """A scheme offered for a year, starting from a shipped policy (`scheme/region`)."""

    model_config = ConfigDict(extra="forbid")

    template: str = Field(
        description="Shipped policy to start from, e.g. `resident_medical/variant-a`",
        examples=["resident_medical/variant-a"],
    )
    name: str | None = Field(None, max_length=200)
    task_kind: Literal["persons", "amount"] = "persons"
    collection_year: int | None = Field(
        None,
        ge=2000,
        le=2100,
        description="Calendar year of the collection window (default: the scheme year); "
        "resident medical for year Y is collected in the autumn of Y-1",
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Top-level policy values replacing the template's"
    )


class SchemeYearRead(BaseModel):
    """A region's scheme-year and the policy document that governs it."""

    region_code: str = Field(description="The district (区/县) offering it")
    scheme_code: str
    year: int
    name: str
    template: str
    task_kind: str
    policy: dict[str, Any]


class Rule(BaseModel):
    """The rule that decided a value: stable code and a sentence."""

    code: str
    text: str


class DecidedAmount(BaseModel):
    """An amount in yuan and the rule that decided it (no amount: the rule says how)."""

    amount: Decimal | None
    rule: Rule


class PayerShareRead(BaseModel):
    """What one payer (city, town, county, fiscal) covers."""

    payer: str
    amount: Decimal


class QuoteRequest(BaseModel):
    """The facts of a person to quote for; the ID number gives birth date and sex."""

    model_config = ConfigDict(extra="forbid")

    resident_id: ResidentId | None = None
    birth_date: date | None = Field(
        None, description="Not after today (Asia/Shanghai): a future birth date is a 422."
    )
    sex: Literal["male", "female"] | None = None
    tags: list[Annotated[str, IdentityTag]] = Field(
        default_factory=list,
        max_length=32,
        description="Identity categories (身份类别), from `GET /v1/identity-tags`",
    )
    student: bool = False
    in_employee_scheme: bool = False
    local_hukou: bool = True
    residence_permit: bool = False
    new_nonlocal_student: bool = False
    contribution_years: int = Field(
        0, ge=0, le=80, description="Years of contributions paid (employee pension, 000:L54)"
    )
    paid_at: AwareDatetime | None = Field(None, description="When the person pays (default now)")
    tier: str | None = Field(None, max_length=64)

    @field_validator("birth_date")
    @classmethod
    def _born_already(cls, born: date | None) -> date | None:
        return None if born is None else ensure_born(born)


class EligibilityRead(BaseModel):
    """Whether the person may enroll, and why."""

    eligible: bool
    rule: Rule


class RetirementRead(BaseModel):
    """Retirement outcome of a scheme with retirement rules (employee pension, 000:L54)."""

    retirement_age: int
    age_reached: bool
    years_short: int
    may_retire: bool
    may_keep_paying: bool
    rule: Rule


class QuoteRead(BaseModel):
    """A premium quote: what the person pays, what each payer covers, and why.

    A wage-base scheme (employee pension) has no tier and no amount: `individual.rule` says
    how the tax office computes it, and `retirement` gives the retirement outcome.
    """

    scheme_code: str
    year: int
    policy_version: int
    tier: str | None
    tier_rule: Rule
    individual: DecidedAmount
    subsidy_by_payer: dict[str, Decimal]
    subsidies: list[PayerShareRead]
    subsidy_rule: Rule
    subsidy_category: str | None
    total: DecidedAmount
    within_window: bool
    phase: str | None = Field(
        None, description="The collection campaign's phase on the day paid, per the policy"
    )
    benefits_start: date | None
    benefits_rule: Rule
    eligibility: EligibilityRead
    retirement: RetirementRead | None = None
    quoted_at: datetime
