"""The versioned industry credit rules that drive the provisional score and supervision."""

from decimal import Decimal
from enum import StrEnum

from pydantic import Field, model_validator

from .cadence import InspectionCadence
from .credit import CreditGrade
from .policy_base import PolicyModel, parse_toml, validate_policy


class CreditDimension(StrEnum):
    """The five dimensions of the platform's basic credit information (001:L20)."""

    IDENTITY = "identity"
    BEHAVIOUR = "behaviour"
    INNOVATION = "innovation"
    FINANCIAL_STRENGTH = "financial_strength"
    LAW_ABIDING = "law_abiding"


class CreditItemKind(StrEnum):
    """Additional credit information derived from this system's own events (001:L22)."""

    MAJOR_HAZARD = "major_hazard"
    OVERDUE_HAZARD = "overdue_hazard"
    REPEATED_HAZARD = "repeated_hazard"
    HAZARD_CLOSED_ON_TIME = "hazard_closed_on_time"
    INSPECTION_PASSED = "inspection_passed"
    INSPECTION_FAILED = "inspection_failed"
    CONTRIBUTION_ARREARS = "contribution_arrears"
    BLACKLIST_ENTRY = "blacklist_entry"


class BasicInfoRules(PolicyModel):
    """How the five dimension scores map to base points: Σ weight × score / max × base."""

    max_dimension_score: Decimal = Field(default=Decimal(100), gt=0)
    base_points: Decimal = Field(default=Decimal(1000), gt=0, le=1000)
    weights: dict[CreditDimension, Decimal]

    @model_validator(mode="after")
    def _weights_cover_every_dimension(self) -> "BasicInfoRules":
        if set(self.weights) != set(CreditDimension):
            raise ValueError("weights must name each of the five dimensions exactly once")
        if any(weight < 0 for weight in self.weights.values()):
            raise ValueError("weights must not be negative")
        if sum(self.weights.values()) != 1:
            raise ValueError("weights must add up to 1")
        return self


class ItemRule(PolicyModel):
    """The effect of one kind of additional item, its optional cap and validity window."""

    points: Decimal
    cap: Decimal | None = Field(default=None, gt=0)
    validity_months: int | None = Field(default=None, gt=0)
    text: str


class SupervisionPolicy(PolicyModel):
    """How a grade drives 双随机 spot checks and inspection cadence (001:L26)."""

    sampling_ratio_per_quarter: dict[CreditGrade, Decimal]
    cadence_override: dict[CreditGrade, InspectionCadence] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _every_grade_has_a_ratio(self) -> "SupervisionPolicy":
        if set(self.sampling_ratio_per_quarter) != set(CreditGrade):
            raise ValueError("sampling_ratio_per_quarter must name every grade")
        if any(not 0 <= r <= 1 for r in self.sampling_ratio_per_quarter.values()):
            raise ValueError("sampling ratios lie between 0 and 1")
        return self


class CreditRules(PolicyModel):
    """One version of the industry credit evaluation rules."""

    version: str = Field(min_length=1)
    default_validity_months: int = Field(default=12, gt=0)
    basic: BasicInfoRules
    items: dict[CreditItemKind, ItemRule]
    supervision: SupervisionPolicy

    @model_validator(mode="after")
    def _every_item_kind_has_a_rule(self) -> "CreditRules":
        missing = set(CreditItemKind) - set(self.items)
        if missing:
            raise ValueError(f"no rule for item kinds {sorted(missing)}")
        return self

    def validity_months(self, kind: CreditItemKind) -> int:
        """How many months an item of `kind` keeps counting."""
        return self.items[kind].validity_months or self.default_validity_months


def parse_credit_rules(text: str) -> CreditRules:
    """Parse and validate credit rules from TOML text."""
    return validate_policy(CreditRules, parse_toml(text))
