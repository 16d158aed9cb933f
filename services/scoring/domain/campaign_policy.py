"""A campaign policy: pools, metric, formula, stages, awards, cadences and triggers."""

from collections.abc import Mapping
from typing import Any

from pydantic import Field, field_validator, model_validator

from .awards import DateBucketAwards
from .business_calendar import MonthDayField
from .cadence import SnapshotCadence
from .circular import CircularPolicy
from .errors import UnknownPool
from .formulas import FormulaKind
from .metrics import MetricKind, ensure_allowed_metric
from .policy_base import PolicyModel, parse_toml, validate_policy
from .rank_awards import RankAwardPolicy
from .ranking import SubjectKind
from .stages import StageFormula
from .triggers import TriggerPolicy


class PoolPolicy(PolicyModel):
    """A ranking pool and the unit categories ranked in it (000:L109: 村(居) vs 分场)."""

    code: str = Field(min_length=1)
    label: str
    unit_categories: tuple[str, ...] = Field(min_length=1)


class Phase(PolicyModel):
    """The phase over which 序时进度 is measured (000:L192)."""

    starts: MonthDayField
    ends: MonthDayField


class CampaignPolicy(PolicyModel):
    """One version of an assessment campaign's rules."""

    version: str = Field(min_length=1)
    name: str = Field(min_length=1)
    subject: SubjectKind
    # The enrollment scheme (`scheme_code/region`, as services/enrollment/policy names it)
    # whose premiums this campaign's completion and per-capita rules are written for.
    scheme_policy: str | None = Field(default=None, pattern=r"^[a-z_]+/[a-z0-9-]+$")
    metric: MetricKind
    formula: FormulaKind
    pools: tuple[PoolPolicy, ...] = Field(min_length=1)
    phase: Phase
    cadences: tuple[SnapshotCadence, ...] = Field(min_length=1)
    stages: StageFormula | None = None
    date_bucket_awards: DateBucketAwards | None = None
    rank_awards: RankAwardPolicy | None = None
    triggers: TriggerPolicy = TriggerPolicy()
    circular: CircularPolicy = CircularPolicy()

    @field_validator("metric", mode="before")
    @classmethod
    def _never_fine_revenue(cls, value: Any) -> Any:
        # ForbiddenMetric is not a ValueError, so it leaves pydantic as the domain error.
        return ensure_allowed_metric(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _parts_agree(self) -> "CampaignPolicy":
        if self.formula is FormulaKind.STAGE and self.stages is None:
            raise ValueError("the stage formula needs [stages]")
        codes = [pool.code for pool in self.pools]
        categories = [c for pool in self.pools for c in pool.unit_categories]
        if len(set(codes)) != len(codes) or len(set(categories)) != len(categories):
            raise ValueError("pool codes and unit categories must each be unique")
        if self.rank_awards and set(self.rank_awards.pools) - set(codes):
            raise ValueError("rank awards name a pool the campaign does not define")
        return self

    def pool_for(self, unit_category: str) -> str:
        """The pool a unit of `unit_category` is ranked in."""
        for pool in self.pools:
            if unit_category in pool.unit_categories:
                return pool.code
        raise UnknownPool(f"no pool ranks units of category {unit_category!r}")


def parse_campaign_policy(data: Mapping[str, Any]) -> CampaignPolicy:
    """Validate a campaign policy; fine revenue as the metric raises ForbiddenMetric."""
    return validate_policy(CampaignPolicy, data)


def parse_campaign_policy_toml(text: str) -> CampaignPolicy:
    """Parse and validate a campaign policy from TOML text."""
    return parse_campaign_policy(parse_toml(text))
