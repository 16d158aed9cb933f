"""Scheme policies: versioned per scheme, region and year, validated when loaded.

Schemes differ between regions and years (DOMAIN §1), so every tier, subsidy, window and
special amount lives in a policy file; the rules in this package only interpret it. The files
are read by `services.enrollment.policy`, beside them: this package parses and validates their
text and does no file I/O.
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from .errors import PolicyError, UnknownTier
from .identity_tags import IdentityTag

Payer = Literal["city", "town", "county", "fiscal"]
ShareRounding = Literal["truncate", "half_up"]
PolicyKey = tuple[str, str, int, int]


def refuse_float(value: Any) -> Any:
    """Refuse a float: it has already lost the exact amount (policy files are parsed with
    Decimal floats, requests carry decimal strings)."""
    if isinstance(value, float):
        raise ValueError("use a decimal string or integer, never a float")
    return value


def _month_day(value: str) -> str:
    month, day = (int(part) for part in value.split("-"))
    date(2000, month, day)  # a leap year, so "02-29" is accepted and nonsense is not
    return value


Money = Annotated[Decimal, BeforeValidator(refuse_float), Field(ge=0, decimal_places=2)]
Fraction = Annotated[Decimal, BeforeValidator(refuse_float), Field(gt=0, le=1)]
MonthDay = Annotated[str, Field(pattern=r"^\d{2}-\d{2}$"), AfterValidator(_month_day)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Tier(_Frozen):
    """A contribution tier (缴费档次): the individual contribution standard."""

    code: str
    amount: Money


class AgeBand(_Frozen):
    """Ages in completed years, both bounds inclusive; a missing bound is open."""

    min_age: int | None = Field(default=None, ge=0)
    max_age: int | None = Field(default=None, ge=0)

    def contains(self, age: int) -> bool:
        """Whether `age` lies in the band (inclusive bounds)."""
        low_ok = self.min_age is None or age >= self.min_age
        return low_ok and (self.max_age is None or age <= self.max_age)


class Eligibility(_Frozen):
    """Who may enroll in the scheme."""

    age: AgeBand = AgeBand()
    exclude_students: bool = False
    exclude_employee_scheme: bool = False
    require_local_hukou: bool = False
    nonlocal_allowed_if: tuple[Literal["student", "residence_permit"], ...] = ()


class Criterion(_Frozen):
    """One way to qualify for a subsidy category; every stated condition must hold."""

    tags: frozenset[Annotated[str, IdentityTag]] = frozenset()
    age: AgeBand | None = None
    minor_or_student: bool | None = None


class PayerShare(_Frozen):
    """What one payer covers: a fraction of the covered tier, or a fixed amount."""

    payer: Payer
    fraction: Fraction | None = None
    amount: Money | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> PayerShare:
        if (self.fraction is None) == (self.amount is None):
            raise ValueError("a payer share has exactly one of fraction or amount")
        return self


class SubsidyCategory(_Frozen):
    """A subsidy (资助/代缴) category: who qualifies, which tier it covers, who pays."""

    code: str
    name: str
    source: str = ""
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    covers_tier: str
    shares: tuple[PayerShare, ...] = Field(min_length=1)
    above_covered_tier: Literal["pay_difference", "forfeit"] = "pay_difference"


class ForcedTier(_Frozen):
    """Persons who must take a given tier (variant B: under-18s and students, L429)."""

    tier: str
    under_age: int
    students: bool = True


class Phase(_Frozen):
    """A named phase of the collection campaign."""

    name: str
    start: MonthDay
    end: MonthDay


class Window(_Frozen):
    """The concentrated collection window of the policy year and its phases."""

    start: MonthDay
    end: MonthDay
    cutoff: MonthDay | None = None
    phases: tuple[Phase, ...] = ()


class OutsideWindow(_Frozen):
    """What paying outside the window costs (variant A: full premium, 30-day wait)."""

    rule: Literal["full_premium", "none"] = "none"
    benefit_waiting_days: int = Field(default=0, ge=0)


class NewStudentRule(_Frozen):
    """Reduced first-year premium of newly enrolled out-of-city students (L465)."""

    premium: Money
    tier: str


class Target(_Frozen):
    """The unit target: enrollment rate and, where set, per-capita contribution."""

    enrollment_rate: Fraction
    per_capita_minimum: Money | None = None


class Reporting(_Frozen):
    """How percentage shares are shown in circulars and statistics."""

    share_rounding: ShareRounding = "truncate"
    share_places: int = Field(default=1, ge=0, le=4)


class Retirement(_Frozen):
    """Statutory retirement ages and the minimum contribution years (000:L54)."""

    male_age: int
    female_age: int
    minimum_years: int


class EnterpriseRules(_Frozen):
    """Enterprise arrears: late-fee daily rate, deferral, minimum contribution base."""

    late_fee_daily_rate: Annotated[Decimal, BeforeValidator(refuse_float), Field(ge=0, lt=1)]
    defer_late_fees_during_campaign: bool = True
    minimum_contribution_base: Money


class SchemePolicy(_Frozen):
    """One scheme's rules for one region and year, at one version."""

    scheme_code: str
    region: str
    year: int = Field(ge=2000, le=2100)
    version: int = Field(ge=1)
    name: str
    # "tiers": the person pays a tier's amount (resident schemes). "wage_base": the
    # contribution is the declared wage base × a rate the tax office applies; the policy
    # has no tiers and a quote states the rule, the window and retirement, not an amount.
    contribution_basis: Literal["tiers", "wage_base"] = "tiers"
    tiers: tuple[Tier, ...] = ()
    default_tier: str | None = None
    forced_tier: ForcedTier | None = None
    fiscal_subsidy: Money = Decimal(0)
    minimum_contribution: Money | None = None
    charge_cap: Literal["highest_tier", "none"] = "highest_tier"
    # What happens to money paid above the amount due: refunded, or kept as contribution
    # (resident pension: "500元以上", any amount above the floor is the person's own grade).
    above_due: Literal["refund", "contribution"] = "refund"
    age_reference: Literal["payment_date", "year_start", "year_end"] = "payment_date"
    eligibility: Eligibility = Eligibility()
    stacking: Literal["highest_only"] = "highest_only"
    subsidy_requires_local_hukou: bool = False
    subsidies: tuple[SubsidyCategory, ...] = ()
    window: Window | None = None
    outside_window: OutsideWindow = OutsideWindow()
    new_nonlocal_student: NewStudentRule | None = None
    target: Target | None = None
    reporting: Reporting = Reporting()
    retirement: Retirement | None = None
    enterprise: EnterpriseRules | None = None

    @model_validator(mode="after")
    def _tiers_consistent(self) -> SchemePolicy:
        if (self.contribution_basis == "tiers") != bool(self.tiers):
            raise ValueError("a tiered policy needs tiers; a wage-base policy has none")
        codes = [tier.code for tier in self.tiers]
        if len(set(codes)) != len(codes):
            raise ValueError("tier codes must be unique")
        named = [self.default_tier, *(c.covers_tier for c in self.subsidies)]
        named += [rule.tier for rule in (self.forced_tier, self.new_nonlocal_student) if rule]
        unknown = {code for code in named if code is not None and code not in codes}
        if unknown:
            raise ValueError(f"unknown tier codes: {sorted(unknown)}")
        floor = self.minimum_contribution
        if floor is not None and any(tier.amount < floor for tier in self.tiers):
            raise ValueError("a tier lies below the minimum contribution")
        return self

    @property
    def key(self) -> PolicyKey:
        """The identity of this policy: scheme, region, year, version."""
        return (self.scheme_code, self.region, self.year, self.version)

    def tier(self, code: str) -> Tier:
        """The tier with this code; an unknown code is a rule violation."""
        for tier in self.tiers:
            if tier.code == code:
                return tier
        raise UnknownTier(f"{self.scheme_code} has no tier {code!r}")


def parse_policy(text: str, name: str) -> SchemePolicy:
    """Validate one policy from its TOML text; `name` (its file's) begins any error."""
    try:
        return SchemePolicy.model_validate(tomllib.loads(text, parse_float=Decimal))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise PolicyError(f"{name}: {exc}") from exc


def current_policy(
    policies: dict[PolicyKey, SchemePolicy], scheme_code: str, region: str, year: int
) -> SchemePolicy:
    """The highest version of the policy for this scheme, region and year."""
    found = [p for p in policies.values() if p.key[:3] == (scheme_code, region, year)]
    if not found:
        raise PolicyError(f"no policy for {scheme_code} / {region} / {year}")
    return max(found, key=lambda policy: policy.version)
